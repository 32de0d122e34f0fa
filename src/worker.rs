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
//!    CSV and JSON (formatted by `radlearn_engine::export`, exactly like `radlearn features`), or
//!    [`Response::Failed`] with the engine's message in plain words.
//!
//! The Model Lab uses the same worker (one engine, one module to build): [`Request::Cohort`] generates a synthetic
//! cohort and extracts its features ([`Response::Cohort`]), [`Request::Evaluate`] cross-validates a model
//! ([`Response::Evaluated`]) and [`Request::Explore`] runs PCA, k-means and correlations ([`Response::Explored`]).
//! Each carries everything it needs (the dataset travels with every request: a few hundred kilobytes), so a
//! worker started afresh after Stop needs no earlier state.
//!
//! The page's image decoding runs in the same worker too (see `crate::decoder`), so the page's module links none of
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
//! `platform::FeatureWorker`). Byte buffers are `serde_bytes`, so encoding them is a copy.

use std::ops::ControlFlow;

use radlearn_engine::cohort::{self, CohortSpec};
use radlearn_engine::config::FeatureConfig;
use radlearn_engine::features::FeatureValue;
use radlearn_engine::ml::eval::{self, CvOptions, CvReport, Hyper, LearningPoint, NestedReport};
use radlearn_engine::ml::model::ModelSpec;
use radlearn_engine::ml::unsupervised::{self, KMeansReport, PcaReport};
use radlearn_engine::ml::Dataset;
use radlearn_engine::radiomics::extract;
use radlearn_engine::volume::{Geometry, Meta};
use radlearn_engine::{export, LabelMap, LoadOptions, Volume};
use serde::{Deserialize, Serialize};

use radlearn_engine::open::{self, FileProblem};

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

/// Files as the engine's opening functions take them (`radlearn_engine::open::NamedBytes`).
fn borrowed(files: &[NamedBytes]) -> Vec<(&str, &[u8])> {
    files.iter().map(|f| (f.name.as_str(), f.bytes.as_slice())).collect()
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

/// What the page asks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Request {
    /// Decode these files as the image to work on, replacing the previous one (`job`: the extraction it is for).
    Image { job: u64, files: Vec<NamedBytes> },
    /// Extract the features of ROI `label` (`None`: the mask's only label) of the last image.
    Extract { job: u64, mask: MaskData, label: Option<u8>, config: ConfigSpec },
    /// Generate a synthetic cohort and extract the features of every lesion.
    Cohort { job: u64, spec: CohortSpec },
    /// Evaluate a model on a dataset.
    Evaluate { job: u64, dataset: Dataset, model: ModelSpec, options: CvOptions, analysis: Analysis },
    /// PCA, k-means and feature correlations of a dataset.
    Explore { job: u64, dataset: Dataset, settings: ExploreSettings },
    /// Decode the student's files as an image (as `open::open_files`), answered by [`Response::Opened`]. The
    /// worker keeps the image for a following [`Request::OpenMask`].
    Open { job: u64, files: Vec<NamedBytes> },
    /// Decode a mask for the image read from `image_files` (as `open::open_mask`), answered by
    /// [`Response::MaskOpened`]. The image is decoded again only if it is not the last one this worker decoded.
    OpenMask { job: u64, image_files: Vec<NamedBytes>, mask: NamedBytes },
    /// Decode a sample dataset's downloaded files (as `open::open_sample`; `dataset` is its id), answered by
    /// [`Response::SampleDecoded`].
    DecodeSample { job: u64, dataset: String, image: NamedBytes, mask: Option<NamedBytes> },
}

