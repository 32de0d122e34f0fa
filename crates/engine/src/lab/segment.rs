//! Segmentation tools of the Image Lab: intensity thresholds (fixed, and Otsu's method), region growing from a seed,
//! a round brush in one slice, and undo/redo of mask edits. Measures of masks (Dice, surface distances, ROI
//! statistics) are in [`crate::lab::metrics`]; components, holes and morphology in [`crate::image::mask`].
//!
//! Every function checks its input and returns a [`SegmentError`] or a documented empty result, never a panic: an
//! image or mask whose data does not match its grid, a mask on another grid than the image (compared within a
//! hundredth of a voxel, as [`crate::radiomics`] does), a seed or brush centre outside the grid, NaN parameters.
//! Non-finite intensities never join a region.
//!
//! Hand-written: each tool is a few dozen lines on the engine's own types and must run sequentially in the browser.
//!
//! # Example: a brush stroke that can be undone
//! ```
//! use radlearn_engine::{Geometry, LabelMap};
//! use radlearn_engine::lab::segment::{paint, History, Recorded};
//! let mut mask = LabelMap::empty(Geometry::new([32, 32, 4], [0.8, 0.8, 3.0]));
//! let mut history = History::default();
//! let before = mask.data.clone(); // when the mouse goes down
//! paint(&mut mask, [10, 10, 2], 2.0, 1, 2).expect("inside the grid");
//! paint(&mut mask, [12, 10, 2], 2.0, 1, 2).expect("inside the grid");
//! assert_eq!(history.record(&before, &mask.data), Ok(Recorded::Recorded)); // when it goes up
//! assert!(history.undo(&mut mask));
//! assert_eq!(mask.count(), 0);
//! ```

use std::collections::VecDeque;
use std::fmt;
use std::mem::size_of;

use crate::image::histogram::Histogram;
use crate::image::mask::Connectivity;
use crate::image::volume::{Geometry, LabelMap, Volume};

