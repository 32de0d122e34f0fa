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

use std::fmt;
use std::ops::ControlFlow;

use serde::{Deserialize, Serialize};

use crate::image::mask::{largest_component, Connectivity};
use crate::image::volume::{Geometry, LabelMap, Meta, Volume};
use crate::ml::Dataset;
use crate::radiomics::config::{FeatureConfig, ValidConfig};
use crate::radiomics::features::FeatureValue;

/// The class names of every cohort: `[negative, positive]`.
pub const CLASSES: [&str; 2] = ["benign", "malignant"];

/// The most cases a cohort may have.
pub const MAX_CASES: usize = 2000;
/// The fewest cases a cohort may have.
pub const MIN_CASES: usize = 10;
/// The most sites (scanners) a cohort may have.
pub const MAX_SITES: usize = 4;
/// Strongest class difference (`signal`).
pub const MAX_SIGNAL: f64 = 3.0;
/// Largest scanner difference (`site_effect`).
pub const MAX_SITE_EFFECT: f64 = 3.0;

/// What cohort to make.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CohortSpec {
    /// Number of cases, [`MIN_CASES`] to [`MAX_CASES`].
    pub cases: usize,
    /// The seed: the same spec gives the same cohort.
    pub seed: u64,
    /// Fraction of malignant cases, in (0, 1); the cohort has exactly `round(cases * prevalence)` of them, and at
    /// least 2 cases of each class.
    pub prevalence: f64,
    /// Strength of the difference between the classes in the images, 0 to 3: 0 = none (the labels are independent
    /// of the images), 1 = the default (clear but overlapping).
    pub signal: f64,
    /// Number of sites (scanners), 1 to [`MAX_SITES`].
    pub sites: usize,
    /// 0 to 1: the fraction of cases sent to a site by their label (malignant to site A, benign to the others);
    /// the rest are spread evenly over the sites.
    pub site_label_correlation: f64,
    /// 0 to 3: how much the scanners differ (0 = identical scanners, 1 = the default differences of [`scanners`]).
    pub site_effect: f64,
}

impl Default for CohortSpec {
    fn default() -> Self {
        CohortSpec { cases: 100, seed: 1, prevalence: 0.5, signal: 1.0, sites: 3, site_label_correlation: 0.0, site_effect: 1.0 }
    }
}

/// Why a cohort could not be made.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum CohortError {
    /// A field of the [`CohortSpec`] is out of range; the message names it and its value.
    Invalid(String),
    /// The progress callback asked to stop.
    Cancelled,
    /// Feature extraction failed on a case.
    Extraction {
        /// The case's id.
        case: String,
        /// What went wrong.
        message: String,
    },
}

impl fmt::Display for CohortError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CohortError::Invalid(m) => write!(f, "the cohort cannot be made: {m}"),
            CohortError::Cancelled => write!(f, "making the cohort was cancelled"),
            CohortError::Extraction { case, message } => write!(f, "feature extraction failed on {case}: {message}"),
        }
    }
}

impl std::error::Error for CohortError {}

impl CohortSpec {
    /// The number of malignant cases: `round(cases * prevalence)`.
    pub fn positives(&self) -> usize {
        ((self.cases as f64 * self.prevalence).round().max(0.0) as usize).min(self.cases)
    }

    /// Checks every field; the error names the first bad one and its value.
    pub fn check(self) -> Result<ValidCohortSpec, CohortError> {
        self.check_ranges()?;
        Ok(ValidCohortSpec(self))
    }

