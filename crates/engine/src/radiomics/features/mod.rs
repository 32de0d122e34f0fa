//! IBSI radiomics features (IBSI reference manual, chapter 3: all eleven families).
//!
//! The pipeline is plain values: a [`FeatureInput`] (already preprocessed intensities, the morphological and
//! intensity masks, discretised grey levels) and [`FeatureSettings`], checked once into [`ValidSettings`], go into
//! [`compute`], which returns a `Vec` of [`FeatureValue`]s named by their IBSI codes. Features that IBSI leaves
//! undefined for an input (e.g. a division by zero) are `NaN`.
//!
//! Every family is computed from flat `Vec` buffers indexed `x + nx * (y + ny * z)` (the layout of
//! [`crate::image::volume::Volume`]), with no allocation per voxel and no threads (WebAssembly has none).
//!
//! # Example
//! ```
//! use radlearn_engine::radiomics::features::{compute, FeatureInput, FeatureSettings};
//! use std::ops::ControlFlow;
//! // A 2 x 2 x 2 cube with two grey levels.
//! let intensities = [1.0f32, 2.0, 1.0, 2.0, 1.0, 2.0, 1.0, 2.0];
//! let levels = [1u32, 2, 1, 2, 1, 2, 1, 2];
//! let mask = [true; 8];
//! let input = FeatureInput::new([2, 2, 2], [1.0; 3], &intensities, &mask, &levels);
//! let settings = FeatureSettings::default().check().expect("valid settings");
//! let values = compute(&input, &settings, &mut |_| ControlFlow::Continue(())).expect("not cancelled");
//! let volume = values.iter().find(|v| v.feature_code == "YEKZ").expect("voxel volume");
//! assert_eq!(volume.value, 8.0);
//! ```

use std::fmt;
use std::ops::ControlFlow;

pub mod catalogue;
mod intensity;
mod local;
pub(crate) use local::radius_mm as local_radius_mm;
mod math;
mod mesh;
mod morphology;
pub mod texture;

pub use morphology::MAX_FFT_POINTS;

/// One computed feature, named as in the IBSI manual.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureValue {
    /// IBSI family code, e.g. `"HCUG"` (morphology).
    pub family_code: &'static str,
    /// IBSI feature code, e.g. `"RNU0"` (volume, mesh).
    pub feature_code: &'static str,
    /// IBSI texture aggregation code, e.g. `"IAZD"` (3D, merged); `None` outside texture families.
    pub aggregation_code: Option<&'static str>,
    /// A variant of one code, e.g. `"V10"` for the intensity-volume histogram; `None` otherwise.
    pub variant: Option<String>,
    /// Family name, e.g. `"Morphological features"`.
    pub family: &'static str,
    /// Feature name, e.g. `"Volume (mesh)"`.
    pub feature: &'static str,
    /// The value; `NaN` when IBSI leaves the feature undefined for this input.
    pub value: f64,
}

/// The feature families, in the order of the IBSI manual.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Family {
    /// Morphology (HCUG).
    Morphology,
    /// Local intensity (9ST6).
    LocalIntensity,
    /// Intensity statistics (UHIW).
    IntensityStatistics,
    /// Intensity histogram (ZVCW).
    IntensityHistogram,
    /// Intensity-volume histogram (P88C).
    IntensityVolumeHistogram,
    /// Grey level co-occurrence matrix (LFYI).
    Glcm,
    /// Grey level run length matrix (TP0I).
    Glrlm,
    /// Grey level size zone matrix (9SAK).
    Glszm,
    /// Grey level distance zone matrix (VMDZ).
    Gldzm,
    /// Neighbourhood grey tone difference matrix (IPET).
    Ngtdm,
    /// Neighbouring grey level dependence matrix (REK0).
    Ngldm,
}

impl Family {
    /// Every family, in the order [`compute`] runs them.
    pub const ALL: [Family; 11] = [
        Family::Morphology,
        Family::LocalIntensity,
        Family::IntensityStatistics,
        Family::IntensityHistogram,
        Family::IntensityVolumeHistogram,
        Family::Glcm,
        Family::Glrlm,
        Family::Glszm,
        Family::Gldzm,
        Family::Ngtdm,
        Family::Ngldm,
    ];

