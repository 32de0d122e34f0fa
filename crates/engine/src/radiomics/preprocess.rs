//! Image processing as defined by the IBSI (reference manual, chapter 2, "Image processing"): interpolation to a
//! new spacing on a grid aligned on the original grid's centre, ROI mask interpolation with a partial-volume
//! threshold, re-segmentation (range and outliers) and intensity discretisation (fixed bin number and size).
//!
//! Hand-written: these are the definitions the course teaches, step by step, and each one is a few lines that must
//! follow the manual exactly (grid alignment, boundary padding, the lowest bin being 1); no crate implements the
//! IBSI conventions.

use crate::image::volume::{Geometry, LabelMap, Volume};
use crate::io::error::{LoadError, LoadOptions};

/// Why a processing step could not run: its own error, so that a bad setting or an empty ROI is not reported as a
/// damaged file.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum PreprocessError {
    /// A setting out of its range; the message names it and its value.
    Setting(String),
    /// An image or a mask whose data does not match its grid, or a box outside it.
    Grid(String),
    /// No voxel is in the ROI.
    EmptyRoi,
    /// The ROI holds NaN or infinite intensities.
    NonFinite,
    /// The result would not fit in the memory budget: the budget check's own error.
    Budget(LoadError),
}

impl std::fmt::Display for PreprocessError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PreprocessError::Setting(m) | PreprocessError::Grid(m) => f.write_str(m),
            PreprocessError::EmptyRoi => f.write_str("the ROI is empty"),
            PreprocessError::NonFinite => f.write_str("the ROI holds NaN or infinite intensities"),
            PreprocessError::Budget(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for PreprocessError {}

impl From<LoadError> for PreprocessError {
    fn from(e: LoadError) -> Self {
        PreprocessError::Budget(e)
    }
}

/// A number of bins for fixed-bin-number discretisation: 1 to [`BinCount::MAX`], checked once when made, so that
/// discretisation and the feature families take it as it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BinCount(u32);

impl BinCount {
    /// The most bins accepted (the IBSI recommends 1000 for an IVH of arbitrary units).
    pub const MAX: u32 = 100_000;

    /// `n` bins, if `n` is from 1 to `cap` (at most [`BinCount::MAX`]); the error gives the range.
    pub fn new(n: i64, cap: u32) -> Result<Self, PreprocessError> {
        let cap = cap.min(Self::MAX);
        if (1..=i64::from(cap)).contains(&n) {
            Ok(BinCount(n as u32))
        } else {
            Err(PreprocessError::Setting(format!("should be between 1 and {cap}, but is {n}")))
        }
    }

    /// The number of bins.
    pub fn get(self) -> u32 {
        self.0
    }
}

/// A bin width for fixed-bin-size discretisation: finite and positive, checked once when made.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BinWidth(f64);

impl BinWidth {
    /// `w`, if it is finite and positive.
    pub fn new(w: f64) -> Result<Self, PreprocessError> {
        if w.is_finite() && w > 0.0 {
            Ok(BinWidth(w))
        } else {
            Err(PreprocessError::Setting(format!("should be positive, but is {w}")))
        }
    }

    /// The width, in intensity units.
    pub fn get(self) -> f64 {
        self.0
    }
}

/// Interpolation of image intensities.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interpolation {
    /// Nearest neighbour.
    Nearest,
    /// (Tri)linear.
    Linear,
    /// Tricubic convolution (Keys' kernel, a = -0.5).
    Cubic,
    /// Tricubic B-spline with prefiltering (IBSI "tricubic spline"); see [`crate::image::spline`].
    CubicSpline,
}

