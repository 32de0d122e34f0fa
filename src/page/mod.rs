//! The page's module (`radlearn-web`, `src/main.rs`): the course shell that every visit loads: routes, lessons,
//! quizzes, saved progress, the index and About pages, the window/level widget, and the host that fetches the labs
//! module when a lab or a lab exercise is shown ([`lab_host`]).
//!
//! **Invariant:** nothing here imports `crate::labs` or decodes an image: the page's wasm stays small, and its
//! size budget is checked by the bench.

pub mod about;
pub mod app;
pub mod content;
pub mod exercises;
pub mod index;
pub mod lab_host;
pub mod lesson;
pub mod not_found;
pub mod quiz;
pub mod route;
pub mod store;
pub mod window_level;
