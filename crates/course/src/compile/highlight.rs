//! Code blocks: syntax highlighting at build time (syntect) and HTML escaping.

use std::sync::OnceLock;

/// Code block languages shown as plain text, on top of those the highlighter knows.
const PLAIN_LANGUAGES: &[&str] = &["", "text", "plain", "txt", "toml", "console", "output", "csv", "ini", "dicom"];

fn syntaxes() -> &'static syntect::parsing::SyntaxSet {
    static SET: OnceLock<syntect::parsing::SyntaxSet> = OnceLock::new();
    SET.get_or_init(syntect::parsing::SyntaxSet::load_defaults_newlines)
}

pub(super) fn escape(s: &str) -> String {
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

pub(super) fn code_block_html(lang: &str, code: &str) -> String {
    let inner = highlight(lang, code).unwrap_or_else(|| escape(code));
    let label = if lang.is_empty() { String::new() } else { format!(" data-lang=\"{}\"", escape(lang)) };
    format!("<pre class=\"code\"{label}><code>{inner}</code></pre>\n")
}

pub(super) fn is_known_language(lang: &str) -> bool {
    PLAIN_LANGUAGES.contains(&lang) || syntaxes().find_syntax_by_token(lang).is_some()
}
