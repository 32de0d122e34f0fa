//! The labs module (`radlearn-labs`, `src/bin/labs.rs`): the Image Lab, the Model Lab and the lesson exercises
//! built on them, fetched the first time one is shown, so the course's own module (lessons, quizzes, progress) stays
//! small and a lesson opens fast. The page asks for a view through `crate::page::lab_host` ([`LabRequest`]); this side
//! mounts it ([`mount`], [`unmount`]) and hands back each graded answer ([`Recorded`]). Images are decoded and
//! features computed in the worker (`crate::worker`), never here.
//!
//! **Invariant:** nothing in `crate::page` imports this folder (the page's module links no lab code).

pub mod features;
pub mod image_exercises;
pub mod image_lab;
pub mod model_exercises;
pub mod model_lab;
pub mod segment;
pub mod viewer;

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use leptos::prelude::*;
use radlearn_course::progress::Progress;
use radlearn_course::widgets::WidgetParams;
use radlearn_course::{Exercise, Response};
use wasm_bindgen::prelude::*;

use crate::page::lab_host::{LabRequest, LabView, Recorded};
use crate::page::store::Store;
use crate::strings::ui;

thread_local! {
    /// What the labs module has mounted, by id; dropping a handle unmounts its view and disposes its reactive state.
    static MOUNTED: RefCell<HashMap<u32, Box<dyn std::any::Any>>> = RefCell::new(HashMap::new());
    static NEXT_ID: Cell<u32> = const { Cell::new(1) };
    /// The Model Lab's cohort lives as long as the page (under its own reactive owner, never disposed), so that
    /// leaving the Model Lab for a lesson and coming back keeps it.
    static COHORT: RefCell<Option<(Owner, crate::labs::model_lab::Cohort)>> = const { RefCell::new(None) };
}

fn cohort() -> crate::labs::model_lab::Cohort {
    COHORT.with(|c| {
        c.borrow_mut()
            .get_or_insert_with(|| {
                let owner = Owner::new();
                let cohort = owner.with(crate::labs::model_lab::Cohort::new);
                (owner, cohort)
            })
            .1
    })
}

/// Mounts the view asked for by `request` (a [`LabRequest`] as JSON) into `host`; every graded answer is handed to
/// `on_record` as a [`Recorded`] JSON string. Returns the id to give to [`unmount`].
pub fn mount(host: web_sys::HtmlElement, request: &str, on_record: js_sys::Function) -> Result<u32, String> {
    let request: LabRequest =
        serde_json::from_str(request).map_err(|e| format!("the page's request to the labs was not understood: {e}"))?;
    let progress = Progress::load(Some(&request.progress)).progress;
    let forward: crate::page::store::Forward = Rc::new(move |lesson: &str, quiz: &str, response: &Response, correct: bool| {
        let r = Recorded { lesson: lesson.into(), quiz: quiz.into(), response: response.clone(), correct };
        if let Ok(text) = serde_json::to_string(&r) {
            let _ = on_record.call1(&JsValue::NULL, &JsValue::from_str(&text));
        }
    });
    let cohort = cohort();
    let handle = leptos::mount::mount_to(host, move || {
        provide_context(Store::remote(progress, forward));
        provide_context(cohort);
        match request.view {
            LabView::ImageLab => view! { <image_lab::Lab/> }.into_any(),
            LabView::ModelLab => view! { <model_lab::Models/> }.into_any(),
            LabView::Exercise { exercise, lesson } => lab_widget(exercise, lesson),
        }
    });
    let id = NEXT_ID.with(|n| n.replace(n.get() + 1));
    MOUNTED.with(|m| m.borrow_mut().insert(id, Box::new(handle)));
    Ok(id)
}

/// Unmounts what [`mount`] returned `id` for (nothing if it is already gone).
pub fn unmount(id: u32) {
    // Taken out of the map before it is dropped: dropping runs cleanups, which must not find the map borrowed.
    let handle = MOUNTED.with(|m| m.borrow_mut().remove(&id));
    drop(handle);
}

/// The body of a lab exercise; the page draws the frame and caption (`crate::page::exercises::WidgetHost`).
pub fn lab_widget(exercise: Exercise, lesson: String) -> AnyView {
    match exercise.params {
        Ok(WidgetParams::FeatureTable(p)) => view! { <features::FeatureTable params=p lesson=lesson/> }.into_any(),
        Ok(WidgetParams::ImageViewer(p)) => view! { <image_exercises::ImageViewerExercise params=p/> }.into_any(),
        Ok(WidgetParams::Segmentation(p)) => view! { <image_exercises::SegmentationExercise params=p lesson=lesson/> }.into_any(),
        Ok(WidgetParams::ModelLab(p)) => view! { <model_exercises::ModelLabExercise params=p lesson=lesson/> }.into_any(),
        Ok(WidgetParams::PcaExplorer(p)) => view! { <model_exercises::PcaExplorerExercise params=p lesson=lesson/> }.into_any(),
        _ => view! { <crate::page::exercises::WidgetError message=format!("{} `{}` {}", ui().widget, exercise.widget, ui().widget_unavailable)/> }.into_any(),
    }
}
