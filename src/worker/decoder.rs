//! Decoding images off the main thread: the page hands file bytes to a worker (`radlearn-worker`, see
//! [`crate::worker`]) and awaits the decoded volume, so the page's own module links none of the engine's readers
//! (DICOM, NIfTI, NRRD, PNG/JPEG) and stays responsive while a large series is read.
//!
//! A [`Decoder`] owns one worker, started on first use (or earlier with [`Decoder::warm`]) and kept for the next
//! request; it runs one request at a time. [`Decoder::cancel`] terminates a busy worker (the next request starts a
//! new one): a decoding in progress cannot be interrupted by a message.

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use futures_channel::oneshot;
use radlearn_engine::LabelMap;

use crate::platform::{FeatureWorker, WorkerEvent};
use crate::worker::protocol::{NamedBytes, RequestRef, Response};
use radlearn_course::datasets::Dataset;
use radlearn_engine::io::open::{DecodedSample, FileProblem, Opened};

/// How long the worker may take to start.
const START_TIMEOUT_MS: i32 = 30_000;

/// The error of a request that was cancelled (by [`Decoder::cancel`] or a newer request).
pub const CANCELLED: &str = "cancelled";

/// Called with `(done, total)` as the files of a series are read.
pub type OnProgress = Rc<dyn Fn(u32, u32)>;

struct Waiting {
    job: u64,
    reply: oneshot::Sender<Result<Response, String>>,
    progress: Option<OnProgress>,
}

#[derive(Default)]
struct Inner {
    worker: Option<FeatureWorker>,
    job: u64,
    waiting: Option<Waiting>,
}

/// A handle on the decoding worker (cloning shares it).
#[derive(Clone, Default)]
pub struct Decoder(Rc<RefCell<Inner>>);

impl Decoder {
    pub fn new() -> Self {
        Decoder::default()
    }

    /// Starts the worker now if there is none (e.g. while the files are still downloading).
    pub fn warm(&self) {
        let Ok(mut inner) = self.0.try_borrow_mut() else { return };
        if inner.worker.is_none() {
            inner.worker = self.spawn().ok();
        }
    }

    /// Stops the request in progress, if any, terminating the worker; its future resolves to [`CANCELLED`].
    pub fn cancel(&self) {
        let Ok(mut inner) = self.0.try_borrow_mut() else { return };
        if inner.waiting.take().is_some() {
            inner.worker = None;
        }
    }

    fn spawn(&self) -> Result<FeatureWorker, String> {
        let weak = Rc::downgrade(&self.0);
        FeatureWorker::spawn(move |event| on_event(&weak, event), START_TIMEOUT_MS)
    }

    /// Sends the request made for a new job and waits for its answer (a [`Response::Failed`] is an error).
    async fn call<'a>(&self, request: impl FnOnce(u64) -> RequestRef<'a>, progress: Option<OnProgress>) -> Result<Response, String> {
        let (reply, answer) = oneshot::channel();
        {
            let mut inner = self.0.try_borrow_mut().map_err(|_| "the decoder is busy".to_string())?;
            // One request at a time: a busy worker is stopped.
            if inner.waiting.take().is_some() {
                inner.worker = None;
            }
            inner.job = inner.job.wrapping_add(1);
            let job = inner.job;
            if inner.worker.is_none() {
                inner.worker = Some(self.spawn()?);
            }
            let sent = inner.worker.as_ref().map(|w| w.send(request(job)));
            if let Some(Err(e)) = sent {
                inner.worker = None;
                return Err(e);
            }
            inner.waiting = Some(Waiting { job, reply, progress });
        }
        answer.await.unwrap_or_else(|_| Err(CANCELLED.to_string()))
    }

    /// Decodes the student's files as one image (see `radlearn_engine::io::open::open_files`). A failure of the worker itself is
    /// reported as a problem of the files (named `what`).
    pub async fn open(&self, files: &[NamedBytes], what: &str, progress: OnProgress) -> Result<Opened, Vec<FileProblem>> {
        let problem = |message: String| vec![FileProblem { file: what.to_string(), message }];
        match self.call(|job| RequestRef::Open { job, files }, Some(progress)).await.map_err(problem)? {
            Response::Opened { result, .. } => result?.into_opened().map_err(problem),
            _ => Err(problem(unexpected())),
        }
    }

    /// Decodes a mask for the image read from `image_files` (see `radlearn_engine::io::open::open_mask`).
    pub async fn open_mask(&self, image_files: &[NamedBytes], mask: &NamedBytes) -> Result<(LabelMap, Vec<String>), FileProblem> {
        let problem = |message: String| FileProblem { file: mask.name.clone(), message };
        match self.call(|job| RequestRef::OpenMask { job, image_files, mask }, None).await.map_err(problem)? {
            Response::MaskOpened { result, .. } => {
                let m = result?;
                Ok((m.mask.into_label_map().map_err(problem)?, m.notes))
            }
            _ => Err(problem(unexpected())),
        }
    }

    /// Decodes a sample dataset's downloaded image and mask (see `radlearn_engine::io::open::open_sample`).
    pub async fn decode_sample(&self, d: &Dataset, image: &NamedBytes, mask: Option<&NamedBytes>) -> Result<DecodedSample, FileProblem> {
        let problem = |message: String| FileProblem { file: image.name.clone(), message };
        let request = |job| RequestRef::DecodeSample { job, dataset: &d.id, image, mask };
        match self.call(request, None).await.map_err(problem)? {
            Response::SampleDecoded { result, .. } => result?.into_sample().map_err(problem),
            _ => Err(problem(unexpected())),
        }
    }
}

fn unexpected() -> String {
    "the decoding worker answered something else than an image".into()
}

/// Routes the worker's answers to the waiting request.
fn on_event(inner: &Weak<RefCell<Inner>>, event: WorkerEvent) {
    let Some(inner) = inner.upgrade() else { return };
    let Ok(mut state) = inner.try_borrow_mut() else { return };
    let current = |state: &Inner, job: u64| state.waiting.as_ref().is_some_and(|w| w.job == job);
    match event {
        WorkerEvent::Message(Response::Progress { job, done, total, .. }) => {
            if current(&state, job) {
                let progress = state.waiting.as_ref().and_then(|w| w.progress.clone());
                drop(state);
                if let Some(p) = progress {
                    p(done, total);
                }
            }
        }
        WorkerEvent::Message(response) => {
            if current(&state, response.job()) {
                let waiting = state.waiting.take();
                drop(state);
                let answer = match response {
                    Response::Failed { message, .. } => Err(message),
                    r => Ok(r),
                };
                if let Some(w) = waiting {
                    let _ = w.reply.send(answer);
                }
            }
        }
        WorkerEvent::Broken(message) => {
            // Dropping the handle terminates the worker; the next request starts a new one.
            state.worker = None;
            let waiting = state.waiting.take();
            drop(state);
            if let Some(w) = waiting {
                let _ = w.reply.send(Err(message));
            }
        }
    }
}