/// Why a segmentation tool or a measure could not run. Every message says what to do.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum SegmentError {
    /// An image or mask whose number of values does not match its grid.
    BadData { what: &'static str, len: usize, dims: [usize; 3] },
    /// An unusable grid: a zero dimension, a spacing that is not positive, a degenerate orientation.
    BadGeometry { what: &'static str, reason: String },
    /// Two grids that must be the same are not (dimensions, spacing, origin or orientation differ).
    /// `dims` are the first and second grid's dimensions; `detail` says what differs.
    GridMismatch { first: &'static str, second: &'static str, dims: [[usize; 3]; 2], detail: String },
    /// A voxel position outside the grid.
    OutsideGrid { what: &'static str, voxel: [usize; 3], dims: [usize; 3] },
    /// The seed of a region growing has a NaN or infinite intensity.
    NonFiniteSeed { seed: [usize; 3] },
    /// The seed of a region growing is outside the mask that restricts the growth.
    SeedOutsideRestriction { seed: [usize; 3] },
    /// A mask with no voxel where one is needed.
    EmptyMask { what: &'static str },
    /// A mask without any voxel of the requested label.
    NoSuchLabel { label: u8, present: Vec<u8> },
    /// A parameter out of its range.
    InvalidParameter { name: &'static str, reason: String },
}

impl fmt::Display for SegmentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SegmentError::BadData { what, len, dims } => write!(
                f,
                "the {what} holds {len} values, which does not match its grid of {} x {} x {} voxels; reload it",
                dims[0], dims[1], dims[2]
            ),
            SegmentError::BadGeometry { what, reason } => write!(f, "the {what} has an unusable geometry: {reason}"),
            SegmentError::GridMismatch { first, second, detail, .. } => {
                write!(f, "the {second} is not on the grid of the {first} ({detail}); resample it onto the {first}'s grid first")
            }
            SegmentError::OutsideGrid { what, voxel, dims } => write!(
                f,
                "the {what} ({}, {}, {}) is outside the grid of {} x {} x {} voxels; pick a voxel inside the image",
                voxel[0], voxel[1], voxel[2], dims[0], dims[1], dims[2]
            ),
            SegmentError::NonFiniteSeed { seed } => write!(
                f,
                "the seed voxel ({}, {}, {}) has no finite intensity (NaN or infinite); pick another seed",
                seed[0], seed[1], seed[2]
            ),
            SegmentError::SeedOutsideRestriction { seed } => write!(
                f,
                "the seed voxel ({}, {}, {}) is outside the region that limits the growth; pick a seed inside it",
                seed[0], seed[1], seed[2]
            ),
            SegmentError::EmptyMask { what } => write!(f, "the {what} is empty; draw or select a region first"),
            SegmentError::NoSuchLabel { label, present } if present.is_empty() => {
                write!(f, "the mask has no voxel with label {label}: it is empty; draw or select a region first")
            }
            SegmentError::NoSuchLabel { label, present } => {
                write!(f, "the mask has no voxel with label {label}; the labels present are {present:?}")
            }
            SegmentError::InvalidParameter { name, reason } => write!(f, "{name}: {reason}"),
        }
    }
}

impl std::error::Error for SegmentError {}

/// Number of voxels of a grid, `None` if it overflows.
pub(crate) fn voxel_count(dims: [usize; 3]) -> Option<usize> {
    dims[0].checked_mul(dims[1])?.checked_mul(dims[2])
}

/// Checks that `len` values fill the grid exactly; after this, `x + nx * (y + ny * z)` cannot overflow.
pub(crate) fn check_data(what: &'static str, g: &Geometry, len: usize) -> Result<(), SegmentError> {
    if voxel_count(g.dims) == Some(len) {
        Ok(())
    } else {
        Err(SegmentError::BadData { what, len, dims: g.dims })
    }
}

/// Checks that both geometries are valid and the same grid, within a hundredth of the smallest voxel side.
pub(crate) fn check_same_grid(first: &'static str, a: &Geometry, second: &'static str, b: &Geometry) -> Result<(), SegmentError> {
    a.validate().map_err(|reason| SegmentError::BadGeometry { what: first, reason })?;
    b.validate().map_err(|reason| SegmentError::BadGeometry { what: second, reason })?;
    let tol = 0.01 * a.spacing.iter().copied().fold(f64::INFINITY, f64::min);
    if a.approx_eq(b, tol) {
        Ok(())
    } else {
        let differs = |x: [f64; 3], y: [f64; 3]| (0..3).any(|k| (x[k] - y[k]).abs() > tol);
        let detail = if a.dims != b.dims {
            format!("{} x {} x {} voxels against {} x {} x {}", b.dims[0], b.dims[1], b.dims[2], a.dims[0], a.dims[1], a.dims[2])
        } else if differs(a.spacing, b.spacing) {
            format!("voxels of {:?} mm against {:?} mm", b.spacing, a.spacing)
        } else if differs(a.origin, b.origin) {
            format!("first voxel at {:?} mm against {:?} mm", b.origin, a.origin)
        } else {
            "another orientation".to_string()
        };
        Err(SegmentError::GridMismatch { first, second, dims: [a.dims, b.dims], detail })
    }
}

/// Voxels whose intensity `v` satisfies `lo <= v <= hi` get label 1, all others 0.
///
/// NaN never passes, so a NaN bound or `lo > hi` gives an empty mask; infinite intensities compare as usual (they
/// pass with an infinite bound). The mask has the image's geometry and one value per image value, so an image whose
/// data does not match its grid gives a mask that does not either (as [`crate::image::mask`] returns such masks unchanged).
pub fn threshold(image: &Volume, lo: f32, hi: f32) -> LabelMap {
    let data = image.data.iter().map(|&v| u8::from(lo <= v && v <= hi)).collect();
    LabelMap { geometry: image.geometry.clone(), data, names: Vec::new() }
}

/// Lowest and highest finite value, `None` if there is none.
pub(crate) fn finite_range(values: &[f32]) -> Option<(f32, f32)> {
    values.iter().filter(|v| v.is_finite()).fold(None, |acc, &v| match acc {
        None => Some((v, v)),
        Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
    })
}

/// Number of histogram bins [`otsu_threshold`] uses by default.
pub const OTSU_BINS: usize = 256;

/// Otsu's threshold on a histogram: the bin boundary that maximises the between-class variance
/// `w0 w1 (m0 - m1)^2` of the two classes of counts it separates (bin levels are the bin indices, which gives the
/// same boundary as bin centres). Values `>= t` are the upper class.
///
/// Empty bins after the best boundary do not change the classes, so the threshold is put in the middle of that gap
/// (between the upper edge of the last lower bin and the lower edge of the first upper bin): a two-valued image is
/// split half-way between its values. On ties elsewhere the lowest boundary wins. Only `counts` are used (values
/// below, above or NaN are ignored). `None` if fewer than two bins hold values.
pub fn otsu_from_histogram(h: &Histogram) -> Option<f32> {
    let bins = h.counts.len();
    if bins < 2 {
        return None;
    }
    let total: f64 = h.counts.iter().map(|&c| c as f64).sum();
    let level_sum: f64 = h.counts.iter().enumerate().map(|(k, &c)| k as f64 * c as f64).sum();
    let (mut w0, mut s0) = (0.0f64, 0.0f64);
    let mut best: Option<(f64, usize)> = None;
    for (k, &c) in h.counts.iter().enumerate().take(bins - 1) {
        w0 += c as f64;
        s0 += k as f64 * c as f64;
        let w1 = total - w0;
        if w0 <= 0.0 || w1 <= 0.0 {
            continue;
        }
        let (m0, m1) = (s0 / w0, (level_sum - s0) / w1);
        let between = w0 * w1 * (m0 - m1) * (m0 - m1);
        if best.is_none_or(|(b, _)| between > b) {
            best = Some((between, k));
        }
    }
    let (_, k) = best?;
    let next = (k + 1..bins).find(|&j| h.counts[j] > 0).unwrap_or(k + 1);
    let width = (f64::from(h.max) - f64::from(h.min)) / bins as f64;
    let edge = |j: usize| f64::from(h.min) + width * j as f64;
    Some(((edge(k + 1) + edge(next)) / 2.0) as f32)
}

/// Otsu's threshold of the finite `values`, on a histogram of `bins` equal bins over their range (see
/// [`otsu_from_histogram`] for the rule). `None` if there are fewer than two distinct finite values or `bins < 2`.
pub fn otsu_values(values: &[f32], bins: usize) -> Option<f32> {
    let (lo, hi) = finite_range(values)?;
    let h = Histogram::new(values, lo, hi, bins)?;
    otsu_from_histogram(&h)
}

/// Otsu's threshold of an image's finite intensities, or of those inside the non-zero voxels of `mask`, on a
/// histogram of `bins` bins ([`OTSU_BINS`] is the usual choice). Voxels `>= t` are the bright class, so
/// `threshold(image, t, f32::INFINITY)` segments them.
///
/// `Ok(None)` when there are fewer than two distinct finite values (nothing to separate). Errors: data that does not
/// match its grid, a mask on another grid, `bins < 2`.
pub fn otsu_threshold(image: &Volume, mask: Option<&LabelMap>, bins: usize) -> Result<Option<f32>, SegmentError> {
    check_data("image", &image.geometry, image.data.len())?;
    if bins < 2 {
        return Err(SegmentError::InvalidParameter { name: "bins", reason: format!("Otsu's method needs at least 2 bins, not {bins}") });
    }
    match mask {
        None => Ok(otsu_values(&image.data, bins)),
        Some(m) => {
            check_data("mask", &m.geometry, m.data.len())?;
            check_same_grid("image", &image.geometry, "mask", &m.geometry)?;
            let values: Vec<f32> = image.data.iter().zip(&m.data).filter(|(_, &l)| l != 0).map(|(&v, _)| v).collect();
            Ok(otsu_values(&values, bins))
        }
    }
}

/// Offsets of the neighbours of a voxel for a connectivity.
fn neighbour_offsets(c: Connectivity) -> Vec<[isize; 3]> {
    let mut v = Vec::with_capacity(26);
    for dz in -1isize..=1 {
        for dy in -1isize..=1 {
            for dx in -1isize..=1 {
                let n = dx.abs() + dy.abs() + dz.abs();
                let keep = match c {
                    Connectivity::Faces => n == 1,
                    Connectivity::Edges => n == 1 || n == 2,
                    Connectivity::Corners => n >= 1,
                };
                if keep {
                    v.push([dx, dy, dz]);
                }
            }
        }
    }
    v
}

/// Region growing: the voxels connected to `seed` (with `connectivity`) through voxels whose intensity `v` is finite
/// and within the seed's intensity `s` by the tolerance, `s - tolerance <= v <= s + tolerance` (compared in `f64`),
/// and, if `restrict` is given, that are non-zero in it. The region gets label 1 on the image's grid.
///
/// The tolerance is fixed by the seed (not by the region's running mean), so the result does not depend on the
/// order of the search; an infinite tolerance gives the whole connected finite part of the image. Breadth-first,
/// with an explicit queue. Errors: data that does not match its grid, a seed outside the grid or with a non-finite
/// intensity, a tolerance that is negative or NaN, a restricting mask on another grid or without the seed.
pub fn region_grow(
    image: &Volume,
    seed: [usize; 3],
    tolerance: f32,
    connectivity: Connectivity,
    restrict: Option<&LabelMap>,
) -> Result<LabelMap, SegmentError> {
    check_data("image", &image.geometry, image.data.len())?;
    let dims = image.geometry.dims;
    if tolerance.is_nan() || tolerance < 0.0 {
        return Err(SegmentError::InvalidParameter {
            name: "tolerance",
            reason: format!("the intensity tolerance must be zero or positive, but is {tolerance}"),
        });
    }
    let allowed: Option<&[u8]> = match restrict {
        None => None,
        Some(r) => {
            check_data("restricting mask", &r.geometry, r.data.len())?;
            check_same_grid("image", &image.geometry, "restricting mask", &r.geometry)?;
            Some(&r.data)
        }
    };
    let start = image.geometry.index(seed[0], seed[1], seed[2]).ok_or(SegmentError::OutsideGrid { what: "seed", voxel: seed, dims })?;
    let s = image.data.get(start).copied().ok_or(SegmentError::OutsideGrid { what: "seed", voxel: seed, dims })?;
    if !s.is_finite() {
        return Err(SegmentError::NonFiniteSeed { seed });
    }
    if allowed.is_some_and(|a| a.get(start).is_none_or(|&l| l == 0)) {
        return Err(SegmentError::SeedOutsideRestriction { seed });
    }
    let (lo, hi) = (f64::from(s) - f64::from(tolerance), f64::from(s) + f64::from(tolerance));
    let accept = |i: usize| {
        let v = image.data[i];
        v.is_finite() && lo <= f64::from(v) && f64::from(v) <= hi && allowed.is_none_or(|a| a[i] != 0)
    };
    let offsets = neighbour_offsets(connectivity);
    let mut data = vec![0u8; image.data.len()];
    let mut queue = VecDeque::new();
    data[start] = 1;
    queue.push_back(seed);
    while let Some(p) = queue.pop_front() {
        for d in &offsets {
            let (Some(x), Some(y), Some(z)) = (p[0].checked_add_signed(d[0]), p[1].checked_add_signed(d[1]), p[2].checked_add_signed(d[2]))
            else {
                continue;
            };
            if let Some(j) = image.geometry.index(x, y, z) {
                if data[j] == 0 && accept(j) {
                    data[j] = 1;
                    queue.push_back([x, y, z]);
                }
            }
        }
    }
    Ok(LabelMap { geometry: image.geometry.clone(), data, names: Vec::new() })
}

/// Keeps only the voxels of `mask` whose centre lies within `radius_mm` of the centre of voxel `centre` (distances in
/// millimetres with the grid spacing), setting the others to 0; returns how many were cleared. Intersected with a
/// threshold, it limits a region growing to a ball around its seed, so that a tumour that touches the chest wall or
/// the mediastinum does not leak into them.
///
/// Errors: data that does not match its grid, an invalid geometry, a centre outside the grid, a radius that is
/// negative or NaN (an infinite radius keeps everything). The mask is unchanged on error.
pub fn limit_to_ball(mask: &mut LabelMap, centre: [usize; 3], radius_mm: f64) -> Result<usize, SegmentError> {
    check_data("mask", &mask.geometry, mask.data.len())?;
    mask.geometry.validate().map_err(|reason| SegmentError::BadGeometry { what: "mask", reason })?;
    if radius_mm.is_nan() || radius_mm < 0.0 {
        return Err(SegmentError::InvalidParameter {
            name: "distance limit",
            reason: format!("the distance from the seed must be zero or more millimetres, but is {radius_mm}"),
        });
    }
    let dims = mask.geometry.dims;
    if mask.geometry.index(centre[0], centre[1], centre[2]).is_none() {
        return Err(SegmentError::OutsideGrid { what: "centre", voxel: centre, dims });
    }
    let s = mask.geometry.spacing;
    let limit = radius_mm * radius_mm + 1e-9;
    let d2 = |a: usize, p: usize| {
        let d = (p as f64 - centre[a] as f64) * s[a];
        d * d
    };
    let mut cleared = 0;
    let mut i = 0;
    for z in 0..dims[2] {
        let dz = d2(2, z);
        for y in 0..dims[1] {
            let dyz = dz + d2(1, y);
            for x in 0..dims[0] {
                if mask.data[i] != 0 && dyz + d2(0, x) > limit {
                    mask.data[i] = 0;
                    cleared += 1;
                }
                i += 1;
            }
        }
    }
    Ok(cleared)
}

/// Brush: sets to `label` every voxel of the slice through `centre` across voxel axis `normal_axis` (2 for a slice of
/// fixed z, 1 of fixed y, 0 of fixed x: the axis a view scrolls along) whose centre lies within `radius_mm`
/// of the centre voxel's, distances measured in millimetres with the grid spacing (so the disk is round on screen
/// even with anisotropic voxels). The centre voxel is always painted, so a radius below half a voxel paints one
/// voxel. Erasing is painting with label 0. The disk is clipped to the grid.
///
/// Returns the number of voxels whose label changed. Errors: data that does not match its grid, an invalid geometry,
/// a centre outside the grid, a radius that is negative, infinite or NaN. The mask is unchanged on error.
pub fn paint(mask: &mut LabelMap, centre: [usize; 3], radius_mm: f64, label: u8, normal_axis: usize) -> Result<usize, SegmentError> {
    check_data("mask", &mask.geometry, mask.data.len())?;
    mask.geometry.validate().map_err(|reason| SegmentError::BadGeometry { what: "mask", reason })?;
    if !(radius_mm.is_finite() && radius_mm >= 0.0) {
        return Err(SegmentError::InvalidParameter {
            name: "brush radius",
            reason: format!("the radius must be a finite number of millimetres, zero or more, but is {radius_mm}"),
        });
    }
    let dims = mask.geometry.dims;
    if mask.geometry.index(centre[0], centre[1], centre[2]).is_none() {
        return Err(SegmentError::OutsideGrid { what: "brush centre", voxel: centre, dims });
    }
    let spacing = mask.geometry.spacing;
    let [u, v] = match normal_axis {
        0 => [1, 2],
        1 => [0, 2],
        2 => [0, 1],
        _ => {
            return Err(SegmentError::InvalidParameter {
                name: "normal axis",
                reason: format!("a slice is across voxel axis 0, 1 or 2, not {normal_axis}"),
            })
        }
    };
    // Reach in voxels along an axis; the spacing is positive and finite (validated), the cast is clamped to the grid.
    let reach = |a: usize| (radius_mm / spacing[a]).floor().min(dims[a] as f64) as usize;
    let range = |a: usize| centre[a].saturating_sub(reach(a))..=centre[a].saturating_add(reach(a)).min(dims[a] - 1);
    let limit = radius_mm * radius_mm + 1e-9;
    let mut changed = 0;
    for pv in range(v) {
        let dv = (pv as f64 - centre[v] as f64) * spacing[v];
        for pu in range(u) {
            let du = (pu as f64 - centre[u] as f64) * spacing[u];
            if du * du + dv * dv > limit {
                continue;
            }
            let mut p = centre;
            p[u] = pu;
            p[v] = pv;
            if let Some(i) = mask.geometry.index(p[0], p[1], p[2]) {
                if mask.data[i] != label {
                    mask.data[i] = label;
                    changed += 1;
                }
            }
        }
    }
    Ok(changed)
}

/// Default number of undo steps kept by a [`History`].
pub const DEFAULT_UNDO_STEPS: usize = 50;
/// Default memory bound of a [`History`]: 64 MiB of stored edits.
pub const DEFAULT_UNDO_BYTES: usize = 64 << 20;

/// What [`History::record`] did with an edit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    /// The edit changed no voxel: nothing was stored and the redo steps are kept.
    Unchanged,
    /// The edit can be undone.
    Recorded,
    /// The edit is larger than the memory bound (or undo is disabled with 0 steps): it cannot be undone, and the
    /// older steps were dropped since they no longer apply to the mask as it is.
    Dropped,
}

