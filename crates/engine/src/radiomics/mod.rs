//! The radiomics pipeline: an image, a mask and a checked configuration in; IBSI feature values out.
//!
//! [`extract`] chains the IBSI image-processing steps in the manual's order, each a plain value passed on:
//! rounding of the intensities as read, resampling of image and mask (mask partial-volume threshold),
//! re-segmentation (range, then outliers) into the intensity mask, discretisation (texture, intensity histogram)
//! and the feature families. Bad input gives an [`ExtractError`] that says what to do, never a panic.
//!
//! # Example
//! ```
//! use radlearn_engine::radiomics::config::FeatureConfig;
//! use radlearn_engine::radiomics::extract;
//! use radlearn_engine::{Geometry, LabelMap, Volume};
//! use std::ops::ControlFlow;
//! let g = Geometry::new([4, 4, 4], [1.0; 3]);
//! let image = Volume::new(g.clone(), (0..64).map(|i| (i % 7) as f32).collect()).expect("64 voxels");
//! let mask = LabelMap::new(g, vec![1; 64]).expect("64 voxels");
//! let cfg = FeatureConfig::builtin("default").expect("built in").check().expect("valid");
//! let values = extract(&image, &mask, 1, &cfg, &mut |_| ControlFlow::Continue(())).expect("features");
//! let volume = values.iter().find(|v| v.feature_code == "YEKZ").expect("voxel volume");
//! assert_eq!(volume.value, 64.0);
//! ```

pub mod config;
pub mod export;
pub mod features;
pub mod preprocess;

use std::fmt;
use std::ops::ControlFlow;

use crate::image::volume::{Geometry, LabelMap, Volume};
use crate::io::error::LoadOptions;
use crate::radiomics::config::{Dimensions, ValidConfig};
use crate::radiomics::features::texture::{
    AGG_25D, AGG_25D_DIRECTION_MERGED, AGG_25D_MERGED, AGG_2D, AGG_2D_AVERAGED, AGG_2D_SLICE_MERGED, AGG_3D, AGG_3D_AVERAGED, AGG_3D_MERGED,
};
use crate::radiomics::features::{
    compute, Aggregations, FeatureError, FeatureInput, FeatureSettings, FeatureValue, IvhSettings, Progress, ValidSettings,
};
use crate::radiomics::preprocess::{
    box_geometry, centred_grid, crop, discretise, partial_volume, resample_region, resegment_outliers, resegment_range, Discretisation,
    PreprocessError, VoxelBox,
};

/// Why features could not be extracted.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ExtractError {
    /// The image's grid is unusable (zero dimension, zero or negative spacing, data length).
    BadImage(String),
    /// The mask's grid is unusable.
    BadMask(String),
    /// The mask is not on the image's grid.
    MaskGridMismatch {
        /// Image dims and spacing.
        image: ([usize; 3], [f64; 3]),
        /// Mask dims and spacing.
        mask: ([usize; 3], [f64; 3]),
    },
    /// The label is 0 (background) or absent from the mask.
    NoSuchLabel {
        /// The label asked for.
        label: u8,
        /// The non-zero labels the mask holds.
        present: Vec<u8>,
    },
    /// No voxel is left in the ROI at some step.
    EmptyRoi {
        /// The step, e.g. "after re-segmentation".
        stage: &'static str,
    },
    /// An intensity inside the ROI is NaN or infinite.
    NonFiniteIntensity {
        /// Voxel (x, y, z) on the grid of the step.
        voxel: [usize; 3],
        /// `"in the image"` or `"after resampling"`.
        stage: &'static str,
    },
    /// A processing step failed: resampling (e.g. the new grid exceeds the memory budget), re-segmentation or
    /// discretisation.
    Processing(PreprocessError),
    /// The feature families refused the input or a setting.
    Features(FeatureError),
    /// The progress callback asked to stop.
    Cancelled,
}

