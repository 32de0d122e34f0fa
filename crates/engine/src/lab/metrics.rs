//! Measures of segmentations for the Image Lab: overlap (Dice), surface distances in millimetres (Hausdorff
//! distance, its 95th percentile, the mean) and intensity statistics inside a region of interest.
//!
//! Surface distances use an exact Euclidean distance transform with the grid's anisotropic spacing (Felzenszwalb and
//! Huttenlocher's separable lower envelope of parabolas, "Distance Transforms of Sampled Functions", Theory of
//! Computing 8, 2012), computed only over the bounding box of the two masks: linear in the number of voxels instead
//! of quadratic in the number of surface voxels: about a second natively (optimised build) for two masks whose box spans
//! a whole 512 x 512 x 60 CT, milliseconds for a tumour-sized box.
//!
//! Errors are [`SegmentError`]s: data that does not match its grid, two masks (or a mask and an image) on different
//! grids, an empty mask where a surface is needed.

use crate::image::histogram::Histogram;
use crate::image::volume::{LabelMap, Volume};
use crate::lab::segment::{check_data, check_same_grid, finite_range, SegmentError};

/// Dice similarity coefficient `2 |A ∩ B| / (|A| + |B|)` of the non-zero voxels of two masks on the same grid (to
/// compare one label of a multi-label mask, select it first, e.g. with [`crate::lab::segment::threshold`] on
/// [`LabelMap::to_volume`]). Two empty masks agree perfectly: 1.0 (as [`LabelMap::dice`]); one empty mask gives 0.
pub fn dice(a: &LabelMap, b: &LabelMap) -> Result<f64, SegmentError> {
    check_data("first mask", &a.geometry, a.data.len())?;
    check_data("second mask", &b.geometry, b.data.len())?;
    check_same_grid("first mask", &a.geometry, "second mask", &b.geometry)?;
    let (mut both, mut na, mut nb) = (0usize, 0usize, 0usize);
    for (&x, &y) in a.data.iter().zip(&b.data) {
        let (x, y) = (x != 0, y != 0);
        both += usize::from(x && y);
        na += usize::from(x);
        nb += usize::from(y);
    }
    Ok(if na + nb == 0 { 1.0 } else { 2.0 * both as f64 / (na + nb) as f64 })
}

/// Symmetric surface distances between two masks, in millimetres.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SurfaceDistances {
    /// The Hausdorff distance: the largest distance from a surface voxel of either mask to the other's surface.
    pub max: f64,
    /// The 95th percentile of the pooled distances (HD95), as [`hausdorff95`] defines it.
    pub p95: f64,
    /// The mean of the pooled distances: the average symmetric surface distance (Heimann et al. 2009).
    pub mean: f64,
    /// Number of surface voxels of the first and second mask.
    pub surface_voxels: [usize; 2],
}