/// Consecutive voxels that all changed from `old` to `new`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Run {
    start: usize,
    len: u32,
    old: u8,
    new: u8,
}

/// The voxels one edit changed, in the smaller of two forms.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Diff {
    /// Sparse: runs of equal changes (a brush stroke, a region).
    Runs(Vec<Run>),
    /// Dense: the values before and after over the span from the first to the last changed voxel (scattered
    /// changes, e.g. a noisy threshold).
    Span { start: usize, old: Vec<u8>, new: Vec<u8> },
}

/// One undo step: the changes, and the number of voxels of the mask they apply to.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Edit {
    len: usize,
    diff: Diff,
}

/// Calls `f` on each run of changed voxels, in order.
fn for_each_run(before: &[u8], after: &[u8], mut f: impl FnMut(Run)) {
    let mut cur: Option<Run> = None;
    for (i, (&o, &n)) in before.iter().zip(after).enumerate() {
        if o == n {
            if let Some(r) = cur.take() {
                f(r);
            }
            continue;
        }
        match &mut cur {
            Some(r) if r.old == o && r.new == n && r.len < u32::MAX => r.len += 1,
            _ => {
                if let Some(r) = cur.replace(Run { start: i, len: 1, old: o, new: n }) {
                    f(r);
                }
            }
        }
    }
    if let Some(r) = cur {
        f(r);
    }
}

