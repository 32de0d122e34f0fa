//! The lesson compiler: Markdown with TOML front matter and interactive blocks, to [`Lesson`].
//!
//! One function ([`markdown_options`]) decides the Markdown dialect. Each lesson goes through
//! front matter -> Markdown events -> blocks; every problem becomes a [`Diagnostic`] with
//! `file:line`. Errors (bad front matter, an unknown block type, an invalid quiz, a missing
//! image) fail the build; warnings (a formula that does not parse, an unknown widget) are also
//! shown in the page, where the author will see them.

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::path::Path;
use std::sync::OnceLock;

use pulldown_cmark::{BlockQuoteKind, CodeBlockKind, CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use serde::Deserialize;

use crate::widgets::check_widget;
use crate::{Block, Choice, Course, Exercise, Lesson, LessonMeta, Quiz, QuizKind, TocEntry};

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// The build fails.
    Error,
    /// The page shows the problem; the build goes on.
    Warning,
}

/// A problem in a lesson, located by file and line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: String,
    pub line: usize,
    pub severity: Severity,
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{}:{}: {sev}: {}", self.file, self.line, self.message)
    }
}

/// The Markdown dialect of lessons, in one place: CommonMark plus tables, footnotes, task lists,
/// strikethrough, `$math$`, GitHub admonitions (`> [!NOTE]`) and `{#id}` heading attributes.
pub fn markdown_options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_MATH
        | Options::ENABLE_GFM
        | Options::ENABLE_HEADING_ATTRIBUTES
}

/// Code block languages shown as plain text, on top of those the highlighter knows.
const PLAIN_LANGUAGES: &[&str] = &["", "text", "plain", "txt", "toml", "console", "output", "csv", "ini", "dicom"];
const ADMONITIONS: &[&str] = &["NOTE", "TIP", "IMPORTANT", "WARNING", "CAUTION"];
/// Deepest nesting of lists and quotes a lesson may use, so a hostile file cannot blow the stack
/// of whoever renders it.
const MAX_NESTING: usize = 32;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FrontMatter {
    title: String,
    summary: String,
    minutes: u32,
    objectives: Vec<String>,
    prerequisites: Vec<String>,
    language: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawQuiz {
    id: String,
    kind: String,
    question: String,
    #[serde(default)]
    explanation: String,
    #[serde(default)]
    hint: String,
    shuffle: Option<bool>,
    #[serde(default)]
    choices: Vec<RawChoice>,
    answer: Option<toml::Value>,
    tolerance: Option<toml::Value>,
    unit: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawChoice {
    text: String,
    #[serde(default)]
    correct: bool,
    #[serde(default)]
    feedback: String,
}

/// Maps byte offsets of the source to 1-based line numbers.
struct Lines {
    starts: Vec<usize>,
}

impl Lines {
    fn new(src: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(src.match_indices('\n').map(|(i, _)| i + 1));
        Lines { starts }
    }
    fn line_of(&self, offset: usize) -> usize {
        self.starts.partition_point(|&s| s <= offset)
    }
}

struct Ctx<'a> {
    file: &'a str,
    slug: &'a str,
    /// Folder of the lesson relative to the site root, for images.
    dir: String,
    diags: Vec<Diagnostic>,
    asset_exists: &'a dyn Fn(&str) -> bool,
}

impl Ctx<'_> {
    fn error(&mut self, line: usize, message: impl Into<String>) {
        self.diags.push(Diagnostic { file: self.file.to_string(), line, severity: Severity::Error, message: message.into() });
    }
    fn warning(&mut self, line: usize, message: impl Into<String>) {
        self.diags.push(Diagnostic { file: self.file.to_string(), line, severity: Severity::Warning, message: message.into() });
    }
    fn anchor(&self, id: &str) -> String {
        format!("#/lesson/{}/{}", self.slug, id)
    }
}