    fn check_ranges(&self) -> Result<(), CohortError> {
        let bad = |m: String| Err(CohortError::Invalid(m));
        if !(MIN_CASES..=MAX_CASES).contains(&self.cases) {
            return bad(format!("cases should be between {MIN_CASES} and {MAX_CASES}, but is {}", self.cases));
        }
        if !(self.prevalence.is_finite() && self.prevalence > 0.0 && self.prevalence < 1.0) {
            return bad(format!("prevalence should be between 0 and 1 (exclusive), but is {}", self.prevalence));
        }
        let k = self.positives();
        if k < 2 || self.cases - k < 2 {
            return bad(format!(
                "prevalence {} gives {k} malignant and {} benign cases out of {}; each class needs at least 2 (change the prevalence or add cases)",
                self.prevalence,
                self.cases - k,
                self.cases
            ));
        }
        if !(self.signal.is_finite() && (0.0..=MAX_SIGNAL).contains(&self.signal)) {
            return bad(format!("signal should be between 0 and {MAX_SIGNAL}, but is {}", self.signal));
        }
        if !(1..=MAX_SITES).contains(&self.sites) {
            return bad(format!("sites should be between 1 and {MAX_SITES}, but is {}", self.sites));
        }
        if !(self.site_label_correlation.is_finite() && (0.0..=1.0).contains(&self.site_label_correlation)) {
            return bad(format!("site_label_correlation should be between 0 and 1, but is {}", self.site_label_correlation));
        }
        if !(self.site_effect.is_finite() && (0.0..=MAX_SITE_EFFECT).contains(&self.site_effect)) {
            return bad(format!("site_effect should be between 0 and {MAX_SITE_EFFECT}, but is {}", self.site_effect));
        }
        Ok(())
    }
}

/// A [`CohortSpec`] whose fields are in range, made only by [`CohortSpec::check`]: what [`generate`] takes, so that
/// it does not check again. Reads as the spec it holds (`Deref`).
#[derive(Debug, Clone, PartialEq)]
pub struct ValidCohortSpec(CohortSpec);

impl ValidCohortSpec {
    /// The checked spec.
    pub fn spec(&self) -> &CohortSpec {
        &self.0
    }
}

impl std::ops::Deref for ValidCohortSpec {
    type Target = CohortSpec;

    fn deref(&self) -> &CohortSpec {
        &self.0
    }
}

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

/// A site's scanner, as [`case`] simulates it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scanner {
    /// `A` to `D`.
    pub name: String,
    /// Slice thickness and spacing in mm (contiguous slices: each voxel averages the anatomy over its thickness).
    pub slice_thickness_mm: f64,
    /// In-plane pixel size in mm.
    pub pixel_mm: f64,
    /// Standard deviation of the noise in HU.
    pub noise_hu: f64,
    /// Smoothing of the noise by the reconstruction kernel, 0 (sharp, white noise) to 1 (soft, blotchy noise).
    pub kernel_smoothing: f64,
    /// Calibration error added to every intensity, in HU.
    pub hu_offset: f64,
}

/// The sites' scanners at `site_effect = 1`: (name, slice thickness, pixel size, noise, kernel smoothing, offset).
const SITES: [(&str, f64, f64, f64, f64, f64); MAX_SITES] = [
    ("A", 1.0, 0.70, 10.0, 0.1, 0.0),
    ("B", 2.5, 0.80, 24.0, 0.6, 12.0),
    ("C", 1.5, 0.90, 32.0, 0.0, -12.0),
    ("D", 3.0, 0.78, 18.0, 0.8, 25.0),
];
/// The scanner every site has at `site_effect = 0`.
const REFERENCE: (f64, f64, f64, f64, f64) = (1.5, 0.8, 18.0, 0.3, 0.0);

/// The scanners of the spec's sites: [`CohortSpec::site_effect`] moves each away from a common reference scanner
/// (1.5 mm slices, 0.8 mm pixels, 18 HU noise, a little kernel smoothing, no offset).
pub fn scanners(spec: &CohortSpec) -> Vec<Scanner> {
    let e = spec.site_effect.clamp(0.0, 3.0);
    let mix = |r: f64, s: f64| r + e * (s - r);
    SITES
        .iter()
        .take(spec.sites.clamp(1, MAX_SITES))
        .map(|&(name, thick, pixel, noise, kernel, offset)| Scanner {
            name: name.to_string(),
            slice_thickness_mm: round_to(mix(REFERENCE.0, thick).clamp(0.5, 5.0), 0.1),
            pixel_mm: round_to(mix(REFERENCE.1, pixel).clamp(0.5, 1.2), 0.01),
            noise_hu: mix(REFERENCE.2, noise).clamp(2.0, 80.0),
            kernel_smoothing: mix(REFERENCE.3, kernel).clamp(0.0, 0.9),
            hu_offset: mix(REFERENCE.4, offset),
        })
        .collect()
}

