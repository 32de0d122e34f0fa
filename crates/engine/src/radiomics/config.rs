//! Feature extraction configurations: every IBSI image-processing choice in one plain value.
//!
//! A [`FeatureConfig`] is what a user writes (TOML or JSON, see the files in `crates/engine/configs/`). It is
//! checked once by [`FeatureConfig::check`] into a [`ValidConfig`], which [`crate::radiomics::extract`] takes; an
//! error names the field and the value at fault, e.g. `discretisation.texture.bin_width should be positive, but is
//! -25`. The built-in configurations ([`BUILTINS`]) are embedded with `include_str!`, so the browser has them too.
//!
//! # Example
//! ```
//! use radlearn_engine::radiomics::config::FeatureConfig;
//! let cfg = FeatureConfig::builtin("ibsi-B").expect("built in").check().expect("valid");
//! assert_eq!(cfg.resampling().map(|r| r.spacing), Some([2.0, 2.0, 0.0]));
//! let err = FeatureConfig::from_toml(
//!     "dimensions = \"3D\"\n[discretisation.texture]\nmethod = \"fixed_bin_size\"\nbin_width = -25\n",
//! )
//! .expect("parses")
//! .check()
//! .expect_err("refused");
//! assert_eq!(err.to_string(), "discretisation.texture.bin_width should be positive, but is -25");
//! ```

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::radiomics::features::{Family, IvhDiscretisation};
use crate::radiomics::preprocess::{BinCount, BinWidth, Discretisation, Interpolation};

/// A built-in configuration: its name, its one-line description and its TOML text (which says the same
/// description; a test keeps both equal, so that the page can list the configurations without a TOML parser).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Builtin {
    pub name: &'static str,
    pub description: &'static str,
    pub toml: &'static str,
}

const fn builtin(name: &'static str, description: &'static str, toml: &'static str) -> Builtin {
    Builtin { name, description, toml }
}

/// The built-in configurations.
pub const BUILTINS: &[Builtin] = &[
    builtin(
        "default",
        "RadLearn default: 3D, no resampling or re-segmentation, FBN 32 bins, IVH 1000 bins (works for any modality)",
        include_str!("../../configs/default.toml"),
    ),
    builtin(
        "ibsi-A",
        "IBSI CT phantom configuration A: 2D, no resampling, range [-500, 400] HU, FBS 25 HU",
        include_str!("../../configs/ibsi-A.toml"),
    ),
    builtin(
        "ibsi-B",
        "IBSI CT phantom configuration B: 2D, bilinear to 2 x 2 mm, range [-500, 400] HU, FBN 32",
        include_str!("../../configs/ibsi-B.toml"),
    ),
    builtin(
        "ibsi-C",
        "IBSI CT phantom configuration C: 3D, trilinear to 2 mm, range [-1000, 400] HU, FBS 25 HU, IVH FBS 2.5 HU",
        include_str!("../../configs/ibsi-C.toml"),
    ),
    builtin(
        "ibsi-D",
        "IBSI CT phantom configuration D: 3D, trilinear to 2 mm, 3 sd outlier filtering, FBN 32",
        include_str!("../../configs/ibsi-D.toml"),
    ),
    builtin(
        "ibsi-E",
        "IBSI CT phantom configuration E: 3D, tricubic spline to 2 mm, range [-1000, 400] HU and 3 sd outliers, FBN 32, IVH 1000 bins",
        include_str!("../../configs/ibsi-E.toml"),
    ),
    builtin(
        "digital-phantom",
        "IBSI digital phantom: no processing, intensities are the grey levels, every texture aggregation",
        include_str!("../../configs/digital-phantom.toml"),
    ),
];

/// Slice-by-slice (2D) or volumetric (3D) processing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Dimensions {
    /// In-plane resampling and texture per slice (IBSI aggregations 2D and 2.5D).
    #[serde(rename = "2D")]
    TwoD,
    /// Volumetric resampling and 3D texture.
    #[serde(rename = "3D")]
    ThreeD,
}