/// The interpolation grid for a new spacing, aligned on the centre of the original grid (IBSI "align grid
/// centers", 3WE3): `n_b = ceil(n_a s_a / s_b)` voxels per axis, the first at grid coordinate
/// `(n_a - 1 - (s_b / s_a)(n_b - 1)) / 2`. Returns the new geometry and, per axis, the original-grid coordinate of
/// the first new voxel and the step between new voxels (in original voxels).
pub fn centred_grid(g: &Geometry, spacing: [f64; 3]) -> Result<(Geometry, [f64; 3], [f64; 3]), PreprocessError> {
    let mut dims = [0usize; 3];
    let mut start = [0.0; 3];
    let mut step = [0.0; 3];
    for a in 0..3 {
        let s_b = spacing[a];
        if !(s_b.is_finite() && s_b > 0.0) {
            return Err(PreprocessError::Setting(format!("the new spacing must be positive, but is {s_b} mm along axis {a}")));
        }
        let n_a = g.dims[a] as f64;
        // A tiny tolerance keeps exact ratios (60 x 3 / 2 = 90) from rounding up because of floating point.
        let n_b = (n_a * g.spacing[a] / s_b - 1e-9).ceil().max(1.0);
        if n_b > 1e7 {
            return Err(PreprocessError::Budget(LoadError::TooLarge { what: format!("resampling to {s_b} mm"), claimed: None, budget: 0 }));
        }
        dims[a] = n_b as usize;
        step[a] = s_b / g.spacing[a];
        start[a] = 0.5 * (n_a - 1.0 - step[a] * (n_b - 1.0));
    }
    let origin = g.voxel_to_world(start);
    Ok((Geometry { dims, spacing, origin, direction: g.direction }, start, step))
}

/// Keys' cubic convolution kernel with a = -0.5.
fn cubic(t: f64) -> f64 {
    let t = t.abs();
    let a = -0.5;
    if t <= 1.0 {
        (a + 2.0) * t * t * t - (a + 3.0) * t * t + 1.0
    } else if t < 2.0 {
        a * t * t * t - 5.0 * a * t * t + 8.0 * a * t - 4.0 * a
    } else {
        0.0
    }
}

/// Source indices and weights of the new voxel at coordinate `x` (in source voxels) along an axis of `n_src`
/// voxels; indices outside the grid are clamped to the edge, which pads the image with its boundary intensities as
/// the IBSI recommends.
fn weights_at(n_src: usize, x: f64, interp: Interpolation) -> Vec<(usize, f64)> {
    let last = n_src.saturating_sub(1) as i64;
    let clamp = |i: i64| i.clamp(0, last) as usize;
    match interp {
        Interpolation::Nearest => vec![(clamp((x + 0.5).floor() as i64), 1.0)],
        Interpolation::Linear => {
            let f = x.floor();
            let t = x - f;
            vec![(clamp(f as i64), 1.0 - t), (clamp(f as i64 + 1), t)]
        }
        Interpolation::Cubic => {
            let f = x.floor();
            let t = x - f;
            (-1..=2).map(|d| (clamp(f as i64 + d), cubic(t - d as f64))).collect()
        }
        Interpolation::CubicSpline => crate::image::spline::weights(n_src, x),
    }
}

