//! The page's one client of the computation worker (`radlearn-worker`): the Image Lab's decoding, the feature panel
//! and the Model Lab's runner all go through a [`WorkerClient`].
//!
//! A client owns one worker, started on first use (or earlier with [`WorkerClient::warm`]) and kept for the next
//! job; it runs one job at a time. A job is one or more [`Request`]s numbered with a fresh [`JobId`]; its future
//! resolves to the worker's answer, to [`JobError::Failed`] with the reason in plain words, or to
//! [`JobError::Cancelled`] when [`WorkerClient::stop`] (or a newer job) stopped it. Stop terminates the worker — a
//! computation in progress cannot be interrupted by a message — and the next job starts a new one. Dropping the
//! last handle terminates the worker too.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::rc::{Rc, Weak};

use futures_channel::oneshot;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

use crate::platform::{is_offline, js_error, unreachable_message};
pub use crate::worker::protocol::JobId;
use crate::worker::protocol::{decode, encode, FromWorker, Request, Response, ToWorker, BRIDGE_ID, SCRIPT};

/// How long a worker may take to start (download and compile its module) before the job fails.
const START_TIMEOUT_MS: i32 = 60_000;

/// Why a job gave no answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobError {
    /// Stopped by [`WorkerClient::stop`], by a newer job, or because the client was dropped.
    Cancelled,
    /// The worker could not do it; the message says why in plain words.
    Failed(String),
}

impl fmt::Display for JobError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JobError::Cancelled => f.write_str("stopped"),
            JobError::Failed(message) => f.write_str(message),
        }
    }
}

/// A job's progress: `done` of `total` steps are finished; `step` names what runs now (a feature family, or
/// `files`, `lesions`, `folds`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    pub done: u32,
    pub total: u32,
    pub step: String,
}

/// Called with each [`Progress`] of the current job.
pub type OnProgress = Rc<dyn Fn(Progress)>;

struct Waiting {
    job: JobId,
    reply: oneshot::Sender<Result<Response, JobError>>,
    progress: Option<OnProgress>,
    /// What the worker holds once this job succeeds (see [`WorkerClient::holds`]).
    keeps: Option<String>,
}

#[derive(Default)]
struct Inner {
    worker: Option<Connection>,
    last_job: u64,
    waiting: Option<Waiting>,
    /// What the current worker holds from an earlier job (e.g. the key of a decoded image).
    holds: Option<String>,
}

impl Inner {
    /// Terminates the worker; what it held is gone.
    fn drop_worker(&mut self) {
        self.worker = None;
        self.holds = None;
    }
}

/// A handle on a computation worker (cloning shares it).
#[derive(Clone, Default)]
pub struct WorkerClient(Rc<RefCell<Inner>>);

impl WorkerClient {
    pub fn new() -> Self {
        WorkerClient::default()
    }

    /// Starts the worker now if there is none (e.g. while the files are still downloading).
    pub fn warm(&self) {
        let Ok(mut inner) = self.0.try_borrow_mut() else { return };
        if inner.worker.is_none() {
            inner.worker = Connection::spawn(Rc::downgrade(&self.0)).ok();
        }
    }

    /// Whether a job is running.
    pub fn busy(&self) -> bool {
        self.0.try_borrow().map(|i| i.waiting.is_some()).unwrap_or(true)
    }

    /// Stops the job in progress, if any, terminating the worker; its future resolves to [`JobError::Cancelled`].
    pub fn stop(&self) {
        let Ok(mut inner) = self.0.try_borrow_mut() else { return };
        if inner.waiting.take().is_some() {
            inner.drop_worker();
        }
    }

    /// Whether the worker still holds what a successful job declared it keeps (see [`WorkerClient::run`]); `false`
    /// once the worker was stopped or restarted.
    pub fn holds(&self, key: &str) -> bool {
        self.0.try_borrow().is_ok_and(|i| i.holds.as_deref() == Some(key))
    }

