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
pub const SCHEMA_VERSION: u32 = 2;

/// Everything a student has done, per lesson slug.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    pub schema: u32,
    /// A random id made once per browser, which seeds the order of each quiz's options
    /// ([`crate::Quiz::choice_order`]); it travels with an export, so an import keeps the orders. Not personal data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub student: Option<String>,
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

/// A student's work on one quiz.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuizRecord {
    /// The latest answer.
    pub response: Response,
    /// Answered correctly at some attempt, before asking for the answer: "eventually correct". A later wrong answer
    /// does not undo it; an answer given after [`QuizRecord::gave_up`] never sets it.
    pub correct: bool,
    /// How many times the student submitted an answer.
    pub attempts: u32,
    /// The first answer was correct.
    #[serde(default)]
    pub first_try: bool,
    /// The student pressed "Show the answer" before answering correctly.
    #[serde(default)]
    pub gave_up: bool,
}

/// Where a student stands on one quiz, which decides what the page shows: a hint after a wrong answer, the worked
/// explanation only once the quiz is [`QuizState::Solved`] or [`QuizState::GaveUp`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuizState {
    /// No answer yet.
    Unanswered,
    /// Answered, never correctly: show a hint and offer "Show the answer".
    Trying { attempts: u32 },
    /// Answered correctly (at the first try or later).
    Solved { first_try: bool, attempts: u32 },
    /// The student asked for the answer: it is shown, and the quiz does not count as correct.
    GaveUp { attempts: u32 },
}

impl QuizState {
    /// Whether the worked explanation (which may hold the answer) is shown.
    pub fn reveals_answer(self) -> bool {
        matches!(self, QuizState::Solved { .. } | QuizState::GaveUp { .. })
    }
}

impl QuizRecord {
    /// Where the student stands.
    pub fn state(&self) -> QuizState {
        let attempts = self.attempts;
        if self.correct {
            QuizState::Solved { first_try: self.first_try, attempts }
        } else if self.gave_up {
            QuizState::GaveUp { attempts }
        } else {
            QuizState::Trying { attempts }
        }
    }
}

/// Counts of one lesson's quizzes by outcome, for the course index and the lesson page.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Quizzes of the lesson.
    pub total: usize,
    /// Answered correctly, at any attempt (before giving up).
    pub correct: usize,
    /// Of those, answered correctly at the first attempt.
    pub first_try: usize,
    /// The student asked for the answer.
    pub gave_up: usize,
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
        Progress { schema: SCHEMA_VERSION, student: None, lessons: BTreeMap::new() }
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
            "student": self.student,
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
    /// either says so; for each quiz the correct answer wins, then the one right at the first try, then the one with
    /// more attempts. The other record's student id wins, so that a student who moves to a new browser by export and
    /// import sees the options in the order they knew.
    pub fn merge(&mut self, other: Progress) {
        if other.student.is_some() {
            self.student = other.student;
        }
        for (slug, theirs) in other.lessons {
            let mine = self.lessons.entry(slug).or_default();
            mine.completed |= theirs.completed;
            for (id, record) in theirs.quizzes {
                let rank = |r: &QuizRecord| (r.correct, r.first_try, r.attempts);
                match mine.quizzes.get(&id) {
                    Some(existing) if rank(existing) >= rank(&record) => {}
                    _ => {
                        mine.quizzes.insert(id, record);
                    }
                }
            }
        }
    }

    /// Records an answer, graded `correct`. The quiz becomes correct for good unless the student gave up first.
    pub fn record(&mut self, lesson: &str, quiz: &str, response: Response, correct: bool) {
        let lp = self.lessons.entry(lesson.to_string()).or_default();
        match lp.quizzes.get_mut(quiz) {
            Some(r) => {
                r.response = response;
                r.attempts = r.attempts.saturating_add(1);
                r.correct |= correct && !r.gave_up;
            }
            None => {
                let r = QuizRecord { response, correct, attempts: 1, first_try: correct, gave_up: false };
                lp.quizzes.insert(quiz.to_string(), r);
            }
        }
    }

    /// The student asks for the answer of a quiz they have answered but not solved. Returns whether anything
    /// changed: a solved quiz stays solved, and a quiz never answered has nothing to record (the page offers the
    /// answer only after a wrong attempt).
    pub fn give_up(&mut self, lesson: &str, quiz: &str) -> bool {
        match self.lessons.get_mut(lesson).and_then(|l| l.quizzes.get_mut(quiz)) {
            Some(r) if !r.correct && !r.gave_up => {
                r.gave_up = true;
                true
            }
            _ => false,
        }
    }

    /// Where the student stands on one quiz.
    pub fn quiz_state(&self, lesson: &str, quiz: &str) -> QuizState {
        self.lessons.get(lesson).and_then(|l| l.quizzes.get(quiz)).map_or(QuizState::Unanswered, QuizRecord::state)
    }

    /// Number of quizzes among `quiz_ids` answered correctly in `lesson`.
    pub fn correct_count<'a>(&self, lesson: &str, quiz_ids: impl IntoIterator<Item = &'a str>) -> usize {
        self.tally(lesson, quiz_ids).correct
    }

    /// The outcomes of the quizzes `quiz_ids` of `lesson`; saved answers to other ids are not counted.
    pub fn tally<'a>(&self, lesson: &str, quiz_ids: impl IntoIterator<Item = &'a str>) -> Tally {
        let mut t = Tally::default();
        for id in quiz_ids {
            t.total += 1;
            match self.quiz_state(lesson, id) {
                QuizState::Solved { first_try, .. } => {
                    t.correct += 1;
                    t.first_try += usize::from(first_try);
                }
                QuizState::GaveUp { .. } => t.gave_up += 1,
                QuizState::Unanswered | QuizState::Trying { .. } => {}
            }
        }
        t
    }

    /// Whether the lesson is marked complete.
    pub fn is_completed(&self, lesson: &str) -> bool {
        self.lessons.get(lesson).is_some_and(|l| l.completed)
    }
}

