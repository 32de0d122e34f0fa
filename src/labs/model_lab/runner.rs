//! The runner of the Model Lab's jobs: one job at a time in the worker, with its progress bar, Stop and error.

use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::strings::model_ui;
use crate::worker::client::{JobError, JobId, OnProgress, WorkerClient};
use crate::worker::protocol::{Request, Response};

/// What the worker is doing.
#[derive(Debug, Clone, PartialEq)]
enum Phase {
    Idle,
    Starting,
    Running { done: u32, total: u32, step: String },
}

/// Runs the Model Lab's jobs in the worker, one at a time, showing their progress, error and Stop. Stop
/// terminates the worker (the next job starts a new one): every request carries all it needs.
#[derive(Clone, Copy)]
pub struct Runner {
    phase: RwSignal<Phase>,
    pub(super) error: RwSignal<Option<String>>,
    stopped: RwSignal<bool>,
    client: StoredValue<WorkerClient, LocalStorage>,
}

impl Runner {
    pub fn new() -> Self {
        Runner {
            phase: RwSignal::new(Phase::Idle),
            error: RwSignal::new(None),
            stopped: RwSignal::new(false),
            client: StoredValue::new_local(WorkerClient::new()),
        }
    }

    pub(super) fn busy(self) -> bool {
        self.phase.get() != Phase::Idle
    }

    /// Runs the request `request` builds for a new job from `input` (which it may borrow, e.g. a dataset sent
    /// without a copy); `on_done` receives the worker's answer.
    pub(super) fn run<T: 'static>(
        self,
        input: T,
        request: impl for<'x> FnOnce(&'x T, JobId) -> Request<'x> + 'static,
        on_done: impl FnOnce(Response) + 'static,
    ) {
        let Some(client) = self.client.try_with_value(Clone::clone) else { return };
        self.error.set(None);
        self.stopped.set(false);
        self.phase.set(Phase::Starting);
        let progress: OnProgress = Rc::new(move |p| self.phase.set(Phase::Running { done: p.done, total: p.total, step: p.step }));
        spawn_local(async move {
            let outcome = client.run(|job| vec![request(&input, job)], Some(progress), None).await;
            match outcome {
                // Stopped: `stop` has shown it; or replaced by a newer job, which shows its own state.
                Err(JobError::Cancelled) => {}
                Err(JobError::Failed(message)) => {
                    self.phase.try_set(Phase::Idle);
                    self.error.try_set(Some(message));
                }
                Ok(response) => {
                    self.phase.try_set(Phase::Idle);
                    on_done(response);
                }
            }
        });
    }

    fn stop(self) {
        if let Some(client) = self.client.try_with_value(Clone::clone) {
            client.stop();
        }
        self.phase.set(Phase::Idle);
        self.stopped.set(true);
    }
}

impl Default for Runner {
    fn default() -> Self {
        Runner::new()
    }
}

/// The runner's progress bar with Stop, its error and its "stopped" note.
#[component]
pub(super) fn RunnerStatus(runner: Runner, #[prop(into)] testid: String) -> impl IntoView {
    let m = model_ui();
    let (progress_id, stop_id) = (format!("{testid}-progress"), format!("{testid}-stop"));
    let status = move || match runner.phase.get() {
        Phase::Idle => None,
        phase => {
            let (value, max, text) = match phase {
                Phase::Running { done, total, step } if total > 0 => {
                    let what = match step.as_str() {
                        "lesions" => m.step_lesions,
                        "folds" => m.step_folds,
                        _ => m.step_other,
                    };
                    (done as f64, total as f64, format!("{what}: {} {} {total}", (done + 1).min(total), m.of))
                }
                _ => (0.0, 1.0, m.starting.to_string()),
            };
            Some(view! {
                <div class="feature-progress" data-testid=progress_id.clone() role="status">
                    <progress max=max value=value></progress>
                    <span class="feature-progress-text">{text}</span>
                    <button type="button" class="secondary" data-testid=stop_id.clone() on:click=move |_| runner.stop()>{m.stop}</button>
                    <p class="muted small">{m.responsive}</p>
                </div>
            })
        }
    };
    let stopped_id = format!("{testid}-stopped");
    let error_id = format!("{testid}-error");
    view! {
        {status}
        {move || runner.stopped.get().then(|| view! { <p class="feature-stopped" role="status" data-testid=stopped_id.clone()>{m.stopped}</p> })}
        {move || runner.error.get().map(|e| view! {
            <div class="widget-error" role="alert" data-testid=error_id.clone()><p>{m.failed}</p><p class="muted">{e}</p></div>
        })}
    }
}