impl Request {
    /// The job this request belongs to.
    pub fn job(&self) -> u64 {
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

/// [`Request`] borrowed, for sending: the page encodes the image files where they are instead of copying them
/// first. It encodes exactly like [`Request`] (same variants and fields, in the same order).
#[derive(Debug, Clone, Copy, Serialize)]
pub enum RequestRef<'a> {
    Image { job: u64, files: &'a [NamedBytes] },
    Extract { job: u64, mask: &'a MaskData, label: Option<u8>, config: &'a ConfigSpec },
    Cohort { job: u64, spec: &'a CohortSpec },
    Evaluate { job: u64, dataset: &'a Dataset, model: &'a ModelSpec, options: &'a CvOptions, analysis: &'a Analysis },
    Explore { job: u64, dataset: &'a Dataset, settings: &'a ExploreSettings },
    Open { job: u64, files: &'a [NamedBytes] },
    OpenMask { job: u64, image_files: &'a [NamedBytes], mask: &'a NamedBytes },
    DecodeSample { job: u64, dataset: &'a str, image: &'a NamedBytes, mask: Option<&'a NamedBytes> },
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
        job: u64,
        done: u32,
        total: u32,
        family: String,
    },
    Done {
        job: u64,
        result: Computed,
    },
    /// A generated cohort, its features extracted.
    Cohort {
        job: u64,
        dataset: Dataset,
    },
    Evaluated {
        job: u64,
        result: Box<Evaluation>,
    },
    Explored {
        job: u64,
        result: Box<Exploration>,
    },
    /// The student's files decoded, or why they could not be (one problem per file, as `open::open_files`).
    Opened {
        job: u64,
        result: Result<Box<OpenedData>, Vec<FileProblem>>,
    },
    /// A mask decoded on the image's grid, with notes, or why it could not be.
    MaskOpened {
        job: u64,
        result: Result<Box<MaskOpenedData>, FileProblem>,
    },
    /// A sample dataset decoded, or why its image could not be.
    SampleDecoded {
        job: u64,
        result: Result<Box<SampleData>, FileProblem>,
    },
    /// The job failed; `message` says why in plain words.
    Failed {
        job: u64,
        message: String,
    },
}

impl Response {
    /// The job this answer belongs to.
    pub fn job(&self) -> u64 {
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

/// A grid's geometry, for the trip between the worker and the page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GeometryData {
    pub dims: [u64; 3],
    pub spacing: [f64; 3],
    pub origin: [f64; 3],
    pub direction: [[f64; 3]; 3],
}

impl From<&Geometry> for GeometryData {
    fn from(g: &Geometry) -> Self {
        GeometryData { dims: g.dims.map(|d| d as u64), spacing: g.spacing, origin: g.origin, direction: g.direction }
    }
}

impl GeometryData {
    fn into_geometry(self) -> Result<Geometry, String> {
        let dims = self.dims.map(usize::try_from);
        match dims {
            [Ok(x), Ok(y), Ok(z)] => {
                Ok(Geometry { dims: [x, y, z], spacing: self.spacing, origin: self.origin, direction: self.direction })
            }
            _ => Err("the worker sent an image too large for this browser".into()),
        }
    }
}

/// A volume's intensities on the wire: one byte buffer of little-endian `f32`s (encoded like `serde_bytes`, so a
/// 512 × 512 × 300 CT is one copy, not 78 million bincode elements). The worker sends [`Voxels::Bytes`], made from
/// its volume; the page decodes them straight into [`Voxels::Values`] (`f32::from_le_bytes` over 4-byte chunks,
/// without an intermediate byte vector).
#[derive(Debug, Clone, PartialEq)]
pub enum Voxels {
    Bytes(Vec<u8>),
    Values(Vec<f32>),
}

impl Voxels {
    /// Little-endian bytes of `values`.
    pub fn encode(values: &[f32]) -> Voxels {
        Voxels::Bytes(Self::le_bytes(values))
    }

    fn le_bytes(values: &[f32]) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(values.len() * 4);
        for v in values {
            bytes.extend_from_slice(&v.to_le_bytes());
        }
        bytes
    }

    fn from_le(bytes: &[u8]) -> Result<Vec<f32>, String> {
        if !bytes.len().is_multiple_of(4) {
            return Err(format!("{} bytes are not a whole number of 32-bit intensities", bytes.len()));
        }
        Ok(bytes.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect())
    }

    /// The intensities.
    pub fn into_values(self) -> Result<Vec<f32>, String> {
        match self {
            Voxels::Values(v) => Ok(v),
            Voxels::Bytes(b) => Self::from_le(&b),
        }
    }
}

impl Serialize for Voxels {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Voxels::Bytes(b) => s.serialize_bytes(b),
            Voxels::Values(v) => s.serialize_bytes(&Voxels::le_bytes(v)),
        }
    }
}

impl<'de> Deserialize<'de> for Voxels {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Voxels;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("little-endian f32 bytes")
            }
            fn visit_bytes<E: serde::de::Error>(self, b: &[u8]) -> Result<Voxels, E> {
                Voxels::from_le(b).map(Voxels::Values).map_err(E::custom)
            }
            fn visit_byte_buf<E: serde::de::Error>(self, b: Vec<u8>) -> Result<Voxels, E> {
                self.visit_bytes(&b)
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Voxels, A::Error> {
                let mut bytes = Vec::with_capacity(seq.size_hint().unwrap_or(0));
                while let Some(b) = seq.next_element::<u8>()? {
                    bytes.push(b);
                }
                self.visit_bytes(&bytes)
            }
        }
        d.deserialize_bytes(V)
    }
}