/// Compiles one lesson.
///
/// `file` is the path shown in diagnostics and the base for images (`lessons/02-x/lesson.md`
/// makes `![](hist.svg)` load `lessons/02-x/hist.svg`); `asset_exists` answers whether such a
/// path exists. Returns the lesson and its warnings, or every diagnostic if there is an error.
pub fn compile_lesson(
    file: &str,
    slug: &str,
    src: &str,
    asset_exists: &dyn Fn(&str) -> bool,
) -> Result<(Lesson, Vec<Diagnostic>), Vec<Diagnostic>> {
    let dir = Path::new(file).parent().map(|p| p.to_string_lossy().replace('\\', "/")).unwrap_or_default();
    let mut ctx = Ctx { file, slug, dir, diags: Vec::new(), asset_exists };
    let src = src.strip_prefix('\u{feff}').unwrap_or(src);
    let lines = Lines::new(src);

    let Some((fm_text, body_start)) = split_front_matter(src) else {
        ctx.error(
            1,
            "a lesson starts with TOML front matter between two `+++` lines (title, summary, minutes, objectives, prerequisites, language)",
        );
        return Err(ctx.diags);
    };
    let meta = front_matter(&mut ctx, fm_text, slug, file);
    let (blocks, toc) = body(&mut ctx, src, body_start, &lines);
    check_admonition_markers(&mut ctx, src);

    if ctx.diags.iter().any(|d| d.severity == Severity::Error) {
        return Err(ctx.diags);
    }
    let Some(mut meta) = meta else { return Err(ctx.diags) };
    let lesson_quizzes = blocks.iter().filter(|b| matches!(b, Block::Quiz(_))).count();
    meta.quiz_count = lesson_quizzes;
    Ok((Lesson { meta, toc, blocks }, ctx.diags))
}

/// Returns the front matter text and the byte offset where the body starts.
fn split_front_matter(src: &str) -> Option<(&str, usize)> {
    let first_end = src.find('\n')?;
    if src[..first_end].trim_end() != "+++" {
        return None;
    }
    let mut pos = first_end + 1;
    while pos <= src.len() {
        let end = src[pos..].find('\n').map_or(src.len(), |i| pos + i);
        if src[pos..end].trim_end() == "+++" {
            return Some((&src[first_end + 1..pos], (end + 1).min(src.len())));
        }
        if end == src.len() {
            break;
        }
        pos = end + 1;
    }
    None
}

fn front_matter(ctx: &mut Ctx<'_>, text: &str, slug: &str, file: &str) -> Option<LessonMeta> {
    let fm: FrontMatter = match toml::from_str(text) {
        Ok(fm) => fm,
        Err(e) => {
            let line = e.span().map_or(2, |s| 1 + Lines::new(text).line_of(s.start));
            ctx.error(line, format!("front matter: {}", e.message()));
            return None;
        }
    };
    let mut ok = true;
    if fm.title.trim().is_empty() {
        ctx.error(2, "front matter: `title` is empty");
        ok = false;
    }
    if fm.summary.trim().is_empty() {
        ctx.error(2, "front matter: `summary` is empty; write one or two sentences for the course index");
        ok = false;
    }
    if !(1..=600).contains(&fm.minutes) {
        ctx.error(2, format!("front matter: `minutes` is {}, expected an estimate between 1 and 600", fm.minutes));
        ok = false;
    }
    if fm.objectives.iter().all(|o| o.trim().is_empty()) {
        ctx.error(2, "front matter: `objectives` is empty; list what the student will be able to do");
        ok = false;
    }
    if !matches!(fm.language.as_str(), "en" | "fr") {
        ctx.error(2, format!("front matter: `language` is \"{}\", expected \"en\" or \"fr\"", fm.language));
        ok = false;
    }
    ok.then(|| LessonMeta {
        slug: slug.to_string(),
        title: fm.title,
        summary: fm.summary,
        minutes: fm.minutes,
        objectives: fm.objectives,
        prerequisites: fm.prerequisites,
        language: fm.language,
        quiz_count: 0,
        source: file.to_string(),
    })
}

