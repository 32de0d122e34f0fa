//! The labs module: the Image Lab, the Model Lab and the lesson exercises built on them live in a second wasm module
//! (`radlearn-labs`, `src/bin/labs.rs`), fetched the first time one is shown, so the course's own module (lessons,
//! quizzes, progress) stays small and a lesson opens fast.
//!
//! The page side is [`LabHost`]: an element the page owns, into which the labs module mounts its own Leptos view.
//! The two modules share no memory: the page sends a [`LabRequest`] (what to show, and the saved progress as JSON)
//! and receives each graded answer as a [`Recorded`] JSON string, which its own store records and saves. Only the
//! page's store writes browser storage.
//!
//! The labs side is `crate::labs::mount` and `unmount`, exported by `src/bin/labs.rs`. The bins link only what they call, so
//! the page's module holds no lab code and the labs module no lesson text.
//!
//! Loading: Trunk builds the labs module as a classic (no-modules) script, like the feature worker, so it is never
//! loaded with the page; `static/labs-loader.js` starts it once its script has run and hands it to the page as
//! `window.radlearnLabs`, a promise of the module's exports.

use std::cell::{Cell, RefCell};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use radlearn_course::progress::Progress;
use radlearn_course::{Exercise, Response};
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::page::store::{use_store, Store};
use crate::strings::ui;

/// The labs module's script (Trunk's output for the `radlearn-labs` bin), relative to the page.
pub const SCRIPT: &str = "./radlearn-labs.js";
/// The labs module's wasm (`static/labs-loader.js` names it too).
pub const WASM: &str = "./radlearn-labs_bg.wasm";
/// Starts the labs module once its script has run (see the module docs).
pub const LOADER: &str = "./labs-loader.js";

/// What the labs module shows.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum LabView {
    /// The Image Lab page (`#/lab`).
    ImageLab,
    /// The Model Lab page (`#/models`).
    ModelLab,
    /// A lesson's exercise (its widget only: the page draws the frame and the caption).
    Exercise { exercise: Exercise, lesson: String },
}

/// The page's request to the labs module.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LabRequest {
    pub view: LabView,
    /// The saved progress (`Progress::to_json`), so that exercises show the student's earlier answers.
    pub progress: String,
}

/// A graded answer, from the labs module to the page.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Recorded {
    pub lesson: String,
    pub quiz: String,
    pub response: Response,
    pub correct: bool,
}

// ---------------------------------------------------------------------------------------------------------------
// Page side.

#[derive(Debug, Clone, PartialEq)]
enum Phase {
    Loading,
    Shown,
    Failed(String),
}

thread_local! {
    /// The labs module's exports once loaded (or the load in flight): loaded once per page.
    static MODULE: RefCell<Option<js_sys::Promise>> = const { RefCell::new(None) };
}

fn js_error(e: JsValue) -> String {
    e.as_string().or_else(|| e.dyn_ref::<js_sys::Error>().map(|e| String::from(e.message()))).unwrap_or_else(|| format!("{e:?}"))
}

/// Adds `<script src=url>` to the page; resolves when it has run.
fn load_script(url: &str) -> js_sys::Promise {
    let url = url.to_string();
    js_sys::Promise::new(&mut move |resolve, reject| {
        let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
            let _ = reject.call1(&JsValue::NULL, &JsValue::from_str("no document"));
            return;
        };
        let script = match doc.create_element("script") {
            Ok(s) => s,
            Err(e) => {
                let _ = reject.call1(&JsValue::NULL, &e);
                return;
            }
        };
        let _ = script.set_attribute("src", &url);
        let failed = url.clone();
        let on_error = Closure::once_into_js(move || {
            let what = format!("the labs module ({})", failed.trim_start_matches("./"));
            let _ = reject.call1(&JsValue::NULL, &JsValue::from_str(&crate::platform::unreachable_message(&what)));
        });
        let on_load = Closure::once_into_js(move || {
            let _ = resolve.call0(&JsValue::NULL);
        });
        let _ = script.add_event_listener_with_callback("load", on_load.unchecked_ref());
        let _ = script.add_event_listener_with_callback("error", on_error.unchecked_ref());
        if let Some(head) = doc.head() {
            let _ = head.append_child(&script);
        }
    })
}

/// The labs module's exports (`mount`, `unmount`), loading it the first time.
async fn module() -> Result<JsValue, String> {
    let promise = MODULE.with(|m| {
        m.borrow_mut()
            .get_or_insert_with(|| {
                wasm_bindgen_futures::future_to_promise(async {
                    wasm_bindgen_futures::JsFuture::from(load_script(SCRIPT)).await?;
                    wasm_bindgen_futures::JsFuture::from(load_script(LOADER)).await?;
                    let window = web_sys::window().ok_or_else(|| JsValue::from_str("no window"))?;
                    let started = js_sys::Reflect::get(&window, &JsValue::from_str("radlearnLabs"))?;
                    let started: js_sys::Promise =
                        started.dyn_into().map_err(|_| JsValue::from_str("the labs loader did not start the module"))?;
                    wasm_bindgen_futures::JsFuture::from(started).await
                })
            })
            .clone()
    });
    match wasm_bindgen_futures::JsFuture::from(promise).await {
        Ok(m) if m.is_object() || m.is_function() => Ok(m),
        Ok(_) => {
            MODULE.with(|m| *m.borrow_mut() = None);
            Err("the labs module did not start".into())
        }
        Err(e) => {
            // Let the next visit try again (e.g. once the network is back).
            MODULE.with(|m| *m.borrow_mut() = None);
            // Offline, whichever of its files failed (script, loader, wasm), the module is not stored here yet.
            Err(if crate::platform::is_offline() {
                crate::platform::unreachable_message("the labs module (radlearn-labs)")
            } else {
                js_error(e)
            })
        }
    }
}