/// Interpolation method names as written in a configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InterpolationMethod {
    /// Nearest neighbour.
    Nearest,
    /// (Bi/tri)linear.
    Linear,
    /// Cubic convolution (Keys, a = -0.5).
    CubicConvolution,
    /// Cubic B-spline with prefiltering (IBSI "tricubic spline").
    CubicSpline,
}

impl InterpolationMethod {
    /// The engine's interpolation.
    pub fn to_engine(self) -> Interpolation {
        match self {
            InterpolationMethod::Nearest => Interpolation::Nearest,
            InterpolationMethod::Linear => Interpolation::Linear,
            InterpolationMethod::CubicConvolution => Interpolation::Cubic,
            InterpolationMethod::CubicSpline => Interpolation::CubicSpline,
        }
    }
}

/// Intensities as read.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IntensityConfig {
    /// Round intensities to the nearest integer before any processing (IBSI CT phantom: the image is read as float
    /// and rounded).
    #[serde(default)]
    pub round: bool,
}

/// Resampling to a new voxel spacing on the IBSI centred grid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResamplingConfig {
    /// New spacing in mm: `[x, y]` (in-plane only, the slice spacing is kept; required for 2D) or `[x, y, z]`.
    pub spacing: Vec<f64>,
    /// Image interpolation.
    pub interpolation: InterpolationMethod,
    /// Round interpolated intensities to the nearest integer (IBSI, for calibrated integer units such as HU).
    #[serde(default)]
    pub round: bool,
    /// ROI mask interpolation (IBSI: linear).
    #[serde(default = "default_mask_interpolation")]
    pub mask_interpolation: InterpolationMethod,
    /// Partial-volume threshold: an interpolated mask value at least this is inside the ROI (IBSI: 0.5).
    #[serde(default = "default_partial_volume")]
    pub partial_volume: f64,
}

fn default_mask_interpolation() -> InterpolationMethod {
    InterpolationMethod::Linear
}

fn default_partial_volume() -> f64 {
    0.5
}

/// Re-segmentation of the intensity mask.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResegmentationConfig {
    /// Lowest intensity kept (inclusive); none when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// Highest intensity kept (inclusive); none when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// Outlier filtering: keep intensities within mean ± `outliers_sd` standard deviations (IBSI: 3), applied after
    /// the range.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outliers_sd: Option<f64>,
}

/// Discretisation for texture features and the intensity histogram.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "snake_case", deny_unknown_fields)]
pub enum BinConfig {
    /// Fixed bin number: `bins` bins between the lowest and highest intensity of the ROI.
    FixedBinNumber {
        /// Number of bins.
        bins: i64,
    },
    /// Fixed bin size: bins of `bin_width` from `lower_bound`, which defaults to the re-segmentation minimum (as
    /// the IBSI asks) and else to the lowest intensity of the ROI.
    FixedBinSize {
        /// Bin width in intensity units.
        bin_width: f64,
        /// Lower edge of bin 1.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        lower_bound: Option<f64>,
    },
}

/// Discretisation for the intensity-volume histogram (IBSI 3.5).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "snake_case", deny_unknown_fields)]
pub enum IvhConfig {
    /// Discrete calibrated intensities (e.g. HU) used as they are, evaluated every `interval` (default 1).
    None {
        /// Distance between evaluated intensities.
        #[serde(default = "one")]
        interval: f64,
    },
    /// Continuous calibrated intensities (e.g. SUV): bins of `bin_width` from `lower_bound` (default: the
    /// re-segmentation minimum, else the ROI minimum).
    FixedBinSize {
        /// Bin width in intensity units.
        bin_width: f64,
        /// Lower edge of the first bin.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        lower_bound: Option<f64>,
    },
    /// Arbitrary units (e.g. MR): `bins` bins between the ROI's lowest and highest intensity (IBSI: 1000).
    FixedBinNumber {
        /// Number of bins.
        bins: i64,
    },
}

