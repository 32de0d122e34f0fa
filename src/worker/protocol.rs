//! The feature worker: its messages (shared by the page and `src/bin/worker.rs`) and the work it does.
//!
//! Radiomics features take from milliseconds (the IBSI digital phantom) to seconds (a CT tumour), so they are
//! computed in a Web Worker, a second wasm module that Trunk builds with the speed profile (`release`), while the
//! page stays responsive. The protocol:
//!
//! 1. The page sends [`Request::Image`] once per image: the original file bytes (one file, a header and its data
//!    file, or a DICOM series) — never a decoded volume, so the page only copies bytes. The worker decodes and
//!    keeps the image (its decoding error, if any, is reported by the next extraction).
//! 2. [`Request::Extract`] sends the mask compactly ([`MaskData`]: a mask file, or the voxels of the ROI's bounding
//!    box), the label and the configuration (a built-in name or TOML/JSON text).
//! 3. The worker answers [`Response::Progress`] before each step, then [`Response::Done`] with the values and their
//!    CSV and JSON (formatted by `radlearn_engine::radiomics::export`, exactly like `radlearn features`), or
//!    [`Response::Failed`] with the engine's message in plain words.
//!
//! The Model Lab uses the same worker (one engine, one module to build): [`Request::Cohort`] generates a synthetic
//! cohort and extracts its features ([`Response::Cohort`]), [`Request::Evaluate`] cross-validates a model
//! ([`Response::Evaluated`]) and [`Request::Explore`] runs PCA, k-means and correlations ([`Response::Explored`]).
//! Each carries everything it needs (the dataset travels with every request: a few hundred kilobytes), so a
//! worker started afresh after Stop needs no earlier state.
//!
//! The page's image decoding runs in the same worker too (see `crate::worker::decoder`), so the page's module links none of
//! the readers: [`Request::Open`] decodes the student's files as `open::open_files` does ([`Response::Opened`]:
//! the image with its notes, skipped files and an RTSTRUCT's mask, or one [`FileProblem`] per file),
//! [`Request::OpenMask`] a mask on the last image decoded (kept by a fingerprint of its files; decoded again if the
//! worker was restarted), [`Request::DecodeSample`] a downloaded sample dataset. Volumes travel as [`VolumeData`]:
//! the geometry, the meta and the intensities as one byte buffer of little-endian `f32` ([`Voxels`]), which the
//! page decodes straight into the volume's vector; label masks as `serde_bytes` ([`LabelData`]).
//!
//! Stop terminates the worker (a running extraction cannot be interrupted by a message: the worker is busy); the
//! next request starts a new one and sends the image again. Messages travel in gloo-worker 0.5's envelope
//! ([`ToWorker`], [`FromWorker`], bincode), mirrored here because the page drives the `Worker` object itself (see
//! `crate::worker::client`). Byte buffers are `serde_bytes`, so encoding them is a copy.

use radlearn_engine::ml::cohort::CohortSpec;
use radlearn_engine::ml::eval::{CvOptions, CvReport, Hyper, LearningPoint, NestedReport};
use radlearn_engine::ml::model::ModelSpec;
use radlearn_engine::ml::unsupervised::{KMeansReport, PcaReport};
use radlearn_engine::ml::Dataset;
use radlearn_engine::radiomics::features::FeatureValue;
use radlearn_engine::{radiomics::export, LabelMap};
use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use super::wire::{MaskOpenedData, OpenedData, SampleData};

use radlearn_engine::io::open::FileProblem;

/// The worker's loader script (Trunk's `data-loader-shim`), relative to the page.
pub const SCRIPT: &str = "./radlearn-worker_loader.js";

/// The bridge id the page uses in gloo-worker's envelope (the page has one bridge per worker).
pub const BRIDGE_ID: u64 = 1;

/// A file's name and bytes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NamedBytes {
    pub name: String,
    #[serde(with = "serde_bytes")]
    pub bytes: Vec<u8>,
}

/// Where the mask comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum MaskData {
    /// A mask file: a label image on the image's grid (NIfTI, NRRD) or a DICOM RTSTRUCT drawn on the image.
    File(NamedBytes),
    /// The labels of a box of the image's grid (`start` and `size` in voxels, x fastest); 0 outside the box.
    Box {
        start: [u32; 3],
        size: [u32; 3],
        #[serde(with = "serde_bytes")]
        labels: Vec<u8>,
    },
}

impl MaskData {
    /// The smallest box around the non-zero labels of `mask` (`None` when the mask is empty).
    pub fn from_label_map(mask: &LabelMap) -> Option<MaskData> {
        Self::from_labels(mask, None)
    }

