//! RadLearn's course: lessons as plain values, quiz grading and saved progress.
//!
//! The pipeline follows mdBook's shape: Markdown files under `lessons/` are compiled
//! (feature `render`, native only) into [`Lesson`] values — front matter, pre-rendered HTML,
//! quizzes and exercise widgets — which the web app receives as JSON and only has to display.
//! Grading ([`Quiz::grade`]) and the saved-progress schema ([`progress`]) have no web
//! dependency either, so everything here is tested natively.
//!
//! # Example
//! ~~~
//! # #[cfg(feature = "render")] {
//! use radlearn_course::{compile::compile_lesson, Response};
//! let src = r#"+++
//! title = "Demo"
//! summary = "A tiny lesson."
//! minutes = 5
//! objectives = ["Read a formula"]
//! prerequisites = []
//! language = "en"
//! +++
//! Water is $0$ HU.
//!
//! ```quiz
//! id = "water"
//! kind = "numeric"
//! question = "CT number of water?"
//! answer = 0.0
//! tolerance = 0.5
//! unit = "HU"
//! ```
//! "#;
//! let (lesson, _warnings) = compile_lesson("demo.md", "demo", src, &|_| true).expect("valid lesson");
//! let quiz = lesson.quizzes().next().expect("one quiz");
//! assert!(quiz.grade(&Response::Numeric(0.2)).expect("gradable").correct);
//! # }
//! ~~~

#[cfg(feature = "render")]
pub mod compile;
pub mod datasets;
mod grade;
mod model;
mod order;
pub mod progress;
pub mod widgets;

pub use grade::{parse_number, Grade, GradeError, Response};
pub use model::*;