/// A decoded image, for the trip from the worker to the page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VolumeData {
    pub geometry: GeometryData,
    pub meta: Meta,
    pub voxels: Voxels,
}

impl From<&Volume> for VolumeData {
    fn from(v: &Volume) -> Self {
        VolumeData { geometry: (&v.geometry).into(), meta: v.meta.clone(), voxels: Voxels::encode(&v.data) }
    }
}

impl VolumeData {
    /// The volume, rebuilt with the engine's constructor.
    pub fn into_volume(self) -> Result<Volume, String> {
        let geometry = self.geometry.into_geometry()?;
        let mut volume =
            Volume::new(geometry, self.voxels.into_values()?).ok_or("the worker sent an image whose intensities do not fill its grid")?;
        volume.meta = self.meta;
        Ok(volume)
    }
}

/// A decoded label mask, for the trip from the worker to the page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabelData {
    pub geometry: GeometryData,
    #[serde(with = "serde_bytes")]
    pub labels: Vec<u8>,
    pub names: Vec<(u8, String)>,
}

impl From<LabelMap> for LabelData {
    fn from(m: LabelMap) -> Self {
        LabelData { geometry: (&m.geometry).into(), labels: m.data, names: m.names }
    }
}

impl LabelData {
    /// The mask, rebuilt with the engine's constructor.
    pub fn into_label_map(self) -> Result<LabelMap, String> {
        let mut mask =
            LabelMap::new(self.geometry.into_geometry()?, self.labels).ok_or("the worker sent a mask whose labels do not fill its grid")?;
        mask.names = self.names;
        Ok(mask)
    }
}

/// What [`Request::Open`] decoded: `open::Opened` for the trip.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpenedData {
    pub name: String,
    pub volume: VolumeData,
    /// The mask the files carry (an RTSTRUCT in a DICOM series).
    pub mask: Option<LabelData>,
    pub skipped: Vec<FileProblem>,
    pub notes: Vec<String>,
}

impl OpenedData {
    /// `open::Opened` again.
    pub fn into_opened(self) -> Result<open::Opened, String> {
        Ok(open::Opened {
            image: open::OpenImage { name: self.name, volume: self.volume.into_volume()? },
            mask: self.mask.map(LabelData::into_label_map).transpose()?,
            skipped: self.skipped,
            notes: self.notes,
        })
    }
}

/// What [`Request::OpenMask`] decoded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MaskOpenedData {
    pub mask: LabelData,
    pub notes: Vec<String>,
}

/// What [`Request::DecodeSample`] decoded: `open::DecodedSample` for the trip.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SampleData {
    pub volume: VolumeData,
    pub mask: Option<LabelData>,
    pub notes: Vec<String>,
    pub mask_problem: Option<FileProblem>,
}

impl SampleData {
    /// `open::DecodedSample` again.
    pub fn into_sample(self) -> Result<open::DecodedSample, String> {
        Ok(open::DecodedSample {
            volume: self.volume.into_volume()?,
            mask: self.mask.map(LabelData::into_label_map).transpose()?,
            notes: self.notes,
            mask_problem: self.mask_problem,
        })
    }
}

/// gloo-worker 0.5's envelope from the page to the worker (`gloo_worker::actor::messages::ToWorker`, whose bincode
/// form this must match: variant index as u32, then the bridge id as a u64).
#[derive(Debug, Serialize)]
pub enum ToWorker<'a> {
    Connected(u64),
    ProcessInput(u64, RequestRef<'a>),
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

/// The worker's state: the image it was sent, decoded (or why it could not be); for a decoding worker, the last
/// image it decoded, with a fingerprint of the files it came from (for the masks opened on it).
#[derive(Debug, Default)]
pub struct Session {
    image: Option<Result<Volume, String>>,
    decoded: Option<(u64, Volume)>,
}

/// A fingerprint of files: names and bytes.
fn fingerprint<'a>(files: impl IntoIterator<Item = (&'a str, &'a [u8])>) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for (name, bytes) in files {
        name.hash(&mut h);
        bytes.hash(&mut h);
    }
    h.finish()
}