    /// The smallest box around the voxels of `label` (`None`: every non-zero label), with only those voxels set
    /// (`None` when there is none).
    pub fn from_labels(mask: &LabelMap, label: Option<u8>) -> Option<MaskData> {
        let keep = |l: u8| l != 0 && label.is_none_or(|k| k == l);
        let [nx, ny, _] = mask.geometry.dims;
        let (mut lo, mut hi) = ([usize::MAX; 3], [0usize; 3]);
        for (i, _) in mask.data.iter().enumerate().filter(|(_, &l)| keep(l)) {
            let p = [i % nx, (i / nx) % ny, i / (nx * ny)];
            for a in 0..3 {
                lo[a] = lo[a].min(p[a]);
                hi[a] = hi[a].max(p[a]);
            }
        }
        if lo[0] == usize::MAX {
            return None;
        }
        let size = [0, 1, 2].map(|a| hi[a] - lo[a] + 1);
        let mut labels = Vec::with_capacity(size[0] * size[1] * size[2]);
        for z in lo[2]..=hi[2] {
            for y in lo[1]..=hi[1] {
                let row = lo[0] + nx * (y + ny * z);
                labels.extend(mask.data.get(row..row + size[0])?.iter().map(|&l| if keep(l) { l } else { 0 }));
            }
        }
        Some(MaskData::Box { start: lo.map(|v| v as u32), size: size.map(|v| v as u32), labels })
    }
}

/// The configuration of an extraction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ConfigSpec {
    /// A built-in configuration (`default`, `ibsi-A`…, `digital-phantom`).
    Builtin(String),
    /// A configuration as TOML or JSON text.
    Text(String),
}

/// Which job a message belongs to. The client numbers its jobs; answers of a job that is no longer current are
/// ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct JobId(pub u64);

/// What the page asks. The page builds it borrowing what it sends (`Cow::Borrowed`: the image files are encoded where
/// they are, not copied first); the worker receives it owned ([`Incoming`]). One type for both sides, so they cannot
/// drift apart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Request<'a> {
    /// Decode these files as the image to work on, replacing the previous one (`job`: the extraction it is for).
    Image { job: JobId, files: Cow<'a, [NamedBytes]> },
    /// Extract the features of ROI `label` (`None`: the mask's only label) of the last image.
    Extract { job: JobId, mask: Cow<'a, MaskData>, label: Option<u8>, config: ConfigSpec },
    /// Generate a synthetic cohort and extract the features of every lesion.
    Cohort { job: JobId, spec: CohortSpec },
    /// Evaluate a model on a dataset.
    Evaluate { job: JobId, dataset: Cow<'a, Dataset>, model: ModelSpec, options: CvOptions, analysis: Analysis },
    /// PCA, k-means and feature correlations of a dataset.
    Explore { job: JobId, dataset: Cow<'a, Dataset>, settings: ExploreSettings },
    /// Decode the student's files as an image (as `open::open_files`), answered by [`Response::Opened`]. The
    /// worker keeps the image for a following [`Request::OpenMask`].
    Open { job: JobId, files: Cow<'a, [NamedBytes]> },
    /// Decode a mask for the image read from `image_files` (as `open::open_mask`), answered by
    /// [`Response::MaskOpened`]. The image is decoded again only if it is not the last one this worker decoded.
    OpenMask { job: JobId, image_files: Cow<'a, [NamedBytes]>, mask: Cow<'a, NamedBytes> },
    /// Decode a sample dataset's downloaded files (as `open::open_sample`; `dataset` is its id), answered by
    /// [`Response::SampleDecoded`].
    DecodeSample { job: JobId, dataset: String, image: Cow<'a, NamedBytes>, mask: Option<Cow<'a, NamedBytes>> },
}

/// A request as the worker receives it (owned).
pub type Incoming = Request<'static>;

impl Request<'_> {
    /// The job this request belongs to.
    pub fn job(&self) -> JobId {
        match self {
            Request::Image { job, .. }
            | Request::Extract { job, .. }
            | Request::Cohort { job, .. }
            | Request::Evaluate { job, .. }
            | Request::Explore { job, .. }
            | Request::Open { job, .. }
            | Request::OpenMask { job, .. }
            | Request::DecodeSample { job, .. } => *job,
        }
    }
}

/// Which evaluation [`Request::Evaluate`] runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Analysis {
    /// Stratified k-fold cross-validation.
    CrossValidation,
    /// Nested cross-validation tuning one hyperparameter over `grid`.
    Nested { hyper: Hyper, grid: Vec<f64> },
    /// Cross-validated AUC (and training AUC) for growing fractions of the training folds.
    LearningCurve { fractions: Vec<f64> },
    /// One stratified train/test split: fitted on the training cases, scored on the `test_fraction` held out.
    Holdout { test_fraction: f64 },
}

/// The settings of [`Request::Explore`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExploreSettings {
    /// Z-score every feature first (features in HU, mm³ and unitless ratios are otherwise not comparable).
    pub standardise: bool,
    /// The number of principal components to report.
    pub components: usize,
    /// k of k-means.
    pub clusters: usize,
    pub seed: u64,
    /// Features whose |r| with an already kept one reaches this are called redundant.
    pub redundancy: f64,
    /// At most this many features in the correlation heatmap.
    pub heatmap_features: usize,
}

/// What [`Request::Evaluate`] found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Evaluation {
    /// A cross-validation, or a hold-out split in the same shape (see `eval::holdout`).
    CrossValidation(CvReport),
    Nested(NestedReport),
    LearningCurve(Vec<LearningPoint>),
}

