//! Local intensity features (IBSI 3.2): the mean intensity in a 1 cm^3 sphere around a voxel.

use super::{Out, Prepared};

/// Radius of a sphere of 1 cm^3, in mm.
fn radius_mm() -> f64 {
    (3.0 / (4.0 * std::f64::consts::PI)).cbrt() * 10.0
}

/// Voxel offsets whose centres lie within the 1 cm^3 sphere.
fn sphere_offsets(spacing: [f64; 3]) -> Vec<[isize; 3]> {
    let r = radius_mm();
    let reach = spacing.map(|s| (r / s).floor() as isize);
    let mut offs = Vec::new();
    for dz in -reach[2]..=reach[2] {
        for dy in -reach[1]..=reach[1] {
            for dx in -reach[0]..=reach[0] {
                let d2 = (dx as f64 * spacing[0]).powi(2) + (dy as f64 * spacing[1]).powi(2) + (dz as f64 * spacing[2]).powi(2);
                if d2 <= r * r {
                    offs.push([dx, dy, dz]);
                }
            }
        }
    }
    offs
}

/// Mean of every image voxel (inside the ROI or not) within the sphere around voxel `i`.
fn peak(p: &Prepared<'_>, offs: &[[isize; 3]], i: usize) -> f64 {
    let [nx, ny, nz] = p.input.dims;
    let (x, y, z) = ((i % nx) as isize, ((i / nx) % ny) as isize, (i / (nx * ny)) as isize);
    let (mut sum, mut count) = (0.0f64, 0usize);
    for o in offs {
        let (a, b, c) = (x + o[0], y + o[1], z + o[2]);
        if a >= 0 && b >= 0 && c >= 0 && (a as usize) < nx && (b as usize) < ny && (c as usize) < nz {
            // Voxels outside the ROI count too (IBSI), except non-finite ones (e.g. padding marked NaN).
            let v = p.input.intensities[a as usize + nx * (b as usize + ny * c as usize)];
            if v.is_finite() {
                sum += v as f64;
                count += 1;
            }
        }
    }
    sum / count as f64
}

pub(crate) fn compute(p: &Prepared<'_>, out: &mut Out<'_>) {
    let offs = sphere_offsets(p.input.spacing);
    let data = p.input.intensities;
    let max = p.roi.iter().map(|&i| data[i]).fold(f32::NEG_INFINITY, f32::max);
    // Local peak: around the ROI voxels of highest intensity; when several, the highest of their peaks.
    let local = p.roi.iter().filter(|&&i| data[i] == max).map(|&i| peak(p, &offs, i)).fold(f64::NEG_INFINITY, f64::max);
    let global = p.roi.iter().map(|&i| peak(p, &offs, i)).fold(f64::NEG_INFINITY, f64::max);
    out.push("VJGA", "Local intensity peak", local);
    out.push("0F91", "Global intensity peak", global);
}