/// Separable resampling of `data` (x fastest) from `src` dims to `dst` dims.
fn resample_data(data: &[f32], src: [usize; 3], dst: [usize; 3], w: &AxisWeights) -> Vec<f32> {
    // Pass along x: [dst x, src y, src z].
    let mut a = vec![0f32; dst[0] * src[1] * src[2]];
    for z in 0..src[2] {
        for y in 0..src[1] {
            let row = &data[(z * src[1] + y) * src[0]..][..src[0]];
            let out = &mut a[(z * src[1] + y) * dst[0]..][..dst[0]];
            for (o, ws) in out.iter_mut().zip(&w[0]) {
                *o = ws.iter().map(|&(i, wt)| f64::from(row[i]) * wt).sum::<f64>() as f32;
            }
        }
    }
    // Pass along y: [dst x, dst y, src z]. Whole rows are weighted and summed (in f64, tap after tap, as the x
    // pass sums each voxel), a loop the compiler vectorises.
    let mut acc = vec![0f64; dst[0] * dst[1].max(1)];
    let mut b = vec![0f32; dst[0] * dst[1] * src[2]];
    for z in 0..src[2] {
        for (y, ws) in w[1].iter().enumerate() {
            let sum = &mut acc[..dst[0]];
            sum.fill(0.0);
            for &(i, wt) in ws {
                let row = &a[(z * src[1] + i) * dst[0]..][..dst[0]];
                sum.iter_mut().zip(row).for_each(|(s, &v)| *s += f64::from(v) * wt);
            }
            let out = &mut b[(z * dst[1] + y) * dst[0]..][..dst[0]];
            out.iter_mut().zip(sum.iter()).for_each(|(o, &s)| *o = s as f32);
        }
    }
    // Pass along z, plane by plane in the same way.
    let plane = dst[0] * dst[1];
    let mut c = vec![0f32; plane * dst[2]];
    let sum = &mut acc[..plane];
    for (z, ws) in w[2].iter().enumerate() {
        sum.fill(0.0);
        for &(i, wt) in ws {
            let src_plane = &b[i * plane..][..plane];
            sum.iter_mut().zip(src_plane).for_each(|(s, &v)| *s += f64::from(v) * wt);
        }
        c[z * plane..][..plane].iter_mut().zip(sum.iter()).for_each(|(o, &s)| *o = s as f32);
    }
    c
}

/// Per axis, per new position: source indices and weights.
type AxisWeights = [Vec<Vec<(usize, f64)>>; 3];

/// A box of voxels: per axis, the first and the last index (inclusive).
pub type VoxelBox = [[usize; 2]; 3];

/// The whole grid as a [`VoxelBox`].
pub fn full_box(dims: [usize; 3]) -> VoxelBox {
    dims.map(|n| [0, n.saturating_sub(1)])
}

/// The geometry of the voxels of `bx`, a box inside `g`: same spacing and direction, origin moved to its first voxel.
pub fn box_geometry(g: &Geometry, bx: VoxelBox) -> Geometry {
    Geometry {
        dims: bx.map(|[lo, hi]| hi + 1 - lo),
        spacing: g.spacing,
        origin: g.voxel_to_world(bx.map(|[lo, _]| lo as f64)),
        direction: g.direction,
    }
}

/// The values of the voxels of `bx` (inside `dims`), x fastest, each mapped by `value`.
pub fn crop<T: Copy, U>(data: &[T], dims: [usize; 3], bx: VoxelBox, value: impl Fn(T) -> U) -> Vec<U> {
    let [[x0, x1], [y0, y1], [z0, z1]] = bx;
    let mut out = Vec::with_capacity((x1 + 1 - x0) * (y1 + 1 - y0) * (z1 + 1 - z0));
    for z in z0..=z1 {
        for y in y0..=y1 {
            let row = (z * dims[1] + y) * dims[0];
            out.extend(data[row + x0..=row + x1].iter().map(|&v| value(v)));
        }
    }
    out
}

/// How far (in source voxels) past the voxels a spline weight touches the source is kept before prefiltering: the
/// prefilter's boundary effect decays as 0.268^k, below 1e-17 after 30 voxels, so a cropped source gives the same
/// coefficients as the whole image where they are used.
const SPLINE_MARGIN: usize = 30;