    /// The family's IBSI name.
    pub fn name(self) -> &'static str {
        match self {
            Family::Morphology => "Morphological features",
            Family::LocalIntensity => "Local intensity features",
            Family::IntensityStatistics => "Intensity-based statistical features",
            Family::IntensityHistogram => "Intensity histogram features",
            Family::IntensityVolumeHistogram => "Intensity-volume histogram features",
            Family::Glcm => "Grey level co-occurrence based features",
            Family::Glrlm => "Grey level run length based features",
            Family::Glszm => "Grey level size zone based features",
            Family::Gldzm => "Grey level distance zone based features",
            Family::Ngtdm => "Neighbourhood grey tone difference based features",
            Family::Ngldm => "Neighbouring grey level dependence based features",
        }
    }

    /// The family's IBSI code.
    pub fn code(self) -> &'static str {
        match self {
            Family::Morphology => "HCUG",
            Family::LocalIntensity => "9ST6",
            Family::IntensityStatistics => "UHIW",
            Family::IntensityHistogram => "ZVCW",
            Family::IntensityVolumeHistogram => "P88C",
            Family::Glcm => "LFYI",
            Family::Glrlm => "TP0I",
            Family::Glszm => "9SAK",
            Family::Gldzm => "VMDZ",
            Family::Ngtdm => "IPET",
            Family::Ngldm => "REK0",
        }
    }
}

/// What [`compute`] reports between steps (families and texture aggregations).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Progress {
    /// The family about to be computed.
    pub family: Family,
    /// Steps done so far.
    pub done: usize,
    /// Steps in all.
    pub total: usize,
}

/// Why features could not be computed.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum FeatureError {
    /// The progress callback asked to stop.
    Cancelled,
    /// A buffer does not have one value per voxel of the grid.
    LengthMismatch {
        /// Which buffer.
        what: &'static str,
        /// Its length.
        got: usize,
        /// The number of voxels of the grid.
        expected: usize,
    },
    /// The intensity or morphological mask holds no voxel.
    EmptyRoi,
    /// A grey level inside the ROI is 0 or above the declared number of levels.
    BadGreyLevel {
        /// Which buffer.
        what: &'static str,
        /// The offending level.
        level: u32,
        /// The number of levels declared.
        levels: u32,
    },
    /// An intensity inside the ROI is NaN or infinite.
    NonFiniteIntensity {
        /// Linear index of the voxel.
        index: usize,
    },
    /// A setting is out of range; the message says which and why.
    InvalidSetting(String),
}

impl fmt::Display for FeatureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FeatureError::Cancelled => write!(f, "feature computation was cancelled"),
            FeatureError::LengthMismatch { what, got, expected } => {
                write!(f, "{what} has {got} values but the grid has {expected} voxels; pass one value per voxel")
            }
            FeatureError::EmptyRoi => write!(f, "the region of interest is empty; draw or load a mask with at least one voxel"),
            FeatureError::BadGreyLevel { what, level, levels } => {
                write!(f, "{what} holds grey level {level} inside the ROI, but levels must lie in 1..={levels}; discretise the image first")
            }
            FeatureError::NonFiniteIntensity { index } => {
                write!(f, "voxel {index} of the ROI has a NaN or infinite intensity; fix the image or leave that voxel out of the mask")
            }
            FeatureError::InvalidSetting(msg) => write!(f, "{msg}"),
        }
    }
}

impl std::error::Error for FeatureError {}

/// The callback a family calls before each step of its work: progress, and an error (cancellation) stops it.
pub(crate) type Tick<'a> = dyn FnMut() -> Result<(), FeatureError> + 'a;

/// The image data features are computed from: one value per voxel of a `dims` grid, x fastest.
///
/// IBSI distinguishes the morphological mask (the ROI as drawn) from the intensity mask (after re-segmentation);
/// [`FeatureInput::new`] uses one mask for both, and the fields can be set apart.
#[derive(Debug, Clone, Copy)]
pub struct FeatureInput<'a> {
    /// Voxels along x, y, z.
    pub dims: [usize; 3],
    /// Voxel spacing in mm along x, y, z.
    pub spacing: [f64; 3],
    /// Preprocessed intensities (morphology, local intensity, statistics, intensity-volume histogram).
    pub intensities: &'a [f32],
    /// The morphological mask (volume, surface, shape).
    pub morphological_mask: &'a [bool],
    /// The intensity mask (every intensity and texture family).
    pub intensity_mask: &'a [bool],
    /// Discretised grey levels, 1 ..= n, for the texture families (only read inside the intensity mask).
    pub texture_levels: &'a [u32],
    /// Discretised grey levels, 1 ..= n, for the intensity histogram (only read inside the intensity mask).
    pub histogram_levels: &'a [u32],
}

