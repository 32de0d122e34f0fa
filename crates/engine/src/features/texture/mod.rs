//! Texture families (IBSI 3.6-3.11) and their aggregation over slices and directions.
//!
//! All families read the discretised grey levels through a grid where voxels outside the intensity mask hold
//! level 0, so neighbourhood loops need one comparison and no mask look-up. Slices are planes of constant z.
//!
//! Aggregation (IBSI 3.1.2): GLCM and GLRLM are computed per direction, then averaged or merged per slice (2D),
//! over slices (2.5D) or in 3D, giving six variants; the zone and neighbourhood families (GLSZM, GLDZM, NGTDM,
//! NGLDM) have no directions and give three: 2D (per-slice features averaged), 2.5D (slices merged) and 3D.

use super::math::entropy;
use super::{Family, FeatureError, FeatureSettings, FeatureValue, Out, Prepared};

pub mod glcm;
pub mod gldzm;
pub mod glrlm;
pub mod glszm;
pub mod ngldm;
pub mod ngtdm;

/// 2D, features averaged over slices and directions.
pub const AGG_2D_AVERAGED: &str = "BTW3";
/// 2D, directions merged per slice, features averaged over slices.
pub const AGG_2D_SLICE_MERGED: &str = "SUJT";
/// 2.5D, slices merged per direction, features averaged over directions.
pub const AGG_25D_DIRECTION_MERGED: &str = "JJUI";
/// 2.5D, every slice and direction merged.
pub const AGG_25D_MERGED: &str = "ZW7Z";
/// 3D, features averaged over directions.
pub const AGG_3D_AVERAGED: &str = "ITBB";
/// 3D, directions merged.
pub const AGG_3D_MERGED: &str = "IAZD";
/// 2D: features per slice, averaged (families without directions).
pub const AGG_2D: &str = "8QNN";
/// 2.5D: slices merged (families without directions).
pub const AGG_25D: &str = "62GR";
/// 3D (families without directions).
pub const AGG_3D: &str = "KOBO";

/// In-plane directions (the second half of the 8-neighbourhood).
pub(crate) const DIRS_2D: [[isize; 3]; 4] = [[1, 0, 0], [0, 1, 0], [1, 1, 0], [1, -1, 0]];
/// The 13 directions of the 26-neighbourhood, one of each opposite pair.
pub(crate) const DIRS_3D: [[isize; 3]; 13] = [
    [1, 0, 0],
    [0, 1, 0],
    [1, 1, 0],
    [1, -1, 0],
    [0, 0, 1],
    [1, 0, 1],
    [1, 0, -1],
    [0, 1, 1],
    [0, 1, -1],
    [1, 1, 1],
    [1, 1, -1],
    [1, -1, 1],
    [1, -1, -1],
];

/// Grey levels on the grid cropped to the bounding box of the ROI (both masks), 0 outside the intensity mask.
/// Cropping changes no feature: texture only looks at ROI voxels and their relative positions, and the GLDZM
/// treats voxels outside the grid like voxels outside the mask.
pub(crate) struct Grid {
    pub nx: usize,
    pub ny: usize,
    pub nz: usize,
    pub levels: Vec<u32>,
    /// The morphological mask on the cropped grid.
    pub morph: Vec<bool>,
    /// Number of grey levels `N_g`.
    pub ng: usize,
}

impl Grid {
    fn new(p: &Prepared<'_>) -> Grid {
        let [nx, ny, _] = p.input.dims;
        let morph = p.input.morphological_mask;
        let mut lo = [usize::MAX; 3];
        let mut hi = [0usize; 3];
        let inside = (0..morph.len()).filter(|&i| morph[i]).chain(p.roi.iter().copied());
        for i in inside {
            let c = [i % nx, (i / nx) % ny, i / (nx * ny)];
            for a in 0..3 {
                lo[a] = lo[a].min(c[a]);
                hi[a] = hi[a].max(c[a]);
            }
        }
        let [cx, cy, cz] = [0, 1, 2].map(|a| hi[a] + 1 - lo[a]);
        let crop = |i: usize| (i % nx - lo[0]) + cx * ((i / nx) % ny - lo[1] + cy * (i / (nx * ny) - lo[2]));
        let mut levels = vec![0u32; cx * cy * cz];
        for &i in &p.roi {
            levels[crop(i)] = p.input.texture_levels[i];
        }
        let mut cropped = vec![false; cx * cy * cz];
        for (i, _) in morph.iter().enumerate().filter(|(_, &m)| m) {
            cropped[crop(i)] = true;
        }
        Grid { nx: cx, ny: cy, nz: cz, levels, morph: cropped, ng: p.ng }
    }