/// Resamples the values of `data` (on grid `g`, mapped by `value`) to `spacing` on the IBSI centred grid, computing
/// only the new voxels in `out` (the whole new grid when `None`) from only the source voxels they need. Returns the
/// geometry of the computed box and its values.
///
/// Working on a box is what keeps feature extraction proportional to the ROI rather than to the scan: a GTV in a
/// 512 x 512 x 60 CT resampled to 1 mm needs a few hundred thousand new voxels, not 47 million.
pub fn resample_region<T: Copy>(
    data: &[T],
    g: &Geometry,
    spacing: [f64; 3],
    interp: Interpolation,
    out: Option<VoxelBox>,
    opts: &LoadOptions,
    value: impl Fn(T) -> f32,
) -> Result<(Geometry, Vec<f32>), PreprocessError> {
    if data.len() != g.len() || g.is_empty() {
        return Err(PreprocessError::Grid("the image's data does not match its grid".into()));
    }
    let (ng, start, step) = centred_grid(g, spacing)?;
    let out = out.unwrap_or_else(|| full_box(ng.dims));
    if (0..3).any(|a| out[a][0] > out[a][1] || out[a][1] >= ng.dims[a]) {
        return Err(PreprocessError::Grid(format!("the box {out:?} is not inside the resampled grid {:?}", ng.dims)));
    }
    let odims = out.map(|[lo, hi]| hi + 1 - lo);
    let mut w: AxisWeights =
        [0, 1, 2].map(|a| (out[a][0]..=out[a][1]).map(|k| weights_at(g.dims[a], start[a] + step[a] * k as f64, interp)).collect());
    // The source voxels the weights touch (plus the spline margin), and the weights re-indexed into that box.
    let margin = if interp == Interpolation::CubicSpline { SPLINE_MARGIN } else { 0 };
    let mut src = [[0usize; 2]; 3];
    for a in 0..3 {
        let idx = w[a].iter().flatten().map(|&(i, _)| i);
        let lo = idx.clone().min().unwrap_or(0).saturating_sub(margin);
        let hi = (idx.max().unwrap_or(0) + margin).min(g.dims[a] - 1);
        src[a] = [lo, hi];
        w[a].iter_mut().flatten().for_each(|(i, _)| *i -= lo);
    }
    let sdims = src.map(|[lo, hi]| hi + 1 - lo);
    // Intermediate passes hold at most three arrays of the larger of the two boxes.
    opts.check_voxels([0, 1, 2].map(|a| odims[a].max(sdims[a]) as u64), 8, "the resampled image")?;
    let mut values = crop(data, g.dims, src, value);
    if interp == Interpolation::CubicSpline {
        values = crate::image::spline::prefilter(&values, sdims);
    }
    let data = resample_data(&values, sdims, odims, &w);
    Ok((box_geometry(&ng, out), data))
}

/// Resamples an image to `spacing` (mm) on the IBSI centred grid. With `round`, intensities are rounded to the
/// nearest integer afterwards (IBSI 68QD, e.g. for CT in HU). For 2D (in-plane) interpolation, pass the original
/// slice spacing as the third spacing.
pub fn resample_image(
    v: &Volume,
    spacing: [f64; 3],
    interp: Interpolation,
    round: bool,
    opts: &LoadOptions,
) -> Result<Volume, PreprocessError> {
    let (geometry, mut data) = resample_region(&v.data, &v.geometry, spacing, interp, None, opts, |x| x)?;
    if round {
        data.iter_mut().for_each(|x| *x = x.round());
    }
    Ok(Volume { geometry, data, meta: v.meta.clone() })
}

/// Whether an interpolated mask fraction keeps a voxel in the ROI: at least the partial-volume `threshold`,
/// compared in f64 with a little slack so that exact fractions (0.5) are not lost to f32 rounding.
pub fn partial_volume(fraction: f32, threshold: f64) -> u8 {
    u8::from(f64::from(fraction) >= threshold - 1e-6)
}

/// Resamples a mask to `spacing` on the same grid as [`resample_image`]: the 0/1 mask is interpolated and a new
/// voxel is in the ROI when the interpolated fraction is at least `threshold` (IBSI partial-volume threshold δ,
/// commonly 0.5). Non-zero labels all count as inside.
pub fn resample_mask(
    m: &LabelMap,
    spacing: [f64; 3],
    interp: Interpolation,
    threshold: f64,
    opts: &LoadOptions,
) -> Result<LabelMap, PreprocessError> {
    if m.data.len() != m.geometry.len() || m.geometry.is_empty() {
        return Err(PreprocessError::Grid("the mask's data does not match its grid".into()));
    }
    let (geometry, frac) = resample_region(&m.data, &m.geometry, spacing, interp, None, opts, |l| f32::from(u8::from(l != 0)))?;
    let data = frac.iter().map(|&f| partial_volume(f, threshold)).collect();
    Ok(LabelMap { geometry, data, names: m.names.clone() })
}

