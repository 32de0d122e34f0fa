//! Component tests in headless Chromium (`cargo xtask test` runs them with wasm-bindgen-test).
#![cfg(target_arch = "wasm32")]

use leptos::prelude::*;
use radlearn_course::progress::Progress;
use radlearn_course::widgets::{WidgetParams, WindowLevelParams};
use radlearn_course::{Choice, Exercise, Quiz, QuizKind};
use radlearn_web::platform::{BACKUP_PREFIX, PROGRESS_KEY};
use radlearn_web::quiz::QuizView;
use radlearn_web::route::Route;
use radlearn_web::store::Store;
use radlearn_web::widgets::WidgetHost;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn document() -> web_sys::Document {
    web_sys::window().and_then(|w| w.document()).expect("a document")
}

fn storage() -> web_sys::Storage {
    web_sys::window().and_then(|w| w.local_storage().ok().flatten()).expect("local storage")
}

/// Mounts a view in a fresh container and returns the container.
fn mount<V: IntoView + 'static>(f: impl FnOnce() -> V + 'static) -> web_sys::HtmlElement {
    let el: web_sys::HtmlElement = document().create_element("div").expect("div").unchecked_into();
    document().body().expect("body").append_child(&el).expect("append");
    let handle = leptos::mount::mount_to(el.clone(), f);
    std::mem::forget(handle);
    el
}

/// Lets effects and the DOM settle.
async fn tick() {
    let p = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window().expect("window").set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 10).expect("timeout");
    });
    wasm_bindgen_futures::JsFuture::from(p).await.expect("timer");
}

fn query(root: &web_sys::HtmlElement, sel: &str) -> web_sys::HtmlElement {
    root.query_selector(sel).ok().flatten().unwrap_or_else(|| panic!("no `{sel}` in {}", root.inner_html())).unchecked_into()
}

#[wasm_bindgen_test]
fn routes_round_trip() {
    for r in [
        Route::Index,
        Route::About,
        Route::Lesson { slug: "a".into(), anchor: None },
        Route::Lesson { slug: "a".into(), anchor: Some("h".into()) },
    ] {
        assert_eq!(Route::parse(&r.href()), r);
    }
    assert_eq!(Route::parse(""), Route::Index);
    assert_eq!(Route::parse("#/x/y"), Route::NotFound("x/y".into()));
}

#[wasm_bindgen_test]
async fn numeric_quiz_grades_and_saves() {
    storage().clear().expect("clear");
    let quiz = Quiz {
        id: "voxel".into(),
        question: "Volume?".into(),
        explanation: "<p>Because.</p>".into(),
        kind: QuizKind::Numeric { answer: 1.6, tolerance: 0.01, unit: Some("mm³".into()) },
    };
    let root = mount(move || {
        provide_context(Store::load());
        view! { <QuizView lesson="demo".to_string() quiz=quiz/> }
    });
    tick().await;
    let input: web_sys::HtmlInputElement = query(&root, "input").unchecked_into();
    input.set_value("1,6");
    input.dispatch_event(&web_sys::Event::new("input").expect("event")).expect("dispatch");
    query(&root, "button[type=submit]").click();
    tick().await;
    let result = query(&root, "[data-testid=quiz-result]");
    assert_eq!(result.get_attribute("data-correct").as_deref(), Some("true"), "a decimal comma is accepted");
    assert!(result.inner_text().contains("Because."));
    let saved = Progress::load(storage().get_item(PROGRESS_KEY).expect("read").as_deref());
    assert!(saved.progress.lessons["demo"].quizzes["voxel"].correct);
}

