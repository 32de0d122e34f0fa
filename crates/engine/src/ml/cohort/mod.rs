//! Synthetic cohorts for the Model Lab: seeded CT-like lesions with a known truth, so students can train and
//! evaluate models on a table whose signal and confounders they control.
//!
//! A [`CohortSpec`] describes the cohort ([`CohortSpec::check`] makes it a [`ValidCohortSpec`]); [`case`] makes one case (image, mask, label, site) from the seed and its
//! index alone, so cases can be made in any order, in parallel or on demand; [`generate`] extracts the radiomics
//! features of every case into an [`ml::Dataset`](crate::ml::Dataset).
//!
//! # The cases
//!
//! Each case is a cube of about 48 mm of lung (about -860 HU) crossed by a few vessels (+40 HU), with a strip of
//! chest wall (fat, then muscle) along its posterior side, and one solid lesion near the centre. The mask is the
//! lesion as drawn by a perfect reader: voxels at least half inside it (one 6-connected component). Intensities are
//! whole HU, as a CT scanner stores them.
//!
//! The label (`benign` or `malignant`) carries signal in three places, each scaled by [`CohortSpec::signal`]:
//! - shape: malignant lesions are larger (radius times `1 + 0.3 signal`), more lobulated (broad bumps on the
//!   surface) and spiculated (up to `4 signal` more thin spikes than the one or two any lesion may have);
//! - texture: their interior is more heterogeneous (a smooth random field of `10 + 15 signal` HU instead of 10);
//! - intensity: their mean is `15 signal` HU higher (25 ± 8 HU for benign lesions).
//!
//! At `signal = 1` (100 cases, seed 1) the best single feature reaches an AUC of about 0.9 and a few dozen reach
//! 0.8; at `signal = 0` none exceeds about 0.65.
//!
//! Every case draws the same random numbers whatever its label, and the label only scales some of them: with
//! `signal = 0` the images are independent of the labels.
//!
//! # Confounders
//!
//! Cases come from [`CohortSpec::sites`] scanners ([`scanners`]), which differ in slice thickness (thick slices
//! average the anatomy along z: partial volume), pixel size, noise level and texture (a smoothing reconstruction
//! kernel), and HU calibration. [`CohortSpec::site_effect`] scales these differences (0: identical scanners).
//! With [`CohortSpec::site_label_correlation`] `c`, a fraction `c` of the cases is sent by label: malignant cases
//! to site A, benign ones to the other sites, so that a model can learn the scanner instead of the disease.
//!
//! # Reproducibility
//!
//! The random numbers come from a hand-written SplitMix64 stream, and images are computed with additions,
//! multiplications, divisions and square roots only (correctly rounded by IEEE 754), so the same spec gives the
//! same images, bit for bit, natively and in the browser.
//!
//! # Example
//! ```
//! use radlearn_engine::ml::cohort::{case, CohortSpec};
//! let spec = CohortSpec { cases: 20, ..CohortSpec::default() };
//! let spec = spec.check().expect("valid");
//! let c = case(&spec, 0);
//! assert_eq!(c.id, "case-001");
//! assert!(c.mask.count() > 0);
//! assert_eq!(c, case(&spec, 0), "the same case every time");
//! ```

use std::ops::ControlFlow;

use serde::{Deserialize, Serialize};

use crate::image::mask::{largest_component, Connectivity};
use crate::image::volume::{Geometry, LabelMap, Meta, Volume};
use crate::ml::Dataset;
use crate::radiomics::config::{FeatureConfig, ValidConfig};
use crate::radiomics::features::FeatureValue;

mod anatomy;
mod random;
mod scanner;

pub use anatomy::*;
use random::*;
pub use scanner::*;

/// The class names of every cohort: `[negative, positive]`.
pub const CLASSES: [&str; 2] = ["benign", "malignant"];

pub use radlearn_spec::cohort::{CohortError, CohortSpec, ValidCohortSpec, MAX_CASES, MAX_SIGNAL, MAX_SITES, MAX_SITE_EFFECT, MIN_CASES};

/// One synthetic case.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntheticCase {
    /// `case-001`, `case-002`, ... (at least 3 digits, as many as the cohort needs).
    pub id: String,
    /// `true` for malignant.
    pub label: bool,
    /// The site's name (`A` to `D`).
    pub site: String,
    /// CT-like intensities in HU.
    pub image: Volume,
    /// The lesion (label 1, named `lesion`).
    pub mask: LabelMap,
}