/// Re-segmentation by range (IBSI USB3): keeps the ROI voxels whose intensity lies in `[lo, hi]` (either bound may
/// be open). Returns the intensity mask; the morphological mask is the input.
pub fn resegment_range(image: &Volume, mask: &LabelMap, lo: Option<f32>, hi: Option<f32>) -> Result<LabelMap, PreprocessError> {
    same_grid(image, mask)?;
    let lo = lo.unwrap_or(f32::NEG_INFINITY);
    let hi = hi.unwrap_or(f32::INFINITY);
    let data = image.data.iter().zip(&mask.data).map(|(&v, &m)| u8::from(m != 0 && v >= lo && v <= hi)).collect();
    Ok(LabelMap { geometry: mask.geometry.clone(), data, names: mask.names.clone() })
}

/// Outlier re-segmentation (IBSI 7ACA): keeps ROI voxels within `mean ± n_sd · sd` of the ROI intensities
/// (population standard deviation; `n_sd` is 3 in the manual). Returns the intensity mask and the range used.
pub fn resegment_outliers(image: &Volume, mask: &LabelMap, n_sd: f64) -> Result<(LabelMap, (f64, f64)), PreprocessError> {
    same_grid(image, mask)?;
    let roi: Vec<f64> = image.data.iter().zip(&mask.data).filter(|(_, &m)| m != 0).map(|(&v, _)| f64::from(v)).collect();
    if roi.is_empty() {
        return Err(PreprocessError::EmptyRoi);
    }
    let n = roi.len() as f64;
    let mean = roi.iter().sum::<f64>() / n;
    let sd = (roi.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt();
    let (lo, hi) = (mean - n_sd * sd, mean + n_sd * sd);
    let data = image.data.iter().zip(&mask.data).map(|(&v, &m)| u8::from(m != 0 && f64::from(v) >= lo && f64::from(v) <= hi)).collect();
    Ok((LabelMap { geometry: mask.geometry.clone(), data, names: mask.names.clone() }, (lo, hi)))
}

fn same_grid(image: &Volume, mask: &LabelMap) -> Result<(), PreprocessError> {
    if image.data.len() != mask.data.len() || image.geometry.dims != mask.geometry.dims {
        return Err(PreprocessError::Grid(format!(
            "the mask ({:?} voxels) is not on the image's grid ({:?}); resample it to the image first",
            mask.geometry.dims, image.geometry.dims
        )));
    }
    Ok(())
}

/// Intensity discretisation methods (IBSI 4R0B).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Discretisation {
    /// Fixed bin number (K15C): `N_g` bins between the ROI's minimum and maximum.
    FixedBinNumber(BinCount),
    /// Fixed bin size (Q3RU): bins of `width` starting at `min`, which should be the lower bound of the
    /// re-segmentation range (a finite intensity); `None` uses the ROI minimum.
    FixedBinSize { width: BinWidth, min: Option<f64> },
}

/// Discretised grey levels: 1, 2, ... inside the ROI and 0 outside.
#[derive(Debug, Clone, PartialEq)]
pub struct Discretised {
    pub levels: Vec<u32>,
    /// Highest level that occurs.
    pub max_level: u32,
    /// Lower edge of bin 1 and the bin width, in intensity units.
    pub min: f64,
    pub width: f64,
}