#[wasm_bindgen_test]
async fn single_choice_shows_feedback_of_the_chosen_option() {
    storage().clear().expect("clear");
    let c = |t: &str, ok: bool, f: &str| Choice { text: t.into(), correct: ok, feedback: f.into() };
    let quiz = Quiz {
        id: "water".into(),
        question: "Water?".into(),
        explanation: String::new(),
        kind: QuizKind::Single { choices: vec![c("0 HU", true, "Yes."), c("-1000 HU", false, "That is air.")] },
    };
    let root = mount(move || {
        provide_context(Store::load());
        view! { <QuizView lesson="demo".to_string() quiz=quiz/> }
    });
    tick().await;
    let wrong: web_sys::HtmlInputElement = query(&root, "input[id$='-1']").unchecked_into();
    wrong.click();
    query(&root, "button[type=submit]").click();
    tick().await;
    assert_eq!(query(&root, "[data-testid=quiz-result]").get_attribute("data-correct").as_deref(), Some("false"));
    assert_eq!(query(&root, ".choice.chosen-wrong .feedback").inner_text(), "That is air.");
}

#[wasm_bindgen_test]
async fn a_bad_widget_shows_an_authoring_error() {
    let x = Exercise {
        widget: "hologram".into(),
        params: Err("unknown widget `hologram`".into()),
        caption: String::new(),
        location: "lessons/01-x/lesson.md:12".into(),
    };
    let root = mount(move || view! { <WidgetHost exercise=x/> });
    tick().await;
    let err = query(&root, "[data-testid=authoring-error]").inner_text();
    assert!(err.contains("Authoring error") && err.contains("lessons/01-x/lesson.md:12") && err.contains("unknown widget"), "{err}");
}

#[wasm_bindgen_test]
async fn window_level_presets_redraw_the_canvas() {
    let params = WindowLevelParams { preset: "mediastinum".into(), presets: vec!["lung".into(), "mediastinum".into()], histogram: true };
    let x = Exercise {
        widget: "window-level".into(),
        params: Ok(WidgetParams::WindowLevel(params)),
        caption: String::new(),
        location: String::new(),
    };
    let root = mount(move || view! { <WidgetHost exercise=x/> });
    tick().await;
    assert_eq!(query(&root, "[data-testid=wl-centre]").inner_text(), "50");
    let canvas: web_sys::HtmlCanvasElement = query(&root, "canvas").unchecked_into();
    let sum = || {
        let ctx: web_sys::CanvasRenderingContext2d = canvas.get_context("2d").expect("2d").expect("ctx").unchecked_into();
        ctx.get_image_data(0.0, 0.0, 256.0, 256.0).expect("pixels").data().iter().step_by(4).map(|&v| u64::from(v)).sum::<u64>()
    };
    let mediastinum = sum();
    query(&root, "button[data-preset=lung]").click();
    tick().await;
    assert_eq!(query(&root, "[data-testid=wl-centre]").inner_text(), "-600");
    assert_eq!(query(&root, "[data-testid=wl-width]").inner_text(), "1500");
    let lung = sum();
    assert!(mediastinum > 0 && lung > mediastinum, "the lung window shows more grey: {mediastinum} vs {lung}");
    assert_eq!(root.query_selector_all("button.preset").expect("buttons").length(), 2, "only the listed presets");
    assert!(root.query_selector("svg.histogram").expect("query").is_some());
}

#[wasm_bindgen_test]
fn corrupt_storage_is_backed_up_and_reported() {
    storage().clear().expect("clear");
    storage().set_item(PROGRESS_KEY, "{oops").expect("write");
    let owner = Owner::new();
    owner.with(|| {
        let store = Store::load();
        let notice = store.notice.get_untracked().expect("a notice");
        assert!(notice.is_error && notice.backup.as_deref() == Some("{oops"));
        assert!(notice.message.contains("could not be read"), "{}", notice.message);
    });
    let n = storage().length().expect("len");
    let backups: Vec<String> = (0..n).filter_map(|i| storage().key(i).ok().flatten()).filter(|k| k.starts_with(BACKUP_PREFIX)).collect();
    assert_eq!(backups.len(), 1);
    assert_eq!(storage().get_item(&backups[0]).expect("read").as_deref(), Some("{oops"));
}