impl<'a> FeatureInput<'a> {
    /// One mask for morphology and intensity, and the same discretisation for texture and histogram.
    pub fn new(dims: [usize; 3], spacing: [f64; 3], intensities: &'a [f32], mask: &'a [bool], levels: &'a [u32]) -> Self {
        FeatureInput {
            dims,
            spacing,
            intensities,
            morphological_mask: mask,
            intensity_mask: mask,
            texture_levels: levels,
            histogram_levels: levels,
        }
    }

    fn len(&self) -> usize {
        self.dims[0] * self.dims[1] * self.dims[2]
    }
}

/// How the intensity-volume histogram discretises intensities (IBSI 3.5), by the kind of image.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum IvhDiscretisation {
    /// Discrete calibrated intensities (e.g. CT in HU) or intensities that already are grey levels: used as they
    /// are, evaluated every `interval` (1 for integers).
    None {
        /// Distance between evaluated intensities.
        interval: f64,
    },
    /// Continuous calibrated intensities (e.g. PET SUV): fixed bin size `width` from the range's lower bound, each
    /// voxel replaced by its bin's centre; evaluated at the bin centres.
    FixedBinSize {
        /// Bin width in intensity units.
        width: f64,
    },
    /// Arbitrary intensity units (e.g. MR): `bins` bins between the ROI's lowest and highest intensity; evaluated
    /// at the bin numbers 1 ..= `bins`.
    FixedBinNumber {
        /// Number of bins (IBSI recommends 1000).
        bins: u32,
    },
}

/// Intensity-volume histogram settings (IBSI 3.5).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IvhSettings {
    /// How intensities are discretised.
    pub discretisation: IvhDiscretisation,
    /// The re-segmentation range `(min, max)`, which sets the IVH's total range; an infinite bound (a half-open
    /// range) or `None` takes the ROI's lowest or highest intensity.
    pub range: Option<(f64, f64)>,
}

impl Default for IvhSettings {
    fn default() -> Self {
        IvhSettings { discretisation: IvhDiscretisation::None { interval: 1.0 }, range: None }
    }
}

/// Feature settings as the user gives them; [`FeatureSettings::check`] turns them into [`ValidSettings`].
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureSettings {
    /// The families to compute.
    pub families: Vec<Family>,
    /// Number of texture grey levels `N_g`; `None` takes the highest level in the ROI.
    pub texture_levels: Option<u32>,
    /// Number of histogram grey levels; `None` takes the highest level in the ROI.
    pub histogram_levels: Option<u32>,
    /// Intensity-volume histogram sampling.
    pub ivh: IvhSettings,
    /// Chebyshev distance for GLCM, NGTDM and NGLDM neighbours (IBSI default 1).
    pub distance: usize,
    /// NGLDM coarseness parameter `alpha` (IBSI default 0).
    pub ngldm_alpha: u32,
    /// Which texture aggregations to compute.
    pub aggregations: Aggregations,
}

/// The texture aggregations to compute (IBSI 3.1.2): a 3D configuration reports the 3D ones only, a 2D configuration
/// the 2D and 2.5D ones, so the other pass (about half of the texture work) is skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Aggregations {
    /// 2D, 2.5D and 3D.
    #[default]
    All,
    /// 2D and 2.5D: slice by slice.
    Slices,
    /// 3D only.
    Volume,
}

impl Default for FeatureSettings {
    fn default() -> Self {
        FeatureSettings {
            families: Family::ALL.to_vec(),
            texture_levels: None,
            histogram_levels: None,
            ivh: IvhSettings::default(),
            distance: 1,
            ngldm_alpha: 0,
            aggregations: Aggregations::All,
        }
    }
}