/// Discretises the intensities of the ROI voxels. For a fixed bin size, intensities below `min` (which a
/// re-segmentation to the same lower bound removes) are put in bin 1.
pub fn discretise(values: &[f32], mask: &[u8], method: Discretisation) -> Result<Discretised, PreprocessError> {
    if values.len() != mask.len() {
        return Err(PreprocessError::Grid("the mask and the image have different numbers of voxels".into()));
    }
    let roi = || values.iter().zip(mask).filter(|(_, &m)| m != 0).map(|(&v, _)| f64::from(v));
    let (lo, hi) = roi().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if lo > hi {
        return Err(PreprocessError::EmptyRoi);
    }
    if !(lo.is_finite() && hi.is_finite()) {
        return Err(PreprocessError::NonFinite);
    }
    let (min, width, level): (f64, f64, Box<dyn Fn(f64) -> u32>) = match method {
        Discretisation::FixedBinNumber(ng) => {
            let ng = ng.get();
            let ngf = f64::from(ng);
            let range = hi - lo;
            let f = move |x: f64| {
                if range <= 0.0 || x >= hi {
                    if range <= 0.0 {
                        1
                    } else {
                        ng
                    }
                } else {
                    ((ngf * (x - lo) / range).floor() as u32 + 1).min(ng)
                }
            };
            (lo, range / ngf, Box::new(f))
        }
        Discretisation::FixedBinSize { width, min } => {
            let width = width.get();
            let m = min.unwrap_or(lo);
            if !m.is_finite() {
                return Err(PreprocessError::Setting("the lower bound of the bins must be finite".into()));
            }
            let f = move |x: f64| (((x - m) / width).floor().max(0.0) as u32).saturating_add(1);
            (m, width, Box::new(f))
        }
    };
    let levels: Vec<u32> = values.iter().zip(mask).map(|(&v, &m)| if m != 0 { level(f64::from(v)) } else { 0 }).collect();
    let max_level = levels.iter().copied().max().unwrap_or(0);
    Ok(Discretised { levels, max_level, min, width })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Test code: a panic is a failed test.
mod tests {
    use super::*;

    fn bins(n: i64) -> BinCount {
        BinCount::new(n, BinCount::MAX).unwrap()
    }

    #[test]
    fn centred_grid_matches_the_manual_example() {
        // IBSI: a 4x4 grid at 3 mm resampled to 2 mm gives 6x6, first point at grid coordinate
        // (4 - 1 - (2/3)(6 - 1)) / 2 = -1/6.
        let g = Geometry::new([4, 4, 1], [3.0, 3.0, 1.0]);
        let (ng, start, step) = centred_grid(&g, [2.0, 2.0, 1.0]).unwrap();
        assert_eq!(ng.dims, [6, 6, 1]);
        assert!((start[0] + 1.0 / 6.0).abs() < 1e-12);
        assert!((step[0] - 2.0 / 3.0).abs() < 1e-12);
        // World origin: -1/6 voxel of 3 mm = -0.5 mm; both grids share their centre (4.5 mm).
        assert!((ng.origin[0] + 0.5).abs() < 1e-12);
        assert!((ng.origin[0] + 2.0 * 5.0 / 2.0 - 4.5).abs() < 1e-12);
        // Exact ratios do not round up.
        let (ng, _, _) = centred_grid(&Geometry::new([2, 2, 60], [1.0, 1.0, 3.0]), [1.0, 1.0, 2.0]).unwrap();
        assert_eq!(ng.dims[2], 90);
    }

    #[test]
    fn linear_and_nearest_by_hand() {
        // 1D along x: values 0, 10, 20, 30 at 2 mm, resampled to 1 mm -> 8 points starting at
        // (4 - 1 - 0.5 * 7) / 2 = -0.25 with step 0.5: -0.25 (clamped to 0), 0.25, 0.75, ... 3.25 (clamped to 3).
        let v = Volume::new(Geometry::new([4, 1, 1], [2.0, 1.0, 1.0]), vec![0.0, 10.0, 20.0, 30.0]).unwrap();
        let o = LoadOptions::default();
        let lin = resample_image(&v, [1.0, 1.0, 1.0], Interpolation::Linear, false, &o).unwrap();
        assert_eq!(lin.data, vec![0.0, 2.5, 7.5, 12.5, 17.5, 22.5, 27.5, 30.0]);
        let rounded = resample_image(&v, [1.0, 1.0, 1.0], Interpolation::Linear, true, &o).unwrap();
        assert_eq!(rounded.data, vec![0.0, 3.0, 8.0, 13.0, 18.0, 23.0, 28.0, 30.0]);
        let near = resample_image(&v, [1.0, 1.0, 1.0], Interpolation::Nearest, false, &o).unwrap();
        // Coordinates -0.25, 0.25, 0.75, 1.25, 1.75, 2.25, 2.75, 3.25 -> nearest 0, 0, 1, 1, 2, 2, 3, 3.
        assert_eq!(near.data, vec![0.0, 0.0, 10.0, 10.0, 20.0, 20.0, 30.0, 30.0]);
        // Downsampling 4 -> 2 voxels at 4 mm: points at 0.5 and 2.5.
        let down = resample_image(&v, [4.0, 1.0, 1.0], Interpolation::Linear, false, &o).unwrap();
        assert_eq!(down.data, vec![5.0, 25.0]);
        assert_eq!(down.geometry.origin[0], 1.0);
    }

    #[test]
    fn cubic_reproduces_linear_ramps_and_is_interpolating() {
        let v = Volume::new(Geometry::new([6, 1, 1], [1.0; 3]), (0..6).map(|i| i as f32 * 10.0).collect()).unwrap();
        let same = resample_image(&v, [1.0; 3], Interpolation::Cubic, false, &LoadOptions::default()).unwrap();
        assert_eq!(same.data, v.data);
        let half = resample_image(&v, [0.5, 1.0, 1.0], Interpolation::Cubic, false, &LoadOptions::default()).unwrap();
        // Interior points of a ramp are exact for Keys' kernel: grid coordinate 1.25 -> 12.5.
        assert!((half.data[3] - 12.5).abs() < 1e-4, "{:?}", half.data);
    }

    #[test]
    fn mask_partial_volume_threshold() {
        let m = LabelMap::new(Geometry::new([4, 1, 1], [2.0, 1.0, 1.0]), vec![0, 1, 1, 0]).unwrap();
        let o = LoadOptions::default();
        // Linear fractions at -0.25..3.25: 0, 0.25, 0.75, 1, 1, 0.75, 0.25, 0.
        let r = resample_mask(&m, [1.0, 1.0, 1.0], Interpolation::Linear, 0.5, &o).unwrap();
        assert_eq!(r.data, vec![0, 0, 1, 1, 1, 1, 0, 0]);
        let r = resample_mask(&m, [1.0, 1.0, 1.0], Interpolation::Linear, 0.2, &o).unwrap();
        assert_eq!(r.data, vec![0, 1, 1, 1, 1, 1, 1, 0]);
    }

    #[test]
    fn resegmentation() {
        let v = Volume::new(Geometry::new([6, 1, 1], [1.0; 3]), vec![-1000.0, -50.0, 0.0, 40.0, 400.0, 9.0]).unwrap();
        let m = LabelMap::new(Geometry::new([6, 1, 1], [1.0; 3]), vec![1, 1, 1, 1, 1, 0]).unwrap();
        let r = resegment_range(&v, &m, Some(-500.0), Some(400.0)).unwrap();
        assert_eq!(r.data, vec![0, 1, 1, 1, 1, 0]);
        let r = resegment_range(&v, &m, Some(-500.0), None).unwrap();
        assert_eq!(r.data, vec![0, 1, 1, 1, 1, 0]);
        // 20 voxels of 0 and one of 100: mean 100/21 = 4.76, sd = sqrt(20/21^2 * 100^2 ... ) = 21.3; 100 > 4.76 + 64.
        let mut vals = vec![0.0f32; 20];
        vals.push(100.0);
        let v = Volume::new(Geometry::new([21, 1, 1], [1.0; 3]), vals).unwrap();
        let m = LabelMap::new(Geometry::new([21, 1, 1], [1.0; 3]), vec![1; 21]).unwrap();
        let (r, (lo, hi)) = resegment_outliers(&v, &m, 3.0).unwrap();
        let sd = (20.0f64 * (100.0 / 21.0f64).powi(2) + (100.0 - 100.0 / 21.0f64).powi(2)) / 21.0;
        assert!((hi - (100.0 / 21.0 + 3.0 * sd.sqrt())).abs() < 1e-9 && lo < 0.0);
        assert_eq!(r.count(), 20);
        assert_eq!(r.data[20], 0);
    }

    #[test]
    fn discretisation_by_hand() {
        let v = [1.0f32, 2.0, 3.5, 6.0, 4.0, -7.0];
        let m = [1u8, 1, 1, 1, 1, 0];
        // FBN, 2 bins over [1, 6]: floor(2 (x - 1) / 5) + 1 -> 1, 1, 2 (2.5/5*2 = 1), 2 (max), 2 (6/5 -> 1 + 1).
        let d = discretise(&v, &m, Discretisation::FixedBinNumber(bins(2))).unwrap();
        assert_eq!(d.levels, vec![1, 1, 2, 2, 2, 0]);
        assert_eq!((d.max_level, d.min, d.width), (2, 1.0, 2.5));
        // FBN with 5 bins: widths 1 -> floor(x - 1) + 1 = 1, 2, 3, 5 (max), 4.
        let d = discretise(&v, &m, Discretisation::FixedBinNumber(bins(5))).unwrap();
        assert_eq!(d.levels, vec![1, 2, 3, 5, 4, 0]);
        // FBS width 2 from the IBSI lower bound 0: floor(x / 2) + 1 -> 1, 2, 2, 4, 3.
        let d = discretise(&v, &m, Discretisation::FixedBinSize { width: BinWidth::new(2.0).unwrap(), min: Some(0.0) }).unwrap();
        assert_eq!(d.levels, vec![1, 2, 2, 4, 3, 0]);
        // FBS from the ROI minimum (1): floor((x - 1) / 2) + 1 -> 1, 1, 2, 3, 2.
        let d = discretise(&v, &m, Discretisation::FixedBinSize { width: BinWidth::new(2.0).unwrap(), min: None }).unwrap();
        assert_eq!(d.levels, vec![1, 1, 2, 3, 2, 0]);
        // CT-like: FBS 25 HU from -500: -500 -> 1, -476 -> 1, -475 -> 2, 0 -> 21.
        let d = discretise(
            &[-500.0, -476.0, -475.0, 0.0],
            &[1; 4],
            Discretisation::FixedBinSize { width: BinWidth::new(25.0).unwrap(), min: Some(-500.0) },
        )
        .unwrap();
        assert_eq!(d.levels, vec![1, 1, 2, 21]);
        assert!(discretise(&v, &[0; 6], Discretisation::FixedBinNumber(bins(2))).is_err());
        assert_eq!(BinWidth::new(0.0).unwrap_err().to_string(), "should be positive, but is 0");
        assert!(BinWidth::new(f64::NAN).is_err() && BinCount::new(0, BinCount::MAX).is_err());
        assert_eq!(BinCount::new(2000, 1024).unwrap_err().to_string(), "should be between 1 and 1024, but is 2000");
        assert_eq!(discretise(&v, &[0; 6], Discretisation::FixedBinNumber(bins(2))), Err(PreprocessError::EmptyRoi));
        // A flat ROI is one grey level.
        assert_eq!(discretise(&[3.0, 3.0], &[1, 1], Discretisation::FixedBinNumber(bins(8))).unwrap().levels, vec![1, 1]);
    }
}
