//! The Markdown dialect of lessons, in one place.

use pulldown_cmark::Options;

use super::Ctx;

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

const ADMONITIONS: &[&str] = &["NOTE", "TIP", "IMPORTANT", "WARNING", "CAUTION"];

/// `> [!FOO]` with an unknown kind would silently become a plain quote: catch the typo.
pub(super) fn check_admonition_markers(ctx: &mut Ctx<'_>, src: &str) {
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