/// Progress every few files of a long series (each message costs the page a render).
fn file_progress(job: u64, emit: &mut dyn FnMut(Response)) -> impl FnMut(usize, usize) + '_ {
    move |done, total| {
        if total > 1 && done % (total / 50).max(1) == 0 {
            emit(Response::Progress { job, done: done as u32, total: total as u32, family: "files".into() });
        }
    }
}

impl Session {
    /// Handles one request; `emit` sends responses (progress as it goes).
    pub fn handle(&mut self, request: Request, emit: &mut dyn FnMut(Response)) {
        match request {
            Request::Image { files, .. } => {
                let opened = open::open_files(&borrowed(&files), &LoadOptions::default(), &mut |_, _| {});
                drop(files);
                self.image = Some(opened.map(|o| o.image.volume).map_err(|problems| {
                    let text: Vec<String> = problems
                        .iter()
                        .map(|p| if p.file.is_empty() { p.message.clone() } else { format!("{}: {}", p.file, p.message) })
                        .collect();
                    format!("the image could not be read: {}", text.join("; "))
                }));
            }
            Request::Extract { job, mask, label, config } => {
                let outcome = self.extract(job, mask, label, config, emit);
                emit(match outcome {
                    Ok(result) => Response::Done { job, result },
                    Err(message) => Response::Failed { job, message },
                });
            }
            Request::Cohort { job, spec } => {
                let cfg = cohort::extraction_config();
                let mut progress = |done: usize, total: usize| {
                    emit(Response::Progress { job, done: done as u32, total: total as u32, family: "lesions".into() });
                    ControlFlow::Continue(())
                };
                let outcome = cohort::generate(&spec, &cfg, &mut progress);
                emit(match outcome {
                    Ok(dataset) => Response::Cohort { job, dataset },
                    Err(e) => Response::Failed { job, message: e.to_string() },
                });
            }
            Request::Evaluate { job, dataset, model, options, analysis } => {
                let outcome = evaluate(job, &dataset, &model, &options, &analysis, emit);
                emit(match outcome {
                    Ok(result) => Response::Evaluated { job, result: Box::new(result) },
                    Err(message) => Response::Failed { job, message },
                });
            }
            Request::Explore { job, dataset, settings } => {
                emit(match explore(&dataset, &settings) {
                    Ok(result) => Response::Explored { job, result: Box::new(result) },
                    Err(message) => Response::Failed { job, message },
                });
            }
            Request::Open { job, files } => {
                let key = fingerprint(files.iter().map(|f| (f.name.as_str(), f.bytes.as_slice())));
                self.decoded = None;
                let opened = open::open_files(&borrowed(&files), &LoadOptions::default(), &mut file_progress(job, emit));
                drop(files);
                let result = opened.map(|o| {
                    let data = OpenedData {
                        name: o.image.name,
                        volume: VolumeData::from(&o.image.volume),
                        mask: o.mask.map(LabelData::from),
                        skipped: o.skipped,
                        notes: o.notes,
                    };
                    self.decoded = Some((key, o.image.volume));
                    Box::new(data)
                });
                emit(Response::Opened { job, result });
            }
            Request::OpenMask { job, image_files, mask } => {
                let result = self.open_mask(job, image_files, mask, emit);
                emit(Response::MaskOpened { job, result });
            }
            Request::DecodeSample { job, dataset, image, mask } => {
                let result = self.decode_sample(&dataset, image, mask);
                emit(Response::SampleDecoded { job, result });
            }
        }
    }

    /// The image decoded from `files`: the last one if it is the same, else decoded again.
    fn decoded_image(&mut self, job: u64, files: Vec<NamedBytes>, emit: &mut dyn FnMut(Response)) -> Result<&Volume, Vec<FileProblem>> {
        let key = fingerprint(files.iter().map(|f| (f.name.as_str(), f.bytes.as_slice())));
        if self.decoded.as_ref().is_none_or(|(k, _)| *k != key) {
            self.decoded = None;
            let opened = open::open_files(&borrowed(&files), &LoadOptions::default(), &mut file_progress(job, emit))?;
            self.decoded = Some((key, opened.image.volume));
        }
        match &self.decoded {
            Some((_, v)) => Ok(v),
            None => Err(Vec::new()),
        }
    }