fn one() -> f64 {
    1.0
}

impl Default for IvhConfig {
    fn default() -> Self {
        IvhConfig::None { interval: 1.0 }
    }
}

/// Every discretisation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiscretisationConfig {
    /// Texture families (and the intensity histogram unless `histogram` is given).
    pub texture: BinConfig,
    /// The intensity histogram; the same as `texture` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub histogram: Option<BinConfig>,
    /// The intensity-volume histogram.
    #[serde(default)]
    pub ivh: IvhConfig,
}

/// Texture parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TextureConfig {
    /// Chebyshev distance of GLCM, NGTDM and NGLDM neighbours (IBSI: 1). GLSZM and GLDZM zones always link voxels
    /// at distance 1 (26-connectivity in 3D, 8 in 2D), as in every IBSI configuration.
    #[serde(default = "one_i")]
    pub distance: i64,
    /// NGLDM coarseness parameter alpha (IBSI: 0).
    #[serde(default)]
    pub ngldm_coarseness: i64,
    /// Report every texture aggregation (2D, 2.5D and 3D), as the digital phantom's reference does, instead of only
    /// those of `dimensions`.
    #[serde(default)]
    pub all_aggregations: bool,
}

fn one_i() -> i64 {
    1
}

impl Default for TextureConfig {
    fn default() -> Self {
        TextureConfig { distance: 1, ngldm_coarseness: 0, all_aggregations: false }
    }
}

/// A feature extraction configuration as written by a user (TOML or JSON).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeatureConfig {
    /// A short name.
    #[serde(default)]
    pub name: String,
    /// What the configuration is for.
    #[serde(default)]
    pub description: String,
    /// `"2D"` or `"3D"`.
    pub dimensions: Dimensions,
    /// Intensities as read.
    #[serde(default)]
    pub intensity: IntensityConfig,
    /// Resampling; none when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resampling: Option<ResamplingConfig>,
    /// Re-segmentation; none when absent.
    #[serde(default)]
    pub resegmentation: ResegmentationConfig,
    /// Discretisation.
    pub discretisation: DiscretisationConfig,
    /// Texture parameters.
    #[serde(default)]
    pub texture: TextureConfig,
    /// Families to compute, by IBSI code (`"HCUG"`) or short name (`"morphology"`, `"glcm"`, ...); all when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub families: Option<Vec<String>>,
}

/// Why a configuration was refused.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ConfigError {
    /// The text is not valid TOML or JSON, or does not have the expected fields.
    Parse {
        /// `"TOML"` or `"JSON"`.
        format: &'static str,
        /// The parser's message (with the line and the field).
        message: String,
    },
    /// A field has a value out of range.
    Invalid {
        /// Dotted path of the field, e.g. `discretisation.texture.bin_width`.
        field: String,
        /// What is wrong, with the value.
        message: String,
    },
    /// No built-in configuration has this name.
    UnknownBuiltin(String),
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::Parse { format, message } => write!(f, "the configuration is not valid {format}: {message}"),
            ConfigError::Invalid { field, message } => write!(f, "{field} {message}"),
            ConfigError::UnknownBuiltin(name) => {
                let names: Vec<&str> = BUILTINS.iter().map(|b| b.name).collect();
                write!(f, "there is no built-in configuration `{name}`; use one of {} or a .toml/.json file", names.join(", "))
            }
        }
    }
}

impl std::error::Error for ConfigError {}

fn invalid(field: &str, message: String) -> ConfigError {
    ConfigError::Invalid { field: field.to_string(), message }
}

