//! Texture families (IBSI 3.6-3.11) and their aggregation over slices and directions.
//!
//! All families read the discretised grey levels through a grid where voxels outside the intensity mask hold
//! level 0, so neighbourhood loops need one comparison and no mask look-up. Slices are planes of constant z.
//!
//! Aggregation (IBSI 3.1.2): GLCM and GLRLM are computed per direction, then averaged or merged per slice (2D),
//! over slices (2.5D) or in 3D, giving six variants; the zone and neighbourhood families (GLSZM, GLDZM, NGTDM,
//! NGLDM) have no directions and give three: 2D (per-slice features averaged), 2.5D (slices merged) and 3D.

use super::math::entropy;
use super::{Aggregations, Family, FeatureError, FeatureSettings, FeatureValue, Out, Prepared, Tick};

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
        let (morph, roi) = (p.input.morphological_mask, p.input.intensity_mask);
        // The bounding box, row by row (no division per voxel).
        let (mut lo, mut hi) = ([usize::MAX; 3], [0usize; 3]);
        for (r, (m, i)) in morph.chunks_exact(nx).zip(roi.chunks_exact(nx)).enumerate() {
            let inside = |x: &usize| m[*x] || i[*x];
            if let (Some(first), Some(last)) = ((0..nx).find(inside), (0..nx).rfind(inside)) {
                for (a, (l, h)) in [(first, last), (r % ny, r % ny), (r / ny, r / ny)].into_iter().enumerate() {
                    lo[a] = lo[a].min(l);
                    hi[a] = hi[a].max(h);
                }
            }
        }
        if lo[0] == usize::MAX {
            // No voxel in either mask (`prepare` refuses that): an empty grid.
            return Grid { nx: 0, ny: 0, nz: 0, levels: Vec::new(), morph: Vec::new(), ng: p.ng };
        }
        let [cx, cy, cz] = [0, 1, 2].map(|a| hi[a] + 1 - lo[a]);
        let mut levels = vec![0u32; cx * cy * cz];
        let mut cropped = vec![false; cx * cy * cz];
        for z in 0..cz {
            for y in 0..cy {
                let src = lo[0] + nx * (lo[1] + y + ny * (lo[2] + z));
                let dst = cx * (y + cy * z);
                for x in 0..cx {
                    if roi[src + x] {
                        levels[dst + x] = p.input.texture_levels[src + x];
                    }
                    cropped[dst + x] = morph[src + x];
                }
            }
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

/// Appends the values of the texture family `out` is for.
pub(crate) fn compute(p: &Prepared<'_>, s: &FeatureSettings, out: &mut Out<'_>, tick: &mut Tick<'_>) -> Result<(), FeatureError> {
    let grid = Grid::new(p);
    let family = out.family;
    let mut sink = Sink { values: &mut *out.values, family, aggregations: s.aggregations };
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

/// The six aggregations of a family with directions (GLCM, GLRLM), those the sink wants. `cells(planar)` is the size
/// of one direction's matrix (in-plane or 3D), `accumulate(direction, slice, matrix)` adds a direction's counts
/// (in slice z, or over the grid for `None`), and `features(matrix)` gives the family's `names.len()` features, or
/// `None` for an empty matrix. 2D: per slice and direction (averaged), per slice with directions merged; 2.5D: per
/// direction with slices merged, everything merged; 3D: per direction (averaged), directions merged.
pub(crate) fn directional(
    g: &Grid,
    sink: &mut Sink<'_>,
    names: &[(&'static str, &'static str)],
    tick: &mut Tick<'_>,
    cells: impl Fn(bool) -> usize,
    mut accumulate: impl FnMut([isize; 3], Option<usize>, &mut [f64]),
    features: impl Fn(&[f64]) -> Option<Vec<f64>>,
) -> Result<(), FeatureError> {
    let k = names.len();
    let add = |acc: &mut [f64], m: &[f64]| acc.iter_mut().zip(m).for_each(|(a, b)| *a += b);
    let merged = |m: &[f64]| features(m).unwrap_or_else(|| vec![f64::NAN; k]);
    tick()?;
    if sink.slices() {
        let n = cells(true);
        let (mut avg2d, mut slice_merged, mut dir_merged) = (Mean::new(k), Mean::new(k), Mean::new(k));
        let mut per_dir = vec![vec![0.0; n]; DIRS_2D.len()];
        let mut total = vec![0.0; n];
        let mut m = vec![0.0; n];
        let mut slice_sum = vec![0.0; n];
        for z in 0..g.nz {
            slice_sum.fill(0.0);
            for (d, &dir) in DIRS_2D.iter().enumerate() {
                m.fill(0.0);
                accumulate(dir, Some(z), &mut m);
                if let Some(f) = features(&m) {
                    avg2d.add(&f);
                }
                add(&mut slice_sum, &m);
                add(&mut per_dir[d], &m);
            }
            if let Some(f) = features(&slice_sum) {
                slice_merged.add(&f);
            }
            add(&mut total, &slice_sum);
        }
        for md in &per_dir {
            if let Some(f) = features(md) {
                dir_merged.add(&f);
            }
        }
        sink.push(AGG_2D_AVERAGED, names, &avg2d.get());
        sink.push(AGG_2D_SLICE_MERGED, names, &slice_merged.get());
        sink.push(AGG_25D_DIRECTION_MERGED, names, &dir_merged.get());
        sink.push(AGG_25D_MERGED, names, &merged(&total));
    }
    tick()?;
    if sink.volume() {
        let n = cells(false);
        let mut avg3d = Mean::new(k);
        let mut total = vec![0.0; n];
        let mut m = vec![0.0; n];
        for &dir in &DIRS_3D {
            m.fill(0.0);
            accumulate(dir, None, &mut m);
            if let Some(f) = features(&m) {
                avg3d.add(&f);
            }
            add(&mut total, &m);
        }
        sink.push(AGG_3D_AVERAGED, names, &avg3d.get());
        sink.push(AGG_3D_MERGED, names, &merged(&total));
    }
    Ok(())
}

/// Where a texture family writes its features, one aggregation at a time.
pub(crate) struct Sink<'v> {
    values: &'v mut Vec<FeatureValue>,
    family: Family,
    aggregations: Aggregations,
}

impl Sink<'_> {
    /// Whether the 2D and 2.5D aggregations (slice by slice) are wanted.
    pub(crate) fn slices(&self) -> bool {
        self.aggregations != Aggregations::Volume
    }

    /// Whether the 3D aggregations are wanted.
    pub(crate) fn volume(&self) -> bool {
        self.aggregations != Aggregations::Slices
    }

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
    // The levels with a border of 0 on every side, so that every neighbour is a fixed offset away and needs no
    // bounds check (a 0 is never part of a zone); `index` maps a padded position back to the grid. A voxel is
    // marked as seen by setting its padded level to 0.
    let (px, py) = (g.nx + 2, g.ny + 2);
    let pz = z1 - z0 + 2;
    let mut pad = vec![0u32; px * py * pz];
    let mut index = vec![0usize; px * py * pz];
    for z in z0..z1 {
        for y in 0..g.ny {
            let src = g.nx * (y + g.ny * z);
            let dst = 1 + px * (y + 1 + py * (z - z0 + 1));
            pad[dst..dst + g.nx].copy_from_slice(&g.levels[src..src + g.nx]);
            index[dst..dst + g.nx].iter_mut().zip(src..).for_each(|(d, s)| *d = s);
        }
    }
    let offs: Vec<isize> =
        Grid::neighbourhood(1, slice.is_some()).iter().map(|o| o[0] + px as isize * (o[1] + py as isize * o[2])).collect();
    let mut out = Zones { zones: Vec::new(), members: Vec::new() };
    let mut queue: Vec<usize> = Vec::new();
    for start in 0..pad.len() {
        let level = pad[start];
        if level == 0 {
            continue;
        }
        let first = out.members.len();
        pad[start] = 0;
        queue.clear();
        queue.push(start);
        while let Some(i) = queue.pop() {
            out.members.push(index[i]);
            for &o in &offs {
                let j = i.wrapping_add_signed(o);
                if pad[j] == level {
                    pad[j] = 0;
                    queue.push(j);
                }
            }
        }
        out.zones.push((level, first, out.members.len()));
    }
    out
}
