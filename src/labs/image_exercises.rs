//! The `image-viewer` and `segmentation` exercises: the Image Lab's viewer and segmentation panel on a sample
//! dataset inside a lesson. The dataset is downloaded only when the student presses "Open" (with progress), then
//! decoded with the engine in a worker (`crate::worker::decoder`); a graded segmentation saves its Dice and verdict like a quiz answer.

use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use radlearn_course::widgets::{window_preset, ImageViewerParams, SegmentationCheck, SegmentationParams};
use radlearn_course::Response;
use radlearn_engine::io::error::human_bytes;
use radlearn_engine::{LabelMap, Volume};

use super::segment::{SegmentPanel, SegmentState, SegmentTools};
use super::viewer::{OutlineToggle, OverlaySettings, Viewer};
use crate::page::exercises::WidgetError;
use crate::page::store::use_store;
use crate::platform;
use crate::strings::exercise_ui;
use crate::worker::client::WorkerClient;
use crate::worker::decoder::Cancelled;
use crate::worker::protocol::NamedBytes;
use radlearn_course::datasets::{self, Dataset};

/// A sample opened in an exercise.
#[derive(Clone)]
struct Opened {
    volume: Arc<Volume>,
    mask: Option<Arc<LabelMap>>,
    notes: Vec<String>,
}

/// Where an exercise's sample is.
#[derive(Clone)]
enum Phase {
    Closed,
    Downloading { received: u64, total: u64 },
    Decoding,
    Open(Opened),
    Failed(String),
}

fn find_dataset(id: &str) -> Result<Dataset, String> {
    datasets::datasets()?.into_iter().find(|d| d.id == id).ok_or_else(|| format!("the sample dataset “{id}” is not in this build"))
}

/// Downloads `d` and decodes it in the exercise's worker; stops when `job` moves on (Cancel, or the widget is gone).
async fn load(d: Dataset, phase: RwSignal<Phase>, job: StoredValue<u64>, n: u64, decoder: WorkerClient) {
    let current = move || job.try_get_value() == Some(n);
    // The worker starts while the files download.
    decoder.warm();
    let total = d.total_bytes();
    let progress = |offset: u64| {
        move |received: u64, _: Option<u64>| {
            if current() {
                phase.try_set(Phase::Downloading { received: offset + received, total });
            }
        }
    };
    let fail = |file: &str, e: String| {
        if current() {
            phase.try_set(Phase::Failed(format!("{file}: {e}")));
        }
    };
    phase.try_set(Phase::Downloading { received: 0, total });
    let image = match platform::fetch_bytes(&d.url(&d.image), Some(d.image_bytes), progress(0), move || !current()).await {
        Ok(b) => NamedBytes { name: d.image.clone(), bytes: b },
        Err(e) => return fail(&d.image, e),
    };
    let mask = match &d.mask {
        Some(m) => match platform::fetch_bytes(&d.url(m), Some(d.mask_bytes), progress(d.image_bytes), move || !current()).await {
            Ok(b) => Some(NamedBytes { name: m.clone(), bytes: b }),
            Err(e) => return fail(m, e),
        },
        None => None,
    };
    if !current() {
        return;
    }
    phase.try_set(Phase::Decoding);
    let decoded = decoder.decode_sample(&d, &image, mask.as_ref()).await;
    if !current() {
        return;
    }
    match decoded {
        Err(Cancelled) => {}
        Ok(Ok(s)) => {
            let mut notes = s.notes;
            notes.extend(s.mask_problem.map(|p| format!("{}: {}", p.file, p.message)));
            phase.try_set(Phase::Open(Opened { volume: Arc::new(s.volume), mask: s.mask.map(Arc::new), notes }));
        }
        Ok(Err(p)) => fail(&p.file, p.message),
    }
}