    fn open_mask(
        &mut self,
        job: u64,
        image_files: Vec<NamedBytes>,
        mask: NamedBytes,
        emit: &mut dyn FnMut(Response),
    ) -> Result<Box<MaskOpenedData>, FileProblem> {
        let image = self.decoded_image(job, image_files, emit).map_err(|problems| {
            let text: Vec<String> =
                problems.iter().map(|p| if p.file.is_empty() { p.message.clone() } else { format!("{}: {}", p.file, p.message) }).collect();
            FileProblem { file: mask.name.clone(), message: format!("the image could not be read again: {}", text.join("; ")) }
        })?;
        let (m, notes) = open::open_mask(&mask.name, &mask.bytes, image, &[], &LoadOptions::default())?;
        Ok(Box::new(MaskOpenedData { mask: m.into(), notes }))
    }

    fn decode_sample(&mut self, dataset: &str, image: NamedBytes, mask: Option<NamedBytes>) -> Result<Box<SampleData>, FileProblem> {
        let problem = |message: String| FileProblem { file: image.name.clone(), message };
        let d = radlearn_course::datasets::datasets()
            .map_err(problem)?
            .into_iter()
            .find(|d| d.id == dataset)
            .ok_or_else(|| problem(format!("the sample dataset “{dataset}” is not in this build")))?;
        self.decoded = None;
        let mask = mask.as_ref().map(|m| (m.name.as_str(), m.bytes.as_slice()));
        let opts = LoadOptions::default();
        let s = open::open_sample((&d.image, &image.bytes), d.units.as_deref(), mask, &d.label_names(), &opts)?;
        let data = SampleData {
            volume: VolumeData::from(&s.volume),
            mask: s.mask.map(LabelData::from),
            notes: s.notes,
            mask_problem: s.mask_problem,
        };
        self.decoded = Some((fingerprint([(image.name.as_str(), image.bytes.as_slice())]), s.volume));
        Ok(Box::new(data))
    }

    fn extract(
        &self,
        job: u64,
        mask: MaskData,
        label: Option<u8>,
        config: ConfigSpec,
        emit: &mut dyn FnMut(Response),
    ) -> Result<Computed, String> {
        let image = match &self.image {
            Some(Ok(v)) => v,
            Some(Err(e)) => return Err(e.clone()),
            None => return Err("no image was sent to the worker before the extraction".into()),
        };
        let cfg = match &config {
            ConfigSpec::Builtin(name) => FeatureConfig::builtin(name),
            ConfigSpec::Text(text) => FeatureConfig::parse(text),
        }
        .and_then(FeatureConfig::check)
        .map_err(|e| format!("the configuration cannot be used: {e}"))?;
        let mask = build_mask(image, mask)?;
        let label = choose_label(&mask, label)?;
        let roi_voxels = mask.data.iter().filter(|&&l| l == label).count() as u64;
        let mut progress = |p: radlearn_engine::features::Progress| {
            emit(Response::Progress { job, done: p.done as u32, total: p.total as u32, family: p.family.name().to_string() });
            ControlFlow::Continue(())
        };
        let values = extract(image, &mask, label, &cfg, &mut progress).map_err(|e| e.to_string())?;
        let case = [(None, values.as_slice())];
        Ok(Computed { rows: values.iter().map(Row::from).collect(), csv: export::csv(&case), json: export::json(&case), roi_voxels, label })
    }
}

/// Runs one evaluation of the Model Lab, reporting each fold.
fn evaluate(
    job: u64,
    dataset: &Dataset,
    model: &ModelSpec,
    options: &CvOptions,
    analysis: &Analysis,
    emit: &mut dyn FnMut(Response),
) -> Result<Evaluation, String> {
    let mut progress = |done: usize, total: usize| {
        emit(Response::Progress { job, done: done as u32, total: total as u32, family: "folds".into() });
        ControlFlow::Continue(())
    };
    let result = match analysis {
        Analysis::CrossValidation => eval::cross_validate(dataset, model, options, &mut progress).map(Evaluation::CrossValidation),
        Analysis::Nested { hyper, grid } => eval::nested_cv(dataset, model, *hyper, grid, options, &mut progress).map(Evaluation::Nested),
        Analysis::LearningCurve { fractions } => {
            eval::learning_curve(dataset, model, options, fractions, &mut progress).map(Evaluation::LearningCurve)
        }
        Analysis::Holdout { test_fraction } => eval::holdout(dataset, model, *test_fraction, options).map(Evaluation::CrossValidation),
    };
    result.map_err(|e| e.to_string())
}