impl FeatureSettings {
    /// Checks every setting once, so feature functions need not.
    pub fn check(self) -> Result<ValidSettings, FeatureError> {
        if self.distance == 0 {
            return Err(FeatureError::InvalidSetting("the texture distance should be at least 1, but is 0".into()));
        }
        match self.ivh.discretisation {
            IvhDiscretisation::None { interval: w } | IvhDiscretisation::FixedBinSize { width: w } if !(w.is_finite() && w > 0.0) => {
                return Err(FeatureError::InvalidSetting(format!("the IVH interval or bin width should be positive, but is {w}")));
            }
            IvhDiscretisation::FixedBinNumber { bins: 0 } => {
                return Err(FeatureError::InvalidSetting("the number of IVH bins should be at least 1, but is 0".into()));
            }
            _ => {}
        }
        if let Some((lo, hi)) = self.ivh.range {
            if lo.is_nan() || hi.is_nan() || lo >= hi {
                return Err(FeatureError::InvalidSetting(format!("the IVH range should be increasing, but is ({lo}, {hi})")));
            }
        }
        for (what, n) in [("texture", self.texture_levels), ("histogram", self.histogram_levels)] {
            if n == Some(0) {
                return Err(FeatureError::InvalidSetting(format!("the number of {what} grey levels should be at least 1, but is 0")));
            }
        }
        Ok(ValidSettings(self))
    }
}

/// Settings that passed [`FeatureSettings::check`].
#[derive(Debug, Clone, PartialEq)]
pub struct ValidSettings(FeatureSettings);

impl ValidSettings {
    /// The checked settings.
    pub fn get(&self) -> &FeatureSettings {
        &self.0
    }
}

/// Collects feature values of one family.
pub(crate) struct Out<'v> {
    values: &'v mut Vec<FeatureValue>,
    family: Family,
    aggregation: Option<&'static str>,
}

impl Out<'_> {
    pub(crate) fn push(&mut self, feature_code: &'static str, feature: &'static str, value: f64) {
        self.values.push(FeatureValue {
            family_code: self.family.code(),
            feature_code,
            aggregation_code: self.aggregation,
            variant: None,
            family: self.family.name(),
            feature,
            value,
        });
    }

    pub(crate) fn push_variant(&mut self, feature_code: &'static str, feature: &'static str, variant: &str, value: f64) {
        self.push(feature_code, feature, value);
        if let Some(last) = self.values.last_mut() {
            last.variant = Some(variant.to_string());
        }
    }
}

/// The most texture grey levels accepted: a co-occurrence matrix has `N_g^2` cells, and several are kept at once.
pub const MAX_TEXTURE_LEVELS: usize = 1024;

/// The validated input, with the ROI's voxel list and level counts worked out once.
pub(crate) struct Prepared<'a> {
    pub input: FeatureInput<'a>,
    /// Linear indices of the intensity-mask voxels.
    pub roi: Vec<usize>,
    /// Number of texture grey levels.
    pub ng: usize,
    /// Number of histogram grey levels.
    pub nh: usize,
}

pub(crate) fn prepare<'a>(input: &FeatureInput<'a>, settings: &ValidSettings) -> Result<Prepared<'a>, FeatureError> {
    let n = input.len();
    let bufs: [(&'static str, usize); 5] = [
        ("intensities", input.intensities.len()),
        ("morphological_mask", input.morphological_mask.len()),
        ("intensity_mask", input.intensity_mask.len()),
        ("texture_levels", input.texture_levels.len()),
        ("histogram_levels", input.histogram_levels.len()),
    ];
    for (what, got) in bufs {
        if got != n {
            return Err(FeatureError::LengthMismatch { what, got, expected: n });
        }
    }
    if !input.spacing.iter().all(|s| s.is_finite() && *s > 0.0) {
        return Err(FeatureError::InvalidSetting(format!("voxel spacing must be positive and finite, but is {:?}", input.spacing)));
    }
    let roi: Vec<usize> = (0..n).filter(|&i| input.intensity_mask[i]).collect();
    if roi.is_empty() || !input.morphological_mask.iter().any(|&m| m) {
        return Err(FeatureError::EmptyRoi);
    }
    if let Some(index) = roi.iter().copied().find(|&i| !input.intensities[i].is_finite()) {
        return Err(FeatureError::NonFiniteIntensity { index });
    }
    let s = settings.get();
    let levels = |what: &'static str, buf: &[u32], declared: Option<u32>| -> Result<usize, FeatureError> {
        let max = roi.iter().map(|&i| buf[i]).max().unwrap_or(1);
        let ng = declared.unwrap_or(max);
        for &i in &roi {
            if buf[i] == 0 || buf[i] > ng {
                return Err(FeatureError::BadGreyLevel { what, level: buf[i], levels: ng });
            }
        }
        Ok(ng as usize)
    };
    let ng = levels("texture_levels", input.texture_levels, s.texture_levels)?;
    if ng > MAX_TEXTURE_LEVELS {
        return Err(FeatureError::InvalidSetting(format!(
            "texture features need at most {MAX_TEXTURE_LEVELS} grey levels, but there are {ng}; discretise with fewer bins or a wider bin"
        )));
    }
    let nh = levels("histogram_levels", input.histogram_levels, s.histogram_levels)?;
    Ok(Prepared { input: *input, roi, ng, nh })
}