/// The family short names accepted in `families`, with their family.
pub const FAMILY_NAMES: &[(&str, Family)] = &[
    ("morphology", Family::Morphology),
    ("local_intensity", Family::LocalIntensity),
    ("statistics", Family::IntensityStatistics),
    ("histogram", Family::IntensityHistogram),
    ("ivh", Family::IntensityVolumeHistogram),
    ("glcm", Family::Glcm),
    ("glrlm", Family::Glrlm),
    ("glszm", Family::Glszm),
    ("gldzm", Family::Gldzm),
    ("ngtdm", Family::Ngtdm),
    ("ngldm", Family::Ngldm),
];

impl FeatureConfig {
    /// Parses a TOML configuration.
    pub fn from_toml(text: &str) -> Result<FeatureConfig, ConfigError> {
        toml::from_str(text).map_err(|e| ConfigError::Parse { format: "TOML", message: e.to_string().trim().to_string() })
    }

    /// Parses a JSON configuration.
    pub fn from_json(text: &str) -> Result<FeatureConfig, ConfigError> {
        serde_json::from_str(text).map_err(|e| ConfigError::Parse { format: "JSON", message: e.to_string() })
    }

    /// Parses JSON when the text starts with `{`, TOML otherwise.
    pub fn parse(text: &str) -> Result<FeatureConfig, ConfigError> {
        if text.trim_start().starts_with('{') {
            Self::from_json(text)
        } else {
            Self::from_toml(text)
        }
    }

    /// A built-in configuration by name (see [`BUILTINS`]).
    pub fn builtin(name: &str) -> Result<FeatureConfig, ConfigError> {
        let b = BUILTINS.iter().find(|b| b.name == name).ok_or_else(|| ConfigError::UnknownBuiltin(name.to_string()))?;
        Self::from_toml(b.toml)
    }

    /// The configuration as TOML.
    pub fn to_toml(&self) -> String {
        toml::to_string(self).unwrap_or_default()
    }

    /// The configuration as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Checks every field once; the error names the first bad field and its value.
    pub fn check(self) -> Result<ValidConfig, ConfigError> {
        let resampling = match &self.resampling {
            None => None,
            Some(r) => Some(check_resampling(r, self.dimensions)?),
        };
        let rs = &self.resegmentation;
        for (field, v) in [("resegmentation.min", rs.min), ("resegmentation.max", rs.max)] {
            if let Some(v) = v {
                if !v.is_finite() {
                    return Err(invalid(field, format!("should be a finite intensity, but is {v}")));
                }
            }
        }
        if let (Some(lo), Some(hi)) = (rs.min, rs.max) {
            if lo > hi {
                return Err(invalid("resegmentation.max", format!("should be at least resegmentation.min ({lo}), but is {hi}")));
            }
        }
        if let Some(sd) = rs.outliers_sd {
            if !(sd.is_finite() && sd > 0.0) {
                return Err(invalid("resegmentation.outliers_sd", format!("should be positive, but is {sd}")));
            }
        }
        let d = &self.discretisation;
        let texture = check_bins("discretisation.texture", &d.texture, rs.min, crate::radiomics::features::MAX_TEXTURE_LEVELS as u32)?;
        let histogram = match &d.histogram {
            Some(h) => check_bins("discretisation.histogram", h, rs.min, BinCount::MAX)?,
            None => texture,
        };
        let (ivh, ivh_lower) = match d.ivh {
            IvhConfig::None { interval } => {
                positive("discretisation.ivh.interval", interval)?;
                (IvhDiscretisation::None { interval }, rs.min)
            }
            IvhConfig::FixedBinSize { bin_width, lower_bound } => {
                positive("discretisation.ivh.bin_width", bin_width)?;
                finite_opt("discretisation.ivh.lower_bound", lower_bound)?;
                (IvhDiscretisation::FixedBinSize { width: bin_width }, lower_bound.or(rs.min))
            }
            IvhConfig::FixedBinNumber { bins } => {
                (IvhDiscretisation::FixedBinNumber { bins: bin_count("discretisation.ivh.bins", bins, BinCount::MAX)?.get() }, rs.min)
            }
        };
        if let (Some(lo), Some(hi)) = (ivh_lower, rs.max) {
            if lo >= hi {
                return Err(invalid("discretisation.ivh.lower_bound", format!("should be below resegmentation.max ({hi}), but is {lo}")));
            }
        }
        let t = &self.texture;
        if !(1..=16).contains(&t.distance) {
            return Err(invalid("texture.distance", format!("should be between 1 and 16 voxels, but is {}", t.distance)));
        }
        if !(0..=1000).contains(&t.ngldm_coarseness) {
            return Err(invalid("texture.ngldm_coarseness", format!("should be between 0 and 1000, but is {}", t.ngldm_coarseness)));
        }
        let families = match &self.families {
            None => Family::ALL.to_vec(),
            Some(names) => {
                if names.is_empty() {
                    return Err(invalid("families", "should name at least one family, but is empty".into()));
                }
                let mut out = Vec::new();
                for (i, n) in names.iter().enumerate() {
                    let key = n.trim().to_lowercase();
                    let f = FAMILY_NAMES
                        .iter()
                        .find(|(name, f)| *name == key || f.code().eq_ignore_ascii_case(&key))
                        .map(|(_, f)| *f)
                        .ok_or_else(|| {
                            let known: Vec<&str> = FAMILY_NAMES.iter().map(|f| f.0).collect();
                            invalid(
                                &format!("families[{i}]"),
                                format!("should be an IBSI family code or one of {}, but is {n:?}", known.join(", ")),
                            )
                        })?;
                    if !out.contains(&f) {
                        out.push(f);
                    }
                }
                // Compute in the manual's order whatever order was written.
                Family::ALL.iter().copied().filter(|f| out.contains(f)).collect()
            }
        };
        Ok(ValidConfig {
            resampling,
            range: (rs.min, rs.max),
            outliers_sd: rs.outliers_sd,
            texture,
            histogram,
            ivh,
            ivh_lower,
            families,
            config: self,
        })
    }
}

