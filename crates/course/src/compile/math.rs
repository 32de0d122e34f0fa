//! `$math$` in lessons: LaTeX to MathML, with a warning for a formula that does not parse or shows an entity.

use super::highlight::escape;
use super::Ctx;

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

pub(super) fn math_or_warn(ctx: &mut Ctx<'_>, line: usize, src: &str, display: bool) -> String {
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