/// Computes the requested families on `input`, calling `progress` before each step; returns
/// [`FeatureError::Cancelled`] as soon as `progress` returns `ControlFlow::Break`.
pub fn compute(
    input: &FeatureInput<'_>,
    settings: &ValidSettings,
    progress: &mut dyn FnMut(Progress) -> ControlFlow<()>,
) -> Result<Vec<FeatureValue>, FeatureError> {
    let p = prepare(input, settings)?;
    let s = settings.get();
    let steps: Vec<(Family, usize)> = s.families.iter().map(|&f| (f, texture::steps(f))).collect();
    let total: usize = steps.iter().map(|(_, n)| n).sum();
    let mut done = 0;
    let mut values = Vec::with_capacity(512);
    for (family, _) in steps {
        let mut tick = || -> Result<(), FeatureError> {
            let flow = progress(Progress { family, done, total });
            done += 1;
            match flow {
                ControlFlow::Continue(()) => Ok(()),
                ControlFlow::Break(()) => Err(FeatureError::Cancelled),
            }
        };
        one_family(&p, s, family, &mut values, &mut tick)?;
    }
    // The last report (done == total) is informational: the work is finished, so there is nothing to cancel.
    let last = s.families.last().copied().unwrap_or(Family::Morphology);
    let _ = progress(Progress { family: last, done: total, total });
    Ok(values)
}

/// Appends the values of one family to `values`; `tick` is called before each step.
fn one_family(
    p: &Prepared<'_>,
    s: &FeatureSettings,
    family: Family,
    values: &mut Vec<FeatureValue>,
    tick: &mut Tick<'_>,
) -> Result<(), FeatureError> {
    let mut out = Out { values, family, aggregation: None };
    match family {
        Family::Morphology => {
            tick()?;
            morphology::compute(p, &mut out);
        }
        Family::LocalIntensity => {
            tick()?;
            local::compute(p, &mut out);
        }
        Family::IntensityStatistics => {
            tick()?;
            intensity::statistics(p, &mut out);
        }
        Family::IntensityHistogram => {
            tick()?;
            intensity::histogram(p, &mut out);
        }
        Family::IntensityVolumeHistogram => {
            tick()?;
            intensity::ivh(p, &s.ivh, &mut out);
        }
        _ => texture::compute(p, s, &mut out, tick)?,
    }
    Ok(())
}

/// [`compute`] with the families spread over rayon's thread pool (feature `parallel`, native builds): the same
/// values in the same order, without progress reports or cancellation.
#[cfg(feature = "parallel")]
pub fn compute_parallel(input: &FeatureInput<'_>, settings: &ValidSettings) -> Result<Vec<FeatureValue>, FeatureError> {
    use rayon::prelude::*;
    let p = prepare(input, settings)?;
    let s = settings.get();
    let parts: Vec<Vec<FeatureValue>> = s
        .families
        .par_iter()
        .map(|&family| {
            let mut values = Vec::new();
            one_family(&p, s, family, &mut values, &mut || Ok(()))?;
            Ok(values)
        })
        .collect::<Result<_, FeatureError>>()?;
    Ok(parts.concat())
}

