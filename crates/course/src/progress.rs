//! Saved progress: a versioned schema, loading that never loses data, export/import and merge.
//!
//! The browser stores one JSON document (see `src/platform.rs` in the app). Loading is total:
//! any input, including garbage, yields a usable [`Progress`] plus, when something was wrong,
//! a [`Notice`] for the student and the original text to keep as a backup.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::Response;

/// Version of the schema written by this build. Bump it and add a step to [`migrate`] when
/// the shape changes; never change the meaning of an existing version.
pub const SCHEMA_VERSION: u32 = 1;

/// Everything a student has done, per lesson slug.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    pub schema: u32,
    #[serde(default)]
    pub lessons: BTreeMap<String, LessonProgress>,
}

/// Progress in one lesson.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LessonProgress {
    /// The student marked the lesson as done.
    #[serde(default)]
    pub completed: bool,
    /// Last answer to each quiz, by quiz id. Answers to quizzes that no longer exist are kept.
    #[serde(default)]
    pub quizzes: BTreeMap<String, QuizRecord>,
}

/// The latest answer to one quiz.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuizRecord {
    pub response: Response,
    pub correct: bool,
    /// How many times the student submitted an answer.
    pub attempts: u32,
}

/// Why the saved data could not be used as it was.
#[derive(Debug, Clone, PartialEq)]
pub enum Notice {
    /// Not JSON, or not progress: started afresh; the original is kept as a backup.
    Corrupt { reason: String },
    /// Written by a newer RadLearn: started afresh here; the original is kept as a backup.
    Newer { version: u32 },
    /// An older schema was upgraded.
    Migrated { from: u32 },
}

impl std::fmt::Display for Notice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Notice::Corrupt { reason } => write!(
                f,
                "Your saved progress could not be read ({reason}). RadLearn started a fresh record and kept the old data as a backup you can download."
            ),
            Notice::Newer { version } => write!(
                f,
                "Your saved progress was written by a newer version of RadLearn (format {version}, this one reads {SCHEMA_VERSION}). It is kept as a backup you can download; open the newer version to use it."
            ),
            Notice::Migrated { from } => write!(f, "Your saved progress was upgraded from format {from} to {SCHEMA_VERSION}."),
        }
    }
}

/// The result of loading saved progress.
#[derive(Debug, Clone, PartialEq)]
pub struct Loaded {
    pub progress: Progress,
    pub notice: Option<Notice>,
    /// The text as it was found, when it must be kept because it was not fully understood.
    pub backup: Option<String>,
}

impl Progress {
    /// An empty record in the current schema.
    pub fn new() -> Self {
        Progress { schema: SCHEMA_VERSION, lessons: BTreeMap::new() }
    }

    /// Loads saved progress. `None` (nothing saved) gives an empty record without a notice.
    pub fn load(saved: Option<&str>) -> Loaded {
        let Some(text) = saved.filter(|t| !t.trim().is_empty()) else {
            return Loaded { progress: Progress::new(), notice: None, backup: None };
        };
        let fresh = |notice| Loaded { progress: Progress::new(), notice: Some(notice), backup: Some(text.to_string()) };
        let value: serde_json::Value = match serde_json::from_str(text) {
            Ok(v) => v,
            Err(e) => return fresh(Notice::Corrupt { reason: format!("not valid JSON: {e}") }),
        };
        match migrate(value) {
            Ok((progress, None)) => Loaded { progress, notice: None, backup: None },
            Ok((progress, Some(from))) => Loaded { progress, notice: Some(Notice::Migrated { from }), backup: Some(text.to_string()) },
            Err(notice) => fresh(notice),
        }
    }

    /// Serialises for storage.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| String::from("{}"))
    }

    /// A pretty, self-describing export file.
    pub fn export(&self) -> String {
        let doc = serde_json::json!({
            "app": "RadLearn",
            "kind": "progress",
            "schema": self.schema,
            "lessons": self.lessons,
        });
        serde_json::to_string_pretty(&doc).unwrap_or_default()
    }

    /// Reads an exported file (or a raw stored document). Unlike [`Progress::load`], a file
    /// that cannot be understood is an error: the student picked the wrong file.
    pub fn import(text: &str) -> Result<Progress, String> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| format!("this file is not a RadLearn progress export (not JSON: {e})"))?;
        migrate(value).map(|(p, _)| p).map_err(|n| match n {
            Notice::Corrupt { reason } => format!("this file is not a RadLearn progress export ({reason})"),
            other => other.to_string(),
        })
    }

    /// Merges another record into this one without losing anything: a lesson is complete if
    /// either says so; for each quiz the correct answer wins, then the one with more attempts.
    pub fn merge(&mut self, other: Progress) {
        for (slug, theirs) in other.lessons {
            let mine = self.lessons.entry(slug).or_default();
            mine.completed |= theirs.completed;
            for (id, record) in theirs.quizzes {
                match mine.quizzes.get(&id) {
                    Some(existing) if (existing.correct, existing.attempts) >= (record.correct, record.attempts) => {}
                    _ => {
                        mine.quizzes.insert(id, record);
                    }
                }
            }
        }
    }

    /// Records an answer.
    pub fn record(&mut self, lesson: &str, quiz: &str, response: Response, correct: bool) {
        let lp = self.lessons.entry(lesson.to_string()).or_default();
        let attempts = lp.quizzes.get(quiz).map_or(0, |r| r.attempts).saturating_add(1);
        lp.quizzes.insert(quiz.to_string(), QuizRecord { response, correct, attempts });
    }

    /// Number of quizzes among `quiz_ids` answered correctly in `lesson`.
    pub fn correct_count<'a>(&self, lesson: &str, quiz_ids: impl IntoIterator<Item = &'a str>) -> usize {
        let Some(lp) = self.lessons.get(lesson) else { return 0 };
        quiz_ids.into_iter().filter(|id| lp.quizzes.get(*id).is_some_and(|r| r.correct)).count()
    }

    /// Whether the lesson is marked complete.
    pub fn is_completed(&self, lesson: &str) -> bool {
        self.lessons.get(lesson).is_some_and(|l| l.completed)
    }
}