/// The sample's credit, an "Open" button and the download's progress; once open, what `show` makes of it.
fn sample_gate(dataset: Dataset, show: impl Fn(Opened) -> AnyView + Send + Sync + 'static) -> impl IntoView {
    let x = exercise_ui();
    let phase = RwSignal::new(Phase::Closed);
    let job = StoredValue::new(0u64);
    let d = StoredValue::new(dataset);
    // The exercise's decoding worker, started on first use.
    let decoder = StoredValue::new_local(WorkerClient::new());
    let open = move |_| {
        let n = job.get_value().wrapping_add(1);
        job.set_value(n);
        if let Some(dec) = decoder.try_with_value(Clone::clone) {
            spawn_local(load(d.get_value(), phase, job, n, dec));
        }
    };
    let cancel = move |_| {
        if let Some(dec) = decoder.try_with_value(Clone::clone) {
            dec.stop();
        }
        job.update_value(|n| *n = n.wrapping_add(1));
        phase.set(Phase::Closed);
    };
    on_cleanup(move || {
        if let Some(dec) = decoder.try_with_value(Clone::clone) {
            dec.stop();
        }
    });
    let credit = d.with_value(|d| {
        view! {
            <p class="muted sample-credit">{d.title.clone()}". "{d.attribution.clone()}" "
                <a href=d.licence_url.clone() rel="license noreferrer">{d.licence.clone()}</a>"."</p>
        }
    });
    let size = d.with_value(|d| format!(" ({} {})", human_bytes(d.total_bytes()), x.download));
    let body = move || match phase.get() {
        Phase::Closed | Phase::Failed(_) => {
            let failed = match phase.get_untracked() {
                Phase::Failed(e) => Some(view! {
                    <div class="widget-error" role="alert" data-testid="exercise-error"><p>{x.failed}</p><p class="muted">{e}</p></div>
                }),
                _ => None,
            };
            view! {
                {failed}
                <button type="button" data-testid="exercise-open" on:click=open>{x.open}<span class="muted-on-accent">{size.clone()}</span></button>
            }
            .into_any()
        }
        Phase::Downloading { received, total } => {
            let (value, max) = (received as f64, total.max(1) as f64);
            view! {
            <div class="feature-progress" role="status" data-testid="exercise-progress">
                <progress max=max value=value></progress>
                <span class="feature-progress-text">{format!("{}: {} {} {}", x.downloading, human_bytes(received), x.of, human_bytes(total))}</span>
                <button type="button" class="secondary" on:click=cancel>{x.cancel}</button>
            </div>
            }
            .into_any()
        }
        Phase::Decoding => view! {
            <div class="feature-progress" role="status" data-testid="exercise-progress">
                <progress></progress><span>{x.decoding}</span>
                <button type="button" class="secondary" on:click=cancel>{x.cancel}</button>
            </div>
        }
        .into_any(),
        Phase::Open(o) => {
            let notes = (!o.notes.is_empty()).then(|| {
                view! { <ul class="lab-notes exercise-notes">{o.notes.iter().map(|n| view! { <li>{n.clone()}</li> }).collect_view()}</ul> }
            });
            view! { {notes}{show(o)} }.into_any()
        }
    };
    view! { {credit}<div class="exercise-sample">{body}</div> }
}

/// The `image-viewer` exercise: the viewer on a sample, with its reference mask if asked.
#[component]
pub fn ImageViewerExercise(
    /// Checked parameters.
    params: ImageViewerParams,
) -> impl IntoView {
    let dataset = match find_dataset(&params.dataset) {
        Ok(d) => d,
        Err(e) => return view! { <WidgetError message=e/> }.into_any(),
    };
    let x = exercise_ui();
    let window = params.preset.as_deref().and_then(window_preset);
    let (slice, with_mask) = (params.slice, params.mask);
    let show = move |o: Opened| {
        let overlay = OverlaySettings::new();
        let full = o.mask.clone().filter(|_| with_mask);
        overlay.mask.set(full.clone());
        let controls = full.map(|m| {
            let names = m.names.iter().map(|(_, n)| n.clone()).collect::<Vec<_>>().join(", ");
            view! {
                <div class="mask-controls exercise-mask">
                    <label>
                        <input type="checkbox" data-testid="exercise-show-mask" prop:checked=move || overlay.mask.with(Option::is_some)
                            on:change=move |_| overlay.mask.update(|s| *s = if s.is_some() { None } else { Some(m.clone()) })/>
                        " "{x.show_mask}" ("{names}")"
                    </label>
                    <OutlineToggle overlay=overlay testid="exercise-outline" label=x.outline/>
                </div>
            }
        });
        view! {
            <Viewer volume=o.volume overlay=overlay initial_window=window initial_slice=slice compact=true/>
            {controls}
        }
        .into_any()
    };
    view! { <div class="image-exercise">{sample_gate(dataset, show)}</div> }.into_any()
}

/// A graded result as shown.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Verdict {
    dice: f64,
    correct: bool,
    /// Loaded from saved progress rather than checked on this visit.
    saved: bool,
}

