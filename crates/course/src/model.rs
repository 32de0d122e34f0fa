//! The compiled course: plain serde values that the compiler produces and the app displays.

use serde::{Deserialize, Serialize};

use crate::widgets::WidgetParams;

/// Front matter of a lesson plus what the course index needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LessonMeta {
    /// URL-safe identifier: the file or folder name without its numeric prefix.
    pub slug: String,
    pub title: String,
    pub summary: String,
    /// Estimated minutes of reading and doing.
    pub minutes: u32,
    pub objectives: Vec<String>,
    /// Slugs of lessons to read first.
    pub prerequisites: Vec<String>,
    /// `en` or `fr`.
    pub language: String,
    /// Number of quizzes, for progress on the index.
    pub quiz_count: usize,
    /// Source path relative to the repository, e.g. `lessons/01-what-is-a-medical-image/lesson.md`.
    pub source: String,
}

/// The course index: lessons in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Course {
    pub lessons: Vec<LessonMeta>,
}

impl Course {
    /// Position of a lesson in the course.
    pub fn position(&self, slug: &str) -> Option<usize> {
        self.lessons.iter().position(|l| l.slug == slug)
    }
}

/// One entry of a lesson's table of contents.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TocEntry {
    /// Heading level (2 or 3).
    pub level: u8,
    /// Anchor id, unique in the lesson.
    pub id: String,
    /// Plain text of the heading.
    pub text: String,
}

/// A compiled lesson.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lesson {
    pub meta: LessonMeta,
    pub toc: Vec<TocEntry>,
    pub blocks: Vec<Block>,
}

impl Lesson {
    /// All quizzes in reading order.
    pub fn quizzes(&self) -> impl Iterator<Item = &Quiz> {
        self.blocks.iter().filter_map(|b| match b {
            Block::Quiz(q) => Some(q),
            _ => None,
        })
    }
}

/// A piece of a lesson page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Block {
    /// Trusted HTML produced by the compiler from the lesson's Markdown.
    Html {
        html: String,
    },
    Quiz(Quiz),
    Exercise(Exercise),
}

/// A graded question.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Quiz {
    /// Stable id, unique within the lesson; saved progress is keyed by it.
    pub id: String,
    /// Question as HTML (Markdown and math rendered).
    pub question: String,
    /// Worked explanation, as HTML, shown only once the student has answered correctly or given up (it often holds
    /// the answer). May be empty.
    pub explanation: String,
    /// The author's hint shown after a wrong answer, as HTML. Empty: the app shows a generic hint for the kind.
    #[serde(default)]
    pub hint: String,
    /// Whether a choice quiz shows its options in an order of its own for each student ([`Quiz::choice_order`]).
    /// `false` keeps the author's order, for options whose place matters ("none of the above").
    #[serde(default = "yes")]
    pub shuffle: bool,
    pub kind: QuizKind,
}

fn yes() -> bool {
    true
}

/// What kind of answer a quiz expects.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum QuizKind {
    /// Exactly one correct choice.
    Single { choices: Vec<Choice> },
    /// Any non-empty set of correct choices; the answer must match it exactly.
    Multiple { choices: Vec<Choice> },
    /// A number within `tolerance` (absolute) of `answer`.
    Numeric { answer: f64, tolerance: f64, unit: Option<String> },
}

/// One answer option of a choice quiz.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Choice {
    /// HTML of the option.
    pub text: String,
    pub correct: bool,
    /// HTML shown when this option was picked. May be empty.
    pub feedback: String,
}

/// An interactive widget embedded in a lesson.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Exercise {
    /// Widget name as written by the author.
    pub widget: String,
    /// Checked parameters, or an authoring error to show in the page instead of the widget.
    pub params: Result<WidgetParams, String>,
    /// Optional caption, as HTML.
    pub caption: String,
    /// `file:line` of the block, for authoring errors.
    pub location: String,
}