impl fmt::Display for ExtractError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExtractError::BadImage(m) => write!(f, "the image cannot be used: {m}; check its header (spacing, dimensions)"),
            ExtractError::BadMask(m) => write!(f, "the mask cannot be used: {m}; check its header (spacing, dimensions)"),
            ExtractError::MaskGridMismatch { image, mask } => write!(
                f,
                "the mask ({} x {} x {} voxels of {:.4} x {:.4} x {:.4} mm) is not on the image's grid ({} x {} x {} voxels of {:.4} x {:.4} x {:.4} mm, same origin and orientation); use the mask drawn on this image or resample it onto the image first",
                mask.0[0],
                mask.0[1],
                mask.0[2],
                mask.1[0],
                mask.1[1],
                mask.1[2],
                image.0[0],
                image.0[1],
                image.0[2],
                image.1[0],
                image.1[1],
                image.1[2]
            ),
            ExtractError::NoSuchLabel { label: 0, present } => {
                write!(f, "label 0 is the background, not a region; choose one of the mask's labels {present:?}")
            }
            ExtractError::NoSuchLabel { label, present } if present.is_empty() => {
                write!(f, "the mask has no region (every voxel is 0), so label {label} is empty; draw or load a non-empty mask")
            }
            ExtractError::NoSuchLabel { label, present } => {
                write!(f, "the mask has no voxel with label {label}; its labels are {present:?}")
            }
            ExtractError::EmptyRoi { stage } => write!(
                f,
                "the region of interest is empty {stage}; check the mask, or widen the re-segmentation range or the partial-volume threshold"
            ),
            ExtractError::NonFiniteIntensity { voxel, stage } => write!(
                f,
                "voxel ({}, {}, {}) of the ROI has a NaN or infinite intensity {stage}; fix the image or leave those voxels out of the mask",
                voxel[0], voxel[1], voxel[2]
            ),
            ExtractError::Processing(e) => write!(f, "the image processing failed: {e}"),
            ExtractError::Features(e) => write!(f, "{e}"),
            ExtractError::Cancelled => write!(f, "feature extraction was cancelled"),
        }
    }
}

impl std::error::Error for ExtractError {}

impl From<FeatureError> for ExtractError {
    fn from(e: FeatureError) -> Self {
        match e {
            FeatureError::Cancelled => ExtractError::Cancelled,
            FeatureError::EmptyRoi => ExtractError::EmptyRoi { stage: "for feature computation" },
            e => ExtractError::Features(e),
        }
    }
}

/// The masks and intensities after image processing, before discretisation.
#[derive(Debug, Clone, PartialEq)]
pub struct Processed {
    /// The processed image (rounded, resampled).
    pub image: Volume,
    /// The morphological mask (the ROI after resampling), 0/1.
    pub morphological: LabelMap,
    /// The intensity mask (after re-segmentation), 0/1.
    pub intensity: LabelMap,
}

fn coords(dims: [usize; 3], i: usize) -> [usize; 3] {
    [i % dims[0], (i / dims[0]) % dims[1], i / (dims[0] * dims[1])]
}

fn check_finite(image: &Volume, mask: &LabelMap, stage: &'static str) -> Result<(), ExtractError> {
    match image.data.iter().zip(&mask.data).position(|(v, &m)| m != 0 && !v.is_finite()) {
        Some(i) => Err(ExtractError::NonFiniteIntensity { voxel: coords(image.geometry.dims, i), stage }),
        None => Ok(()),
    }
}

