//! Grey level run length matrix features (IBSI 3.7).

use super::{matrix_features, Grid, Mean, Sink, DIRS_2D, DIRS_3D};
use super::{AGG_25D_DIRECTION_MERGED, AGG_25D_MERGED, AGG_2D_AVERAGED, AGG_2D_SLICE_MERGED, AGG_3D_AVERAGED, AGG_3D_MERGED};
use crate::features::FeatureError;

/// Feature codes and names, in IBSI order.
pub const NAMES: [(&str, &str); 16] = [
    ("22OV", "Short runs emphasis"),
    ("W4KF", "Long runs emphasis"),
    ("V3SW", "Low grey level run emphasis"),
    ("G3QZ", "High grey level run emphasis"),
    ("HTZT", "Short run low grey level emphasis"),
    ("GD3A", "Short run high grey level emphasis"),
    ("IVPO", "Long run low grey level emphasis"),
    ("3KUM", "Long run high grey level emphasis"),
    ("R5YN", "Grey level non-uniformity"),
    ("OVBL", "Normalised grey level non-uniformity"),
    ("W92Y", "Run length non-uniformity"),
    ("IC23", "Normalised run length non-uniformity"),
    ("9ZK5", "Run percentage"),
    ("8CE5", "Grey level variance"),
    ("SXLW", "Run length variance"),
    ("HJ9O", "Run entropy"),
];

/// Adds the runs along `dir` to `m` (`ng x nr`, row = level - 1, column = length - 1).
fn accumulate(g: &Grid, dir: [isize; 3], slice: Option<usize>, nr: usize, m: &mut [f64]) {
    g.for_each_voxel(slice, |x, y, z, a| {
        // A run starts where the previous voxel along `dir` differs.
        if g.at(x, y, z, dir, -1) != a {
            let mut len = 1;
            while g.at(x, y, z, dir, len as isize) == a {
                len += 1;
            }
            m[(a as usize - 1) * nr + len - 1] += 1.0;
        }
    });
}

fn features(m: &[f64], g: &Grid, nr: usize) -> Option<Vec<f64>> {
    let mut entries: Vec<(u32, u32, f64)> = Vec::new();
    let mut nv = 0.0;
    for (k, &c) in m.iter().enumerate() {
        if c > 0.0 {
            let (i, j) = (k / nr + 1, k % nr + 1);
            entries.push((i as u32, j as u32, c));
            nv += j as f64 * c;
        }
    }
    if entries.is_empty() {
        return None;
    }
    Some(matrix_features(&mut entries, g.ng, nv)[..16].to_vec())
}

fn add(acc: &mut [f64], m: &[f64]) {
    acc.iter_mut().zip(m).for_each(|(a, b)| *a += b);
}

pub(crate) fn compute(g: &Grid, sink: &mut Sink<'_>, tick: &mut dyn FnMut() -> Result<(), FeatureError>) -> Result<(), FeatureError> {
    let nan = vec![f64::NAN; 16];
    tick()?;
    if sink.slices() {
        let nr2 = g.nx.max(g.ny);
        let n = g.ng * nr2;
        let (mut avg2d, mut slice_merged, mut dir_merged) = (Mean::new(16), Mean::new(16), Mean::new(16));
        let mut per_dir = vec![vec![0.0; n]; DIRS_2D.len()];
        let mut total = vec![0.0; n];
        let mut m = vec![0.0; n];
        let mut slice_sum = vec![0.0; n];
        for z in 0..g.nz {
            slice_sum.iter_mut().for_each(|v| *v = 0.0);
            for (k, &dir) in DIRS_2D.iter().enumerate() {
                m.iter_mut().for_each(|v| *v = 0.0);
                accumulate(g, dir, Some(z), nr2, &mut m);
                if let Some(f) = features(&m, g, nr2) {
                    avg2d.add(&f);
                }
                add(&mut slice_sum, &m);
                add(&mut per_dir[k], &m);
            }
            if let Some(f) = features(&slice_sum, g, nr2) {
                slice_merged.add(&f);
            }
            add(&mut total, &slice_sum);
        }
        for md in &per_dir {
            if let Some(f) = features(md, g, nr2) {
                dir_merged.add(&f);
            }
        }
        sink.push(AGG_2D_AVERAGED, &NAMES, &avg2d.get());
        sink.push(AGG_2D_SLICE_MERGED, &NAMES, &slice_merged.get());
        sink.push(AGG_25D_DIRECTION_MERGED, &NAMES, &dir_merged.get());
        sink.push(AGG_25D_MERGED, &NAMES, &features(&total, g, nr2).unwrap_or_else(|| nan.clone()));
    }
    tick()?;
    if sink.volume() {
        let nr3 = g.nx.max(g.ny).max(g.nz);
        let n = g.ng * nr3;
        let mut avg3d = Mean::new(16);
        let mut total = vec![0.0; n];
        let mut m = vec![0.0; n];
        for &dir in &DIRS_3D {
            m.iter_mut().for_each(|v| *v = 0.0);
            accumulate(g, dir, None, nr3, &mut m);
            if let Some(f) = features(&m, g, nr3) {
                avg3d.add(&f);
            }
            add(&mut total, &m);
        }
        sink.push(AGG_3D_AVERAGED, &NAMES, &avg3d.get());
        sink.push(AGG_3D_MERGED, &NAMES, &features(&total, g, nr3).unwrap_or(nan));
    }
    Ok(())
}