/// The feature settings of cohorts: CT settings close to IBSI configuration C, without resampling.
///
/// - 3D, intensities rounded to whole HU (they already are).
/// - No resampling: the sites' slice thickness and pixel size stay in the features, one of the confounders the
///   Model Lab shows (and it keeps extraction fast: about 10 to 30 ms per case natively).
/// - Re-segmentation to [-1000, 400] HU (the IBSI's CT range), no outlier filtering.
/// - Fixed bin size of 25 HU from -1000 HU for texture and the intensity histogram, so bins mean the same HU in
///   every case (IBSI's advice for calibrated CT); intensity-volume histogram in bins of 2.5 HU.
/// - Texture distance 1, NGLDM coarseness 0, every family (the full IBSI set).
pub fn extraction_config() -> ValidConfig {
    FeatureConfig::from_toml(COHORT_CONFIG).and_then(FeatureConfig::check).expect("the cohort configuration is valid (tested)")
}

const COHORT_CONFIG: &str = r#"
name = "cohort"
description = "Synthetic cohorts: 3D, no resampling, range [-1000, 400] HU, FBS 25 HU, IVH FBS 2.5 HU"
dimensions = "3D"

[intensity]
round = true

[resegmentation]
min = -1000
max = 400

[discretisation.texture]
method = "fixed_bin_size"
bin_width = 25

[discretisation.ivh]
method = "fixed_bin_size"
bin_width = 2.5

[texture]
distance = 1
ngldm_coarseness = 0
"#;

// ---------------------------------------------------------------------------------------------------------------
// Labels and sites

/// Whether case `index` is malignant: the `positives()` cases with the smallest keys are, so the cohort has exactly
/// that many, and the label of one case takes one pass over the keys (no other case is made).
fn label_of(spec: &CohortSpec, index: usize) -> bool {
    let k = spec.positives();
    let mine = (key(spec.seed, STREAM_LABEL, index as u64), index);
    let rank = (0..spec.cases).filter(|&j| (key(spec.seed, STREAM_LABEL, j as u64), j) < mine).count();
    rank < k
}

/// The label and the site of case `index`, without making its image (what [`case`] would give).
pub fn label_and_site(spec: &CohortSpec, index: usize) -> (bool, String) {
    let label = label_of(spec, index);
    (label, SITES[site_of(spec, index, label)].0.to_string())
}

fn site_of(spec: &CohortSpec, index: usize, label: bool) -> usize {
    let sites = spec.sites.clamp(1, MAX_SITES);
    let mut r = Rng::new(spec.seed, STREAM_SITE, index);
    let (by_label, pick) = (r.uniform() < spec.site_label_correlation, r.uniform());
    let among = |n: usize| ((pick * n as f64) as usize).min(n - 1);
    if sites == 1 {
        0
    } else if by_label {
        if label {
            0
        } else {
            1 + among(sites - 1)
        }
    } else {
        among(sites)
    }
}

/// The id of case `index` (0-based) in a cohort of `cases`: `case-001`, with as many digits as needed.
pub fn case_id(index: usize, cases: usize) -> String {
    let width = cases.max(1).to_string().len().max(3);
    format!("case-{:0width$}", index + 1)
}

// ---------------------------------------------------------------------------------------------------------------
// Features

/// The column name of a feature value: its code, then `.aggregation` and `.variant` when it has them (`Q4LE`,
/// `8ZQL.BTW3`), as in RadLearn's long tables.
pub fn column_name(v: &FeatureValue) -> String {
    let mut name = v.feature_code.to_string();
    for part in [v.aggregation_code, v.variant.as_deref()].into_iter().flatten() {
        if !part.is_empty() {
            name.push('.');
            name.push_str(part);
        }
    }
    name
}

/// One case's features, named.
fn case_features(c: &SyntheticCase, cfg: &ValidConfig) -> Result<Vec<(String, f64)>, CohortError> {
    let values = crate::radiomics::extract(&c.image, &c.mask, 1, cfg, &mut |_| ControlFlow::Continue(()))
        .map_err(|e| CohortError::Extraction { case: c.id.clone(), message: e.to_string() })?;
    Ok(values.iter().map(|v| (column_name(v), v.value)).collect())
}

