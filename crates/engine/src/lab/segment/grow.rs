//! Region growing from a seed, and keeping a growth near its seed.

use super::*;

/// Offsets of the neighbours of a voxel for a connectivity.
pub(super) fn neighbour_offsets(c: Connectivity) -> Vec<[isize; 3]> {
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