    /// Calls `f(x, y, z, level)` for every ROI voxel of slice `z` (or of the whole grid), x fastest.
    #[inline]
    pub(crate) fn for_each_voxel(&self, slice: Option<usize>, mut f: impl FnMut(usize, usize, usize, u32)) {
        let (z0, z1) = slice.map_or((0, self.nz), |z| (z, z + 1));
        for z in z0..z1 {
            for y in 0..self.ny {
                for x in 0..self.nx {
                    let a = self.levels[x + self.nx * (y + self.ny * z)];
                    if a != 0 {
                        f(x, y, z, a);
                    }
                }
            }
        }
    }

    /// Level at (x, y, z) shifted by `o * d`, or 0 outside the grid or the ROI.
    #[inline]
    pub(crate) fn at(&self, x: usize, y: usize, z: usize, o: [isize; 3], d: isize) -> u32 {
        let (a, b, c) = (x as isize + o[0] * d, y as isize + o[1] * d, z as isize + o[2] * d);
        if a < 0 || b < 0 || c < 0 || a as usize >= self.nx || b as usize >= self.ny || c as usize >= self.nz {
            0
        } else {
            self.levels[a as usize + self.nx * (b as usize + self.ny * c as usize)]
        }
    }

    /// Offsets of the neighbourhood within Chebyshev distance `d` (centre excluded), in-plane when `planar`.
    pub(crate) fn neighbourhood(d: usize, planar: bool) -> Vec<[isize; 3]> {
        let d = d as isize;
        let dz = if planar { 0 } else { d };
        let mut v = Vec::new();
        for z in -dz..=dz {
            for y in -d..=d {
                for x in -d..=d {
                    if (x, y, z) != (0, 0, 0) {
                        v.push([x, y, z]);
                    }
                }
            }
        }
        v
    }
}

/// Number of progress steps of a family: the 2D/2.5D pass and the 3D pass for texture families.
pub(crate) fn steps(family: Family) -> usize {
    match family {
        Family::Glcm | Family::Glrlm | Family::Glszm | Family::Gldzm | Family::Ngtdm | Family::Ngldm => 2,
        _ => 1,
    }
}

pub(crate) fn compute(
    p: &Prepared<'_>,
    s: &FeatureSettings,
    family: Family,
    values: &mut Vec<FeatureValue>,
    tick: &mut dyn FnMut() -> Result<(), FeatureError>,
) -> Result<(), FeatureError> {
    let grid = Grid::new(p);
    let mut sink = Sink { values, family };
    match family {
        Family::Glcm => glcm::compute(&grid, s.distance, &mut sink, tick),
        Family::Glrlm => glrlm::compute(&grid, &mut sink, tick),
        Family::Glszm => glszm::compute(&grid, &mut sink, tick),
        Family::Gldzm => gldzm::compute(&grid, &mut sink, tick),
        Family::Ngtdm => ngtdm::compute(&grid, s.distance, &mut sink, tick),
        Family::Ngldm => ngldm::compute(&grid, s.distance, s.ngldm_alpha, &mut sink, tick),
        _ => Ok(()),
    }
}

/// Where a texture family writes its features, one aggregation at a time.
pub(crate) struct Sink<'v> {
    values: &'v mut Vec<FeatureValue>,
    family: Family,
}

impl Sink<'_> {
    /// Pushes `vals` named by `names` (code, name) under `aggregation`.
    pub(crate) fn push(&mut self, aggregation: &'static str, names: &[(&'static str, &'static str)], vals: &[f64]) {
        let mut out = Out { values: self.values, family: self.family, aggregation: Some(aggregation) };
        for (&(code, name), &v) in names.iter().zip(vals) {
            out.push(code, name, v);
        }
    }
}

/// Running mean of feature vectors.
pub(crate) struct Mean {
    sum: Vec<f64>,
    n: usize,
}

impl Mean {
    pub(crate) fn new(len: usize) -> Mean {
        Mean { sum: vec![0.0; len], n: 0 }
    }

    pub(crate) fn add(&mut self, v: &[f64]) {
        self.sum.iter_mut().zip(v).for_each(|(s, x)| *s += x);
        self.n += 1;
    }

    pub(crate) fn get(&self) -> Vec<f64> {
        self.sum.iter().map(|s| if self.n == 0 { f64::NAN } else { s / self.n as f64 }).collect()
    }
}