/// Runs `a` and `b`, in parallel with the `parallel` feature.
pub(crate) fn join<A: Send, B: Send>(a: impl FnOnce() -> A + Send, b: impl FnOnce() -> B + Send) -> (A, B) {
    #[cfg(feature = "parallel")]
    return rayon::join(a, b);
    #[cfg(not(feature = "parallel"))]
    return (a(), b());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(dims: [usize; 3], intensities: &[f32], mask: &[bool], levels: &[u32]) -> Vec<FeatureValue> {
        let input = FeatureInput::new(dims, [1.0, 1.0, 2.0], intensities, mask, levels);
        let settings = FeatureSettings::default().check().expect("valid");
        compute(&input, &settings, &mut |_| ControlFlow::Continue(())).expect("computed")
    }

    fn value(values: &[FeatureValue], code: &str, agg: Option<&str>) -> f64 {
        values.iter().find(|v| v.feature_code == code && v.aggregation_code == agg).map_or(f64::NAN, |v| v.value)
    }

    #[test]
    fn degenerate_rois_give_values_not_panics() {
        // One voxel, one slice, a constant image: every family runs; undefined features are NaN.
        let one = run([1, 1, 1], &[5.0], &[true], &[1]);
        assert_eq!(value(&one, "YEKZ", None), 2.0);
        assert!(value(&one, "N365", None).is_nan(), "Moran's I needs two voxels");
        let n = 6 * 5;
        let flat = run([6, 5, 1], &vec![3.0; n], &vec![true; n], &vec![1; n]);
        assert_eq!(value(&flat, "Q4LE", None), 3.0);
        assert!(value(&flat, "ECT3", None) == 0.0 && value(&flat, "KE2A", None) == 0.0);
        assert_eq!(value(&flat, "9CMM", None), 0.0);
        // NGTDM conventions for a single grey level (IBSI 3.10).
        for (code, expected) in [("QCDE", 1e6), ("65HE", 0.0), ("NQ30", 0.0), ("HDEZ", 0.0), ("1X9X", 0.0)] {
            assert_eq!(value(&flat, code, Some("KOBO")), expected, "{code}");
        }
        assert_eq!(value(&flat, "GYBY", Some("IAZD")), 1.0);
        assert!(value(&flat, "RNU0", None) > 0.0);
        let texture = 25 * 6 + 16 * 6 + 16 * 3 + 16 * 3 + 5 * 3 + 17 * 3;
        assert_eq!(flat.len(), 29 + 2 + 18 + 23 + 7 + texture);
    }

    #[test]
    fn inputs_are_checked() {
        let settings = FeatureSettings::default().check().expect("valid");
        let input = FeatureInput::new([2, 1, 1], [1.0; 3], &[1.0, 2.0], &[true, true], &[1]);
        let err = compute(&input, &settings, &mut |_| ControlFlow::Continue(())).expect_err("refused");
        assert_eq!(err, FeatureError::LengthMismatch { what: "texture_levels", got: 1, expected: 2 });
        let input = FeatureInput::new([2, 1, 1], [1.0; 3], &[1.0, 2.0], &[true, true], &[1, 0]);
        let err = compute(&input, &settings, &mut |_| ControlFlow::Continue(())).expect_err("refused");
        assert!(matches!(err, FeatureError::BadGreyLevel { level: 0, .. }), "{err}");
        let input = FeatureInput::new([2, 1, 1], [1.0; 3], &[1.0, 2.0], &[false, false], &[1, 1]);
        assert_eq!(compute(&input, &settings, &mut |_| ControlFlow::Continue(())), Err(FeatureError::EmptyRoi));
        let input = FeatureInput::new([2, 1, 1], [1.0; 3], &[1.0, f32::NAN], &[true, true], &[1, 1]);
        assert_eq!(compute(&input, &settings, &mut |_| ControlFlow::Continue(())), Err(FeatureError::NonFiniteIntensity { index: 1 }));
        let many: Vec<u32> = vec![2000, 1];
        let input = FeatureInput::new([2, 1, 1], [1.0; 3], &[1.0, 2.0], &[true, true], &many);
        let err = compute(&input, &settings, &mut |_| ControlFlow::Continue(())).expect_err("refused");
        assert!(err.to_string().contains("at most 1024 grey levels"), "{err}");
        let bad = FeatureSettings { distance: 0, ..FeatureSettings::default() };
        assert!(bad.check().expect_err("refused").to_string().contains("at least 1, but is 0"));
    }
}