/// `> [!FOO]` with an unknown kind would silently become a plain quote: catch the typo.
fn check_admonition_markers(ctx: &mut Ctx<'_>, src: &str) {
    for (i, line) in src.lines().enumerate() {
        let t = line.trim_start().trim_start_matches('>').trim();
        if let Some(rest) = t.strip_prefix("[!") {
            if let Some(kind) = rest.strip_suffix(']') {
                if line.trim_start().starts_with('>') && !ADMONITIONS.contains(&kind.to_ascii_uppercase().as_str()) {
                    ctx.error(i + 1, format!("unknown admonition `[!{kind}]`; use one of NOTE, TIP, IMPORTANT, WARNING, CAUTION"));
                }
            }
        }
    }
}

fn syntaxes() -> &'static syntect::parsing::SyntaxSet {
    static SET: OnceLock<syntect::parsing::SyntaxSet> = OnceLock::new();
    SET.get_or_init(syntect::parsing::SyntaxSet::load_defaults_newlines)
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Highlights a code block to HTML with `hl-*` classes (styled in `static/style.css`).
fn highlight(lang: &str, code: &str) -> Option<String> {
    use syntect::html::{ClassStyle, ClassedHTMLGenerator};
    use syntect::util::LinesWithEndings;
    let set = syntaxes();
    let syntax = set.find_syntax_by_token(lang)?;
    let mut generator = ClassedHTMLGenerator::new_with_class_style(syntax, set, ClassStyle::SpacedPrefixed { prefix: "hl-" });
    for line in LinesWithEndings::from(code) {
        generator.parse_html_for_line_which_includes_newline(line).ok()?;
    }
    Some(generator.finalize())
}

fn code_block_html(lang: &str, code: &str) -> String {
    let inner = highlight(lang, code).unwrap_or_else(|| escape(code));
    let label = if lang.is_empty() { String::new() } else { format!(" data-lang=\"{}\"", escape(lang)) };
    format!("<pre class=\"code\"{label}><code>{inner}</code></pre>\n")
}

fn is_known_language(lang: &str) -> bool {
    PLAIN_LANGUAGES.contains(&lang) || syntaxes().find_syntax_by_token(lang).is_some()
}