/// PCA, k-means and correlations of a dataset.
fn explore(dataset: &Dataset, settings: &ExploreSettings) -> Result<Exploration, String> {
    let x = dataset.x.view();
    // At most min(cases - 1, features) components exist; the panels show as many as there are.
    let components = settings.components.clamp(1, unsupervised::max_components(x.nrows(), x.ncols()).max(1));
    let pca = unsupervised::pca(x, components, settings.standardise).map_err(|e| e.to_string())?;
    let kmeans = unsupervised::kmeans(x, settings.clusters, settings.seed, settings.standardise).map_err(|e| e.to_string())?;
    let labels: Vec<usize> = dataset.y.iter().map(|&y| usize::from(y)).collect();
    let ari_label = unsupervised::adjusted_rand_index(&kmeans.labels, &labels);
    let ari_site = dataset.meta_column("site").map(|sites| {
        let mut names: Vec<&String> = sites.iter().collect();
        names.sort();
        names.dedup();
        let codes: Vec<usize> = sites.iter().map(|s| names.binary_search(&s).unwrap_or(0)).collect();
        unsupervised::adjusted_rand_index(&kmeans.labels, &codes)
    });
    let kept = unsupervised::redundancy_filter(x, settings.redundancy);
    let heatmap: Vec<usize> = kept.iter().copied().take(settings.heatmap_features.max(2)).collect();
    let correlation = unsupervised::correlation(dataset.x.select(ndarray::Axis(1), &heatmap).view());
    Ok(Exploration { pca, kmeans, ari_label, ari_site, kept, heatmap, correlation })
}

/// The mask on the image's grid.
fn build_mask(image: &Volume, mask: MaskData) -> Result<LabelMap, String> {
    match mask {
        MaskData::File(f) => open::open_mask(&f.name, &f.bytes, image, &[], &LoadOptions::default())
            .map(|(m, _notes)| m)
            .map_err(|p| format!("the mask could not be used: {}: {}", p.file, p.message)),
        MaskData::Box { start, size, labels } => {
            let dims = image.geometry.dims;
            let (start, size) = (start.map(|v| v as usize), size.map(|v| v as usize));
            let fits = (0..3).all(|a| start[a].checked_add(size[a]).is_some_and(|end| end <= dims[a]));
            let count = size[0].checked_mul(size[1]).and_then(|n| n.checked_mul(size[2]));
            if !fits || count != Some(labels.len()) {
                return Err(format!(
                    "the mask does not fit the image ({} × {} × {} voxels); draw or open the mask on this image",
                    dims[0], dims[1], dims[2]
                ));
            }
            let mut data = vec![0u8; image.geometry.len()];
            for (k, row) in labels.chunks_exact(size[0].max(1)).enumerate() {
                let (y, z) = (start[1] + k % size[1].max(1), start[2] + k / size[1].max(1));
                let at = start[0] + dims[0] * (y + dims[1] * z);
                if let Some(dst) = data.get_mut(at..at + size[0]) {
                    dst.copy_from_slice(row);
                }
            }
            LabelMap::new(image.geometry.clone(), data).ok_or_else(|| "the mask does not fit the image".to_string())
        }
    }
}

/// The label to use: the one asked for, or the mask's only one.
fn choose_label(mask: &LabelMap, label: Option<u8>) -> Result<u8, String> {
    if let Some(l) = label {
        return Ok(l);
    }
    let mut present = [false; 256];
    mask.data.iter().for_each(|&l| present[l as usize] = true);
    let labels: Vec<u8> = (1..=255u8).filter(|&l| present[l as usize]).collect();
    match labels.as_slice() {
        [] => Err("the mask is empty (every voxel is 0): draw or open a region of interest first".into()),
        [one] => Ok(*one),
        many => Err(format!("the mask holds several regions (labels {many:?}); choose one")),
    }
}