/// Brings any stored document to the current schema. Returns the progress and, if it was
/// upgraded, the version it came from.
///
/// Version 1 is the first schema. An export file wraps the same fields with `app` and `kind`,
/// so both are accepted.
pub fn migrate(value: serde_json::Value) -> Result<(Progress, Option<u32>), Notice> {
    let serde_json::Value::Object(map) = &value else {
        return Err(Notice::Corrupt { reason: "expected a JSON object".into() });
    };
    if let Some(kind) = map.get("kind").and_then(|k| k.as_str()) {
        if kind != "progress" {
            return Err(Notice::Corrupt { reason: format!("it holds `{kind}`, not progress") });
        }
    }
    let version = match map.get("schema") {
        Some(serde_json::Value::Number(n)) => n.as_u64().and_then(|v| u32::try_from(v).ok()),
        _ => None,
    }
    .ok_or_else(|| Notice::Corrupt { reason: "no schema version".into() })?;
    match version {
        SCHEMA_VERSION => {
            let mut p: Progress =
                serde_json::from_value(value).map_err(|e| Notice::Corrupt { reason: format!("unexpected content: {e}") })?;
            p.schema = SCHEMA_VERSION;
            Ok((p, None))
        }
        v if v > SCHEMA_VERSION => Err(Notice::Newer { version: v }),
        v => Err(Notice::Corrupt { reason: format!("unknown format version {v}") }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Progress {
        let mut p = Progress::new();
        p.record("intro", "hu-water", Response::Single(0), false);
        p.record("intro", "hu-water", Response::Single(1), true);
        p.record("intro", "voxel", Response::Numeric(1.225), true);
        p.lessons.get_mut("intro").unwrap().completed = true;
        p
    }

    #[test]
    fn round_trip_through_storage_and_export() {
        let p = sample();
        let loaded = Progress::load(Some(&p.to_json()));
        assert_eq!(loaded.progress, p);
        assert_eq!(loaded.notice, None);
        assert_eq!(Progress::import(&p.export()).unwrap(), p);
        assert_eq!(p.lessons["intro"].quizzes["hu-water"].attempts, 2);
        assert_eq!(p.correct_count("intro", ["hu-water", "voxel", "gone"]), 2);
    }

    #[test]
    fn nothing_saved_is_not_an_error() {
        assert_eq!(Progress::load(None), Loaded { progress: Progress::new(), notice: None, backup: None });
        assert_eq!(Progress::load(Some("  ")).notice, None);
    }

    #[test]
    fn corrupt_data_is_backed_up_not_lost() {
        for bad in
            ["{not json", "[1,2]", "{\"lessons\":{}}", "{\"schema\":1,\"lessons\":{\"x\":{\"quizzes\":{\"q\":42}}}}", "{\"schema\":0}"]
        {
            let loaded = Progress::load(Some(bad));
            assert_eq!(loaded.progress, Progress::new(), "{bad}");
            assert!(matches!(loaded.notice, Some(Notice::Corrupt { .. })), "{bad}: {:?}", loaded.notice);
            assert_eq!(loaded.backup.as_deref(), Some(bad));
        }
    }

    #[test]
    fn newer_schema_is_kept_as_backup() {
        let text = "{\"schema\":7,\"lessons\":{}}";
        let loaded = Progress::load(Some(text));
        assert_eq!(loaded.notice, Some(Notice::Newer { version: 7 }));
        assert_eq!(loaded.backup.as_deref(), Some(text));
        assert!(loaded.notice.unwrap().to_string().contains("newer version"));
    }

    #[test]
    fn unknown_fields_from_the_same_schema_are_tolerated() {
        let text = "{\"schema\":1,\"lessons\":{\"a\":{\"completed\":true,\"extra\":1}},\"note\":\"x\"}";
        let loaded = Progress::load(Some(text));
        assert_eq!(loaded.notice, None);
        assert!(loaded.progress.is_completed("a"));
    }

    #[test]
    fn import_rejects_other_files_with_a_reason() {
        assert!(Progress::import("hello").unwrap_err().contains("not a RadLearn progress export"));
        assert!(Progress::import("{\"kind\":\"features\",\"schema\":1}").unwrap_err().contains("features"));
    }

    #[test]
    fn merge_keeps_the_best_of_both() {
        let mut a = sample();
        let mut b = Progress::new();
        b.record("intro", "voxel", Response::Numeric(3.0), false);
        b.record("other", "q1", Response::Multiple(vec![0, 2]), true);
        b.lessons.get_mut("other").unwrap().completed = true;
        a.merge(b);
        assert!(a.lessons["intro"].quizzes["voxel"].correct, "a correct answer is not replaced by a wrong one");
        assert!(a.is_completed("other"));
        assert!(a.is_completed("intro"));
        assert_eq!(a.lessons["other"].quizzes["q1"].response, Response::Multiple(vec![0, 2]));
    }
}