/// The voxels of a (possibly resampled) grid that feature extraction needs around an ROI whose bounding box on the
/// original grid is `bbox`: new voxel `k` sits at original coordinate `start + step k` (`[0; 3]` and `[1; 3]` without
/// resampling). The box covers the ROI plus a few original voxels (the reach of mask interpolation, whose fraction
/// decays within 2 voxels for every kernel) plus the radius of the local-intensity sphere and one voxel (voxels
/// outside the ROI count for the intensity peak; the mesh needs a border). Features computed in the box equal those
/// on the whole grid: every family only looks at ROI voxels and their neighbours within that reach.
fn roi_box(bbox: VoxelBox, start: [f64; 3], step: [f64; 3], spacing: [f64; 3], dims: [usize; 3]) -> VoxelBox {
    const MASK_REACH: f64 = 6.0;
    let resampled = step != [1.0; 3] || start != [0.0; 3];
    [0, 1, 2].map(|a| {
        let reach = if resampled { MASK_REACH } else { 0.0 };
        let pad = (crate::radiomics::features::local_radius_mm() / spacing[a]).ceil() + 1.0;
        let lo = ((bbox[a][0] as f64 - reach - start[a]) / step[a]).floor() - pad;
        let hi = ((bbox[a][1] as f64 + reach - start[a]) / step[a]).ceil() + pad;
        let last = dims[a].saturating_sub(1) as f64;
        let (lo, hi) = (lo.clamp(0.0, last), hi.clamp(0.0, last));
        [lo as usize, (hi as usize).max(lo as usize)]
    })
}

/// Runs the image-processing steps of `cfg` (rounding, resampling, re-segmentation) on the ROI `label` of `mask`.
pub fn process(image: &Volume, mask: &LabelMap, label: u8, cfg: &ValidConfig) -> Result<Processed, ExtractError> {
    image.geometry.validate().map_err(ExtractError::BadImage)?;
    if image.data.len() != image.geometry.len() {
        return Err(ExtractError::BadImage(format!("it holds {} values for {} voxels", image.data.len(), image.geometry.len())));
    }
    mask.geometry.validate().map_err(ExtractError::BadMask)?;
    if mask.data.len() != mask.geometry.len() {
        return Err(ExtractError::BadMask(format!("it holds {} values for {} voxels", mask.data.len(), mask.geometry.len())));
    }
    // A hundredth of a voxel is well below any registration error, and above the rounding of float headers.
    let tol = 0.01 * image.geometry.spacing.iter().copied().fold(f64::INFINITY, f64::min);
    if !image.geometry.approx_eq(&mask.geometry, tol) {
        return Err(ExtractError::MaskGridMismatch {
            image: (image.geometry.dims, image.geometry.spacing),
            mask: (mask.geometry.dims, mask.geometry.spacing),
        });
    }
    // One pass over the mask, row by row: the labels present, the ROI's bounding box and the finiteness of its
    // intensities. Rows of background only (most of a CT) are recognised with a vectorised OR and skipped.
    let g = &image.geometry;
    let [nx, ny, _] = g.dims;
    let mut present = [false; 256];
    let mut bbox = [[usize::MAX, 0]; 3];
    for (r, (row, values)) in mask.data.chunks_exact(nx).zip(image.data.chunks_exact(nx)).enumerate() {
        if row.iter().fold(0u8, |a, &l| a | l) == 0 {
            continue;
        }
        row.iter().for_each(|&l| present[l as usize] = true);
        if label == 0 {
            continue;
        }
        let (Some(first), Some(last)) = (row.iter().position(|&l| l == label), row.iter().rposition(|&l| l == label)) else {
            continue;
        };
        let (y, z) = (r % ny, r / ny);
        for (a, (lo, hi)) in [(first, last), (y, y), (z, z)].into_iter().enumerate() {
            bbox[a] = [bbox[a][0].min(lo), bbox[a][1].max(hi)];
        }
        if let Some(x) = (first..=last).find(|&x| row[x] == label && !values[x].is_finite()) {
            return Err(ExtractError::NonFiniteIntensity { voxel: [x, y, z], stage: "in the image" });
        }
    }
    if label == 0 || !present[label as usize] {
        let present = (1..=255u8).filter(|&l| present[l as usize]).collect();
        return Err(ExtractError::NoSuchLabel { label, present });
    }
    let in_roi = |l: u8| u8::from(l == label);
    let names: Vec<(u8, String)> = mask.names.iter().filter(|n| n.0 == label).cloned().collect();
    let round = cfg.round_input();
    let rounded = |v: f32| if round { v.round() } else { v };
    let (img, morph) = match cfg.resampling() {
        None => {
            let bx = roi_box(bbox, [0.0; 3], [1.0; 3], g.spacing, g.dims);
            let geometry = box_geometry(g, bx);
            let img = Volume { geometry: geometry.clone(), data: crop(&image.data, g.dims, bx, rounded), meta: image.meta.clone() };
            let morph = LabelMap { geometry, data: crop(&mask.data, g.dims, bx, in_roi), names };
            (img, morph)
        }
        Some(r) => {
            let mut spacing = r.spacing;
            if cfg.dimensions() == Dimensions::TwoD || spacing[2] == 0.0 {
                spacing[2] = g.spacing[2];
            }
            let opts = LoadOptions::default();
            let (ng, start, step) = centred_grid(g, spacing).map_err(ExtractError::Processing)?;
            let bx = roi_box(bbox, start, step, spacing, ng.dims);
            let (geometry, mut data) =
                resample_region(&image.data, g, spacing, r.interpolation, Some(bx), &opts, rounded).map_err(ExtractError::Processing)?;
            if r.round {
                data.iter_mut().for_each(|x| *x = x.round());
            }
            let img = Volume { geometry, data, meta: image.meta.clone() };
            let (geometry, frac) = resample_region(&mask.data, g, spacing, r.mask_interpolation, Some(bx), &opts, |l| f32::from(in_roi(l)))
                .map_err(ExtractError::Processing)?;
            let morph = LabelMap { geometry, data: frac.iter().map(|&f| partial_volume(f, r.partial_volume)).collect(), names };
            if morph.count() == 0 {
                return Err(ExtractError::EmptyRoi {
                    stage: "after resampling (the ROI is smaller than the partial-volume threshold allows)",
                });
            }
            check_finite(&img, &morph, "after resampling (NaN voxels near the ROI spread during interpolation)")?;
            (img, morph)
        }
    };
    let (lo, hi) = cfg.range();
    let mut intensity = morph.clone();
    if lo.is_some() || hi.is_some() {
        intensity = resegment_range(&img, &intensity, lo.map(|v| v as f32), hi.map(|v| v as f32)).map_err(ExtractError::Processing)?;
        if intensity.count() == 0 {
            return Err(ExtractError::EmptyRoi { stage: "after re-segmentation to the intensity range" });
        }
    }
    if let Some(sd) = cfg.outliers_sd() {
        intensity = resegment_outliers(&img, &intensity, sd).map_err(ExtractError::Processing)?.0;
        if intensity.count() == 0 {
            return Err(ExtractError::EmptyRoi { stage: "after outlier re-segmentation" });
        }
    }
    Ok(Processed { image: img, morphological: morph, intensity })
}