/// Renders LaTeX to MathML. A formula that does not parse shows its source and the error.
fn math_html(src: &str, display: bool) -> Result<String, (String, String)> {
    use pulldown_latex::config::DisplayMode;
    use pulldown_latex::event::{Content, Dimension, DimensionUnit, Event as LatexEvent};
    use pulldown_latex::{push_mathml, Parser as LatexParser, RenderConfig, Storage};
    let storage = Storage::new();
    // pulldown-latex 0.8 parses `~`, `\nobreakspace` and a control space (`\ `) into the text "&nbsp;", which its
    // MathML writer then escapes, so the page showed a literal "&nbsp;". Give the writer a space of the same
    // width instead (TeX's interword space, a third of an em), at the source of the entity.
    let events: Result<Vec<_>, _> = LatexParser::new(src, &storage)
        .map(|ev| match ev {
            Ok(LatexEvent::Content(Content::Text("&nbsp;"))) => {
                Ok(LatexEvent::Space { width: Some(Dimension::new(1.0 / 3.0, DimensionUnit::Em)), height: None, depth: None })
            }
            other => other,
        })
        .collect();
    let fail = |msg: String| {
        let tag = if display { "div" } else { "span" };
        let html = format!(
            "<{tag} class=\"math-error\" role=\"note\"><code>{}</code> <span class=\"math-error-msg\">formula error: {}</span></{tag}>",
            escape(src),
            escape(&msg)
        );
        (html, msg)
    };
    match events {
        Err(e) => Err(fail(e.to_string())),
        Ok(events) => {
            let config =
                RenderConfig { display_mode: if display { DisplayMode::Block } else { DisplayMode::Inline }, ..Default::default() };
            let mut out = String::new();
            match push_mathml(&mut out, events.into_iter().map(Ok::<_, std::convert::Infallible>), config) {
                Ok(()) => Ok(out),
                Err(e) => Err(fail(e.to_string())),
            }
        }
    }
}

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
fn map_inline<'a>(ctx: &mut Ctx<'_>, line: usize, ev: Event<'a>) -> Event<'a> {
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

/// The first HTML entity that a formula shows as literal text (its `&` escaped as `&amp;` in the MathML), such as
/// `&nbsp;` from a LaTeX converter that passed an entity where it meant a character.
fn literal_entity(mathml: &str) -> Option<&str> {
    mathml.match_indices("&amp;").find_map(|(at, amp)| {
        let rest = &mathml[at + amp.len()..];
        let end = rest.find(';')?;
        let name = &rest[..end];
        let named = name.starts_with(|c: char| c.is_ascii_alphabetic()) && name.chars().all(|c| c.is_ascii_alphanumeric());
        let numeric = name.strip_prefix('#').is_some_and(|n| {
            let digits = n.strip_prefix(['x', 'X']).map_or((n, 10), |h| (h, 16));
            !digits.0.is_empty() && digits.0.chars().all(|c| c.is_digit(digits.1))
        });
        (named || numeric).then(|| &mathml[at..at + amp.len() + end + 1])
    })
}

fn math_or_warn(ctx: &mut Ctx<'_>, line: usize, src: &str, display: bool) -> String {
    match math_html(src, display) {
        Ok(html) => {
            if let Some(entity) = literal_entity(&html) {
                let shown = entity.replacen("&amp;", "&", 1);
                ctx.warning(
                    line,
                    format!(
                        "formula `{src}` shows the literal text `{shown}` in the page: LaTeX knows no HTML entities; write `\\ ` or `~` for a space, or the character itself"
                    ),
                );
            }
            html
        }
        Err((html, msg)) => {
            ctx.warning(line, format!("formula `{src}` does not parse: {msg}"));
            html
        }
    }
}

/// Renders a short Markdown fragment (a question, a choice, feedback) to HTML.
fn fragment(ctx: &mut Ctx<'_>, line: usize, md: &str, strip_paragraph: bool) -> String {
    let events: Vec<Event<'_>> = Parser::new_ext(md, markdown_options()).map(|e| map_inline(ctx, line, e)).collect();
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    let trimmed = html.trim();
    if strip_paragraph {
        if let Some(inner) = trimmed.strip_prefix("<p>").and_then(|s| s.strip_suffix("</p>")) {
            if !inner.contains("<p>") {
                return inner.to_string();
            }
        }
    }
    trimmed.to_string()
}

fn toml_number(v: &toml::Value) -> Option<f64> {
    match v {
        toml::Value::Integer(i) => Some(*i as f64),
        toml::Value::Float(f) => Some(*f),
        _ => None,
    }
}

fn quiz(ctx: &mut Ctx<'_>, line: usize, text: &str, seen: &mut HashSet<String>) -> Option<Quiz> {
    let raw: RawQuiz = match toml::from_str(text) {
        Ok(q) => q,
        Err(e) => {
            let at = line + 1 + e.span().map_or(0, |s| Lines::new(text).line_of(s.start) - 1);
            ctx.error(at, format!("quiz: {}", e.message().trim()));
            return None;
        }
    };
    let mut ok = true;
    let mut err = |ctx: &mut Ctx<'_>, msg: String| {
        ctx.error(line, format!("quiz `{}`: {msg}", raw.id));
        ok = false;
    };
    if raw.id.is_empty() || !raw.id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') {
        err(ctx, "`id` must be lowercase letters, digits and dashes (saved answers are keyed by it)".into());
    } else if !seen.insert(raw.id.clone()) {
        err(ctx, "another quiz in this lesson has the same `id`; ids must be unique".into());
    }
    if raw.question.trim().is_empty() {
        err(ctx, "`question` is empty".into());
    }
    let correct = raw.choices.iter().filter(|c| c.correct).count();
    let kind_ok = match raw.kind.as_str() {
        "single" | "multiple" => {
            if raw.choices.len() < 2 {
                err(ctx, format!("a {} choice quiz needs at least two `[[choices]]`, found {}", raw.kind, raw.choices.len()));
            }
            if raw.kind == "single" && correct != 1 {
                err(ctx, format!("a single choice quiz needs exactly one choice with `correct = true`, found {correct}"));
            }
            if raw.kind == "multiple" && correct == 0 {
                err(ctx, "a multiple choice quiz needs at least one choice with `correct = true`".into());
            }
            if raw.answer.is_some() || raw.tolerance.is_some() || raw.unit.is_some() {
                err(ctx, "`answer`, `tolerance` and `unit` belong to numeric quizzes; remove them or use kind = \"numeric\"".into());
            }
            if raw.choices.iter().any(|c| c.text.trim().is_empty()) {
                err(ctx, "a choice has an empty `text`".into());
            }
            true
        }
        "numeric" => {
            if !raw.choices.is_empty() {
                err(ctx, "a numeric quiz has no `[[choices]]`; give `answer` and `tolerance`".into());
            }
            if raw.shuffle.is_some() {
                err(ctx, "`shuffle` belongs to choice quizzes (it keeps the options in the author's order); remove it".into());
            }
            match raw.answer.as_ref().map(toml_number) {
                Some(Some(a)) if a.is_finite() => {}
                Some(_) => err(ctx, "`answer` must be a number".into()),
                None => err(ctx, "a numeric quiz needs `answer`".into()),
            }
            match raw.tolerance.as_ref().map(toml_number) {
                Some(Some(t)) if t >= 0.0 && t.is_finite() => {}
                Some(_) => err(ctx, "`tolerance` must be a number >= 0 (absolute difference accepted)".into()),
                None => err(ctx, "a numeric quiz needs `tolerance` (the absolute difference accepted, e.g. 0.01)".into()),
            }
            true
        }
        other => {
            err(ctx, format!("unknown `kind = \"{other}\"`; use \"single\", \"multiple\" or \"numeric\""));
            false
        }
    };
    if !ok || !kind_ok {
        return None;
    }
    let choices: Vec<Choice> = raw
        .choices
        .iter()
        .map(|c| Choice { text: fragment(ctx, line, &c.text, true), correct: c.correct, feedback: fragment(ctx, line, &c.feedback, true) })
        .collect();
    let kind = match raw.kind.as_str() {
        "single" => QuizKind::Single { choices },
        "multiple" => QuizKind::Multiple { choices },
        _ => QuizKind::Numeric {
            answer: raw.answer.as_ref().and_then(toml_number).unwrap_or_default(),
            tolerance: raw.tolerance.as_ref().and_then(toml_number).unwrap_or_default(),
            unit: raw.unit.filter(|u| !u.trim().is_empty()),
        },
    };
    Some(Quiz {
        id: raw.id,
        question: fragment(ctx, line, &raw.question, false),
        explanation: fragment(ctx, line, &raw.explanation, false),
        hint: fragment(ctx, line, &raw.hint, false),
        shuffle: raw.shuffle.unwrap_or(true),
        kind,
    })
}

