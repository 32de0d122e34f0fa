//! A lesson's TOML front matter between two `+++` lines: split from the body, then checked into [`LessonMeta`].

use serde::Deserialize;

use super::{Ctx, Lines};
use crate::LessonMeta;

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

/// Returns the front matter text and the byte offset where the body starts.
pub(super) fn split(src: &str) -> Option<(&str, usize)> {
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

/// Checks the front matter into the lesson's metadata; `None` (with errors in `ctx`) if it cannot be used.
pub(super) fn check(ctx: &mut Ctx<'_>, text: &str, slug: &str, file: &str) -> Option<LessonMeta> {
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
