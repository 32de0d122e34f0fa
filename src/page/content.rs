//! The compiled course, embedded at build time by `build.rs`. Each lesson's JSON is parsed
//! only when the lesson is opened.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::OnceLock;

use radlearn_course::{Course, Lesson};

include!(concat!(env!("OUT_DIR"), "/lessons.rs"));
static COURSE_JSON: &str = include_str!(concat!(env!("OUT_DIR"), "/course.json"));

/// The course index.
pub fn course() -> &'static Course {
    static COURSE: OnceLock<Course> = OnceLock::new();
    // The JSON was written by the same types in build.rs, so it always parses.
    COURSE.get_or_init(|| serde_json::from_str(COURSE_JSON).expect("course.json is written by build.rs from the same types"))
}

thread_local! {
    static CACHE: RefCell<HashMap<String, Rc<Lesson>>> = RefCell::new(HashMap::new());
}

/// A lesson by slug, parsed on first use.
pub fn lesson(slug: &str) -> Option<Rc<Lesson>> {
    if let Some(l) = CACHE.with(|c| c.borrow().get(slug).cloned()) {
        return Some(l);
    }
    let json = LESSONS.iter().find(|(s, _)| *s == slug)?.1;
    let lesson: Rc<Lesson> = Rc::new(serde_json::from_str(json).ok()?);
    CACHE.with(|c| c.borrow_mut().insert(slug.to_string(), lesson.clone()));
    Some(lesson)
}