/// Surface distances between the non-zero voxels of two masks on the same grid (see [`hausdorff95`] for the
/// definitions). Errors: data that does not match its grid, different grids, an empty mask.
pub fn surface_distances(a: &LabelMap, b: &LabelMap) -> Result<SurfaceDistances, SegmentError> {
    check_data("first mask", &a.geometry, a.data.len())?;
    check_data("second mask", &b.geometry, b.data.len())?;
    check_same_grid("first mask", &a.geometry, "second mask", &b.geometry)?;
    let dims = a.geometry.dims;
    // Bounding box of both masks: every surface voxel is inside it, so the distance transform can be limited to it.
    let (mut lo, mut hi) = (dims, [0usize; 3]);
    let (mut any_a, mut any_b) = (false, false);
    let mut i = 0;
    for z in 0..dims[2] {
        for y in 0..dims[1] {
            for x in 0..dims[0] {
                let (ia, ib) = (a.data[i] != 0, b.data[i] != 0);
                if ia || ib {
                    for (ax, c) in [x, y, z].into_iter().enumerate() {
                        lo[ax] = lo[ax].min(c);
                        hi[ax] = hi[ax].max(c);
                    }
                }
                any_a |= ia;
                any_b |= ib;
                i += 1;
            }
        }
    }
    if !any_a {
        return Err(SegmentError::EmptyMask { what: "first mask" });
    }
    if !any_b {
        return Err(SegmentError::EmptyMask { what: "second mask" });
    }
    let bdims = [0, 1, 2].map(|ax| hi[ax] - lo[ax] + 1);
    // Surface flags over the box: bit 1 for the first mask, bit 2 for the second.
    let mut surf = vec![0u8; bdims[0] * bdims[1] * bdims[2]];
    for (m, bit) in [(a, 1u8), (b, 2u8)] {
        let mut rows = surf.chunks_exact_mut(bdims[0]);
        for z in lo[2]..=hi[2] {
            for y in lo[1]..=hi[1] {
                if let Some(row) = rows.next() {
                    surface_row(&m.data, dims, [lo[0], y, z], row, bit);
                }
            }
        }
    }
    let n_a = surf.iter().filter(|&&s| s & 1 != 0).count();
    let n_b = surf.iter().filter(|&&s| s & 2 != 0).count();
    let mut d = Vec::with_capacity(n_a + n_b);
    let spacing = a.geometry.spacing;
    for (from, to) in [(1u8, 2u8), (2, 1)] {
        let edt = squared_edt(&surf, to, bdims, spacing);
        d.extend(surf.iter().zip(&edt).filter(|(&s, _)| s & from != 0).map(|(_, &e)| f64::from(e).sqrt()));
    }
    d.sort_unstable_by(f64::total_cmp);
    let mean = d.iter().sum::<f64>() / d.len() as f64;
    Ok(SurfaceDistances { max: d.last().copied().unwrap_or(f64::NAN), p95: percentile(&d, 0.95), mean, surface_voxels: [n_a, n_b] })
}

/// The 95th-percentile Hausdorff distance (HD95) between the non-zero voxels of two masks on the same grid, in mm.
///
/// - Surface voxels: voxels of the mask with at least one of their 6 face neighbours outside it; the outside of the
///   grid counts as outside. An axis with a single voxel is ignored, so on a one-slice image the surface is the 2D
///   contour rather than the whole slice.
/// - Distances: from each surface voxel of either mask to the nearest surface voxel of the other, between voxel
///   centres, using the spacing (exact Euclidean distance transform, up to `f32` rounding of squared distances).
/// - Percentile: the distances of both directions are pooled and the 95th percentile is taken by linear
///   interpolation between closest ranks (NumPy's default), i.e. medpy's `hd95`. MONAI's `percentile=95`
///   instead takes the larger of the two directions' percentiles, which can be larger.
///
/// Errors: data that does not match its grid, different grids, an empty mask.
pub fn hausdorff95(a: &LabelMap, b: &LabelMap) -> Result<f64, SegmentError> {
    surface_distances(a, b).map(|s| s.p95)
}

/// Sets `bit` in `out[k]` for each surface voxel `(start[0] + k, start[1], start[2])` of the mask: a voxel of the
/// mask with one of its face neighbours, along axes longer than one voxel, outside the mask or the grid (on a
/// one-voxel grid, the voxel itself).
fn surface_row(data: &[u8], dims: [usize; 3], start: [usize; 3], out: &mut [u8], bit: u8) {
    let [nx, ny, nz] = dims;
    let [x0, y, z] = start;
    let (sy, sz) = (nx, nx * ny);
    let (hx, hy, hz) = (nx > 1, ny > 1, nz > 1);
    // On the border of the grid along y or z: every voxel of the mask in this row is on the surface.
    let edge = (hy && (y == 0 || y + 1 == ny)) || (hz && (z == 0 || z + 1 == nz)) || dims == [1, 1, 1];
    let row = x0 + nx * (y + ny * z);
    for (k, o) in out.iter_mut().enumerate() {
        let (x, i) = (x0 + k, row + k);
        if data[i] == 0 {
            continue;
        }
        let surface = edge
            || (hx && (x == 0 || x + 1 == nx || data[i - 1] == 0 || data[i + 1] == 0))
            || (hy && (data[i - sy] == 0 || data[i + sy] == 0))
            || (hz && (data[i - sz] == 0 || data[i + sz] == 0));
        if surface {
            *o |= bit;
        }
    }
}