/// Whether a texture aggregation belongs to 2D (2D and 2.5D) or 3D processing; `None` for other families.
fn aggregation_dimensions(code: &str) -> Option<Dimensions> {
    if [AGG_2D_AVERAGED, AGG_2D_SLICE_MERGED, AGG_25D_DIRECTION_MERGED, AGG_25D_MERGED, AGG_2D, AGG_25D].contains(&code) {
        Some(Dimensions::TwoD)
    } else if [AGG_3D_AVERAGED, AGG_3D_MERGED, AGG_3D].contains(&code) {
        Some(Dimensions::ThreeD)
    } else {
        None
    }
}

fn levels(values: &[f32], mask: &[u8], method: Discretisation) -> Result<(Vec<u32>, Option<u32>), ExtractError> {
    let d = discretise(values, mask, method).map_err(ExtractError::Processing)?;
    // A fixed bin number declares its levels (bins that stay empty count); a fixed bin size goes up to the highest
    // level present.
    let declared = match method {
        Discretisation::FixedBinNumber(n) => Some(n.get()),
        Discretisation::FixedBinSize { .. } => None,
    };
    Ok((d.levels, declared))
}

/// Extracts the IBSI features of ROI `label` of `mask` on `image` with configuration `cfg`.
///
/// `progress` is called between feature families (see [`compute`]); returning `ControlFlow::Break` cancels with
/// [`ExtractError::Cancelled`]. Texture aggregations are those of the configuration's dimensions (2D and 2.5D, or
/// 3D) unless it asks for all. A discretisation that leaves a single grey level is not an error: features follow
/// the IBSI conventions for it, or are `NaN` where the manual leaves them undefined.
pub fn extract(
    image: &Volume,
    mask: &LabelMap,
    label: u8,
    cfg: &ValidConfig,
    progress: &mut dyn FnMut(Progress) -> ControlFlow<()>,
) -> Result<Vec<FeatureValue>, ExtractError> {
    extract_with(image, mask, label, cfg, |input, settings| compute(input, settings, progress))
}