/// An `exercise` block; a graded widget's `id` joins the lesson's quiz ids (`seen`), which must be unique.
fn exercise(ctx: &mut Ctx<'_>, line: usize, text: &str, seen: &mut HashSet<String>) -> Option<Exercise> {
    let mut table: toml::Table = match toml::from_str(text) {
        Ok(t) => t,
        Err(e) => {
            let at = line + 1 + e.span().map_or(0, |s| Lines::new(text).line_of(s.start) - 1);
            ctx.error(at, format!("exercise: {}", e.message().trim()));
            return None;
        }
    };
    let widget = match table.remove("widget") {
        Some(toml::Value::String(s)) => s,
        _ => {
            ctx.error(line, "exercise: the first key must be `widget = \"name\"` (e.g. widget = \"window-level\")");
            return None;
        }
    };
    let caption = match table.remove("caption") {
        Some(toml::Value::String(s)) => fragment(ctx, line, &s, true),
        Some(_) => {
            ctx.error(line, "exercise: `caption` must be a string");
            return None;
        }
        None => String::new(),
    };
    let mut params = check_widget(&widget, &table);
    if let Some(id) = params.as_ref().ok().and_then(|p| p.graded_id()).map(str::to_string) {
        if !seen.insert(id.clone()) {
            params = Err(format!("`id`: a quiz or exercise of this lesson already uses the id \"{id}\"; ids must be unique"));
        }
    }
    if let Err(msg) = &params {
        ctx.warning(line, format!("exercise: {msg}"));
    }
    Some(Exercise { widget, params, caption, location: format!("{}:{line}", ctx.file) })
}

