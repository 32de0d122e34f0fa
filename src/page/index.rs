//! The course index: lessons with duration and progress, and progress export/import.

use leptos::prelude::*;
use radlearn_course::progress::Tally;
use wasm_bindgen::JsCast;

use crate::page::content::{self, course};
use crate::page::route::lesson_href;
use crate::page::store::{use_store, StoreNotice};
use crate::platform;
use crate::strings::ui;

/// Course index page.
#[component]
pub fn Index() -> impl IntoView {
    platform::set_title("RadLearn — course");
    platform::after_render(|| platform::scroll_to(None));
    let t = ui();
    let store = use_store();
    let cards = course()
        .lessons
        .iter()
        .enumerate()
        .map(|(i, meta)| {
            let slug = meta.slug.clone();
            let quiz_ids: Vec<String> = content::lesson(&slug).map(|l| l.quizzes().map(|q| q.id.clone()).collect()).unwrap_or_default();
            let total = quiz_ids.len();
            let slug_c = slug.clone();
            let tally = Memo::new(move |_| store.progress.with(|p| p.tally(&slug_c, quiz_ids.iter().map(String::as_str))));
            let correct = Memo::new(move |_| tally.get().correct);
            let slug_d = slug.clone();
            let done = Memo::new(move |_| store.progress.with(|p| p.is_completed(&slug_d)));
            let slug_s = slug.clone();
            let started = Memo::new(move |_| store.progress.with(|p| p.lessons.get(&slug_s).is_some_and(|l| !l.quizzes.is_empty())));
            let href = lesson_href(&slug);
            let pct = move || if total == 0 { 0.0 } else { 100.0 * correct.get() as f64 / total as f64 };
            view! {
                <li class="lesson-card" class:done=move || done.get() data-testid=format!("lesson-card-{slug}")>
                    <div class="lesson-number" aria-hidden="true">{i + 1}</div>
                    <div class="lesson-body">
                        <h3><a href=href.clone()>{meta.title.clone()}</a></h3>
                        <p class="summary">{meta.summary.clone()}</p>
                        <p class="lesson-meta">
                            <span>{meta.minutes}" "{t.minutes}</span>
                            <span data-testid="quiz-progress">{move || correct.get()}" / "{total}" "{t.quizzes_correct}</span>
                            <span data-testid="quiz-first-try">{move || tally_text(tally.get())}</span>
                            {move || done.get().then(|| view! { <span class="badge">"✓ "{t.completed}</span> })}
                        </p>
                        <div class="progress" role="progressbar" aria-valuemin="0" aria-valuemax=total aria-valuenow=move || correct.get()
                            aria-label=format!("{}: {}", meta.title, t.quizzes_correct)>
                            <div class="progress-fill" style:width=move || format!("{:.0}%", pct())></div>
                        </div>
                    </div>
                    <a class="button lesson-go" href=href aria-hidden="true" tabindex="-1">
                        {move || if done.get() { t.review } else if started.get() { t.continue_ } else { t.start }}
                    </a>
                </li>
            }
        })
        .collect_view();

    view! {
        <section class="hero">
            <h1>{t.app_name}</h1>
            <p class="tagline">{t.tagline}</p>
            <p class="privacy"><svg viewBox="0 0 24 24" aria-hidden="true"><rect x="5" y="11" width="14" height="10" rx="2"/><path d="M8 11V8a4 4 0 0 1 8 0v3"/></svg>{t.privacy_note}</p>
        </section>
        <section aria-labelledby="lessons-heading">
            <h2 id="lessons-heading">{t.course_heading}</h2>
            <ol class="lesson-list">{cards}</ol>
        </section>
        <ProgressPanel/>
    }
}

/// The detail of a lesson's quiz progress: how many were right at the first try, and how many answers were shown.
pub fn tally_text(tally: Tally) -> String {
    let t = ui();
    let mut text = format!("{} {}", tally.first_try, t.at_first_try);
    if tally.gave_up > 0 {
        text.push_str(&format!(" · {}", t.answers_shown.count(tally.gave_up)));
    }
    text
}

/// Export and import of saved progress.
#[component]
fn ProgressPanel() -> impl IntoView {
    let t = ui();
    let store = use_store();
    let export = move |_| {
        let text = store.export_text();
        if let Err(e) = platform::download(&format!("radlearn-progress-{}.json", platform::today()), "application/json", &text) {
            store.notice.set(Some(StoreNotice { message: e, backup: None, is_error: true }));
        }
    };
    let on_file = move |ev: leptos::ev::Event| {
        let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else { return };
        let Some(file) = input.files().and_then(|f| f.get(0)) else { return };
        input.set_value("");
        leptos::task::spawn_local(async move {
            let result = match platform::read_file(file).await {
                Ok(text) => store.import(&text),
                Err(e) => Err(e),
            };
            store.notice.set(Some(match result {
                Ok(()) => StoreNotice { message: t.imported.to_string(), backup: None, is_error: false },
                Err(e) => StoreNotice { message: e, backup: None, is_error: true },
            }));
        });
    };
    view! {
        <section class="progress-panel" aria-labelledby="progress-heading">
            <h2 id="progress-heading">{t.your_progress}</h2>
            <p>{t.progress_help}</p>
            <div class="actions">
                <button type="button" on:click=export data-testid="export-progress">{t.export_progress}</button>
                <label class="button secondary file-button">
                    {t.import_progress}
                    <input type="file" accept=".json,application/json" on:change=on_file data-testid="import-progress"/>
                </label>
            </div>
        </section>
    }
}