/// Brings any stored document to the current schema. Returns the progress and, if it was
/// upgraded, the version it came from.
///
/// Version 1 is the first schema. Version 2 adds the student id (which seeds the order of quiz options), and per
/// quiz `first_try` and `gave_up`: a version 1 quiz that was right after one attempt was right at the first try;
/// nobody could give up in version 1. An export file wraps the same fields with `app` and `kind`, so both are
/// accepted.
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
        1 => {
            let mut p: Progress =
                serde_json::from_value(value).map_err(|e| Notice::Corrupt { reason: format!("unexpected content: {e}") })?;
            p.schema = SCHEMA_VERSION;
            for record in p.lessons.values_mut().flat_map(|l| l.quizzes.values_mut()) {
                record.first_try = record.correct && record.attempts == 1;
                record.gave_up = false;
            }
            Ok((p, Some(1)))
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
        let text = "{\"schema\":2,\"lessons\":{\"a\":{\"completed\":true,\"extra\":1}},\"note\":\"x\"}";
        let loaded = Progress::load(Some(text));
        assert_eq!(loaded.notice, None);
        assert!(loaded.progress.is_completed("a"));
    }

    /// Progress saved by the first release (schema 1), as the browser stored it and as an export file.
    const V1_STORED: &str = r#"{"schema":1,"lessons":{"what-is-a-medical-image":{"completed":true,"quizzes":{
        "hu-water":{"response":{"kind":"single","value":1},"correct":true,"attempts":1},
        "voxel-volume":{"response":{"kind":"numeric","value":1.6},"correct":true,"attempts":3},
        "affine":{"response":{"kind":"multiple","value":[0,2]},"correct":false,"attempts":2}}},
        "texture-features":{"completed":false,"quizzes":{"glcm-check":{"response":{"kind":"numeric","value":0.25},"correct":false,"attempts":1}}}}}"#;

    #[test]
    fn schema_1_is_migrated_without_losing_anything() {
        for text in [V1_STORED.to_string(), V1_STORED.replacen('{', "{\"app\":\"RadLearn\",\"kind\":\"progress\",", 1)] {
            let loaded = Progress::load(Some(&text));
            assert_eq!(loaded.notice, Some(Notice::Migrated { from: 1 }));
            assert_eq!(loaded.backup.as_deref(), Some(text.as_str()), "the original is kept as a backup");
            let p = loaded.progress;
            assert_eq!(p.schema, SCHEMA_VERSION);
            assert_eq!(p.student, None, "the browser makes an id on first use");
            assert!(p.is_completed("what-is-a-medical-image") && !p.is_completed("texture-features"));
            let intro = &p.lessons["what-is-a-medical-image"].quizzes;
            let q = |id: &str| intro[id].clone();
            assert_eq!(q("hu-water").response, Response::Single(1));
            assert_eq!((q("hu-water").correct, q("hu-water").attempts, q("hu-water").first_try), (true, 1, true));
            assert_eq!(q("voxel-volume").response, Response::Numeric(1.6));
            assert_eq!((q("voxel-volume").correct, q("voxel-volume").attempts, q("voxel-volume").first_try), (true, 3, false));
            assert_eq!(q("affine").response, Response::Multiple(vec![0, 2]));
            assert_eq!(q("affine").state(), QuizState::Trying { attempts: 2 });
            assert!(intro.values().all(|r| !r.gave_up));
            let glcm = &p.lessons["texture-features"].quizzes["glcm-check"];
            assert_eq!((glcm.response.clone(), glcm.correct, glcm.attempts), (Response::Numeric(0.25), false, 1));
            assert_eq!(
                p.tally("what-is-a-medical-image", ["hu-water", "voxel-volume", "affine"]),
                Tally { total: 3, correct: 2, first_try: 1, gave_up: 0 }
            );
            // Importing the old file gives the same record, and saving it again needs no migration.
            assert_eq!(Progress::import(&text).unwrap(), p);
            assert_eq!(Progress::load(Some(&p.to_json())), Loaded { progress: p.clone(), notice: None, backup: None });
        }
    }

    #[test]
    fn grading_states_hint_first_answer_on_success_or_on_giving_up() {
        let mut p = Progress::new();
        assert_eq!(p.quiz_state("l", "q"), QuizState::Unanswered);
        assert!(!p.give_up("l", "q"), "nothing to give up before a first answer");
        // Right at once.
        p.record("l", "first", Response::Single(2), true);
        assert_eq!(p.quiz_state("l", "first"), QuizState::Solved { first_try: true, attempts: 1 });
        // Wrong, wrong, right: eventually correct, not at the first try; a later wrong answer does not undo it.
        p.record("l", "later", Response::Numeric(3.0), false);
        assert_eq!(p.quiz_state("l", "later"), QuizState::Trying { attempts: 1 });
        assert!(!p.quiz_state("l", "later").reveals_answer(), "a wrong answer shows a hint, not the explanation");
        p.record("l", "later", Response::Numeric(2.0), false);
        p.record("l", "later", Response::Numeric(1.6), true);
        assert_eq!(p.quiz_state("l", "later"), QuizState::Solved { first_try: false, attempts: 3 });
        assert!(p.quiz_state("l", "later").reveals_answer());
        p.record("l", "later", Response::Numeric(9.0), false);
        assert_eq!(p.quiz_state("l", "later"), QuizState::Solved { first_try: false, attempts: 4 });
        assert_eq!(p.lessons["l"].quizzes["later"].response, Response::Numeric(9.0), "the latest answer is kept");
        assert!(!p.give_up("l", "later"), "a solved quiz stays solved");
        // Wrong, then "Show the answer": the answer is shown, and typing it afterwards does not count.
        p.record("l", "shown", Response::Numeric(5.0), false);
        assert!(p.give_up("l", "shown"));
        assert!(!p.give_up("l", "shown"), "once is enough");
        assert_eq!(p.quiz_state("l", "shown"), QuizState::GaveUp { attempts: 1 });
        assert!(p.quiz_state("l", "shown").reveals_answer());
        p.record("l", "shown", Response::Numeric(1.6), true);
        assert_eq!(p.quiz_state("l", "shown"), QuizState::GaveUp { attempts: 2 });
        assert_eq!(p.tally("l", ["first", "later", "shown", "q"]), Tally { total: 4, correct: 2, first_try: 1, gave_up: 1 });
        assert_eq!(p.correct_count("l", ["first", "later", "shown"]), 2);
        // All of it survives storage and export.
        assert_eq!(Progress::load(Some(&p.to_json())).progress, p);
        assert_eq!(Progress::import(&p.export()).unwrap(), p);
    }

    #[test]
    fn the_student_id_survives_storage_export_and_import() {
        let mut p = sample();
        p.student = Some("0123456789abcdef".into());
        assert_eq!(Progress::load(Some(&p.to_json())).progress.student, p.student);
        assert_eq!(Progress::import(&p.export()).unwrap().student, p.student);
        // A new browser made its own id; importing the old browser's export brings the student's id (and order) back.
        let mut fresh = Progress::new();
        fresh.student = Some("ffffffffffffffff".into());
        fresh.merge(Progress::import(&p.export()).unwrap());
        assert_eq!(fresh.student.as_deref(), Some("0123456789abcdef"));
        // An export without an id (schema 1) keeps this browser's.
        fresh.merge(Progress::import(V1_STORED).unwrap());
        assert_eq!(fresh.student.as_deref(), Some("0123456789abcdef"));
    }

    #[test]
    fn import_rejects_other_files_with_a_reason() {
        assert!(Progress::import("hello").unwrap_err().contains("not a RadLearn progress export"));
        assert!(Progress::import("{\"kind\":\"features\",\"schema\":2}").unwrap_err().contains("features"));
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
        // Between two correct records, the one right at the first try wins; giving up never beats a solved quiz.
        let mut c = Progress::new();
        c.record("intro", "hu-water", Response::Single(1), true);
        a.merge(c);
        assert!(a.lessons["intro"].quizzes["hu-water"].first_try);
        let mut d = Progress::new();
        d.record("intro", "voxel", Response::Numeric(2.0), false);
        d.give_up("intro", "voxel");
        d.record("intro", "voxel", Response::Numeric(2.0), false);
        d.record("intro", "voxel", Response::Numeric(2.0), false);
        a.merge(d);
        assert_eq!(a.quiz_state("intro", "voxel"), QuizState::Solved { first_try: true, attempts: 1 });
    }
}