/// The features of every case, in order, as a [`Dataset`]: ids `case-001`..., classes [`CLASSES`], meta columns
/// `site` (`A`...) and `slice_thickness` (e.g. `2.5 mm`: text, so that a CSV table read back keeps it apart from
/// the features). A feature that is NaN or infinite for any case (e.g. undefined for some ROI) is
/// dropped, so every value of the table is finite.
///
/// `progress(done, total)` is called after each case; returning `ControlFlow::Break` stops with
/// [`CohortError::Cancelled`].
pub fn generate(
    spec: &ValidCohortSpec,
    cfg: &ValidConfig,
    progress: &mut dyn FnMut(usize, usize) -> ControlFlow<()>,
) -> Result<Dataset, CohortError> {
    let mut rows = Vec::with_capacity(spec.cases);
    for index in 0..spec.cases {
        let c = case(spec, index);
        let features = case_features(&c, cfg)?;
        rows.push(Row::new(c, features));
        if progress(index + 1, spec.cases).is_break() {
            return Err(CohortError::Cancelled);
        }
    }
    Ok(assemble(rows))
}

/// [`generate`] with the cases spread over rayon's thread pool (feature `parallel`, native builds): the same
/// dataset.
#[cfg(feature = "parallel")]
pub fn generate_parallel(spec: &ValidCohortSpec, cfg: &ValidConfig) -> Result<Dataset, CohortError> {
    generate_parallel_with(spec, cfg, &|_, _| ControlFlow::Continue(()))
}

/// [`generate_parallel`] with `progress(done, total)` called after each case (from the thread that made it, in no
/// particular order of cases; `done` counts up); `ControlFlow::Break` stops with [`CohortError::Cancelled`].
#[cfg(feature = "parallel")]
pub fn generate_parallel_with(
    spec: &ValidCohortSpec,
    cfg: &ValidConfig,
    progress: &(dyn Fn(usize, usize) -> ControlFlow<()> + Sync),
) -> Result<Dataset, CohortError> {
    use rayon::prelude::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let done = AtomicUsize::new(0);
    let rows = (0..spec.cases)
        .into_par_iter()
        .map(|index| {
            let c = case(spec, index);
            let features = case_features(&c, cfg)?;
            if progress(done.fetch_add(1, Ordering::Relaxed) + 1, spec.cases).is_break() {
                return Err(CohortError::Cancelled);
            }
            Ok(Row::new(c, features))
        })
        .collect::<Result<Vec<Row>, CohortError>>()?;
    Ok(assemble(rows))
}

/// What the table keeps of a case.
struct Row {
    id: String,
    label: bool,
    site: String,
    thickness: f64,
    features: Vec<(String, f64)>,
}

impl Row {
    fn new(c: SyntheticCase, features: Vec<(String, f64)>) -> Row {
        Row { id: c.id, label: c.label, site: c.site, thickness: c.image.geometry.spacing[2], features }
    }
}

fn assemble(rows: Vec<Row>) -> Dataset {
    // Columns in the first case's order; a feature missing from a case counts as undefined.
    let mut names: Vec<String> = rows.first().map(|r| r.features.iter().map(|f| f.0.clone()).collect()).unwrap_or_default();
    let mut columns: Vec<Vec<f64>> = vec![Vec::with_capacity(rows.len()); names.len()];
    for row in &rows {
        let same = row.features.len() == names.len() && row.features.iter().zip(&names).all(|(f, n)| &f.0 == n);
        for (k, (col, name)) in columns.iter_mut().zip(&names).enumerate() {
            let v = if same { row.features[k].1 } else { row.features.iter().find(|f| &f.0 == name).map_or(f64::NAN, |f| f.1) };
            col.push(v);
        }
    }
    let keep: Vec<bool> = columns.iter().map(|c| c.iter().all(|v| v.is_finite())).collect();
    let mut k = keep.iter();
    names.retain(|_| k.next().copied().unwrap_or(false));
    let kept: Vec<&Vec<f64>> = columns.iter().zip(&keep).filter(|(_, &k)| k).map(|(c, _)| c).collect();
    let x = ndarray::Array2::from_shape_fn((rows.len(), kept.len()), |(i, j)| kept[j][i]);
    let thickness = rows.iter().map(|r| format!("{:.1} mm", r.thickness)).collect();
    Dataset {
        ids: rows.iter().map(|r| r.id.clone()).collect(),
        feature_names: names,
        x,
        y: rows.iter().map(|r| r.label).collect(),
        classes: CLASSES.map(String::from),
        meta: vec![("site".to_string(), rows.iter().map(|r| r.site.clone()).collect()), ("slice_thickness".to_string(), thickness)],
    }
}