fn body(ctx: &mut Ctx<'_>, src: &str, start: usize, lines: &Lines) -> (Vec<Block>, Vec<TocEntry>) {
    let body_src = &src[start..];
    let mut blocks = Vec::new();
    let mut toc = Vec::new();
    let mut ids: HashSet<String> = HashSet::new();
    let mut quiz_ids = HashSet::new();
    let mut footnotes: BTreeMap<String, usize> = BTreeMap::new();
    let mut pending: Vec<Event<'_>> = Vec::new();
    let mut depth = 0usize;
    let flush = |pending: &mut Vec<Event<'_>>, blocks: &mut Vec<Block>| {
        if !pending.is_empty() {
            let mut html = String::new();
            pulldown_cmark::html::push_html(&mut html, pending.drain(..));
            blocks.push(Block::Html { html });
        }
    };
    let footnote_number = |label: &str, footnotes: &mut BTreeMap<String, usize>| {
        let next = footnotes.len() + 1;
        *footnotes.entry(label.to_string()).or_insert(next)
    };

    let mut events = Parser::new_ext(body_src, markdown_options()).into_offset_iter();
    while let Some((ev, range)) = events.next() {
        let line = lines.line_of(start + range.start);
        match ev {
            Event::Start(Tag::CodeBlock(kind)) => {
                let lang = match &kind {
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
                    "quiz" | "exercise" if depth > 0 => {
                        ctx.error(
                            line,
                            format!("a `{lang}` block must stand at the top level of the lesson, not inside a list or a quote"),
                        );
                    }
                    "quiz" => {
                        if let Some(q) = quiz(ctx, line, &code, &mut quiz_ids) {
                            flush(&mut pending, &mut blocks);
                            blocks.push(Block::Quiz(q));
                        }
                    }
                    "exercise" => {
                        if let Some(x) = exercise(ctx, line, &code, &mut quiz_ids) {
                            flush(&mut pending, &mut blocks);
                            blocks.push(Block::Exercise(x));
                        }
                    }
                    l if is_known_language(l) => pending.push(Event::Html(CowStr::from(code_block_html(l, &code)))),
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
            Event::Start(Tag::Heading { level, id, .. }) => {
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
                while !ids.insert(anchor.clone()) {
                    anchor = format!("{base}-{n}");
                    n += 1;
                }
                let lvl = match level {
                    HeadingLevel::H1 => {
                        ctx.warning(
                            line,
                            "a `#` heading inside a lesson: the page title comes from the front matter, start sections at `##`",
                        );
                        2
                    }
                    HeadingLevel::H2 => 2,
                    HeadingLevel::H3 => 3,
                    HeadingLevel::H4 => 4,
                    HeadingLevel::H5 => 5,
                    HeadingLevel::H6 => 6,
                };
                if lvl <= 3 {
                    toc.push(TocEntry { level: lvl, id: anchor.clone(), text: text.trim().to_string() });
                }
                let mut inner_html = String::new();
                pulldown_cmark::html::push_html(&mut inner_html, inner.into_iter());
                pending.push(Event::Html(CowStr::from(format!(
                    "<h{lvl} id=\"{a}\" tabindex=\"-1\">{inner_html} <a class=\"anchor\" href=\"{href}\" aria-label=\"Link to this section\">#</a></h{lvl}>\n",
                    a = escape(&anchor),
                    href = escape(&ctx.anchor(&anchor)),
                ))));
            }
            Event::Start(Tag::BlockQuote(Some(kind))) => {
                depth += 1;
                let (class, title) = match kind {
                    BlockQuoteKind::Note => ("note", "Note"),
                    BlockQuoteKind::Tip => ("tip", "Tip"),
                    BlockQuoteKind::Important => ("important", "Important"),
                    BlockQuoteKind::Warning => ("warning", "Warning"),
                    BlockQuoteKind::Caution => ("caution", "Caution"),
                };
                pending.push(Event::Html(CowStr::from(format!(
                    "<aside class=\"admonition {class}\" role=\"note\"><p class=\"admonition-title\">{title}</p>\n"
                ))));
            }
            Event::End(TagEnd::BlockQuote(Some(_))) => {
                depth = depth.saturating_sub(1);
                pending.push(Event::Html(CowStr::from("</aside>\n")));
            }
            Event::Start(Tag::Image { link_type, dest_url, title, id }) => {
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
                pending.push(Event::Start(Tag::Image { link_type, dest_url: CowStr::from(dest), title, id }));
            }
            Event::FootnoteReference(label) => {
                let n = footnote_number(&label, &mut footnotes);
                let id = slugify(&label);
                pending.push(Event::InlineHtml(CowStr::from(format!(
                    "<sup class=\"footnote-ref\"><a href=\"{}\" id=\"fnref-{id}\">{n}</a></sup>",
                    escape(&ctx.anchor(&format!("fn-{id}")))
                ))));
            }
            Event::Start(Tag::FootnoteDefinition(label)) => {
                depth += 1;
                let n = footnote_number(&label, &mut footnotes);
                let id = slugify(&label);
                pending.push(Event::Html(CowStr::from(format!(
                    "<div class=\"footnote\" id=\"fn-{id}\"><a class=\"footnote-back\" href=\"{}\" aria-label=\"Back to the text\">{n}.</a>\n",
                    escape(&ctx.anchor(&format!("fnref-{id}")))
                ))));
            }
            Event::End(TagEnd::FootnoteDefinition) => {
                depth = depth.saturating_sub(1);
                pending.push(Event::Html(CowStr::from("</div>\n")));
            }
            Event::Start(tag @ (Tag::List(_) | Tag::BlockQuote(None) | Tag::Item)) => {
                depth += 1;
                if depth > MAX_NESTING {
                    ctx.error(line, format!("lists and quotes are nested more than {MAX_NESTING} deep"));
                    return (blocks, toc);
                }
                pending.push(Event::Start(tag));
            }
            Event::End(tag @ (TagEnd::List(_) | TagEnd::BlockQuote(None) | TagEnd::Item)) => {
                depth = depth.saturating_sub(1);
                pending.push(Event::End(tag));
            }
            other => {
                let mapped = map_inline(ctx, line, other);
                pending.push(mapped);
            }
        }
    }
    flush(&mut pending, &mut blocks);
    (blocks, toc)
}

/// A compiled course with the warnings found on the way.
#[derive(Debug)]
pub struct CompiledCourse {
    pub course: Course,
    pub lessons: Vec<Lesson>,
    pub warnings: Vec<Diagnostic>,
}

/// Compiles every lesson under `root/lessons_dir`: `NN-slug.md` files or `NN-slug/lesson.md`
/// folders, ordered by their numeric prefix. Paths in diagnostics are relative to `root`.
pub fn compile_course(root: &Path, lessons_dir: &str) -> Result<CompiledCourse, Vec<Diagnostic>> {
    let dir = root.join(lessons_dir);
    let mut diags = Vec::new();
    let diag = |file: String, message: String| Diagnostic { file, line: 1, severity: Severity::Error, message };
    let entries = match std::fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) => return Err(vec![diag(lessons_dir.to_string(), format!("cannot read the lessons folder: {e}"))]),
    };
    let mut found: Vec<(u32, String, String)> = Vec::new(); // (order, slug, relative file)
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        let path = entry.path();
        let rel = format!("{lessons_dir}/{name}");
        let (stem, file) = if path.is_dir() {
            if !path.join("lesson.md").is_file() {
                diags.push(diag(rel, "a lesson folder needs a `lesson.md` file".into()));
                continue;
            }
            (name.clone(), format!("{rel}/lesson.md"))
        } else if let Some(stem) = name.strip_suffix(".md") {
            if name.eq_ignore_ascii_case("README.md") {
                continue;
            }
            (stem.to_string(), rel)
        } else {
            continue;
        };
        let Some((num, slug)) = stem.split_once('-').and_then(|(n, s)| Some((n.parse::<u32>().ok()?, s))) else {
            diags.push(diag(file, format!("`{stem}` needs a numeric prefix that sets its place in the course, like `03-{stem}`")));
            continue;
        };
        if slug.is_empty() || slugify(slug) != slug {
            diags.push(diag(file, format!("`{slug}` is not a usable URL name; use lowercase letters, digits and dashes")));
            continue;
        }
        found.push((num, slug.to_string(), file));
    }
    found.sort();
    let mut lessons = Vec::new();
    let mut warnings = Vec::new();
    let mut slugs = HashSet::new();
    for (_, slug, file) in &found {
        if !slugs.insert(slug.clone()) {
            diags.push(diag(file.clone(), format!("two lessons are named `{slug}`; names must be unique")));
            continue;
        }
        let src = match std::fs::read_to_string(root.join(file)) {
            Ok(s) => s,
            Err(e) => {
                diags.push(diag(file.clone(), format!("cannot read the file as UTF-8 text: {e}")));
                continue;
            }
        };
        let exists = |p: &str| !p.contains("..") && root.join(p).is_file();
        match compile_lesson(file, slug, &src, &exists) {
            Ok((lesson, w)) => {
                warnings.extend(w);
                lessons.push(lesson);
            }
            Err(d) => diags.extend(d),
        }
    }
    for (i, lesson) in lessons.iter().enumerate() {
        for p in &lesson.meta.prerequisites {
            match lessons.iter().position(|l| &l.meta.slug == p) {
                None => diags.push(diag(lesson.meta.source.clone(), format!("prerequisite `{p}` is not a lesson of this course"))),
                Some(j) if j >= i => warnings.push(Diagnostic {
                    severity: Severity::Warning,
                    ..diag(lesson.meta.source.clone(), format!("prerequisite `{p}` comes later in the course"))
                }),
                Some(_) => {}
            }
        }
    }
    if found.is_empty() && diags.is_empty() {
        diags.push(diag(lessons_dir.to_string(), "no lessons found (expected `NN-name.md` files or `NN-name/lesson.md` folders)".into()));
    }
    if diags.iter().any(|d| d.severity == Severity::Error) {
        diags.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
        return Err(diags);
    }
    let course = Course { lessons: lessons.iter().map(|l| l.meta.clone()).collect() };
    Ok(CompiledCourse { course, lessons, warnings })
}