/// Squared Euclidean distance (mm²) from each voxel of a `dims` grid to the nearest voxel whose `surf` value has
/// `bit` set (infinite if there is none): one exact 1D transform per axis, each with its own spacing. Lines along y
/// and z are gathered a plane at a time into a transposed buffer, so memory is read row by row.
fn squared_edt(surf: &[u8], bit: u8, dims: [usize; 3], spacing: [f64; 3]) -> Vec<f32> {
    let mut d: Vec<f32> = surf.iter().map(|&s| if s & bit != 0 { 0.0 } else { f32::INFINITY }).collect();
    let [nx, ny, nz] = dims;
    let longest = dims.iter().copied().max().unwrap_or(0);
    let mut out = vec![0.0f64; longest];
    let (mut v, mut z) = (Vec::with_capacity(longest), Vec::with_capacity(longest));
    if nx > 1 {
        let mut f = vec![0.0f64; nx];
        for row in d.chunks_exact_mut(nx) {
            for (fk, &r) in f.iter_mut().zip(row.iter()) {
                *fk = f64::from(r);
            }
            edt_1d(&f, spacing[0], &mut out[..nx], &mut v, &mut z);
            for (r, &o) in row.iter_mut().zip(&out) {
                *r = o as f32;
            }
        }
    }
    // (axis, line length, stride along the line, number of blocks, stride between blocks)
    let mut block = Vec::new();
    for (ax, n, stride, blocks, block_stride) in [(1, ny, nx, nz, nx * ny), (2, nz, nx * ny, ny, nx)] {
        if n <= 1 {
            continue;
        }
        block.resize(n * nx, 0.0f64);
        for b in 0..blocks {
            let base = b * block_stride;
            // block[x * n + k] = d at x along the row, k along the line.
            for k in 0..n {
                let row = &d[base + k * stride..base + k * stride + nx];
                for (x, &r) in row.iter().enumerate() {
                    block[x * n + k] = f64::from(r);
                }
            }
            for line in block.chunks_exact_mut(n) {
                edt_1d(line, spacing[ax], &mut out[..n], &mut v, &mut z);
                line.copy_from_slice(&out[..n]);
            }
            for k in 0..n {
                let row = &mut d[base + k * stride..base + k * stride + nx];
                for (x, r) in row.iter_mut().enumerate() {
                    *r = block[x * n + k] as f32;
                }
            }
        }
    }
    d
}

/// One-dimensional squared distance transform of samples `f` spaced `s` apart: `out[q] = min_p ((q - p) s)² + f[p]`
/// over the finite `f[p]` (the lower envelope of parabolas; infinite everywhere if no `f[p]` is finite). `v` and `z`
/// are scratch space: the envelope's parabolas and the left ends of their ranges, in mm.
fn edt_1d(f: &[f64], s: f64, out: &mut [f64], v: &mut Vec<usize>, z: &mut Vec<f64>) {
    v.clear();
    z.clear();
    for (q, &fq) in f.iter().enumerate() {
        if !fq.is_finite() {
            continue;
        }
        let xq = q as f64 * s;
        while let (Some(&p), Some(&zl)) = (v.last(), z.last()) {
            let xp = p as f64 * s;
            // Where the parabolas of q and p cross.
            let x = ((fq + xq * xq) - (f[p] + xp * xp)) / (2.0 * (xq - xp));
            if x <= zl {
                v.pop();
                z.pop();
            } else {
                v.push(q);
                z.push(x);
                break;
            }
        }
        if v.is_empty() {
            v.push(q);
            z.push(f64::NEG_INFINITY);
        }
    }
    if v.is_empty() {
        out.fill(f64::INFINITY);
        return;
    }
    let mut k = 0;
    for (q, o) in out.iter_mut().enumerate() {
        let x = q as f64 * s;
        while k + 1 < v.len() && z[k + 1] < x {
            k += 1;
        }
        let dx = x - v[k] as f64 * s;
        *o = dx * dx + f[v[k]];
    }
}