    /// Runs a new job: sends the requests `requests` builds for its id, reports its progress to `progress`, and
    /// resolves to the worker's answer to the last request. `keeps` names what the worker holds once the job has
    /// succeeded (for [`WorkerClient::holds`]). A job already running is stopped first.
    pub async fn run<'a>(
        &self,
        requests: impl FnOnce(JobId) -> Vec<Request<'a>>,
        progress: Option<OnProgress>,
        keeps: Option<String>,
    ) -> Result<Response, JobError> {
        let (reply, answer) = oneshot::channel();
        {
            let mut inner = self.0.try_borrow_mut().map_err(|_| JobError::Failed("the worker is busy; try again".into()))?;
            if inner.waiting.take().is_some() {
                inner.drop_worker();
            }
            inner.last_job = inner.last_job.wrapping_add(1);
            let job = JobId(inner.last_job);
            if inner.worker.is_none() {
                inner.worker = Some(Connection::spawn(Rc::downgrade(&self.0)).map_err(JobError::Failed)?);
                inner.holds = None;
            }
            let sent = match &inner.worker {
                Some(w) => requests(job).into_iter().try_for_each(|r| w.send(r)),
                None => Ok(()),
            };
            if let Err(e) = sent {
                inner.drop_worker();
                return Err(JobError::Failed(e));
            }
            inner.waiting = Some(Waiting { job, reply, progress, keeps });
        }
        answer.await.unwrap_or(Err(JobError::Cancelled))
    }

    /// Routes one of the worker's messages, or its failure, to the job waiting for it.
    fn deliver(inner: &Weak<RefCell<Inner>>, event: Event) {
        let Some(inner) = inner.upgrade() else { return };
        let Ok(mut state) = inner.try_borrow_mut() else { return };
        let current = |state: &Inner, job: JobId| state.waiting.as_ref().is_some_and(|w| w.job == job);
        match event {
            Event::Message(Response::Progress { job, done, total, family }) => {
                if current(&state, job) {
                    let progress = state.waiting.as_ref().and_then(|w| w.progress.clone());
                    drop(state);
                    if let Some(p) = progress {
                        p(Progress { done, total, step: family });
                    }
                }
            }
            Event::Message(response) => {
                if current(&state, response.job()) {
                    let Some(waiting) = state.waiting.take() else { return };
                    let answer = match response {
                        Response::Failed { message, .. } => {
                            state.holds = None;
                            Err(JobError::Failed(message))
                        }
                        r => {
                            state.holds = waiting.keeps;
                            Ok(r)
                        }
                    };
                    drop(state);
                    let _ = waiting.reply.send(answer);
                }
            }
            Event::Broken(message) => {
                // Dropping the connection terminates the worker; the next job starts a new one.
                state.drop_worker();
                let waiting = state.waiting.take();
                drop(state);
                if let Some(w) = waiting {
                    let _ = w.reply.send(Err(JobError::Failed(message)));
                }
            }
        }
    }
}

/// What a worker reports to its client.
enum Event {
    /// One of the worker's answers.
    Message(Response),
    /// The worker could not start, crashed or sent something unreadable: it is unusable.
    Broken(String),
}

/// One worker: a Web Worker started from Trunk's loader script, spoken to in gloo-worker's envelope. The page
/// drives the `Worker` object itself rather than through gloo-worker's bridge, so that a load failure or a crash is
/// reported (its `error` event) and Stop can terminate a busy worker: dropping a `Connection` terminates the
/// worker at once, even in the middle of a computation.
struct Connection {
    worker: web_sys::Worker,
    /// Encoded messages waiting for the worker's wasm to start (`None` once it listens).
    pending: Rc<RefCell<Option<Vec<Vec<u8>>>>>,
    alive: Rc<Cell<bool>>,
}