impl Edit {
    /// The changes from `before` to `after` (same length), `None` if there are none.
    fn new(before: &[u8], after: &[u8]) -> Option<Edit> {
        let (mut runs, mut first, mut last) = (0usize, None, 0usize);
        for_each_run(before, after, |r| {
            runs += 1;
            first.get_or_insert(r.start);
            last = r.start + r.len as usize - 1;
        });
        let first = first?;
        let span = last - first + 1;
        let diff = if runs.saturating_mul(size_of::<Run>()) <= span.saturating_mul(2) {
            let mut v = Vec::with_capacity(runs);
            for_each_run(before, after, |r| v.push(r));
            Diff::Runs(v)
        } else {
            Diff::Span { start: first, old: before[first..=last].to_vec(), new: after[first..=last].to_vec() }
        };
        Some(Edit { len: before.len(), diff })
    }

    /// Memory held by the edit.
    fn bytes(&self) -> usize {
        size_of::<Edit>()
            + match &self.diff {
                Diff::Runs(r) => r.len() * size_of::<Run>(),
                Diff::Span { old, new, .. } => old.len() + new.len(),
            }
    }

    /// Writes the edit's values after (`forward`) or before it into `data`, if every changed voxel holds the value on
    /// the other side; otherwise leaves `data` unchanged and returns false.
    fn replay(&self, data: &mut [u8], forward: bool) -> bool {
        if data.len() != self.len {
            return false;
        }
        // (value expected now, value to write) for a voxel that changed from o to n.
        let pick = |o: u8, n: u8| if forward { (o, n) } else { (n, o) };
        match &self.diff {
            Diff::Runs(runs) => {
                let ok = runs.iter().all(|r| {
                    let (from, _) = pick(r.old, r.new);
                    data.get(r.start..r.start + r.len as usize).is_some_and(|s| s.iter().all(|&v| v == from))
                });
                if ok {
                    for r in runs {
                        let (_, to) = pick(r.old, r.new);
                        data[r.start..r.start + r.len as usize].fill(to);
                    }
                }
                ok
            }
            Diff::Span { start, old, new } => {
                let Some(slice) = data.get_mut(*start..*start + old.len()) else {
                    return false;
                };
                let ok = slice.iter().zip(old.iter().zip(new)).all(|(&v, (&o, &n))| o == n || v == pick(o, n).0);
                if ok {
                    for (v, (&o, &n)) in slice.iter_mut().zip(old.iter().zip(new)) {
                        if o != n {
                            *v = pick(o, n).1;
                        }
                    }
                }
                ok
            }
        }
    }
}