/// What [`Request::Explore`] found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Exploration {
    pub pca: PcaReport,
    pub kmeans: KMeansReport,
    /// Adjusted Rand index of the clusters against the label.
    pub ari_label: f64,
    /// Adjusted Rand index of the clusters against the site (when the dataset has a `site` column).
    pub ari_site: Option<f64>,
    /// Columns kept by the redundancy filter, in order.
    pub kept: Vec<usize>,
    /// The features of the heatmap (column indices) and their correlation matrix.
    pub heatmap: Vec<usize>,
    pub correlation: ndarray::Array2<f64>,
}

/// One feature value, owned (the engine's names are `&'static str`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Row {
    pub family_code: String,
    pub feature_code: String,
    /// Texture aggregation code; empty outside texture families.
    pub aggregation_code: String,
    /// Variant as in the CSV (`10`, `10-90` for the IVH); empty otherwise.
    pub variant: String,
    pub family: String,
    pub feature: String,
    /// NaN when IBSI leaves the feature undefined for this input.
    pub value: f64,
}

impl From<&FeatureValue> for Row {
    fn from(v: &FeatureValue) -> Self {
        Row {
            family_code: v.family_code.into(),
            feature_code: v.feature_code.into(),
            aggregation_code: v.aggregation_code.unwrap_or("").into(),
            variant: export::variant(v),
            family: v.family.into(),
            feature: v.feature.into(),
            value: v.value,
        }
    }
}

/// The result of an extraction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Computed {
    pub rows: Vec<Row>,
    /// The table as `radlearn features` prints it.
    pub csv: String,
    pub json: String,
    /// Voxels in the ROI as given (before any processing).
    pub roi_voxels: u64,
    /// The label whose features these are.
    pub label: u8,
}

/// What the worker answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Response {
    /// About to compute `family` (a feature family, or a step such as a case or a fold); `done` of `total` steps
    /// are finished.
    Progress {
        job: JobId,
        done: u32,
        total: u32,
        family: String,
    },
    Done {
        job: JobId,
        result: Computed,
    },
    /// A generated cohort, its features extracted.
    Cohort {
        job: JobId,
        dataset: Dataset,
    },
    Evaluated {
        job: JobId,
        result: Box<Evaluation>,
    },
    Explored {
        job: JobId,
        result: Box<Exploration>,
    },
    /// The student's files decoded, or why they could not be (one problem per file, as `open::open_files`).
    Opened {
        job: JobId,
        result: Result<Box<OpenedData>, Vec<FileProblem>>,
    },
    /// A mask decoded on the image's grid, with notes, or why it could not be.
    MaskOpened {
        job: JobId,
        result: Result<Box<MaskOpenedData>, FileProblem>,
    },
    /// A sample dataset decoded, or why its image could not be.
    SampleDecoded {
        job: JobId,
        result: Result<Box<SampleData>, FileProblem>,
    },
    /// The job failed; `message` says why in plain words.
    Failed {
        job: JobId,
        message: String,
    },
}

impl Response {
    /// The job this answer belongs to.
    pub fn job(&self) -> JobId {
        match self {
            Response::Progress { job, .. }
            | Response::Done { job, .. }
            | Response::Cohort { job, .. }
            | Response::Evaluated { job, .. }
            | Response::Explored { job, .. }
            | Response::Opened { job, .. }
            | Response::MaskOpened { job, .. }
            | Response::SampleDecoded { job, .. }
            | Response::Failed { job, .. } => *job,
        }
    }
}

/// gloo-worker 0.5's envelope from the page to the worker (`gloo_worker::actor::messages::ToWorker`, whose bincode
/// form this must match: variant index as u32, then the bridge id as a u64).
#[derive(Debug, Serialize)]
pub enum ToWorker<'a> {
    Connected(u64),
    ProcessInput(u64, Request<'a>),
    Disconnected(u64),
    Destroy,
}

/// gloo-worker 0.5's envelope from the worker to the page.
#[derive(Debug, Deserialize)]
pub enum FromWorker {
    /// The worker's wasm is running and listens.
    WorkerLoaded,
    ProcessOutput(u64, Response),
}

/// Encodes a message for the worker.
pub fn encode(msg: &ToWorker<'_>) -> Result<Vec<u8>, String> {
    bincode::serialize(msg).map_err(|e| format!("the request could not be encoded ({e})"))
}

/// Decodes a message from the worker.
pub fn decode(bytes: &[u8]) -> Result<FromWorker, String> {
    bincode::deserialize(bytes).map_err(|e| format!("the worker sent a message this page does not understand ({e})"))
}