fn round_to(v: f64, step: f64) -> f64 {
    (v / step).round() * step
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
// Random numbers

/// SplitMix64: a few lines, no dependency, the same numbers on every platform.
struct Rng(u64);

const STREAM_LABEL: u64 = 1;
const STREAM_SITE: u64 = 2;
const STREAM_LESION: u64 = 3;
const STREAM_BACKGROUND: u64 = 4;
const STREAM_NOISE: u64 = 5;

fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A well-mixed key from the seed, a stream and an index.
fn key(seed: u64, stream: u64, index: u64) -> u64 {
    mix64(mix64(mix64(seed ^ 0x5EED_C0C0_A11B_0A7D).wrapping_add(stream.wrapping_mul(0x9E37_79B9_7F4A_7C15))).wrapping_add(index))
}

impl Rng {
    fn new(seed: u64, stream: u64, index: usize) -> Rng {
        Rng(key(seed, stream, index as u64))
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix64(self.0)
    }

    /// Uniform in [0, 1).
    fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Approximately standard normal (Irwin–Hall with 4 terms, rescaled: mean 0, variance 1, within ±3.5).
    fn gauss(&mut self) -> f64 {
        let s: f64 = (0..4).map(|_| self.uniform()).sum();
        (s - 2.0) * SQRT3
    }

    /// A random unit vector.
    fn direction(&mut self) -> [f64; 3] {
        for _ in 0..8 {
            let v = [self.gauss(), self.gauss(), self.gauss()];
            let n = norm(v);
            if n > 1e-3 {
                return v.map(|c| c / n);
            }
        }
        [0.0, 0.0, 1.0]
    }
}

const SQRT3: f64 = 1.732_050_807_568_877_2;

fn norm(v: [f64; 3]) -> f64 {
    (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt()
}

fn dot(a: [f64; 3], b: [f64; 3]) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

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
// The anatomy

/// Side of the cube in mm.
const FOV_MM: f64 = 48.0;
const LUNG_HU: f64 = -860.0;
const VESSEL_HU: f64 = 40.0;
const FAT_HU: f64 = -95.0;
const MUSCLE_HU: f64 = 45.0;

struct Lesion {
    centre: [f64; 3],
    /// Ellipsoid semi-axis factors along x, y, z.
    axes: [f64; 3],
    radius: f64,
    /// Lobes: direction and relative height.
    lobes: Vec<([f64; 3], f64)>,
    /// Spicules: direction and length in mm.
    spicules: Vec<([f64; 3], f64)>,
    /// Farthest surface point from the centre, in ellipsoid-scaled mm.
    reach_scaled: f64,
    /// Farthest surface point from the centre, in mm.
    reach: f64,
    mean_hu: f64,
    heterogeneity_hu: f64,
    /// Interior texture: centre, width (mm) and amplitude of smooth bumps.
    blobs: Vec<([f64; 3], f64, f64)>,
}

/// Half-angle of a spicule: cosine of about 11 degrees.
const SPICULE_COS: f64 = 0.98;

impl Lesion {
    fn new(seed: u64, index: usize, label: bool, signal: f64) -> Lesion {
        let mut r = Rng::new(seed, STREAM_LESION, index);
        // How much of the malignant phenotype this case shows: `signal` for malignant cases, 0 for benign ones.
        let m = if label { signal } else { 0.0 };
        let centre = [0, 1, 2].map(|_| 2.0 * r.gauss().clamp(-1.5, 1.5));
        let axes = [0, 1, 2].map(|_| 1.0 + 0.1 * r.gauss());
        let radius = (6.5 * (1.0 + 0.2 * r.gauss())).clamp(3.5, 10.0) * (1.0 + 0.3 * m);
        let lobes: Vec<([f64; 3], f64)> = (0..6)
            .map(|_| {
                let d = r.direction();
                let (u1, u2) = (r.uniform(), r.uniform());
                (d, 0.03 + 0.04 * u1 + m * (0.03 + 0.06 * u2))
            })
            .collect();
        // Spicule j is present with weight clamp(count - j, 0, 1): benign and malignant cases alike may have one or
        // two; malignant ones get up to 4 more.
        let (u1, u2) = (r.uniform(), r.uniform());
        let count = 1.5 * u1 + m * 4.0 * u2;
        let spicules: Vec<([f64; 3], f64)> = (0..10)
            .map(|j| {
                let d = r.direction();
                let u = r.uniform();
                (d, (count - j as f64).clamp(0.0, 1.0) * radius * (0.3 + 0.4 * u))
            })
            .collect();
        let mean_hu = 25.0 + 8.0 * r.gauss() + 15.0 * m;
        let heterogeneity_hu = (10.0 * (1.0 + 0.3 * r.gauss())).max(2.0) + 15.0 * m;
        let blobs = (0..12)
            .map(|_| {
                let d = r.direction();
                let (u1, u2) = (r.uniform(), r.uniform());
                let at = 0.8 * radius * u1;
                ([0, 1, 2].map(|a| centre[a] + at * d[a]), radius * (0.3 + 0.3 * u2), r.gauss())
            })
            .collect();
        let axis = axes.iter().copied().fold(0.0, f64::max);
        let mut lesion = Lesion { centre, axes, radius, lobes, spicules, reach_scaled: 0.0, reach: 0.0, mean_hu, heterogeneity_hu, blobs };
        lesion.reach_scaled = lesion.farthest();
        // Keep the lesion inside the lung: at most 18 mm from the centre of the cube (the chest wall starts at 21 mm).
        let limit = 18.0 - centre.iter().map(|c| c.abs()).fold(0.0, f64::max);
        let s = (limit / (axis * lesion.reach_scaled)).min(1.0);
        lesion.radius *= s;
        lesion.reach_scaled *= s;
        lesion.spicules.iter_mut().for_each(|sp| sp.1 *= s);
        for (c, w, _) in &mut lesion.blobs {
            *c = [0, 1, 2].map(|a| centre[a] + s * (c[a] - centre[a]));
            *w *= s;
        }
        lesion.reach = axis * lesion.reach_scaled;
        // Absent spicules were drawn all the same (so every case uses the same random numbers), but cost nothing.
        lesion.spicules.retain(|sp| sp.1 > 0.0);
        lesion
    }

    /// The farthest surface point (in ellipsoid-scaled mm), over the lobes' and spicules' directions (where the
    /// maxima are) and a grid of 6 x 64 other directions, plus 2 % (spicule tips beyond it would be cut).
    fn farthest(&self) -> f64 {
        let mut best: f64 = 0.0;
        let mut consider = |d: [f64; 3]| {
            let n = norm(d);
            if n > 0.0 {
                best = best.max(self.surface(d.map(|c| c / n)));
            }
        };
        self.lobes.iter().chain(&self.spicules).for_each(|&(d, _)| consider(d));
        for face in 0..6 {
            for i in 0..8 {
                for j in 0..8 {
                    let (u, v) = ((i as f64 + 0.5) / 4.0 - 1.0, (j as f64 + 0.5) / 4.0 - 1.0);
                    let w = if face % 2 == 0 { 1.0 } else { -1.0 };
                    consider(match face / 2 {
                        0 => [w, u, v],
                        1 => [u, w, v],
                        _ => [u, v, w],
                    });
                }
            }
        }
        1.02 * best
    }

    /// The distance from the centre to the surface along the unit direction `d` (in ellipsoid-scaled space).
    fn surface(&self, d: [f64; 3]) -> f64 {
        let mut bump = 1.0;
        for &(u, h) in &self.lobes {
            let c = dot(d, u);
            if c > 0.0 {
                let c2 = c * c;
                bump += h * c2 * c2;
            }
        }
        let mut r = self.radius * bump;
        for &(v, len) in &self.spicules {
            let t = (dot(d, v) - SPICULE_COS) / (1.0 - SPICULE_COS);
            if t > 0.0 {
                r += len * t * t;
            }
        }
        r
    }

    /// Whether the lesion may reach within `margin` mm of `p`.
    fn near(&self, p: [f64; 3], margin: f64) -> bool {
        let d = [p[0] - self.centre[0], p[1] - self.centre[1], p[2] - self.centre[2]];
        let r = self.reach + margin;
        dot(d, d) <= r * r
    }

    /// The fraction of a voxel (of in-plane size `pixel`) at `p` inside the lesion: 1 inside, 0 outside, a linear
    /// ramp over one pixel across the surface.
    fn inside(&self, p: [f64; 3], pixel: f64) -> f64 {
        let q = [0, 1, 2].map(|a| (p[a] - self.centre[a]) / self.axes[a]);
        let rho = norm(q);
        if rho > self.reach_scaled + pixel {
            return 0.0;
        }
        // Lobes and spicules only add to the radius.
        if rho <= self.radius - 0.5 * pixel {
            return 1.0;
        }
        let s = self.surface(q.map(|c| c / rho));
        (0.5 - (rho - s) / pixel).clamp(0.0, 1.0)
    }

    /// The lesion's intensity at `p` (before partial volume with the background).
    fn intensity(&self, p: [f64; 3]) -> f64 {
        let mut field = 0.0;
        for &(c, w, a) in &self.blobs {
            let d = [p[0] - c[0], p[1] - c[1], p[2] - c[2]];
            let d2 = dot(d, d);
            let t = 1.0 - d2 / (w * w);
            if t > 0.0 {
                field += a * t * t;
            }
        }
        self.mean_hu + self.heterogeneity_hu * 1.5 * field
    }
}

struct Background {
    /// Vessels: a point, a unit direction and a radius (mm).
    vessels: Vec<([f64; 3], [f64; 3], f64)>,
    /// The chest wall starts at this y (mm, posterior); fat for 2.5 mm, then muscle.
    wall: f64,
    /// A gentle gradient of the lung's density along y (HU per mm), as in dependent lung.
    gradient: f64,
}

impl Background {
    fn new(seed: u64, index: usize) -> Background {
        let mut r = Rng::new(seed, STREAM_BACKGROUND, index);
        let vessels = (0..5)
            .map(|_| {
                let at = [0, 1, 2].map(|_| 20.0 * (r.uniform() - 0.5));
                (at, r.direction(), 0.6 + 1.2 * r.uniform())
            })
            .collect();
        Background { vessels, wall: 21.0 + 2.0 * r.uniform(), gradient: 0.8 + 0.8 * r.uniform() }
    }

    /// Whether a vessel passes within `margin` mm of its edge from `p`.
    fn near_vessel(&self, p: [f64; 3], margin: f64) -> bool {
        self.vessels.iter().any(|&(a, u, radius)| {
            let w = [p[0] - a[0], p[1] - a[1], p[2] - a[2]];
            let along = dot(w, u);
            let off = [w[0] - along * u[0], w[1] - along * u[1], w[2] - along * u[2]];
            let r = radius + margin;
            dot(off, off) <= r * r
        })
    }

    fn intensity(&self, p: [f64; 3], pixel: f64) -> f64 {
        let ramp = |d: f64| (0.5 - d / pixel).clamp(0.0, 1.0);
        let mut v = LUNG_HU + self.gradient * p[1];
        for &(a, u, radius) in &self.vessels {
            let w = [p[0] - a[0], p[1] - a[1], p[2] - a[2]];
            let along = dot(w, u);
            let off = [w[0] - along * u[0], w[1] - along * u[1], w[2] - along * u[2]];
            let f = ramp(norm(off) - radius);
            v += f * (VESSEL_HU - v);
        }
        let fat = ramp(self.wall - p[1]);
        let muscle = ramp(self.wall + 2.5 - p[1]);
        v += fat * (FAT_HU - v);
        v + muscle * (MUSCLE_HU - v)
    }
}

/// Makes case `index` (0-based) of the cohort: deterministic from the spec and the index alone. Out-of-range spec
/// fields are clamped; call [`CohortSpec::check`] first to refuse them.
pub fn case(spec: &CohortSpec, index: usize) -> SyntheticCase {
    let label = label_of(spec, index);
    let site = site_of(spec, index, label);
    let scanner = scanners(spec).swap_remove(site);
    let signal = if spec.signal.is_finite() { spec.signal.clamp(0.0, 3.0) } else { 0.0 };
    let lesion = Lesion::new(spec.seed, index, label, signal);
    let background = Background::new(spec.seed, index);
    let (pixel, thick) = (scanner.pixel_mm, scanner.slice_thickness_mm);
    let nxy = (FOV_MM / pixel).round() as usize;
    let nz = (FOV_MM / thick).round().max(1.0) as usize;
    let mut geometry = Geometry::new([nxy, nxy, nz], [pixel, pixel, thick]);
    geometry.origin = [-(nxy as f64 - 1.0) / 2.0 * pixel, -(nxy as f64 - 1.0) / 2.0 * pixel, -(nz as f64 - 1.0) / 2.0 * thick];
    // Sub-slices of at most 0.5 mm: a thick slice is the average of the anatomy over its thickness.
    let subs = (thick / 0.5).ceil().max(1.0) as usize;
    let margin = 2.0 * (pixel + thick);
    let mut values = vec![0.0f64; geometry.len()];
    let mut labels = vec![0u8; geometry.len()];
    for z in 0..nz {
        for y in 0..nxy {
            for x in 0..nxy {
                let centre = [0, 1, 2].map(|a| geometry.origin[a] + [x, y, z][a] as f64 * geometry.spacing[a]);
                // Far from the lesion and the vessels, the anatomy does not change along z within the slice: one
                // sample is the average.
                if !lesion.near(centre, margin) && !background.near_vessel(centre, margin) {
                    values[x + nxy * (y + nxy * z)] = background.intensity(centre, pixel);
                    continue;
                }
                let (mut sum, mut frac) = (0.0, 0.0);
                for s in 0..subs {
                    let p = [centre[0], centre[1], centre[2] + thick * ((s as f64 + 0.5) / subs as f64 - 0.5)];
                    let f = lesion.inside(p, pixel);
                    let bg = if f < 1.0 { background.intensity(p, pixel) } else { 0.0 };
                    let fg = if f > 0.0 { lesion.intensity(p) } else { 0.0 };
                    sum += f * fg + (1.0 - f) * bg;
                    frac += f;
                }
                let i = x + nxy * (y + nxy * z);
                values[i] = sum / subs as f64;
                labels[i] = u8::from(frac / subs as f64 >= 0.5);
            }
        }
    }
    add_noise(&mut values, [nxy, nxy, nz], &scanner, spec.seed, index);
    let data = values.iter().map(|&v| (v + scanner.hu_offset).round().clamp(-1024.0, 3071.0) as f32).collect();
    let meta = Meta {
        format: "synthetic".to_string(),
        modality: Some("CT".to_string()),
        units: Some("HU".to_string()),
        description: Some(format!("RadLearn synthetic cohort, seed {}, site {}", spec.seed, scanner.name)),
        ..Meta::default()
    };
    let image = Volume { geometry: geometry.clone(), data, meta };
    let mask = LabelMap { geometry, data: labels, names: vec![(1, "lesion".to_string())] };
    let mask = largest_component(&mask, Connectivity::Faces);
    SyntheticCase { id: case_id(index, spec.cases), label, site: scanner.name, image, mask }
}

/// Adds the scanner's noise: white Gaussian noise smoothed in-plane by the kernel, rescaled to `noise_hu`.
fn add_noise(values: &mut [f64], dims: [usize; 3], scanner: &Scanner, seed: u64, index: usize) {
    let mut r = Rng::new(seed, STREAM_NOISE, index);
    let white: Vec<f64> = (0..values.len()).map(|_| r.gauss()).collect();
    let k = scanner.kernel_smoothing;
    // Each value: (1 - k) itself + k times the mean of its 4 in-plane neighbours; the variance of that is
    // (1 - k)^2 + k^2 / 4, divided out so the noise keeps its standard deviation.
    let scale = scanner.noise_hu / ((1.0 - k) * (1.0 - k) + k * k / 4.0).sqrt();
    let [nx, ny, _] = dims;
    // At the border, the missing neighbour is replaced by the one on the other side.
    let pair = |i: usize, c: usize, n: usize, step: usize| -> (f64, f64) {
        match (c > 0, c + 1 < n) {
            (true, true) => (white[i - step], white[i + step]),
            (true, false) => (white[i - step], white[i - step]),
            (false, true) => (white[i + step], white[i + step]),
            (false, false) => (white[i], white[i]),
        }
    };
    for (i, v) in values.iter_mut().enumerate() {
        let (lx, rx) = pair(i, i % nx, nx, 1);
        let (uy, dy) = pair(i, (i / nx) % ny, ny, nx);
        *v += scale * ((1.0 - k) * white[i] + k * (lx + rx + uy + dy) / 4.0);
    }
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
