//! The walk over a lesson's Markdown events: headings (anchors and the table of contents), admonitions, images,
//! footnotes and nesting, fenced blocks handed to [`super::blocks`] or highlighted, everything else rendered by
//! pulldown-cmark into HTML blocks.

use std::collections::{BTreeMap, HashSet};
use std::ops::Range;

use pulldown_cmark::{BlockQuoteKind, CodeBlockKind, CowStr, Event, HeadingLevel, LinkType, Parser, Tag, TagEnd};

use super::blocks::{exercise, quiz};
use super::highlight::{code_block_html, escape, is_known_language};
use super::math::math_or_warn;
use super::options::markdown_options;
use super::{Ctx, Lines};
use crate::{Block, TocEntry};

/// Deepest nesting of lists and quotes a lesson may use, so a hostile file cannot blow the stack
/// of whoever renders it.
const MAX_NESTING: usize = 32;

/// Turns a heading's text into an anchor id: lowercase ASCII letters, digits and dashes.
pub fn slugify(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars().flat_map(|c| c.to_lowercase()) {
        let c = match c {
            'à' | 'â' | 'ä' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'î' | 'ï' => 'i',
            'ô' | 'ö' => 'o',
            'ù' | 'û' | 'ü' => 'u',
            'ç' => 'c',
            c => c,
        };
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-').to_string();
    if out.is_empty() {
        "section".into()
    } else {
        out
    }
}

fn is_external(url: &str) -> bool {
    url.contains("://") || url.starts_with("//") || url.starts_with("data:") || url.starts_with("mailto:")
}

/// Converts inline events (math, links) for the page, in place.
pub(super) fn map_inline<'a>(ctx: &mut Ctx<'_>, line: usize, ev: Event<'a>) -> Event<'a> {
    match ev {
        Event::InlineMath(m) => Event::InlineHtml(CowStr::from(math_or_warn(ctx, line, &m, false))),
        Event::DisplayMath(m) => Event::InlineHtml(CowStr::from(math_or_warn(ctx, line, &m, true))),
        Event::Start(Tag::Link { link_type, dest_url, title, id }) if dest_url.starts_with('#') && !dest_url.starts_with("#/") => {
            let dest = CowStr::from(ctx.anchor(&dest_url[1..]));
            Event::Start(Tag::Link { link_type, dest_url: dest, title, id })
        }
        other => other,
    }
}

/// The lesson's blocks and table of contents from the body (`src[start..]`).
pub(super) fn body(ctx: &mut Ctx<'_>, src: &str, start: usize, lines: &Lines) -> (Vec<Block>, Vec<TocEntry>) {
    let mut walk = Walk::default();
    let mut events = Parser::new_ext(&src[start..], markdown_options()).into_offset_iter();
    while let Some((ev, range)) = events.next() {
        let line = lines.line_of(start + range.start);
        match ev {
            Event::Start(Tag::CodeBlock(kind)) => walk.code_block(ctx, line, &kind, &mut events),
            Event::Start(Tag::Heading { level, id, .. }) => walk.heading(ctx, line, level, id, &mut events),
            Event::Start(Tag::BlockQuote(Some(kind))) => walk.admonition(kind),
            Event::End(TagEnd::BlockQuote(Some(_))) => walk.close(Event::Html(CowStr::from("</aside>\n"))),
            Event::Start(Tag::Image { link_type, dest_url, title, id }) => walk.image(ctx, line, link_type, &dest_url, title, id),
            Event::FootnoteReference(label) => walk.footnote_reference(ctx, &label),
            Event::Start(Tag::FootnoteDefinition(label)) => walk.footnote_definition(ctx, &label),
            Event::End(TagEnd::FootnoteDefinition) => walk.close(Event::Html(CowStr::from("</div>\n"))),
            Event::Start(tag @ (Tag::List(_) | Tag::BlockQuote(None) | Tag::Item)) => {
                walk.depth += 1;
                if walk.depth > MAX_NESTING {
                    ctx.error(line, format!("lists and quotes are nested more than {MAX_NESTING} deep"));
                    return (walk.blocks, walk.toc);
                }
                walk.pending.push(Event::Start(tag));
            }
            Event::End(tag @ (TagEnd::List(_) | TagEnd::BlockQuote(None) | TagEnd::Item)) => walk.close(Event::End(tag)),
            other => {
                let mapped = map_inline(ctx, line, other);
                walk.pending.push(mapped);
            }
        }
    }
    walk.flush();
    (walk.blocks, walk.toc)
}

/// What the walk over the events has made so far.
#[derive(Default)]
struct Walk<'e> {
    blocks: Vec<Block>,
    toc: Vec<TocEntry>,
    /// The heading anchors given so far.
    ids: HashSet<String>,
    /// The ids of quizzes and graded exercises so far.
    quiz_ids: HashSet<String>,
    /// The number of each footnote label, in order of first use.
    footnotes: BTreeMap<String, usize>,
    /// Events not yet rendered into an HTML block.
    pending: Vec<Event<'e>>,
    /// How deep in lists, quotes and footnotes the walk is.
    depth: usize,
}