/// Undo and redo of mask edits. Each step stores only what changed (runs of changed voxels, or the changed span when
/// changes are scattered, whichever is smaller), so a brush stroke on a 512 x 512 x 60 CT costs bytes, not the 15 MB
/// of the mask. At most `max_steps` steps and about `max_bytes` of memory are kept; the oldest steps go first.
///
/// Record an edit with [`History::record`] (the mask's data before and after, e.g. a copy taken when a brush stroke
/// starts) or make one with [`History::apply`]. A new edit clears the redo steps. When a mask is loaded or replaced
/// by other means, call [`History::clear`]: a step whose voxels no longer hold the values it left is never applied
/// (undo and redo then return false and clear the history), so the mask is never corrupted.
#[derive(Debug, Clone)]
pub struct History {
    undo: VecDeque<Edit>,
    redo: Vec<Edit>,
    max_steps: usize,
    max_bytes: usize,
    bytes: usize,
}

impl Default for History {
    /// [`DEFAULT_UNDO_STEPS`] steps within [`DEFAULT_UNDO_BYTES`].
    fn default() -> Self {
        History::new(DEFAULT_UNDO_STEPS, DEFAULT_UNDO_BYTES)
    }
}

impl History {
    /// A history keeping at most `max_steps` undo steps and about `max_bytes` of memory (0 steps disables undo).
    pub fn new(max_steps: usize, max_bytes: usize) -> Self {
        History { undo: VecDeque::new(), redo: Vec::new(), max_steps, max_bytes, bytes: 0 }
    }

    /// Records the edit that turned a mask's data `before` into `after`. Errors if their lengths differ.
    pub fn record(&mut self, before: &[u8], after: &[u8]) -> Result<Recorded, SegmentError> {
        if before.len() != after.len() {
            return Err(SegmentError::InvalidParameter {
                name: "edit",
                reason: format!(
                    "the mask had {} voxels before the edit and {} after; record edits of one mask only",
                    before.len(),
                    after.len()
                ),
            });
        }
        let Some(edit) = Edit::new(before, after) else {
            return Ok(Recorded::Unchanged);
        };
        let stale = self.undo.iter().any(|e| e.len != edit.len);
        for e in self.redo.drain(..) {
            self.bytes -= e.bytes();
        }
        let size = edit.bytes();
        if stale || self.max_steps == 0 || size > self.max_bytes {
            self.clear();
            if self.max_steps == 0 || size > self.max_bytes {
                return Ok(Recorded::Dropped);
            }
        }
        self.bytes += size;
        self.undo.push_back(edit);
        while self.undo.len() > self.max_steps || self.bytes > self.max_bytes {
            match self.undo.pop_front() {
                Some(e) => self.bytes -= e.bytes(),
                None => break,
            }
        }
        Ok(Recorded::Recorded)
    }

    /// Replaces the mask's data with `new_data` and records the edit. Errors (and leaves the mask unchanged) if the
    /// lengths differ.
    pub fn apply(&mut self, mask: &mut LabelMap, new_data: Vec<u8>) -> Result<Recorded, SegmentError> {
        let recorded = self.record(&mask.data, &new_data)?;
        mask.data = new_data;
        Ok(recorded)
    }

    /// Undoes the last step. False if there is none, or if the mask no longer holds what the step left (then the
    /// history is cleared and the mask is unchanged).
    pub fn undo(&mut self, mask: &mut LabelMap) -> bool {
        let Some(edit) = self.undo.pop_back() else {
            return false;
        };
        if edit.replay(&mut mask.data, false) {
            self.redo.push(edit);
            true
        } else {
            self.clear();
            false
        }
    }

    /// Redoes the last undone step. False if there is none, or if the mask no longer holds what the undo left (then
    /// the history is cleared and the mask is unchanged).
    pub fn redo(&mut self, mask: &mut LabelMap) -> bool {
        let Some(edit) = self.redo.pop() else {
            return false;
        };
        if edit.replay(&mut mask.data, true) {
            self.undo.push_back(edit);
            true
        } else {
            self.clear();
            false
        }
    }

    /// True if a step can be undone.
    pub fn can_undo(&self) -> bool {
        !self.undo.is_empty()
    }

    /// True if a step can be redone.
    pub fn can_redo(&self) -> bool {
        !self.redo.is_empty()
    }

    /// Number of steps that can be undone and redone.
    pub fn steps(&self) -> (usize, usize) {
        (self.undo.len(), self.redo.len())
    }

    /// Memory held by the stored steps, in bytes (approximate: the stored changes and one small header per step).
    pub fn memory_bytes(&self) -> usize {
        self.bytes
    }