fn positive(field: &str, v: f64) -> Result<(), ConfigError> {
    if v.is_finite() && v > 0.0 {
        Ok(())
    } else {
        Err(invalid(field, format!("should be positive, but is {v}")))
    }
}

fn finite_opt(field: &str, v: Option<f64>) -> Result<(), ConfigError> {
    match v {
        Some(v) if !v.is_finite() => Err(invalid(field, format!("should be a finite intensity, but is {v}"))),
        _ => Ok(()),
    }
}

fn bin_count(field: &str, bins: i64, cap: u32) -> Result<BinCount, ConfigError> {
    BinCount::new(bins, cap).map_err(|e| {
        if bins > i64::from(cap) && cap < BinCount::MAX {
            invalid(field, format!("should be at most {cap} (texture matrices grow as bins squared), but is {bins}"))
        } else {
            invalid(field, e.to_string())
        }
    })
}

/// Checks a discretisation; `cap` is the most bins it may have (texture matrices grow as bins squared, so the
/// texture discretisation is capped at [`crate::radiomics::features::MAX_TEXTURE_LEVELS`]).
fn check_bins(field: &str, b: &BinConfig, reseg_min: Option<f64>, cap: u32) -> Result<Discretisation, ConfigError> {
    match *b {
        BinConfig::FixedBinNumber { bins } => Ok(Discretisation::FixedBinNumber(bin_count(&format!("{field}.bins"), bins, cap)?)),
        BinConfig::FixedBinSize { bin_width, lower_bound } => {
            let width = BinWidth::new(bin_width).map_err(|e| invalid(&format!("{field}.bin_width"), e.to_string()))?;
            finite_opt(&format!("{field}.lower_bound"), lower_bound)?;
            Ok(Discretisation::FixedBinSize { width, min: lower_bound.or(reseg_min) })
        }
    }
}