impl<'e> Walk<'e> {
    /// Renders the pending events into an HTML block.
    fn flush(&mut self) {
        if !self.pending.is_empty() {
            let mut html = String::new();
            pulldown_cmark::html::push_html(&mut html, self.pending.drain(..));
            self.blocks.push(Block::Html { html });
        }
    }

    /// Leaves a list, quote or footnote with its closing event.
    fn close(&mut self, end: Event<'e>) {
        self.depth = self.depth.saturating_sub(1);
        self.pending.push(end);
    }

    fn footnote_number(&mut self, label: &str) -> usize {
        let next = self.footnotes.len() + 1;
        *self.footnotes.entry(label.to_string()).or_insert(next)
    }

    /// A fenced or indented block, read to its end: a quiz, an exercise, or code.
    fn code_block(
        &mut self,
        ctx: &mut Ctx<'_>,
        line: usize,
        kind: &CodeBlockKind<'_>,
        events: &mut impl Iterator<Item = (Event<'e>, Range<usize>)>,
    ) {
        let lang = match kind {
            CodeBlockKind::Fenced(info) => info.split_whitespace().next().unwrap_or("").to_string(),
            CodeBlockKind::Indented => String::new(),
        };
        let mut code = String::new();
        for (e, _) in events.by_ref() {
            match e {
                Event::Text(t) => code.push_str(&t),
                Event::End(TagEnd::CodeBlock) => break,
                _ => {}
            }
        }
        match lang.as_str() {
            "quiz" | "exercise" if self.depth > 0 => {
                ctx.error(line, format!("a `{lang}` block must stand at the top level of the lesson, not inside a list or a quote"));
            }
            "quiz" => {
                if let Some(q) = quiz(ctx, line, &code, &mut self.quiz_ids) {
                    self.flush();
                    self.blocks.push(Block::Quiz(q));
                }
            }
            "exercise" => {
                if let Some(x) = exercise(ctx, line, &code, &mut self.quiz_ids) {
                    self.flush();
                    self.blocks.push(Block::Exercise(x));
                }
            }
            l if is_known_language(l) => self.pending.push(Event::Html(CowStr::from(code_block_html(l, &code)))),
            l => {
                let hint = if l.starts_with("qu") || l.starts_with("qiz") {
                    " (did you mean `quiz`?)"
                } else if l.starts_with("ex") {
                    " (did you mean `exercise`?)"
                } else {
                    ""
                };
                ctx.error(
                    line,
                    format!("unknown block type `{l}`{hint}; fenced blocks are `quiz`, `exercise`, or code in a known language (python, rust, bash, json, text, ...)"),
                );
            }
        }
    }

    /// A heading, read to its end: a unique anchor, an entry in the table of contents down to `###`.
    fn heading(
        &mut self,
        ctx: &mut Ctx<'_>,
        line: usize,
        level: HeadingLevel,
        id: Option<CowStr<'e>>,
        events: &mut impl Iterator<Item = (Event<'e>, Range<usize>)>,
    ) {
        let mut inner: Vec<Event<'_>> = Vec::new();
        let mut text = String::new();
        for (e, _) in events.by_ref() {
            match e {
                Event::End(TagEnd::Heading(_)) => break,
                Event::Text(ref t) | Event::Code(ref t) | Event::InlineMath(ref t) => {
                    text.push_str(t);
                    inner.push(map_inline(ctx, line, e));
                }
                other => inner.push(map_inline(ctx, line, other)),
            }
        }
        let base = id.map(|i| i.to_string()).unwrap_or_else(|| slugify(&text));
        let mut anchor = base.clone();
        let mut n = 2;
        while !self.ids.insert(anchor.clone()) {
            anchor = format!("{base}-{n}");
            n += 1;
        }
        let lvl = match level {
            HeadingLevel::H1 => {
                ctx.warning(line, "a `#` heading inside a lesson: the page title comes from the front matter, start sections at `##`");
                2
            }
            HeadingLevel::H2 => 2,
            HeadingLevel::H3 => 3,
            HeadingLevel::H4 => 4,
            HeadingLevel::H5 => 5,
            HeadingLevel::H6 => 6,
        };
        if lvl <= 3 {
            self.toc.push(TocEntry { level: lvl, id: anchor.clone(), text: text.trim().to_string() });
        }
        let mut inner_html = String::new();
        pulldown_cmark::html::push_html(&mut inner_html, inner.into_iter());
        self.pending.push(Event::Html(CowStr::from(format!(
            "<h{lvl} id=\"{a}\" tabindex=\"-1\">{inner_html} <a class=\"anchor\" href=\"{href}\" aria-label=\"Link to this section\">#</a></h{lvl}>\n",
            a = escape(&anchor),
            href = escape(&ctx.anchor(&anchor)),
        ))));
    }

    /// `> [!NOTE]` and its kin open an `<aside>`.
    fn admonition(&mut self, kind: BlockQuoteKind) {
        self.depth += 1;
        let (class, title) = match kind {
            BlockQuoteKind::Note => ("note", "Note"),
            BlockQuoteKind::Tip => ("tip", "Tip"),
            BlockQuoteKind::Important => ("important", "Important"),
            BlockQuoteKind::Warning => ("warning", "Warning"),
            BlockQuoteKind::Caution => ("caution", "Caution"),
        };
        self.pending.push(Event::Html(CowStr::from(format!(
            "<aside class=\"admonition {class}\" role=\"note\"><p class=\"admonition-title\">{title}</p>\n"
        ))));
    }

    /// An image: refused if external, looked up in the lesson's folder otherwise.
    fn image(&mut self, ctx: &mut Ctx<'_>, line: usize, link_type: LinkType, dest_url: &str, title: CowStr<'e>, id: CowStr<'e>) {
        let url = dest_url.to_string();
        let dest = if is_external(&url) {
            ctx.error(line, format!("image `{url}` is not in the lesson's folder: RadLearn makes no request outside its own site, so copy the image next to the lesson"));
            url
        } else {
            let path = if ctx.dir.is_empty() { url.clone() } else { format!("{}/{}", ctx.dir, url.trim_start_matches("./")) };
            if !(ctx.asset_exists)(&path) {
                ctx.error(line, format!("image `{url}` not found (looked for `{path}`)"));
            }
            path
        };
        self.pending.push(Event::Start(Tag::Image { link_type, dest_url: CowStr::from(dest), title, id }));
    }

    fn footnote_reference(&mut self, ctx: &Ctx<'_>, label: &str) {
        let n = self.footnote_number(label);
        let id = slugify(label);
        self.pending.push(Event::InlineHtml(CowStr::from(format!(
            "<sup class=\"footnote-ref\"><a href=\"{}\" id=\"fnref-{id}\">{n}</a></sup>",
            escape(&ctx.anchor(&format!("fn-{id}")))
        ))));
    }

    fn footnote_definition(&mut self, ctx: &Ctx<'_>, label: &str) {
        self.depth += 1;
        let n = self.footnote_number(label);
        let id = slugify(label);
        self.pending.push(Event::Html(CowStr::from(format!(
            "<div class=\"footnote\" id=\"fn-{id}\"><a class=\"footnote-back\" href=\"{}\" aria-label=\"Back to the text\">{n}.</a>\n",
            escape(&ctx.anchor(&format!("fnref-{id}")))
        ))));
    }
}
