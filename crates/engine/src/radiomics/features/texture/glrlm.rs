//! Grey level run length matrix features (IBSI 3.7).

use super::{directional, matrix_features, Grid, Sink};
use crate::radiomics::features::{FeatureError, Tick};

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

pub(crate) fn compute(g: &Grid, sink: &mut Sink<'_>, tick: &mut Tick<'_>) -> Result<(), FeatureError> {
    // Runs are at most as long as the grid's largest side (in-plane for 2D): `nr` columns per grey level.
    let cells = |planar: bool| g.ng * if planar { g.nx.max(g.ny) } else { g.nx.max(g.ny).max(g.nz) };
    let nr = |m: &[f64]| m.len() / g.ng.max(1);
    directional(g, sink, &NAMES, tick, cells, |dir, slice, m| accumulate(g, dir, slice, nr(m), m), |m| features(m, g, nr(m)))
}