fn check_resampling(r: &ResamplingConfig, dims: Dimensions) -> Result<ValidResampling, ConfigError> {
    let n = r.spacing.len();
    match (dims, n) {
        (Dimensions::TwoD, 2) | (Dimensions::ThreeD, 2 | 3) => {}
        (Dimensions::TwoD, _) => {
            return Err(invalid(
                "resampling.spacing",
                format!("should hold 2 values (in-plane x and y, in mm) for 2D processing, but holds {n}: {:?}", r.spacing),
            ))
        }
        (Dimensions::ThreeD, _) => {
            return Err(invalid(
                "resampling.spacing",
                format!("should hold 2 (in-plane) or 3 values in mm, but holds {n}: {:?}", r.spacing),
            ))
        }
    }
    for (a, &s) in r.spacing.iter().enumerate() {
        if !(s.is_finite() && s > 0.0) {
            return Err(invalid(&format!("resampling.spacing[{a}]"), format!("should be positive, but is {s}")));
        }
    }
    if !(r.partial_volume.is_finite() && r.partial_volume > 0.0 && r.partial_volume <= 1.0) {
        return Err(invalid("resampling.partial_volume", format!("should be in (0, 1], but is {}", r.partial_volume)));
    }
    let spacing = [r.spacing[0], r.spacing[1], r.spacing.get(2).copied().unwrap_or(0.0)];
    Ok(ValidResampling {
        spacing,
        interpolation: r.interpolation.to_engine(),
        round: r.round,
        mask_interpolation: r.mask_interpolation.to_engine(),
        partial_volume: r.partial_volume,
    })
}

/// Checked resampling settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ValidResampling {
    /// New spacing in mm; a z of 0 keeps the image's slice spacing (in-plane resampling).
    pub spacing: [f64; 3],
    /// Image interpolation.
    pub interpolation: Interpolation,
    /// Round interpolated intensities.
    pub round: bool,
    /// Mask interpolation.
    pub mask_interpolation: Interpolation,
    /// Partial-volume threshold.
    pub partial_volume: f64,
}

/// A configuration that passed [`FeatureConfig::check`], in the engine's terms.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidConfig {
    config: FeatureConfig,
    resampling: Option<ValidResampling>,
    range: (Option<f64>, Option<f64>),
    outliers_sd: Option<f64>,
    texture: Discretisation,
    histogram: Discretisation,
    ivh: IvhDiscretisation,
    ivh_lower: Option<f64>,
    families: Vec<Family>,
}

