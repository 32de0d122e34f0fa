//! The fenced blocks a lesson can hold besides code: `quiz` (checked into a [`Quiz`]) and `exercise` (a widget,
//! checked by [`crate::widgets::check_widget`]).

use std::collections::HashSet;

use pulldown_cmark::{Event, Parser};
use serde::Deserialize;

use super::body::map_inline;
use super::options::markdown_options;
use super::{Ctx, Lines};
use crate::widgets::check_widget;
use crate::{Choice, Exercise, Quiz, QuizKind};

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

pub(super) fn quiz(ctx: &mut Ctx<'_>, line: usize, text: &str, seen: &mut HashSet<String>) -> Option<Quiz> {
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
pub(super) fn exercise(ctx: &mut Ctx<'_>, line: usize, text: &str, seen: &mut HashSet<String>) -> Option<Exercise> {
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