/// Percentile `q` (0..=1) of sorted values by linear interpolation between closest ranks; NaN if empty.
fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let pos = q * (sorted.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

/// Intensity statistics of a region of interest.
#[derive(Debug, Clone, PartialEq)]
pub struct RoiStats {
    /// Voxels with the label, whatever their intensity.
    pub voxels: usize,
    /// Of those, the voxels with a finite intensity: the values every statistic below is computed on.
    pub count: usize,
    /// Volume of the region: `voxels` times the voxel volume (product of the spacings), mm³.
    pub volume_mm3: f64,
    pub mean: f64,
    /// Population standard deviation (dividing by `count`, as the IBSI variance).
    pub sd: f64,
    pub min: f64,
    pub max: f64,
    /// Median, 10th and 90th percentiles, by linear interpolation between closest ranks (as the IBSI features).
    pub median: f64,
    pub p10: f64,
    pub p90: f64,
}

/// The intensities of the voxels of `mask` with `label`, after the checks shared by [`roi_stats`] and
/// [`roi_histogram`].
fn roi_values(image: &Volume, mask: &LabelMap, label: u8) -> Result<Vec<f32>, SegmentError> {
    check_data("image", &image.geometry, image.data.len())?;
    check_data("mask", &mask.geometry, mask.data.len())?;
    check_same_grid("image", &image.geometry, "mask", &mask.geometry)?;
    let values: Vec<f32> = image.data.iter().zip(&mask.data).filter(|(_, &l)| l == label).map(|(&v, _)| v).collect();
    if values.is_empty() {
        let mut present = [false; 256];
        for &l in &mask.data {
            present[usize::from(l)] = true;
        }
        let present = (1..=255u8).filter(|&l| present[usize::from(l)]).collect();
        return Err(SegmentError::NoSuchLabel { label, present });
    }
    Ok(values)
}

/// Statistics of the image's finite intensities in the voxels of `mask` with `label` (label 0 is the background).
/// Non-finite intensities are left out of the statistics but counted in `voxels` and the volume; if none is finite,
/// `count` is 0 and the statistics are NaN. Errors: data that does not match its grid, a mask on another grid, no
/// voxel with the label.
pub fn roi_stats(image: &Volume, mask: &LabelMap, label: u8) -> Result<RoiStats, SegmentError> {
    let values = roi_values(image, mask, label)?;
    let voxels = values.len();
    let mut v: Vec<f64> = values.iter().filter(|x| x.is_finite()).map(|&x| f64::from(x)).collect();
    v.sort_unstable_by(f64::total_cmp);
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    let sd = (v.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n).sqrt();
    let [sx, sy, sz] = image.geometry.spacing;
    Ok(RoiStats {
        voxels,
        count: v.len(),
        volume_mm3: voxels as f64 * sx * sy * sz,
        mean,
        sd,
        min: v.first().copied().unwrap_or(f64::NAN),
        max: v.last().copied().unwrap_or(f64::NAN),
        median: percentile(&v, 0.5),
        p10: percentile(&v, 0.1),
        p90: percentile(&v, 0.9),
    })
}

/// Histogram of the intensities in the voxels of `mask` with `label`, in `bins` equal bins over their finite range
/// (widened by 0.5, or a millionth of the value if larger, on each side when the region holds a single value, and `[0, 1]` when it holds none). NaN values
/// are counted in `nan`, infinite ones in `below` and `above`. Errors: as [`roi_stats`], and `bins` = 0.
pub fn roi_histogram(image: &Volume, mask: &LabelMap, label: u8, bins: usize) -> Result<Histogram, SegmentError> {
    if bins == 0 {
        return Err(SegmentError::InvalidParameter { name: "bins", reason: "a histogram needs at least one bin".into() });
    }
    let values = roi_values(image, mask, label)?;
    let (lo, hi) = match finite_range(&values) {
        None => (0.0, 1.0),
        Some((lo, hi)) if hi > lo => (lo, hi),
        Some((v, _)) => {
            let widen = 0.5f32.max(v.abs() * 1e-6);
            (v - widen, v + widen)
        }
    };
    Histogram::new(&values, lo, hi, bins).ok_or(SegmentError::InvalidParameter {
        name: "histogram range",
        reason: format!("the intensities span [{lo}, {hi}], which cannot be split into bins"),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Test code: a panic is a failed test.
mod tests {
    use super::*;
    use crate::image::volume::Geometry;

    /// A mask of the voxels (x, y, z) where `inside` holds.
    fn shape(dims: [usize; 3], spacing: [f64; 3], inside: impl Fn(usize, usize, usize) -> bool) -> LabelMap {
        let mut data = Vec::with_capacity(dims[0] * dims[1] * dims[2]);
        for z in 0..dims[2] {
            for y in 0..dims[1] {
                for x in 0..dims[0] {
                    data.push(u8::from(inside(x, y, z)));
                }
            }
        }
        LabelMap::new(Geometry::new(dims, spacing), data).unwrap()
    }

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn dice_of_offset_cubes() {
        // A: 4 x 4 x 4 at the origin (64 voxels). B: the same shifted by 1 in x and 2 in y. Overlap 3 x 2 x 4 = 24.
        // Dice = 2 * 24 / (64 + 64) = 0.375.
        let a = shape([8, 8, 8], [1.0; 3], |x, y, z| x < 4 && y < 4 && z < 4);
        let b = shape([8, 8, 8], [1.0; 3], |x, y, z| (1..5).contains(&x) && (2..6).contains(&y) && z < 4);
        assert_eq!(dice(&a, &b).unwrap(), 0.375);
        assert_eq!(dice(&a, &a).unwrap(), 1.0);
        let empty = LabelMap::empty(a.geometry.clone());
        assert_eq!(dice(&empty, &empty).unwrap(), 1.0);
        assert_eq!(dice(&a, &empty).unwrap(), 0.0);
        // Labels other than 1 count as in the mask.
        let mut b3 = b.clone();
        b3.data.iter_mut().filter(|v| **v != 0).for_each(|v| *v = 3);
        assert_eq!(dice(&a, &b3).unwrap(), 0.375);
        let other = shape([8, 8, 7], [1.0; 3], |_, _, _| true);
        assert!(matches!(dice(&a, &other), Err(SegmentError::GridMismatch { .. })));
        let finer = shape([8, 8, 8], [0.5, 1.0, 1.0], |_, _, _| true);
        assert!(matches!(dice(&a, &finer), Err(SegmentError::GridMismatch { .. })));
        let mut short = b.clone();
        short.data.pop();
        assert!(matches!(dice(&a, &short), Err(SegmentError::BadData { what: "second mask", .. })));
    }

    #[test]
    fn surface_distances_by_hand_on_a_line() {
        // Spacing 2 mm along x; y and z have one voxel, so the surfaces are the end points. A = x 0..=9, surface
        // {0, 9}; B = x 0..=19, surface {0, 19}. A to B: 0 and min(9, 10) = 9 voxels; B to A: 0 and 10 voxels.
        // Pooled, in mm: [0, 0, 18, 20]; 95th percentile at rank 0.95 * 3 = 2.85: 18 + 0.85 * 2 = 19.7.
        let a = shape([20, 1, 1], [2.0, 1.0, 1.0], |x, _, _| x <= 9);
        let b = shape([20, 1, 1], [2.0, 1.0, 1.0], |_, _, _| true);
        let s = surface_distances(&a, &b).unwrap();
        assert_eq!(s.surface_voxels, [2, 2]);
        assert!(close(s.p95, 19.7, 1e-9), "{s:?}");
        assert_eq!(s.max, 20.0);
        assert_eq!(s.mean, 9.5);
        assert_eq!(hausdorff95(&b, &a).unwrap(), s.p95);
    }

    #[test]
    fn surface_distances_use_the_spacing() {
        // Single voxels at (0, 0) and (3, 4) of a 2D grid: 5 mm both ways.
        let a = shape([4, 5, 1], [1.0; 3], |x, y, _| (x, y) == (0, 0));
        let b = shape([4, 5, 1], [1.0; 3], |x, y, _| (x, y) == (3, 4));
        assert!(close(hausdorff95(&a, &b).unwrap(), 5.0, 1e-6));
        // (0, 0, 0) and (1, 1, 1) with spacing 1 x 2 x 3 mm: sqrt(1 + 4 + 9).
        let a = shape([3, 3, 3], [1.0, 2.0, 3.0], |x, y, z| (x, y, z) == (0, 0, 0));
        let b = shape([3, 3, 3], [1.0, 2.0, 3.0], |x, y, z| (x, y, z) == (1, 1, 1));
        let s = surface_distances(&a, &b).unwrap();
        assert!(close(s.p95, 14f64.sqrt(), 1e-6) && close(s.max, 14f64.sqrt(), 1e-6), "{s:?}");
        // A one-voxel grid: the voxel is its own surface.
        let one = shape([1, 1, 1], [1.0; 3], |_, _, _| true);
        assert_eq!(hausdorff95(&one, &one).unwrap(), 0.0);
    }

    #[test]
    fn surfaces_are_voxels_with_a_face_neighbour_outside() {
        // A 3 x 3 x 3 cube in a 5^3 grid: all but its centre are on the surface (26).
        let cube = shape([5, 5, 5], [1.0; 3], |x, y, z| [x, y, z].iter().all(|c| (1..4).contains(c)));
        let s = surface_distances(&cube, &cube).unwrap();
        assert_eq!(s.surface_voxels, [26, 26]);
        assert_eq!((s.max, s.p95, s.mean), (0.0, 0.0, 0.0));
        // The same square on a single slice is 2D: its 8 border voxels, not all 9.
        let square = shape([5, 5, 1], [1.0; 3], |x, y, _| (1..4).contains(&x) && (1..4).contains(&y));
        assert_eq!(surface_distances(&square, &square).unwrap().surface_voxels, [8, 8]);
        // A mask filling the grid: its border is its surface (the outside of the grid is outside).
        let full = shape([4, 4, 4], [1.0; 3], |_, _, _| true);
        assert_eq!(surface_distances(&full, &full).unwrap().surface_voxels, [56, 56]);
    }

    #[test]
    fn concentric_spheres_are_the_difference_of_radii_apart() {
        // Radii 10 and 6 voxels: the surfaces are about 4 mm apart everywhere (within a voxel of discretisation).
        let ball = |r: f64| move |x: usize, y: usize, z: usize| [x, y, z].iter().map(|&c| (c as f64 - 15.0).powi(2)).sum::<f64>() <= r * r;
        let a = shape([31, 31, 31], [1.0; 3], ball(10.0));
        let b = shape([31, 31, 31], [1.0; 3], ball(6.0));
        let s = surface_distances(&a, &b).unwrap();
        assert!(close(s.p95, 4.0, 1.0) && close(s.mean, 4.0, 0.5) && s.max <= 5.0, "{s:?}");
        // Anisotropic voxels (0.6 x 0.6 x 1.5 mm), radii 12 and 7 mm: about 5 mm, within the largest voxel side.
        let sp = [0.6, 0.6, 1.5];
        let mm = move |x: usize, y: usize, z: usize| {
            (x as f64 * sp[0] - 18.0).powi(2) + (y as f64 * sp[1] - 18.0).powi(2) + (z as f64 * sp[2] - 18.0).powi(2)
        };
        let a = shape([61, 61, 25], sp, |x, y, z| mm(x, y, z) <= 144.0);
        let b = shape([61, 61, 25], sp, |x, y, z| mm(x, y, z) <= 49.0);
        let s = surface_distances(&a, &b).unwrap();
        assert!(close(s.p95, 5.0, 1.5) && close(s.mean, 5.0, 0.75), "{s:?}");
    }

    #[test]
    fn distance_transform_matches_brute_force() {
        // Pseudo-random blobby masks, anisotropic spacing, in 3D and on one slice.
        let mut seed = 12345u64;
        let mut rand = move || {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (seed >> 33) as f64 / (1u64 << 31) as f64
        };
        for (dims, spacing) in [([9, 7, 5], [0.7, 1.3, 2.1]), ([12, 10, 1], [0.5, 1.7, 3.0]), ([6, 1, 8], [1.0, 1.0, 0.4])] {
            for _ in 0..4 {
                let n = dims[0] * dims[1] * dims[2];
                let (pa, pb) = (0.3 + 0.4 * rand(), 0.2 * rand());
                let a = LabelMap::new(Geometry::new(dims, spacing), (0..n).map(|_| u8::from(rand() < pa)).collect()).unwrap();
                let b = LabelMap::new(Geometry::new(dims, spacing), (0..n).map(|_| u8::from(rand() < pb) * 2).collect()).unwrap();
                if a.count() == 0 || b.count() == 0 {
                    continue;
                }
                let s = surface_distances(&a, &b).unwrap();
                // Surface voxels by the definition, written independently of `surface_row`.
                let surface = |m: &LabelMap| {
                    let inside = |p: [i64; 3]| {
                        (0..3).all(|k| p[k] >= 0 && p[k] < dims[k] as i64)
                            && m.data[p[0] as usize + dims[0] * (p[1] as usize + dims[1] * p[2] as usize)] != 0
                    };
                    let mut v = Vec::new();
                    for z in 0..dims[2] as i64 {
                        for y in 0..dims[1] as i64 {
                            for x in 0..dims[0] as i64 {
                                let p = [x, y, z];
                                let open = (0..3).filter(|&k| dims[k] > 1).any(|k| {
                                    let (mut lo, mut hi) = (p, p);
                                    lo[k] -= 1;
                                    hi[k] += 1;
                                    !inside(lo) || !inside(hi)
                                });
                                if inside(p) && open {
                                    v.push([x as f64 * spacing[0], y as f64 * spacing[1], z as f64 * spacing[2]]);
                                }
                            }
                        }
                    }
                    v
                };
                let (sa, sb) = (surface(&a), surface(&b));
                let nearest = |p: &[f64; 3], to: &[[f64; 3]]| {
                    to.iter().map(|q| (0..3).map(|k| (p[k] - q[k]).powi(2)).sum::<f64>().sqrt()).fold(f64::INFINITY, f64::min)
                };
                let mut d: Vec<f64> = sa.iter().map(|p| nearest(p, &sb)).chain(sb.iter().map(|p| nearest(p, &sa))).collect();
                d.sort_by(f64::total_cmp);
                assert_eq!(s.surface_voxels, [sa.len(), sb.len()]);
                let mean = d.iter().sum::<f64>() / d.len() as f64;
                assert!(close(s.max, d[d.len() - 1], 1e-5), "{dims:?}: {s:?} vs {}", d[d.len() - 1]);
                assert!(close(s.p95, percentile(&d, 0.95), 1e-5), "{dims:?}: {s:?}");
                assert!(close(s.mean, mean, 1e-5), "{dims:?}: {s:?} vs {mean}");
            }
        }
    }

    #[test]
    fn surface_distance_errors() {
        let a = shape([5, 5, 5], [1.0; 3], |x, _, _| x == 2);
        let empty = LabelMap::empty(a.geometry.clone());
        assert_eq!(hausdorff95(&a, &empty), Err(SegmentError::EmptyMask { what: "second mask" }));
        assert_eq!(hausdorff95(&empty, &a), Err(SegmentError::EmptyMask { what: "first mask" }));
        let shifted = LabelMap { geometry: Geometry { origin: [0.5, 0.0, 0.0], ..a.geometry.clone() }, ..a.clone() };
        assert!(matches!(hausdorff95(&a, &shifted), Err(SegmentError::GridMismatch { .. })));
        let flat = LabelMap { geometry: Geometry { spacing: [1.0, f64::NAN, 1.0], ..a.geometry.clone() }, ..a.clone() };
        assert!(matches!(hausdorff95(&flat, &a), Err(SegmentError::BadGeometry { what: "first mask", .. })));
        let mut short = a.clone();
        short.data.truncate(7);
        assert!(matches!(surface_distances(&a, &short), Err(SegmentError::BadData { .. })));
        assert!(hausdorff95(&a, &empty).unwrap_err().to_string().contains("empty"));
    }

    #[test]
    fn roi_statistics_by_hand() {
        // Label 2 on values 1..=10 and a NaN; label 1 on 99. Voxels of 0.5 x 0.5 x 2 = 0.5 mm³.
        let mut values: Vec<f32> = (1..=10).map(|v| v as f32).collect();
        values.extend([f32::NAN, 99.0]);
        let g = Geometry::new([12, 1, 1], [0.5, 0.5, 2.0]);
        let image = Volume::new(g.clone(), values).unwrap();
        let mask = LabelMap::new(g.clone(), [vec![2; 11], vec![1]].concat()).unwrap();
        let s = roi_stats(&image, &mask, 2).unwrap();
        assert_eq!((s.voxels, s.count, s.volume_mm3), (11, 10, 5.5));
        assert_eq!((s.mean, s.min, s.max, s.median), (5.5, 1.0, 10.0, 5.5));
        // Population variance of 1..=10: (100 - 1) / 12 = 8.25. Percentiles at ranks 0.1 * 9 = 0.9 and 0.9 * 9 = 8.1.
        assert!(close(s.sd, 8.25f64.sqrt(), 1e-12), "{s:?}");
        assert!(close(s.p10, 1.9, 1e-12) && close(s.p90, 9.1, 1e-12), "{s:?}");
        let one = roi_stats(&image, &mask, 1).unwrap();
        assert_eq!((one.count, one.mean, one.sd, one.p10, one.p90), (1, 99.0, 0.0, 99.0, 99.0));
        assert_eq!(roi_stats(&image, &mask, 3), Err(SegmentError::NoSuchLabel { label: 3, present: vec![1, 2] }));
        // A region with no finite value: counted, with NaN statistics.
        let nan_only = LabelMap::new(g.clone(), (0..12).map(|i| u8::from(i == 10) * 4).collect()).unwrap();
        let s = roi_stats(&image, &nan_only, 4).unwrap();
        assert_eq!((s.voxels, s.count, s.volume_mm3), (1, 0, 0.5));
        assert!(s.mean.is_nan() && s.sd.is_nan() && s.median.is_nan() && s.min.is_nan());
        let elsewhere = LabelMap::new(Geometry { origin: [0.0, 0.0, 1.0], ..g }, mask.data.clone()).unwrap();
        assert!(matches!(roi_stats(&image, &elsewhere, 2), Err(SegmentError::GridMismatch { .. })));
    }

    #[test]
    fn roi_histogram_counts() {
        let mut values: Vec<f32> = (1..=10).map(|v| v as f32).collect();
        values.extend([f32::NAN, 99.0]);
        let g = Geometry::new([12, 1, 1], [1.0; 3]);
        let image = Volume::new(g.clone(), values).unwrap();
        let mask = LabelMap::new(g, [vec![2; 11], vec![1]].concat()).unwrap();
        // [1, 4), [4, 7), [7, 10]: 1-3, 4-6, 7-10; the NaN apart.
        let h = roi_histogram(&image, &mask, 2, 3).unwrap();
        assert_eq!((h.counts.clone(), h.nan, h.min, h.max), (vec![3, 3, 4], 1, 1.0, 10.0));
        // A single value: the range is widened around it.
        let h = roi_histogram(&image, &mask, 1, 2).unwrap();
        assert_eq!((h.counts.clone(), h.min, h.max), (vec![0, 1], 98.5, 99.5));
        assert!(matches!(roi_histogram(&image, &mask, 2, 0), Err(SegmentError::InvalidParameter { .. })));
        assert!(matches!(roi_histogram(&image, &mask, 7, 4), Err(SegmentError::NoSuchLabel { .. })));
    }
}