    /// Forgets every step, e.g. when another mask is loaded.
    pub fn clear(&mut self) {
        self.undo.clear();
        self.redo.clear();
        self.bytes = 0;
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Test code: a panic is a failed test.
mod tests {
    use super::*;

    fn image(dims: [usize; 3], data: Vec<f32>) -> Volume {
        Volume::new(Geometry::new(dims, [1.0; 3]), data).unwrap()
    }

    #[test]
    fn limit_to_ball_keeps_voxels_within_the_radius_in_mm() {
        // 5 x 1 x 1 voxels of 2 mm: from voxel 2, voxels 1 and 3 are 2 mm away, 0 and 4 are 4 mm away.
        let mut m = LabelMap::new(Geometry::new([5, 1, 1], [2.0, 1.0, 1.0]), vec![1; 5]).unwrap();
        assert_eq!(limit_to_ball(&mut m, [2, 0, 0], 3.0), Ok(2));
        assert_eq!(m.data, vec![0, 1, 1, 1, 0]);
        assert_eq!(limit_to_ball(&mut m, [2, 0, 0], f64::INFINITY), Ok(0));
        assert!(limit_to_ball(&mut m, [5, 0, 0], 1.0).is_err());
        assert!(limit_to_ball(&mut m, [2, 0, 0], f64::NAN).is_err());
        assert_eq!(m.data, vec![0, 1, 1, 1, 0]);
    }

    #[test]
    fn threshold_is_inclusive_and_skips_nan() {
        let v = image([6, 1, 1], vec![0.0, 1.0, 2.0, 3.0, f32::NAN, f32::INFINITY]);
        assert_eq!(threshold(&v, 1.0, 2.0).data, vec![0, 1, 1, 0, 0, 0]);
        assert_eq!(threshold(&v, 2.0, f32::INFINITY).data, vec![0, 0, 1, 1, 0, 1]);
        assert_eq!(threshold(&v, 2.0, 1.0).count(), 0);
        assert_eq!(threshold(&v, f32::NAN, 5.0).count(), 0);
        assert_eq!(threshold(&v, 0.0, 3.0).geometry, v.geometry);
    }

    #[test]
    fn otsu_splits_a_two_valued_image_half_way() {
        // Half the voxels at 0, half at 100: every boundary between the two occupied bins (0 and 255) gives the same
        // classes, so the threshold is the middle of the gap, (100/256 + 255 * 100/256) / 2 = 50.
        let mut data = vec![0.0f32; 64];
        data[32..].fill(100.0);
        let v = image([4, 4, 4], data);
        assert_eq!(otsu_threshold(&v, None, OTSU_BINS).unwrap(), Some(50.0));
        // With a 10 % minority of bright voxels the gap is the same.
        let mut data = vec![0.0f32; 100];
        data[..10].fill(100.0);
        assert_eq!(otsu_values(&data, 256), Some(50.0));
    }

    #[test]
    fn otsu_by_hand_on_four_bins() {
        // Values 0, 0, 0, 1, 4, 4 in 4 bins of width 1 over [0, 4]: counts 3, 1, 0, 2 at levels 0, 1, 2, 3.
        // Boundary after bin 0: w0 = 3, w1 = 3, m0 = 0, m1 = (1 + 6) / 3 = 7/3, w0 w1 (m0 - m1)^2 = 9 * 49/9 = 49.
        // After bin 1: w0 = 4, w1 = 2, m0 = 1/4, m1 = 3, 8 * (11/4)^2 = 60.5: the best. After bin 2: the same
        // classes (bin 2 is empty), so the threshold is the middle of the gap between edges 2 and 3: 2.5.
        let values = [0.0, 0.0, 0.0, 1.0, 4.0, 4.0];
        assert_eq!(otsu_values(&values, 4), Some(2.5));
        // Non-finite values are ignored.
        let with_junk = [0.0, f32::NAN, 0.0, 0.0, f32::INFINITY, 1.0, 4.0, f32::NEG_INFINITY, 4.0];
        assert_eq!(otsu_values(&with_junk, 4), Some(2.5));
        // Nothing to separate.
        assert_eq!(otsu_values(&[3.0, 3.0, f32::NAN], 256), None);
        assert_eq!(otsu_values(&[], 256), None);
        assert_eq!(otsu_values(&values, 1), None);
    }

    #[test]
    fn otsu_inside_a_mask_and_errors() {
        // Three populations: 0, 10 and 1000. Inside the mask only 0 and 10 are seen, so the threshold falls between them.
        let data: Vec<f32> = (0..30).map(|i| [0.0, 10.0, 1000.0][i / 10]).collect();
        let v = image([30, 1, 1], data);
        let m = LabelMap::new(v.geometry.clone(), (0..30).map(|i| u8::from(i < 20)).collect()).unwrap();
        assert_eq!(otsu_threshold(&v, Some(&m), 256).unwrap(), Some(5.0));
        let t = otsu_threshold(&v, None, 256).unwrap().unwrap();
        assert!(t > 10.0 && t < 1000.0, "{t}");
        let other = LabelMap::empty(Geometry::new([30, 1, 1], [2.0, 1.0, 1.0]));
        assert!(matches!(otsu_threshold(&v, Some(&other), 256), Err(SegmentError::GridMismatch { .. })));
        assert!(matches!(otsu_threshold(&v, None, 1), Err(SegmentError::InvalidParameter { .. })));
        let mut bad = v.clone();
        bad.data.pop();
        assert!(matches!(otsu_threshold(&bad, None, 256), Err(SegmentError::BadData { len: 29, .. })));
        assert_eq!(otsu_threshold(&v, Some(&LabelMap::empty(v.geometry.clone())), 256).unwrap(), None);
    }

    /// A 7 x 5 x 1 image: a bright wall at x = 3 splits two plateaus, 10 on the left, 12 on the right.
    fn walled() -> Volume {
        let data = (0..35).map(|i| match i % 7 {
            3 => 100.0,
            x if x < 3 => 10.0,
            _ => 12.0,
        });
        image([7, 5, 1], data.collect())
    }

    #[test]
    fn region_growing_stops_at_a_boundary() {
        let v = walled();
        let left = region_grow(&v, [0, 0, 0], 5.0, Connectivity::Faces, None).unwrap();
        let expect: Vec<u8> = (0..35).map(|i| u8::from(i % 7 < 3)).collect();
        assert_eq!(left.data, expect);
        // The right plateau is within the tolerance of the seed but cannot be reached through the wall.
        assert_eq!(left.count(), 15);
        // The rule is inclusive: the wall, 100 - 10 = 90 above the seed, joins with a tolerance of 90, not 89.99.
        assert_eq!(region_grow(&v, [0, 0, 0], 90.0, Connectivity::Faces, None).unwrap().count(), 35);
        assert_eq!(region_grow(&v, [0, 0, 0], 89.99, Connectivity::Faces, None).unwrap().count(), 15);
        // From the right: the wall is 88 above 12.
        let right = region_grow(&v, [6, 4, 0], 0.0, Connectivity::Corners, None).unwrap();
        assert_eq!(right.data, (0..35).map(|i| u8::from(i % 7 > 3)).collect::<Vec<u8>>());
        // A restriction limits the growth to its voxels.
        let rows01 = LabelMap::new(v.geometry.clone(), (0..35).map(|i| u8::from(i < 14)).collect()).unwrap();
        let r = region_grow(&v, [0, 0, 0], 5.0, Connectivity::Faces, Some(&rows01)).unwrap();
        assert_eq!(r.data, (0..35).map(|i| u8::from(i < 14 && i % 7 < 3)).collect::<Vec<u8>>());
    }

    #[test]
    fn region_growing_depends_on_connectivity_and_skips_nan() {
        // A diagonal line of 5s on 0s, with a NaN next to the seed.
        let mut data = vec![0.0f32; 16];
        for k in 0..4 {
            data[k * 5] = 5.0;
        }
        data[1] = f32::NAN;
        let v = image([4, 4, 1], data);
        assert_eq!(region_grow(&v, [0, 0, 0], 0.5, Connectivity::Faces, None).unwrap().count(), 1);
        let diag = region_grow(&v, [0, 0, 0], 0.5, Connectivity::Edges, None).unwrap();
        assert_eq!(diag.count(), 4);
        assert_eq!(diag.data[15], 1);
        // Infinite tolerance: all finite voxels (15), never the NaN.
        let all = region_grow(&v, [0, 0, 0], f32::INFINITY, Connectivity::Faces, None).unwrap();
        assert_eq!(all.count(), 15);
        assert_eq!(all.data[1], 0);
    }

    #[test]
    fn region_growing_errors() {
        let v = walled();
        let grow = |seed, tol, r: Option<&LabelMap>| region_grow(&v, seed, tol, Connectivity::Faces, r);
        assert_eq!(grow([7, 0, 0], 1.0, None), Err(SegmentError::OutsideGrid { what: "seed", voxel: [7, 0, 0], dims: [7, 5, 1] }));
        assert!(matches!(grow([0, 0, usize::MAX], 1.0, None), Err(SegmentError::OutsideGrid { .. })));
        assert!(matches!(grow([0, 0, 0], -1.0, None), Err(SegmentError::InvalidParameter { .. })));
        assert!(matches!(grow([0, 0, 0], f32::NAN, None), Err(SegmentError::InvalidParameter { .. })));
        let empty = LabelMap::empty(v.geometry.clone());
        assert_eq!(grow([0, 0, 0], 1.0, Some(&empty)), Err(SegmentError::SeedOutsideRestriction { seed: [0, 0, 0] }));
        let shifted = LabelMap { geometry: Geometry { origin: [0.0, 0.0, 5.0], ..v.geometry.clone() }, ..empty.clone() };
        let err = grow([0, 0, 0], 1.0, Some(&shifted)).unwrap_err();
        assert!(matches!(err, SegmentError::GridMismatch { .. }));
        assert!(err.to_string().contains("first voxel at [0.0, 0.0, 5.0] mm"), "{err}");
        let short = LabelMap { data: vec![1; 3], ..empty };
        assert!(matches!(grow([0, 0, 0], 1.0, Some(&short)), Err(SegmentError::BadData { .. })));
        let mut nan = v.clone();
        nan.data[0] = f32::NAN;
        assert_eq!(region_grow(&nan, [0, 0, 0], 1.0, Connectivity::Faces, None), Err(SegmentError::NonFiniteSeed { seed: [0, 0, 0] }));
        let huge = Volume { geometry: Geometry::new([usize::MAX, 2, 2], [1.0; 3]), data: vec![0.0; 4], meta: Default::default() };
        assert!(matches!(region_grow(&huge, [0, 0, 0], 1.0, Connectivity::Faces, None), Err(SegmentError::BadData { .. })));
        assert!(!SegmentError::NonFiniteSeed { seed: [1, 2, 3] }.to_string().is_empty());
    }

    #[test]
    fn brush_disk_is_round_in_millimetres() {
        // Spacing 1 x 2 x 5 mm. Axial (x, y), radius 2 mm: dx^2 + (2 dy)^2 <= 4 holds for dy = 0, dx in -2..=2 (5
        // voxels) and dy = +-1, dx = 0 (2): 7. Radius 3 mm: dy = 0, dx in -3..=3 (7) and dy = +-1, dx^2 <= 5, dx in
        // -2..=2 (2 x 5): 17.
        let g = Geometry::new([11, 11, 11], [1.0, 2.0, 5.0]);
        let count = |r: f64, normal_axis: usize| {
            let mut m = LabelMap::empty(g.clone());
            let n = paint(&mut m, [5, 5, 5], r, 3, normal_axis).unwrap();
            assert_eq!(n, m.count());
            n
        };
        assert_eq!(count(2.0, 2), 7);
        assert_eq!(count(3.0, 2), 17);
        // Coronal (x, z): z steps are 5 mm, so only the row dz = 0: 5. Sagittal (y, z): dy in -1..=1: 3.
        assert_eq!(count(2.0, 1), 5);
        assert_eq!(count(2.0, 0), 3);
        // Below half a voxel the brush still paints its centre.
        assert_eq!(count(0.0, 2), 1);
        // Every painted voxel is in the slice of the centre.
        let mut m = LabelMap::empty(g.clone());
        paint(&mut m, [5, 5, 5], 6.0, 1, 1).unwrap();
        assert!(m.data.iter().enumerate().all(|(i, &l)| l == 0 || (i / 11) % 11 == 5));
        assert_eq!(m.data[5 + 11 * (5 + 11 * 5)], 1);
    }

    #[test]
    fn brush_clips_erases_and_refuses_bad_input() {
        let g = Geometry::new([11, 11, 3], [1.0, 2.0, 5.0]);
        let mut m = LabelMap::empty(g.clone());
        // A quarter disk in the corner, radius 3 mm: dy = 0, dx in 0..=3 (4) and dy = 1, dx in 0..=2 (3).
        assert_eq!(paint(&mut m, [0, 0, 1], 3.0, 2, 2).unwrap(), 7);
        assert_eq!(paint(&mut m, [0, 0, 1], 3.0, 2, 2).unwrap(), 0);
        assert!(m.data.iter().all(|&l| l == 0 || l == 2));
        // Erase is painting with 0.
        assert_eq!(paint(&mut m, [1, 0, 1], 1.0, 0, 2).unwrap(), 3);
        assert_eq!(m.count(), 4);
        // A huge radius fills the slice and no more.
        assert_eq!(paint(&mut m, [5, 5, 2], 1e300, 1, 2).unwrap(), 121);
        let before = m.clone();
        assert!(matches!(paint(&mut m, [11, 0, 0], 1.0, 1, 2), Err(SegmentError::OutsideGrid { .. })));
        assert!(matches!(paint(&mut m, [0, 0, 0], -1.0, 1, 2), Err(SegmentError::InvalidParameter { .. })));
        assert!(matches!(paint(&mut m, [0, 0, 0], f64::NAN, 1, 2), Err(SegmentError::InvalidParameter { .. })));
        assert!(matches!(paint(&mut m, [0, 0, 0], f64::INFINITY, 1, 2), Err(SegmentError::InvalidParameter { .. })));
        assert_eq!(m, before);
        let mut bad = LabelMap { geometry: Geometry::new([11, 11, 3], [0.0, 1.0, 1.0]), ..m.clone() };
        assert!(matches!(paint(&mut bad, [0, 0, 0], 1.0, 1, 2), Err(SegmentError::BadGeometry { .. })));
        m.data.truncate(10);
        assert!(matches!(paint(&mut m, [0, 0, 0], 1.0, 1, 2), Err(SegmentError::BadData { .. })));
    }

    #[test]
    fn undo_and_redo_round_trip_exactly() {
        let g = Geometry::new([16, 16, 4], [1.0, 1.0, 2.0]);
        let mut m = LabelMap::empty(g);
        let mut h = History::default();
        let mut states = vec![m.data.clone()];
        for (k, c) in [[3usize, 3, 1], [5, 4, 1], [9, 9, 2], [4, 4, 1]].into_iter().enumerate() {
            let before = m.data.clone();
            paint(&mut m, c, 3.0, (k % 3) as u8 + 1, 2).unwrap();
            assert_eq!(h.record(&before, &m.data).unwrap(), Recorded::Recorded);
            states.push(m.data.clone());
        }
        // A scattered edit (every third voxel of the first slice) is stored as a dense span.
        let mut scattered = m.data.clone();
        for v in scattered.iter_mut().take(256).step_by(3) {
            *v = 7;
        }
        assert_eq!(h.apply(&mut m, scattered).unwrap(), Recorded::Recorded);
        states.push(m.data.clone());
        assert_eq!(h.steps(), (5, 0));
        for k in (0..5).rev() {
            assert!(h.undo(&mut m));
            assert_eq!(m.data, states[k], "undo to state {k}");
        }
        assert!(!h.undo(&mut m));
        for state in &states[1..] {
            assert!(h.redo(&mut m));
            assert_eq!(&m.data, state);
        }
        assert!(!h.redo(&mut m));
        // A new edit clears the redo steps.
        assert!(h.undo(&mut m) && h.undo(&mut m));
        assert_eq!(h.steps(), (3, 2));
        let before = m.data.clone();
        paint(&mut m, [12, 12, 3], 2.0, 9, 2).unwrap();
        assert_eq!(h.record(&before, &m.data).unwrap(), Recorded::Recorded);
        assert_eq!(h.steps(), (4, 0));
        assert!(!h.can_redo() && !h.redo(&mut m));
        // An edit that changes nothing is not a step and keeps the redo steps.
        assert!(h.undo(&mut m));
        assert_eq!(h.record(&m.data.clone(), &m.data).unwrap(), Recorded::Unchanged);
        assert_eq!(h.steps(), (3, 1));
        assert!(h.record(&[0, 1], &[0]).is_err());
        assert!(h.apply(&mut m, vec![0; 3]).is_err());
        assert_eq!(h.steps(), (3, 1));
    }

    #[test]
    fn history_is_compact_and_bounded() {
        let g = Geometry::new([512, 512, 60], [0.7, 0.7, 2.5]);
        let mut m = LabelMap::empty(g);
        let mut h = History::default();
        let before = m.data.clone();
        let n = paint(&mut m, [256, 256, 30], 10.0, 1, 2).unwrap();
        assert!(n > 500, "{n}");
        h.record(&before, &m.data).unwrap();
        // About 29 rows of changed voxels: a few hundred bytes, not the 15 MB of the mask.
        assert!(h.memory_bytes() < 1000, "{}", h.memory_bytes());
        // Depth limit: 3 steps kept of 5.
        let mut small = History::new(3, 1 << 20);
        let mut m = LabelMap::empty(Geometry::new([8, 1, 1], [1.0; 3]));
        for k in 0..5 {
            let mut next = m.data.clone();
            next[k] = 1;
            assert_eq!(small.apply(&mut m, next).unwrap(), Recorded::Recorded);
        }
        assert_eq!(small.steps(), (3, 0));
        assert!(small.undo(&mut m) && small.undo(&mut m) && small.undo(&mut m) && !small.undo(&mut m));
        assert_eq!(m.data, vec![1, 1, 0, 0, 0, 0, 0, 0]);
        // Memory bound: an edit larger than the bound is applied but cannot be undone, and older steps go.
        let mut tiny = History::new(50, 100);
        assert_eq!(tiny.apply(&mut m, vec![2; 8]).unwrap(), Recorded::Recorded);
        let scattered: Vec<u8> = (0..8).map(|i| if i % 2 == 0 { 3 } else { 2 }).collect();
        let mut big = LabelMap::empty(Geometry::new([300, 1, 1], [1.0; 3]));
        // 150 scattered changes: a span of 600 bytes, more than the bound.
        assert_eq!(tiny.apply(&mut big, (0..300).map(|i| (i % 2) as u8).collect()).unwrap(), Recorded::Dropped);
        assert_eq!(big.count(), 150);
        assert_eq!(tiny.steps(), (0, 0));
        assert_eq!(tiny.memory_bytes(), 0);
        assert_eq!(tiny.apply(&mut m, scattered).unwrap(), Recorded::Recorded);
        let mut off = History::new(0, 1 << 20);
        assert_eq!(off.apply(&mut m, vec![0; 8]).unwrap(), Recorded::Dropped);
        assert!(!off.can_undo());
    }

    #[test]
    fn a_stale_history_is_never_applied() {
        let mut m = LabelMap::empty(Geometry::new([6, 1, 1], [1.0; 3]));
        let mut h = History::default();
        h.apply(&mut m, vec![1, 1, 1, 0, 0, 0]).unwrap();
        // The mask is changed behind the history's back, on a voxel the step changed.
        m.data[1] = 5;
        let changed = m.clone();
        assert!(!h.undo(&mut m));
        assert_eq!(m, changed);
        assert!(!h.can_undo());
        // A change elsewhere does not block undo.
        h.apply(&mut m, vec![1, 5, 1, 2, 0, 0]).unwrap();
        m.data[5] = 4;
        assert!(h.undo(&mut m));
        assert_eq!(m.data, vec![1, 5, 1, 0, 0, 4]);
        // A mask of another size.
        let mut other = LabelMap::empty(Geometry::new([3, 1, 1], [1.0; 3]));
        assert!(!h.redo(&mut other));
        assert_eq!(other.data, vec![0; 3]);
    }
}