impl ValidConfig {
    /// The configuration as written.
    pub fn config(&self) -> &FeatureConfig {
        &self.config
    }
    /// 2D or 3D.
    pub fn dimensions(&self) -> Dimensions {
        self.config.dimensions
    }
    /// Round intensities before processing.
    pub fn round_input(&self) -> bool {
        self.config.intensity.round
    }
    /// Resampling, if any.
    pub fn resampling(&self) -> Option<&ValidResampling> {
        self.resampling.as_ref()
    }
    /// Re-segmentation range (inclusive bounds; `None` is open).
    pub fn range(&self) -> (Option<f64>, Option<f64>) {
        self.range
    }
    /// Outlier filtering, in standard deviations.
    pub fn outliers_sd(&self) -> Option<f64> {
        self.outliers_sd
    }
    /// Texture discretisation (the fixed bin size's lower bound already defaults to the re-segmentation minimum).
    pub fn texture_discretisation(&self) -> Discretisation {
        self.texture
    }
    /// Intensity histogram discretisation.
    pub fn histogram_discretisation(&self) -> Discretisation {
        self.histogram
    }
    /// Intensity-volume histogram discretisation and the lower bound of its range, if fixed.
    pub fn ivh(&self) -> (IvhDiscretisation, Option<f64>) {
        (self.ivh, self.ivh_lower)
    }
    /// Families to compute, in the manual's order.
    pub fn families(&self) -> &[Family] {
        &self.families
    }
    /// GLCM, NGTDM and NGLDM distance.
    pub fn distance(&self) -> usize {
        self.config.texture.distance as usize
    }
    /// NGLDM coarseness.
    pub fn ngldm_coarseness(&self) -> u32 {
        self.config.texture.ngldm_coarseness as u32
    }
    /// Report every texture aggregation.
    pub fn all_aggregations(&self) -> bool {
        self.config.texture.all_aggregations
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Test code: a panic is a failed test.
mod tests {
    use super::*;

    fn err(toml_text: &str) -> String {
        FeatureConfig::from_toml(toml_text).and_then(FeatureConfig::check).expect_err("refused").to_string()
    }

    const FBN: &str = "dimensions = \"3D\"\n[discretisation.texture]\nmethod = \"fixed_bin_number\"\nbins = 32\n";

    #[test]
    fn every_builtin_parses_checks_and_round_trips() {
        for &Builtin { name, description, toml } in BUILTINS {
            let cfg = FeatureConfig::from_toml(toml).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(cfg.name, name, "the file's name field matches its built-in name");
            assert!(!cfg.description.is_empty(), "{name} is described");
            assert_eq!(cfg.description, description, "{name}: the table says what the file says");
            cfg.clone().check().unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(FeatureConfig::from_toml(&cfg.to_toml()).unwrap(), cfg, "{name} TOML round trip");
            assert_eq!(FeatureConfig::from_json(&cfg.to_json()).unwrap(), cfg, "{name} JSON round trip");
            assert_eq!(FeatureConfig::parse(&cfg.to_json()).unwrap(), cfg);
        }
        assert!(matches!(FeatureConfig::builtin("ibsi-F"), Err(ConfigError::UnknownBuiltin(_))));
        assert!(FeatureConfig::builtin("ibsi-F").unwrap_err().to_string().contains("ibsi-A"));
    }

    #[test]
    fn builtins_say_what_the_ibsi_configurations_say() {
        let e = FeatureConfig::builtin("ibsi-E").unwrap().check().unwrap();
        let r = e.resampling().unwrap();
        assert_eq!(
            (r.spacing, r.interpolation, r.mask_interpolation, r.round),
            ([2.0; 3], Interpolation::CubicSpline, Interpolation::Linear, true)
        );
        assert_eq!((e.range(), e.outliers_sd()), ((Some(-1000.0), Some(400.0)), Some(3.0)));
        assert_eq!(e.texture_discretisation(), Discretisation::FixedBinNumber(BinCount::new(32, BinCount::MAX).unwrap()));
        assert_eq!(e.ivh().0, IvhDiscretisation::FixedBinNumber { bins: 1000 });
        let a = FeatureConfig::builtin("ibsi-A").unwrap().check().unwrap();
        assert_eq!(a.dimensions(), Dimensions::TwoD);
        assert!(a.resampling().is_none() && a.round_input());
        assert_eq!(a.texture_discretisation(), Discretisation::FixedBinSize { width: BinWidth::new(25.0).unwrap(), min: Some(-500.0) });
        let c = FeatureConfig::builtin("ibsi-C").unwrap().check().unwrap();
        assert_eq!(c.ivh(), (IvhDiscretisation::FixedBinSize { width: 2.5 }, Some(-1000.0)));
        assert_eq!(c.families().len(), 11);
    }

    #[test]
    fn errors_name_the_field_and_the_value() {
        let fbs = "dimensions = \"3D\"\n[discretisation.texture]\nmethod = \"fixed_bin_size\"\nbin_width = -25\n";
        assert_eq!(err(fbs), "discretisation.texture.bin_width should be positive, but is -25");
        assert_eq!(err(&FBN.replace("bins = 32", "bins = 0")), "discretisation.texture.bins should be between 1 and 1024, but is 0");
        assert!(err(&FBN.replace("bins = 32", "bins = 5000")).starts_with("discretisation.texture.bins should be at most 1024"));
        let hist = format!("{FBN}[discretisation.histogram]\nmethod = \"fixed_bin_size\"\nbin_width = 0\n");
        assert_eq!(err(&hist), "discretisation.histogram.bin_width should be positive, but is 0");
        let ivh = format!("{FBN}[discretisation.ivh]\nmethod = \"fixed_bin_number\"\nbins = -3\n");
        assert_eq!(err(&ivh), "discretisation.ivh.bins should be between 1 and 100000, but is -3");
        let ivh = format!("{FBN}[discretisation.ivh]\nmethod = \"none\"\ninterval = 0\n");
        assert_eq!(err(&ivh), "discretisation.ivh.interval should be positive, but is 0");
        let rs = format!("{FBN}[resampling]\nspacing = [2, 0, 2]\ninterpolation = \"linear\"\n");
        assert_eq!(err(&rs), "resampling.spacing[1] should be positive, but is 0");
        let rs = format!("{FBN}[resampling]\nspacing = [2, 2, 2]\ninterpolation = \"linear\"\npartial_volume = 1.5\n");
        assert_eq!(err(&rs), "resampling.partial_volume should be in (0, 1], but is 1.5");
        let rs2d = format!("{}[resampling]\nspacing = [2, 2, 2]\ninterpolation = \"linear\"\n", FBN.replace("3D", "2D"));
        assert!(err(&rs2d).starts_with("resampling.spacing should hold 2 values"), "{}", err(&rs2d));
        let reseg = format!("{FBN}[resegmentation]\nmin = 400\nmax = -500\n");
        assert_eq!(err(&reseg), "resegmentation.max should be at least resegmentation.min (400), but is -500");
        let reseg = format!("{FBN}[resegmentation]\noutliers_sd = -3\n");
        assert_eq!(err(&reseg), "resegmentation.outliers_sd should be positive, but is -3");
        let tex = format!("{FBN}[texture]\ndistance = 0\n");
        assert_eq!(err(&tex), "texture.distance should be between 1 and 16 voxels, but is 0");
        let tex = format!("{FBN}[texture]\nngldm_coarseness = -1\n");
        assert_eq!(err(&tex), "texture.ngldm_coarseness should be between 0 and 1000, but is -1");
        let fam = format!("families = [\"glcm\", \"colour\"]\n{FBN}");
        assert!(err(&fam).starts_with("families[1] should be an IBSI family code or one of morphology"), "{}", err(&fam));
        // Parse errors: the parser names the field or the unknown key.
        assert!(err(&FBN.replace("3D", "4D")).contains("dimensions"), "{}", err(&FBN.replace("3D", "4D")));
        let typo = format!("{FBN}[texture]\ndistanse = 1\n");
        assert!(err(&typo).contains("distanse"), "{}", err(&typo));
        let interp = format!("{FBN}[resampling]\nspacing = [2, 2]\ninterpolation = \"cubic\"\n");
        assert!(err(&interp).contains("cubic_spline"), "unknown interpolation lists the choices: {}", err(&interp));
        let json = r#"{"dimensions": "3D", "discretisation": {"texture": {"method": "fixed_bin_size", "bin_width": -25}}}"#;
        assert_eq!(
            FeatureConfig::parse(json).unwrap().check().unwrap_err().to_string(),
            "discretisation.texture.bin_width should be positive, but is -25"
        );
    }

    #[test]
    fn families_by_code_or_name_in_manual_order() {
        let cfg = FeatureConfig::from_toml(&format!("families = [\"REK0\", \"morphology\", \"glcm\", \"glcm\"]\n{FBN}")).unwrap();
        assert_eq!(cfg.check().unwrap().families(), &[Family::Morphology, Family::Glcm, Family::Ngldm]);
    }
}