impl Connection {
    /// Starts a worker whose events go to the client `inner`. Reports [`Event::Broken`] if the worker has not
    /// started after [`START_TIMEOUT_MS`].
    fn spawn(inner: Weak<RefCell<Inner>>) -> Result<Connection, String> {
        let worker =
            web_sys::Worker::new(SCRIPT).map_err(|e| format!("this browser refused to start the computation worker ({})", js_error(e)))?;
        let pending: Rc<RefCell<Option<Vec<Vec<u8>>>>> = Rc::new(RefCell::new(Some(Vec::new())));
        let alive = Rc::new(Cell::new(true));
        let on_event: Rc<dyn Fn(Event)> = Rc::new(move |event| WorkerClient::deliver(&inner, event));
        let on_message = {
            let (worker, pending, alive, on_event) = (worker.clone(), pending.clone(), alive.clone(), on_event.clone());
            Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |ev: web_sys::MessageEvent| {
                if !alive.get() {
                    return;
                }
                let bytes = js_sys::Uint8Array::new(&ev.data()).to_vec();
                match decode(&bytes) {
                    Ok(FromWorker::WorkerLoaded) => {
                        let queued = pending.borrow_mut().take().unwrap_or_default();
                        for message in queued {
                            if let Err(e) = post_bytes(&worker, &message) {
                                on_event(Event::Broken(e));
                                return;
                            }
                        }
                    }
                    Ok(FromWorker::ProcessOutput(_, response)) => on_event(Event::Message(response)),
                    Err(e) => on_event(Event::Broken(e)),
                }
            })
        };
        worker.set_onmessage(Some(on_message.into_js_value().unchecked_ref()));
        let on_error = {
            let (alive, pending, on_event) = (alive.clone(), pending.clone(), on_event.clone());
            Closure::<dyn Fn(web_sys::Event)>::new(move |ev: web_sys::Event| {
                // Handled here: the error does not go on to the page's global error handler.
                ev.prevent_default();
                if !alive.get() {
                    return;
                }
                let started = pending.borrow().is_none();
                let detail = ev.dyn_ref::<web_sys::ErrorEvent>().map(|e| e.message()).filter(|m| !m.is_empty());
                on_event(Event::Broken(match (started, detail) {
                    (false, _) => unreachable_message("the computation worker (radlearn-worker)"),
                    (true, Some(d)) => format!("the computation worker stopped with an error ({d})"),
                    (true, None) => "the computation worker stopped with an error".to_string(),
                }));
            })
        };
        worker.set_onerror(Some(on_error.into_js_value().unchecked_ref()));
        let watchdog = {
            let (alive, pending) = (alive.clone(), pending.clone());
            Closure::once_into_js(move || {
                if alive.get() && pending.borrow().is_some() {
                    on_event(Event::Broken(if is_offline() {
                        unreachable_message("the computation worker (radlearn-worker)")
                    } else {
                        format!("the computation worker did not start within {} s; reload the page and try again", START_TIMEOUT_MS / 1000)
                    }));
                }
            })
        };
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(watchdog.unchecked_ref(), START_TIMEOUT_MS);
        }
        let connection = Connection { worker, pending, alive };
        connection.post(&ToWorker::Connected(BRIDGE_ID))?;
        Ok(connection)
    }

    fn post(&self, message: &ToWorker<'_>) -> Result<(), String> {
        let bytes = encode(message)?;
        let mut pending = self.pending.borrow_mut();
        match pending.as_mut() {
            Some(queue) => {
                queue.push(bytes);
                Ok(())
            }
            None => post_bytes(&self.worker, &bytes),
        }
    }

    /// Sends a request (queued until the worker has started).
    fn send(&self, request: Request<'_>) -> Result<(), String> {
        self.post(&ToWorker::ProcessInput(BRIDGE_ID, request))
    }
}

/// Posts bytes to a worker, handing over their buffer rather than copying it.
fn post_bytes(worker: &web_sys::Worker, bytes: &[u8]) -> Result<(), String> {
    let array = js_sys::Uint8Array::new_with_length(bytes.len() as u32);
    array.copy_from(bytes);
    worker
        .post_message_with_transfer(&array, &js_sys::Array::of1(&array.buffer()))
        .map_err(|e| format!("the request could not be sent to the computation worker ({})", js_error(e)))
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.alive.set(false);
        self.worker.set_onmessage(None);
        self.worker.set_onerror(None);
        self.worker.terminate();
    }
}