/// The 17 features shared by the run, zone and dependence matrices (GLRLM, GLSZM, GLDZM, NGLDM), in IBSI order:
/// small/large j emphasis, low/high grey level emphasis, their four combinations, grey level non-uniformity
/// (plain, normalised), j non-uniformity (plain, normalised), percentage, grey level variance, j variance,
/// entropy, energy.
///
/// `entries` are (grey level i >= 1, j >= 1, count), possibly with repeated (i, j) (merged matrices); `nv` is the
/// number of voxels for the percentage.
pub(crate) fn matrix_features(entries: &mut [(u32, u32, f64)], ng: usize, nv: f64) -> [f64; 17] {
    entries.sort_unstable_by_key(|e| (e.0, e.1));
    let ns: f64 = entries.iter().map(|e| e.2).sum();
    if ns == 0.0 {
        return [f64::NAN; 17];
    }
    let mut rows = vec![0.0; ng + 1];
    let mut cols: Vec<(u32, f64)> = Vec::new();
    let mut f = [0.0; 17];
    let (mut mu_i, mut mu_j) = (0.0, 0.0);
    let mut cells: Vec<(u32, u32, f64)> = Vec::with_capacity(entries.len());
    for &(i, j, c) in entries.iter() {
        match cells.last_mut() {
            Some(last) if last.0 == i && last.1 == j => last.2 += c,
            _ => cells.push((i, j, c)),
        }
    }
    for &(i, j, c) in &cells {
        let (fi, fj) = (i as f64, j as f64);
        let (i2, j2) = (fi * fi, fj * fj);
        f[0] += c / j2;
        f[1] += c * j2;
        f[2] += c / i2;
        f[3] += c * i2;
        f[4] += c / (i2 * j2);
        f[5] += c * i2 / j2;
        f[6] += c * j2 / i2;
        f[7] += c * i2 * j2;
        rows[i as usize] += c;
        cols.push((j, c));
        mu_i += fi * c / ns;
        mu_j += fj * c / ns;
    }
    for v in f.iter_mut().take(8) {
        *v /= ns;
    }
    let glnu: f64 = rows.iter().map(|r| r * r).sum();
    cols.sort_unstable_by_key(|c| c.0);
    let mut jnu = 0.0;
    let mut k = 0;
    while k < cols.len() {
        let mut s = 0.0;
        let j = cols[k].0;
        while k < cols.len() && cols[k].0 == j {
            s += cols[k].1;
            k += 1;
        }
        jnu += s * s;
    }
    f[8] = glnu / ns;
    f[9] = glnu / (ns * ns);
    f[10] = jnu / ns;
    f[11] = jnu / (ns * ns);
    f[12] = ns / nv;
    let (mut var_i, mut var_j) = (0.0, 0.0);
    for &(i, j, c) in &cells {
        let p = c / ns;
        var_i += (i as f64 - mu_i).powi(2) * p;
        var_j += (j as f64 - mu_j).powi(2) * p;
    }
    f[13] = var_i;
    f[14] = var_j;
    f[15] = entropy(cells.iter().map(|c| c.2 / ns));
    f[16] = cells.iter().map(|c| (c.2 / ns).powi(2)).sum();
    f
}

/// Connected zones of equal grey level: for each zone its level, size and voxels (as a range of `members`).
pub(crate) struct Zones {
    /// (level, start, end) into `members`.
    pub zones: Vec<(u32, usize, usize)>,
    /// Voxel indices, zone after zone.
    pub members: Vec<usize>,
}

/// Labels the zones of the ROI: 26-connected in 3D, or 8-connected within slice `z` when `slice` is given.
pub(crate) fn zones(g: &Grid, slice: Option<usize>) -> Zones {
    let (z0, z1) = slice.map_or((0, g.nz), |z| (z, z + 1));
    let offs = Grid::neighbourhood(1, slice.is_some());
    let plane = g.nx * g.ny;
    let mut seen = vec![false; plane * (z1 - z0)];
    let mut out = Zones { zones: Vec::new(), members: Vec::new() };
    for start in z0 * plane..z1 * plane {
        let level = g.levels[start];
        if level == 0 || seen[start - z0 * plane] {
            continue;
        }
        let first = out.members.len();
        seen[start - z0 * plane] = true;
        out.members.push(start);
        let mut head = first;
        while head < out.members.len() {
            let i = out.members[head];
            head += 1;
            let (x, y, z) = (i % g.nx, (i / g.nx) % g.ny, i / plane);
            for o in &offs {
                let (a, b, c) = (x as isize + o[0], y as isize + o[1], z as isize + o[2]);
                if a < 0 || b < 0 || c < z0 as isize || a as usize >= g.nx || b as usize >= g.ny || c as usize >= z1 {
                    continue;
                }
                let j = a as usize + g.nx * (b as usize + g.ny * c as usize);
                if g.levels[j] == level && !seen[j - z0 * plane] {
                    seen[j - z0 * plane] = true;
                    out.members.push(j);
                }
            }
        }
        out.zones.push((level, first, out.members.len()));
    }
    out
}
