//! Local intensity features (IBSI 3.2): the mean intensity in a 1 cm^3 sphere around a voxel.

use super::{Out, Prepared};

/// Radius of a sphere of 1 cm^3, in mm.
pub(crate) fn radius_mm() -> f64 {
    (3.0 / (4.0 * std::f64::consts::PI)).cbrt() * 10.0
}

/// The 1 cm^3 sphere as rows along x: for each `(dy, dz)` offset that the sphere reaches, the largest `|dx|` whose
/// voxel centre lies within it.
fn sphere_rows(spacing: [f64; 3]) -> Vec<(isize, isize, isize)> {
    let r = radius_mm();
    let reach = spacing.map(|s| (r / s).floor() as isize);
    let inside = |dx: isize, dy: isize, dz: isize| {
        (dx as f64 * spacing[0]).powi(2) + (dy as f64 * spacing[1]).powi(2) + (dz as f64 * spacing[2]).powi(2) <= r * r
    };
    let mut rows = Vec::new();
    for dz in -reach[2]..=reach[2] {
        for dy in -reach[1]..=reach[1] {
            if inside(0, dy, dz) {
                let half = (0..=reach[0]).take_while(|&dx| inside(dx, dy, dz)).last().unwrap_or(0);
                rows.push((dy, dz, half));
            }
        }
    }
    rows
}

/// Prefix sums along x of the finite intensities and of their number, one row of `nx + 1` entries per `(y, z)`:
/// the sum over any row segment is two lookups, so a sphere costs one step per row instead of one per voxel.
/// (Non-finite voxels, e.g. padding marked NaN, do not count; voxels outside the ROI do, as the IBSI defines.)
struct RowSums {
    nx: usize,
    sum: Vec<f64>,
    count: Vec<u32>,
}

impl RowSums {
    fn new(data: &[f32], nx: usize) -> Self {
        let rows = data.len() / nx.max(1);
        let mut sum = vec![0.0; (nx + 1) * rows];
        let mut count = vec![0; (nx + 1) * rows];
        for r in 0..rows {
            let (s, c) = (&mut sum[r * (nx + 1)..][..nx + 1], &mut count[r * (nx + 1)..][..nx + 1]);
            for (x, &v) in data[r * nx..][..nx].iter().enumerate() {
                let finite = v.is_finite();
                s[x + 1] = s[x] + if finite { f64::from(v) } else { 0.0 };
                c[x + 1] = c[x] + u32::from(finite);
            }
        }
        RowSums { nx, sum, count }
    }

    /// Sum and count over `x0..=x1` of row `r`.
    fn segment(&self, r: usize, x0: usize, x1: usize) -> (f64, u32) {
        let base = r * (self.nx + 1);
        (self.sum[base + x1 + 1] - self.sum[base + x0], self.count[base + x1 + 1] - self.count[base + x0])
    }
}

/// Mean intensity in the sphere centred on voxel `i`.
fn peak(p: &Prepared<'_>, rows: &[(isize, isize, isize)], sums: &RowSums, i: usize) -> f64 {
    let [nx, ny, nz] = p.input.dims;
    let (x, y, z) = ((i % nx) as isize, ((i / nx) % ny) as isize, (i / (nx * ny)) as isize);
    let (mut sum, mut count) = (0.0f64, 0u32);
    for &(dy, dz, half) in rows {
        let (b, c) = (y + dy, z + dz);
        if b >= 0 && c >= 0 && (b as usize) < ny && (c as usize) < nz {
            let x0 = (x - half).max(0) as usize;
            let x1 = (x + half).min(nx as isize - 1) as usize;
            let (s, n) = sums.segment(b as usize + ny * c as usize, x0, x1);
            sum += s;
            count += n;
        }
    }
    sum / f64::from(count)
}

pub(crate) fn compute(p: &Prepared<'_>, out: &mut Out<'_>) {
    let rows = sphere_rows(p.input.spacing);
    let sums = RowSums::new(p.input.intensities, p.input.dims[0]);
    let data = p.input.intensities;
    let max = p.roi.iter().map(|&i| data[i]).fold(f32::NEG_INFINITY, f32::max);
    // Local peak: around the ROI voxels of highest intensity; when several, the highest of their peaks.
    let local = p.roi.iter().filter(|&&i| data[i] == max).map(|&i| peak(p, &rows, &sums, i)).fold(f64::NEG_INFINITY, f64::max);
    let global = p.roi.iter().map(|&i| peak(p, &rows, &sums, i)).fold(f64::NEG_INFINITY, f64::max);
    out.push("VJGA", "Local intensity peak", local);
    out.push("0F91", "Global intensity peak", global);
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Test code: a panic is a failed test.
mod tests {
    use super::*;
    use crate::radiomics::features::{prepare, FeatureInput, FeatureSettings};

    #[test]
    fn row_sums_equal_the_sphere_voxel_by_voxel() {
        // Anisotropic spacing, a NaN voxel and a sphere cut by the grid's edges.
        let (dims, spacing) = ([9, 8, 5], [0.9, 1.3, 2.6]);
        let n = dims[0] * dims[1] * dims[2];
        let mut data: Vec<f32> = (0..n).map(|i| ((i * 37) % 101) as f32 - 20.0).collect();
        data[40] = f32::NAN;
        let mask: Vec<bool> = (0..n).map(|i| i % 3 != 0 && i != 40).collect();
        let levels = vec![1u32; n];
        let input = FeatureInput::new(dims, spacing, &data, &mask, &levels);
        let p = prepare(&input, &FeatureSettings::default().check().unwrap()).unwrap();
        let (rows, sums) = (sphere_rows(spacing), RowSums::new(&data, dims[0]));
        let r = radius_mm();
        for &i in &p.roi {
            let c = [i % dims[0], (i / dims[0]) % dims[1], i / (dims[0] * dims[1])].map(|v| v as f64);
            let (mut s, mut k) = (0.0, 0);
            for (j, &v) in data.iter().enumerate() {
                let d = [j % dims[0], (j / dims[0]) % dims[1], j / (dims[0] * dims[1])].map(|v| v as f64);
                let d2: f64 = (0..3).map(|a| ((d[a] - c[a]) * spacing[a]).powi(2)).sum();
                if d2 <= r * r && v.is_finite() {
                    s += f64::from(v);
                    k += 1;
                }
            }
            let got = peak(&p, &rows, &sums, i);
            assert!((got - s / f64::from(k)).abs() < 1e-9, "voxel {i}: {got} against {}", s / f64::from(k));
        }
    }
}