/// Fetches the labs module ahead of time, when the browser is idle, so that it is in the offline cache and opens at
/// once. Low priority: it never delays the page.
pub fn prefetch() {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else { return };
    for href in [SCRIPT, WASM, LOADER] {
        if let Ok(link) = doc.create_element("link") {
            let _ = link.set_attribute("rel", "prefetch");
            let _ = link.set_attribute("href", href);
            if let Some(head) = doc.head() {
                let _ = head.append_child(&link);
            }
        }
    }
}

fn call(module: &JsValue, name: &str, args: &js_sys::Array) -> Result<JsValue, String> {
    let f = js_sys::Reflect::get(module, &JsValue::from_str(name)).map_err(js_error)?;
    let f: js_sys::Function = f.dyn_into().map_err(|_| format!("the labs module has no `{name}`"))?;
    f.apply(&JsValue::NULL, args).map_err(js_error)
}

/// Shows `view` from the labs module in place: a loading line first, an error if the module cannot be loaded (e.g.
/// offline before the labs were ever opened), the lab otherwise.
#[component]
pub fn LabHost(view: LabView) -> impl IntoView {
    let t = ui();
    let store = use_store();
    let host = NodeRef::<leptos::html::Div>::new();
    let phase = RwSignal::new(Phase::Loading);
    // The labs module's id of what it mounted here (0: nothing yet); `alive` turns false when the page leaves this
    // view. Atomics only because cleanups must be `Send`: the page has one thread.
    let mounted = Arc::new(AtomicU32::new(0));
    let alive = Arc::new(AtomicBool::new(true));
    let request = LabRequest { view, progress: store.progress.with_untracked(Progress::to_json) };

    let (m, a) = (mounted.clone(), alive.clone());
    let started = Cell::new(false);
    Effect::new(move |_| {
        let Some(el) = host.get() else { return };
        if started.replace(true) {
            return;
        }
        let (request, mounted, alive) = (request.clone(), m.clone(), a.clone());
        spawn_local(async move {
            let result = async {
                let module = module().await?;
                if !alive.load(Ordering::Relaxed) {
                    return Ok(());
                }
                let json = serde_json::to_string(&request).map_err(|e| e.to_string())?;
                let on_record = Closure::<dyn Fn(String)>::new(move |text: String| record(store, &text)).into_js_value();
                let el: &web_sys::HtmlElement = &el;
                let id = call(&module, "mount", &js_sys::Array::of3(el, &JsValue::from_str(&json), &on_record))?;
                let id = id.as_f64().map(|v| v as u32).ok_or("the labs module did not mount")?;
                if alive.load(Ordering::Relaxed) {
                    mounted.store(id, Ordering::Relaxed);
                } else {
                    let _ = call(&module, "unmount", &js_sys::Array::of1(&JsValue::from(id)));
                }
                Ok::<(), String>(())
            }
            .await;
            // `try_set`: the page may have left this view meanwhile.
            let _ = phase.try_set(match result {
                Ok(()) => Phase::Shown,
                Err(e) => Phase::Failed(e),
            });
        });
    });
    on_cleanup(move || {
        alive.store(false, Ordering::Relaxed);
        let id = mounted.swap(0, Ordering::Relaxed);
        if id != 0 {
            spawn_local(async move {
                if let Ok(module) = module().await {
                    let _ = call(&module, "unmount", &js_sys::Array::of1(&JsValue::from(id)));
                }
            });
        }
    });

    view! {
        {move || match phase.get() {
            Phase::Loading => Some(view! { <p class="lab-loading muted" role="status">{t.labs_loading}</p> }.into_any()),
            // Not `WidgetError`: nothing stopped working, the lab was never fetched.
            Phase::Failed(e) => Some(view! { <div class="widget-error" role="alert"><p>{t.labs_failed}</p><p class="muted">{e}</p></div> }.into_any()),
            Phase::Shown => None,
        }}
        <div class="lab-host" node_ref=host></div>
    }
}

/// Records an answer sent by the labs module in the page's store (which saves it).
fn record(store: Store, text: &str) {
    match serde_json::from_str::<Recorded>(text) {
        Ok(r) => store.record(&r.lesson, &r.quiz, r.response, r.correct),
        Err(e) => web_sys::console::error_1(&JsValue::from_str(&format!("RadLearn: an answer from the labs was not understood: {e}"))),
    }
}