/// The `segmentation` exercise: segment a sample with the allowed tools, see the Dice against the reference label,
/// and (when graded) check it against the target; the result is saved and shown again on the next visit.
#[component]
pub fn SegmentationExercise(
    /// Checked parameters.
    params: SegmentationParams,
    /// The lesson's slug, for saving the result.
    lesson: String,
) -> impl IntoView {
    let dataset = match find_dataset(&params.dataset) {
        Ok(d) => d,
        Err(e) => return view! { <WidgetError message=e/> }.into_any(),
    };
    let x = exercise_ui();
    let store = use_store();
    let label = params.reference_label;
    let label_name = dataset.labels.iter().find(|l| l.value == label).map(|l| l.name.clone()).unwrap_or_else(|| format!("label {label}"));
    let check: StoredValue<Option<SegmentationCheck>> = StoredValue::new(params.check.clone());
    let lesson = StoredValue::new(lesson);
    let saved = params
        .check
        .as_ref()
        .and_then(|c| store.progress.with_untracked(|p| p.lessons.get(&lesson.get_value()).and_then(|l| l.quizzes.get(&c.id)).cloned()));
    let verdict = RwSignal::new(saved.and_then(|r| match r.response {
        Response::Numeric(dice) => Some(Verdict { dice, correct: r.correct, saved: true }),
        _ => None,
    }));
    let problem = RwSignal::new(None::<String>);
    // The reference stays hidden until the student has checked (or at once, when nothing is graded).
    let may_reveal = RwSignal::new(params.check.is_none() || verdict.get_untracked().is_some());
    let target = params.check.as_ref().map(|c| c.target_dice);

    let verdict_text = move |v: Verdict| {
        let mark = if v.correct { "✓ " } else { "✗ " };
        let what = if v.correct { x.passed } else { x.not_yet };
        let target = target.map(|t| format!(" ({} {t:.2})", x.target)).unwrap_or_default();
        let saved = if v.saved { format!("{}: ", x.saved) } else { String::new() };
        format!("{saved}{mark}{what}: Dice {:.3}{target}", v.dice)
    };
    let verdict_view = move |testid: &'static str| {
        move || {
            verdict.get().map(|v| {
                let cls = if v.correct { "result correct" } else { "result incorrect" };
                view! { <p class=cls data-testid=testid data-correct=v.correct.to_string() data-dice=v.dice.to_string()>{verdict_text(v)}</p> }
            })
        }
    };
    let goal = match target {
        Some(t) => format!("{} {t:.2} {} {label_name}.", x.goal, x.against),
        None => format!("Dice {} {label_name}.", x.against),
    };
    let label_name = StoredValue::new(label_name);
    let tools = SegmentTools::from_names(&params.tools);
    let (window, slice) = (params.preset.as_deref().and_then(window_preset), params.slice);

    let show = move |o: Opened| {
        let overlay = OverlaySettings::new();
        // The reference the Dice is computed against; the viewer draws it only when the student may see it.
        let reference = RwSignal::new(o.mask.clone());
        let state = SegmentState::new(o.volume.clone(), reference, overlay.outline);
        state.set_reference_label(label);
        let reveal = move |on: bool| overlay.mask.set(if on { reference.get_untracked() } else { None });
        if may_reveal.get_untracked() && check.with_value(Option::is_some) {
            overlay.outline.set(true);
        }
        let on_check = move |_| {
            let Some(c) = check.get_value() else { return };
            problem.set(None);
            let dice = match state.dice_now() {
                None => return problem.set(Some(x.draw_first.to_string())),
                Some(Err(e)) => return problem.set(Some(e)),
                Some(Ok(d)) => d,
            };
            match c.quiz().grade(&Response::Numeric(dice)) {
                Ok(g) => {
                    store.record(&lesson.get_value(), &c.id, Response::Numeric(dice), g.correct);
                    verdict.set(Some(Verdict { dice, correct: g.correct, saved: false }));
                    if !may_reveal.get_untracked() {
                        may_reveal.set(true);
                        overlay.outline.set(true);
                        reveal(true);
                    }
                }
                Err(e) => problem.set(Some(e.to_string())),
            }
        };
        let check_view = move || {
            let button = check.with_value(Option::is_some).then(|| {
                view! {
                    <button type="button" data-testid="seg-check" prop:disabled=move || state.busy() on:click=on_check>{x.check}</button>
                }
            });
            view! {
                <div class="seg-check">
                    {button}
                    {move || problem.get().map(|p| view! { <p class="input-error" role="alert" data-testid="seg-check-problem">{p}</p> })}
                    <div aria-live="polite">{verdict_view("seg-check-result")}</div>
                    {move || if may_reveal.get() {
                        view! {
                            <label class="seg-row">
                                <input type="checkbox" data-testid="seg-show-reference" prop:checked=move || overlay.mask.with(Option::is_some)
                                    on:change=move |_| reveal(overlay.mask.with_untracked(Option::is_none))/>
                                " "{x.show_reference}" ("{label_name.get_value()}")"
                            </label>
                        }.into_any()
                    } else {
                        view! { <p class="muted seg-note" data-testid="seg-reference-hidden">{x.reference_hidden}</p> }.into_any()
                    }}
                </div>
            }
        };
        view! {
            <Viewer volume=o.volume overlay=overlay editing=state.editing() initial_window=window initial_slice=slice compact=true/>
            <SegmentPanel state=state tools=tools compact=true check=check_view/>
        }
        .into_any()
    };
    view! {
        <div class="segmentation-exercise">
            <p class="exercise-goal" data-testid="seg-goal">{goal}</p>
            <div class="exercise-saved" aria-live="polite">{verdict_view("seg-goal-result")}</div>
            {sample_gate(dataset, show)}
        </div>
    }
    .into_any()
}