/// [`extract`] with the feature families computed on several threads (feature `parallel`, native builds): the
/// same values, without progress reports or cancellation. The command line uses it for a single case.
#[cfg(feature = "parallel")]
pub fn extract_parallel(image: &Volume, mask: &LabelMap, label: u8, cfg: &ValidConfig) -> Result<Vec<FeatureValue>, ExtractError> {
    extract_with(image, mask, label, cfg, crate::radiomics::features::compute_parallel)
}

fn extract_with(
    image: &Volume,
    mask: &LabelMap,
    label: u8,
    cfg: &ValidConfig,
    run: impl FnOnce(&FeatureInput<'_>, &ValidSettings) -> Result<Vec<FeatureValue>, FeatureError>,
) -> Result<Vec<FeatureValue>, ExtractError> {
    let p = process(image, mask, label, cfg)?;
    let (texture, texture_n) = levels(&p.image.data, &p.intensity.data, cfg.texture_discretisation())?;
    let histogram = if cfg.histogram_discretisation() == cfg.texture_discretisation() {
        None
    } else {
        Some(levels(&p.image.data, &p.intensity.data, cfg.histogram_discretisation())?)
    };
    let (histogram_levels, histogram_n) = match &histogram {
        Some((l, n)) => (l.as_slice(), *n),
        None => (texture.as_slice(), texture_n),
    };
    let (ivh, ivh_lower) = cfg.ivh();
    let (lo, hi) = cfg.range();
    let range = match (ivh_lower.or(lo), hi) {
        (None, None) => None,
        (l, h) => Some((l.unwrap_or(f64::NEG_INFINITY), h.unwrap_or(f64::INFINITY))),
    };
    let settings = FeatureSettings {
        families: cfg.families().to_vec(),
        texture_levels: texture_n,
        histogram_levels: histogram_n,
        ivh: IvhSettings { discretisation: ivh, range },
        distance: cfg.distance(),
        ngldm_alpha: cfg.ngldm_coarseness(),
        aggregations: match (cfg.all_aggregations(), cfg.dimensions()) {
            (true, _) => Aggregations::All,
            (false, Dimensions::TwoD) => Aggregations::Slices,
            (false, Dimensions::ThreeD) => Aggregations::Volume,
        },
    }
    .check()?;
    let morph: Vec<bool> = p.morphological.data.iter().map(|&m| m != 0).collect();
    let int: Vec<bool> = p.intensity.data.iter().map(|&m| m != 0).collect();
    let g: &Geometry = &p.image.geometry;
    let input = FeatureInput {
        dims: g.dims,
        spacing: g.spacing,
        intensities: &p.image.data,
        morphological_mask: &morph,
        intensity_mask: &int,
        texture_levels: &texture,
        histogram_levels,
    };
    let mut values = run(&input, &settings)?;
    if !cfg.all_aggregations() {
        let dims = cfg.dimensions();
        values.retain(|v| v.aggregation_code.and_then(aggregation_dimensions).is_none_or(|d| d == dims));
    }
    Ok(values)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Test code: a panic is a failed test.
mod tests {
    use super::*;
    use crate::radiomics::config::FeatureConfig;
    use crate::radiomics::preprocess::BinCount;

    fn go() -> impl FnMut(Progress) -> ControlFlow<()> {
        |_| ControlFlow::Continue(())
    }

    fn cube(n: usize) -> (Volume, LabelMap) {
        let g = Geometry::new([n, n, n], [1.0, 1.0, 2.0]);
        let data = (0..n * n * n).map(|i| ((i * 7919) % 101) as f32 - 50.0).collect();
        let mut mask = vec![0u8; n * n * n];
        for z in 1..n - 1 {
            for y in 1..n - 1 {
                for x in 1..n - 1 {
                    mask[x + n * (y + n * z)] = 1;
                }
            }
        }
        (Volume::new(g.clone(), data).unwrap(), LabelMap::new(g, mask).unwrap())
    }

    fn cfg(name: &str) -> ValidConfig {
        FeatureConfig::builtin(name).unwrap().check().unwrap()
    }

    fn value(values: &[FeatureValue], code: &str, agg: Option<&str>) -> f64 {
        values.iter().find(|v| v.feature_code == code && v.aggregation_code == agg).map_or(f64::NAN, |v| v.value)
    }

    #[test]
    fn every_builtin_runs_and_filters_aggregations() {
        let (image, mask) = cube(8);
        for name in crate::radiomics::config::BUILTINS.iter().map(|b| b.name) {
            let values = extract(&image, &mask, 1, &cfg(name), &mut go()).unwrap_or_else(|e| panic!("{name}: {e}"));
            let aggs: Vec<&str> = values.iter().filter_map(|v| v.aggregation_code).collect();
            let two_d = aggs.iter().any(|a| aggregation_dimensions(a) == Some(Dimensions::TwoD));
            let three_d = aggs.iter().any(|a| aggregation_dimensions(a) == Some(Dimensions::ThreeD));
            match name {
                "ibsi-A" | "ibsi-B" => assert!(two_d && !three_d, "{name}"),
                "digital-phantom" => assert!(two_d && three_d, "{name}"),
                _ => assert!(!two_d && three_d, "{name}"),
            }
        }
        // Resampling 1 x 1 x 2 mm to 2 mm in 2D keeps the slices and halves the rows and columns.
        let p = process(&image, &mask, 1, &cfg("ibsi-B")).unwrap();
        assert_eq!(p.image.geometry.dims, [4, 4, 8]);
        let p = process(&image, &mask, 1, &cfg("ibsi-E")).unwrap();
        assert_eq!(p.image.geometry.dims, [4, 4, 8]);
    }

    #[test]
    fn extract_matches_compute_on_the_same_input() {
        // With no processing, extract is compute on the ROI with the discretised levels.
        let (image, mask) = cube(6);
        let c = cfg("default");
        let values = extract(&image, &mask, 1, &c, &mut go()).unwrap();
        let roi: Vec<bool> = mask.data.iter().map(|&m| m != 0).collect();
        let d = discretise(&image.data, &mask.data, Discretisation::FixedBinNumber(BinCount::new(32, BinCount::MAX).unwrap())).unwrap();
        let input = FeatureInput::new(image.geometry.dims, image.geometry.spacing, &image.data, &roi, &d.levels);
        let settings = FeatureSettings {
            texture_levels: Some(32),
            histogram_levels: Some(32),
            ivh: IvhSettings { discretisation: crate::radiomics::features::IvhDiscretisation::FixedBinNumber { bins: 1000 }, range: None },
            ..FeatureSettings::default()
        };
        let direct = compute(&input, &settings.check().unwrap(), &mut go()).unwrap();
        let direct: Vec<_> = direct
            .into_iter()
            .filter(|v| v.aggregation_code.is_none_or(|a| aggregation_dimensions(a) == Some(Dimensions::ThreeD)))
            .collect();
        assert_eq!(values.len(), direct.len());
        for (a, b) in values.iter().zip(&direct) {
            assert_eq!((a.feature_code, a.aggregation_code), (b.feature_code, b.aggregation_code));
            assert!(a.value == b.value || (a.value.is_nan() && b.value.is_nan()), "{} {}", a.feature_code, a.value);
        }
    }

    #[test]
    fn texture_families_compute_only_the_aggregations_asked_for() {
        let (image, mask) = cube(6);
        let roi: Vec<bool> = mask.data.iter().map(|&m| m != 0).collect();
        let d = discretise(&image.data, &mask.data, Discretisation::FixedBinNumber(BinCount::new(8, BinCount::MAX).unwrap())).unwrap();
        let input = FeatureInput::new(image.geometry.dims, image.geometry.spacing, &image.data, &roi, &d.levels);
        let run = |aggregations| {
            let settings = FeatureSettings { aggregations, ..FeatureSettings::default() }.check().unwrap();
            let values = compute(&input, &settings, &mut go()).unwrap();
            values.iter().filter_map(|v| v.aggregation_code.and_then(aggregation_dimensions)).collect::<Vec<_>>()
        };
        let (all, slices, volume) = (run(Aggregations::All), run(Aggregations::Slices), run(Aggregations::Volume));
        assert!(all.contains(&Dimensions::TwoD) && all.contains(&Dimensions::ThreeD));
        assert!(!slices.is_empty() && slices.iter().all(|&d| d == Dimensions::TwoD));
        assert!(!volume.is_empty() && volume.iter().all(|&d| d == Dimensions::ThreeD));
        assert_eq!(slices.len() + volume.len(), all.len());
    }

    #[test]
    fn empty_roi_and_labels() {
        let (image, mask) = cube(5);
        let c = cfg("default");
        let empty = LabelMap::empty(image.geometry.clone());
        let e = extract(&image, &empty, 1, &c, &mut go()).unwrap_err();
        assert_eq!(e, ExtractError::NoSuchLabel { label: 1, present: vec![] });
        assert!(e.to_string().contains("no region"), "{e}");
        let e = extract(&image, &mask, 2, &c, &mut go()).unwrap_err();
        assert_eq!(e, ExtractError::NoSuchLabel { label: 2, present: vec![1] });
        let e = extract(&image, &mask, 0, &c, &mut go()).unwrap_err();
        assert!(e.to_string().contains("background"), "{e}");
        // Re-segmentation that removes everything.
        let cfg_text =
            "dimensions = \"3D\"\n[resegmentation]\nmin = 1000\n[discretisation.texture]\nmethod = \"fixed_bin_number\"\nbins = 8\n";
        let c = FeatureConfig::from_toml(cfg_text).unwrap().check().unwrap();
        let e = extract(&image, &mask, 1, &c, &mut go()).unwrap_err();
        assert_eq!(e, ExtractError::EmptyRoi { stage: "after re-segmentation to the intensity range" });
        // A one-voxel ROI that a coarse resampling with a high threshold loses.
        let mut one = LabelMap::empty(image.geometry.clone());
        one.data[1 + 5 * (1 + 5 * 2)] = 1;
        let cfg_text = "dimensions = \"3D\"\n[resampling]\nspacing = [4, 4, 4]\ninterpolation = \"linear\"\npartial_volume = 0.9\n[discretisation.texture]\nmethod = \"fixed_bin_number\"\nbins = 8\n";
        let c = FeatureConfig::from_toml(cfg_text).unwrap().check().unwrap();
        let e = extract(&image, &one, 1, &c, &mut go()).unwrap_err();
        assert!(matches!(e, ExtractError::EmptyRoi { .. }), "{e}");
    }

    #[test]
    fn mask_on_another_grid_is_refused() {
        let (image, _) = cube(5);
        let other = LabelMap::new(Geometry::new([5, 5, 4], [1.0, 1.0, 2.0]), vec![1; 100]).unwrap();
        let e = extract(&image, &other, 1, &cfg("default"), &mut go()).unwrap_err();
        assert!(matches!(e, ExtractError::MaskGridMismatch { .. }));
        assert!(e.to_string().contains("not on the image's grid"), "{e}");
        let mut shifted = LabelMap::new(image.geometry.clone(), vec![1; 125]).unwrap();
        shifted.geometry.origin[0] += 0.5;
        assert!(matches!(extract(&image, &shifted, 1, &cfg("default"), &mut go()), Err(ExtractError::MaskGridMismatch { .. })));
        let mut spaced = LabelMap::new(image.geometry.clone(), vec![1; 125]).unwrap();
        spaced.geometry.spacing[2] = 3.0;
        assert!(matches!(extract(&image, &spaced, 1, &cfg("default"), &mut go()), Err(ExtractError::MaskGridMismatch { .. })));
    }

    #[test]
    fn nan_intensities_are_refused_with_the_voxel() {
        let (mut image, mask) = cube(5);
        image.data[2 + 5 * (3 + 5)] = f32::NAN; // voxel (2, 3, 1)
        let e = extract(&image, &mask, 1, &cfg("default"), &mut go()).unwrap_err();
        assert_eq!(e, ExtractError::NonFiniteIntensity { voxel: [2, 3, 1], stage: "in the image" });
        // Outside the ROI a NaN is harmless without resampling ...
        let (mut image, mask) = cube(5);
        image.data[0] = f32::NAN;
        assert!(extract(&image, &mask, 1, &cfg("default"), &mut go()).is_ok());
        // ... but interpolation spreads it into the ROI.
        let e = extract(&image, &mask, 1, &cfg("ibsi-E"), &mut go()).unwrap_err();
        assert!(matches!(e, ExtractError::NonFiniteIntensity { stage, .. } if stage.starts_with("after resampling")), "{e}");
    }

    #[test]
    fn zero_or_negative_spacing_is_refused() {
        let (mut image, mask) = cube(5);
        image.geometry.spacing[1] = 0.0;
        let e = extract(&image, &mask, 1, &cfg("default"), &mut go()).unwrap_err();
        assert!(matches!(e, ExtractError::BadImage(_)) && e.to_string().contains("spacing"), "{e}");
        let (image, mut mask) = cube(5);
        mask.geometry.spacing[0] = -1.0;
        let e = extract(&image, &mask, 1, &cfg("default"), &mut go()).unwrap_err();
        assert!(matches!(e, ExtractError::BadMask(_)), "{e}");
        let (mut image, mask) = cube(5);
        image.data.pop();
        assert!(matches!(extract(&image, &mask, 1, &cfg("default"), &mut go()), Err(ExtractError::BadImage(_))));
    }

    #[test]
    fn one_grey_level_gives_ibsi_values_not_errors() {
        // A flat ROI: fixed bin number gives one bin; fixed bin size too.
        let g = Geometry::new([4, 4, 3], [1.0; 3]);
        let image = Volume::new(g.clone(), vec![42.0; 48]).unwrap();
        let mask = LabelMap::new(g, vec![1; 48]).unwrap();
        for name in ["default", "ibsi-A", "ibsi-C"] {
            let values = extract(&image, &mask, 1, &cfg(name), &mut go()).unwrap_or_else(|e| panic!("{name}: {e}"));
            let agg = if name == "ibsi-A" { "8QNN" } else { "KOBO" };
            // NGTDM coarseness of a single grey level is 10^6 by convention (IBSI 3.10).
            assert_eq!(value(&values, "QCDE", Some(agg)), 1e6, "{name}");
            assert_eq!(value(&values, "Q4LE", None), 42.0, "{name}: mean");
            assert_eq!(value(&values, "ECT3", None), 0.0, "{name}: variance");
        }
    }

    #[test]
    fn cancelling_stops_extraction() {
        let (image, mask) = cube(5);
        let e = extract(&image, &mask, 1, &cfg("default"), &mut |p| {
            if p.done >= 2 {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        });
        assert_eq!(e, Err(ExtractError::Cancelled));
    }
}
