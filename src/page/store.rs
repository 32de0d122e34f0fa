//! Saved progress as app state: a [`Progress`] value in a signal, written to storage on every
//! change. Loading never crashes and never silently drops data: unreadable data is backed up
//! (in storage and offered as a download) and the student is told.

use std::rc::Rc;

use leptos::prelude::*;
use radlearn_course::progress::{Notice, Progress};
use radlearn_course::Response;

use crate::platform;
use crate::strings::ui;

/// A message for the student about their saved progress.
#[derive(Debug, Clone, PartialEq)]
pub struct StoreNotice {
    pub message: String,
    /// Text the student can download (the unreadable data that was set aside).
    pub backup: Option<String>,
    pub is_error: bool,
}

/// Where a store that does not own the saved progress sends answers: (lesson, quiz, response, correct).
pub type Forward = Rc<dyn Fn(&str, &str, &Response, bool)>;

/// Progress shared by every page (a small `Copy` handle, provided as context).
#[derive(Clone, Copy)]
pub struct Store {
    pub progress: RwSignal<Progress>,
    pub notice: RwSignal<Option<StoreNotice>>,
    /// False when saving would overwrite data that could not be backed up.
    writable: RwSignal<bool>,
    /// Set in the labs module ([`Store::remote`]): answers go to the page's store, which alone writes storage.
    forward: StoredValue<Option<Forward>, LocalStorage>,
}

impl Store {
    /// Loads from browser storage.
    pub fn load() -> Self {
        let (saved, storage_error) = match platform::load_progress() {
            Ok(s) => (s, None),
            Err(e) => (None, Some(e)),
        };
        let mut loaded = Progress::load(saved.as_deref());
        // The id that seeds the order of quiz options is made once, then saved with the progress.
        let new_id = loaded.progress.student.is_none();
        if new_id {
            loaded.progress.student = Some(platform::random_id());
        }
        let mut writable = true;
        let storage_ok = storage_error.is_none();
        // Corrupt data that is safely backed up is replaced at once, so the notice shows once.
        let mut replace_now = false;
        let notice = match (&loaded.notice, &loaded.backup, storage_error) {
            (_, _, Some(e)) => Some(StoreNotice { message: format!("{}: {e}.", ui().save_failed), backup: None, is_error: true }),
            (Some(Notice::Migrated { .. }), Some(backup), None) => {
                // Upgraded data is saved (with its new id) once the original is safe as a backup.
                let backed_up = platform::save_backup(backup).is_ok();
                replace_now = new_id && backed_up;
                Some(StoreNotice {
                    message: loaded.notice.as_ref().map(|n| n.to_string()).unwrap_or_default(),
                    backup: None,
                    is_error: false,
                })
            }
            (Some(n), Some(backup), None) => {
                match platform::save_backup(backup) {
                    Ok(_) => replace_now = matches!(n, Notice::Corrupt { .. }),
                    // The original stays where it is until the student downloads it.
                    Err(_) => writable = false,
                }
                Some(StoreNotice { message: n.to_string(), backup: Some(backup.clone()), is_error: true })
            }
            (Some(n), None, None) => Some(StoreNotice { message: n.to_string(), backup: None, is_error: false }),
            (None, _, None) => None,
        };
        let store = Store {
            progress: RwSignal::new(loaded.progress),
            notice: RwSignal::new(notice),
            writable: RwSignal::new(writable),
            forward: StoredValue::new_local(None),
        };
        if replace_now || (new_id && storage_ok && loaded.notice.is_none()) {
            store.persist();
        }
        store
    }

    /// A read-only copy of the page's progress for the labs module (`crate::labs`): it never touches storage, and
    /// every answer recorded through it is handed to `forward` (the page's own store records and saves it). Two
    /// modules writing the same storage key would overwrite each other's answers.
    pub fn remote(progress: Progress, forward: Forward) -> Self {
        Store {
            progress: RwSignal::new(progress),
            notice: RwSignal::new(None),
            writable: RwSignal::new(false),
            forward: StoredValue::new_local(Some(forward)),
        }
    }

    fn persist(&self) {
        if !self.writable.get_untracked() {
            return;
        }
        let text = self.progress.with_untracked(Progress::to_json);
        if let Err(e) = platform::save_progress(&text) {
            self.notice.set(Some(StoreNotice {
                message: format!("{}: {e}. Export your progress to keep a copy.", ui().save_failed),
                backup: None,
                is_error: true,
            }));
        }
    }

    /// Records a graded answer and saves.
    pub fn record(&self, lesson: &str, quiz: &str, response: Response, correct: bool) {
        if let Some(forward) = self.forward.with_value(|f| f.clone()) {
            forward(lesson, quiz, &response, correct);
        }
        self.progress.update(|p| p.record(lesson, quiz, response, correct));
        self.persist();
    }

    /// The student asks for the answer of a quiz (`Progress::give_up`), and saves. Only the page's quizzes offer it,
    /// so nothing is forwarded from the labs module.
    pub fn give_up(&self, lesson: &str, quiz: &str) {
        let mut changed = false;
        self.progress.update(|p| changed = p.give_up(lesson, quiz));
        if changed {
            self.persist();
        }
    }

    /// Marks a lesson complete or not, and saves.
    pub fn set_completed(&self, lesson: &str, done: bool) {
        self.progress.update(|p| p.lessons.entry(lesson.to_string()).or_default().completed = done);
        self.persist();
    }

    /// Merges an exported file into the current progress and saves.
    pub fn import(&self, text: &str) -> Result<(), String> {
        let incoming = Progress::import(text)?;
        self.progress.update(|p| p.merge(incoming));
        // The student chose what to keep: allow saving again.
        self.writable.set(true);
        self.persist();
        Ok(())
    }

    /// The export file's text.
    pub fn export_text(&self) -> String {
        self.progress.with_untracked(Progress::export)
    }
}

/// The store provided by [`crate::page::app::App`].
pub fn use_store() -> Store {
    use_context::<Store>().unwrap_or_else(|| {
        let s = Store::load();
        provide_context(s);
        s
    })
}
