//! Decoding images off the main thread: the labs hand file bytes to the worker (through a [`WorkerClient`]) and
//! await the decoded volume, so the page's own module links none of the engine's readers (DICOM, NIfTI, NRRD,
//! PNG/JPEG) and stays responsive while a large series is read.
//!
//! Each call resolves to `Err(Cancelled)` when the client was stopped (or a newer job replaced it), else to the
//! decoded image or what was wrong with the files; a failure of the worker itself is reported as a problem of the
//! files.

use std::borrow::Cow;
use std::rc::Rc;

use radlearn_course::datasets::Dataset;
use radlearn_engine::io::open::{DecodedSample, FileProblem, Opened};
use radlearn_engine::LabelMap;

use crate::worker::client::{JobError, OnProgress, WorkerClient};
use crate::worker::protocol::{NamedBytes, Request, Response};

/// The decoding was stopped (by [`WorkerClient::stop`] or a newer job): there is nothing to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cancelled;

/// The answer of a decoding: `Err(Cancelled)`, or the image (or the problems of the files).
pub type Decoded<T, P> = Result<Result<T, P>, Cancelled>;

const UNEXPECTED: &str = "the decoding worker answered something else than an image";

/// Splits a job's outcome: cancellation apart, a worker failure becomes a problem made by `problem`.
fn answer<P>(outcome: Result<Response, JobError>, problem: impl Fn(String) -> P) -> Result<Result<Response, P>, Cancelled> {
    match outcome {
        Ok(r) => Ok(Ok(r)),
        Err(JobError::Cancelled) => Err(Cancelled),
        Err(JobError::Failed(message)) => Ok(Err(problem(message))),
    }
}

impl WorkerClient {
    /// Decodes the student's files as one image (see `radlearn_engine::io::open::open_files`); `what` names the
    /// files in a problem of the worker itself; `progress` receives the files read.
    pub async fn open(&self, files: &[NamedBytes], what: &str, progress: OnProgress) -> Decoded<Opened, Vec<FileProblem>> {
        let problem = |message: String| vec![FileProblem { file: what.to_string(), message }];
        let outcome = self.run(|job| vec![Request::Open { job, files: Cow::Borrowed(files) }], Some(progress), None).await;
        Ok(match answer(outcome, problem)? {
            Ok(Response::Opened { result, .. }) => result.and_then(|data| data.into_opened().map_err(problem)),
            Ok(_) => Err(problem(UNEXPECTED.into())),
            Err(p) => Err(p),
        })
    }

    /// Decodes a mask for the image read from `image_files` (see `radlearn_engine::io::open::open_mask`).
    pub async fn open_mask(&self, image_files: &[NamedBytes], mask: &NamedBytes) -> Decoded<(LabelMap, Vec<String>), FileProblem> {
        let problem = |message: String| FileProblem { file: mask.name.clone(), message };
        let request = |job| vec![Request::OpenMask { job, image_files: Cow::Borrowed(image_files), mask: Cow::Borrowed(mask) }];
        let outcome = self.run(request, None, None).await;
        Ok(match answer(outcome, problem)? {
            Ok(Response::MaskOpened { result, .. }) => result.and_then(|m| Ok((m.mask.into_label_map().map_err(problem)?, m.notes))),
            Ok(_) => Err(problem(UNEXPECTED.into())),
            Err(p) => Err(p),
        })
    }

    /// Decodes a sample dataset's downloaded image and mask (see `radlearn_engine::io::open::open_sample`).
    pub async fn decode_sample(&self, d: &Dataset, image: &NamedBytes, mask: Option<&NamedBytes>) -> Decoded<DecodedSample, FileProblem> {
        let problem = |message: String| FileProblem { file: image.name.clone(), message };
        let request =
            |job| vec![Request::DecodeSample { job, dataset: d.id.clone(), image: Cow::Borrowed(image), mask: mask.map(Cow::Borrowed) }];
        let outcome = self.run(request, None, None).await;
        Ok(match answer(outcome, problem)? {
            Ok(Response::SampleDecoded { result, .. }) => result.and_then(|data| data.into_sample().map_err(problem)),
            Ok(_) => Err(problem(UNEXPECTED.into())),
            Err(p) => Err(p),
        })
    }
}

/// A progress callback that ignores the step's name (decoding reports files read).
pub fn on_files(f: impl Fn(u32, u32) + 'static) -> OnProgress {
    Rc::new(move |p| f(p.done, p.total))
}
