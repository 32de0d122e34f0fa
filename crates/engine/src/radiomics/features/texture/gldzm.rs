//! Grey level distance zone matrix features (IBSI 3.9): zones as for the GLSZM, counted by their distance to the
//! ROI edge.

use std::collections::VecDeque;

use super::{matrix_features, zones, Grid, Mean, Sink, AGG_25D, AGG_2D, AGG_3D};
use crate::radiomics::features::{FeatureError, Tick};

/// Feature codes and names, in IBSI order.
pub const NAMES: [(&str, &str); 16] = [
    ("0GBI", "Small distance emphasis"),
    ("MB4I", "Large distance emphasis"),
    ("S1RA", "Low grey level zone emphasis"),
    ("K26C", "High grey level zone emphasis"),
    ("RUVG", "Small distance low grey level emphasis"),
    ("DKNJ", "Small distance high grey level emphasis"),
    ("A7WM", "Large distance low grey level emphasis"),
    ("KLTH", "Large distance high grey level emphasis"),
    ("VFT7", "Grey level non-uniformity"),
    ("7HP3", "Normalised grey level non-uniformity"),
    ("V294", "Zone distance non-uniformity"),
    ("IATH", "Normalised zone distance non-uniformity"),
    ("VIWW", "Zone percentage"),
    ("QK93", "Grey level variance"),
    ("7WT1", "Zone distance variance"),
    ("GBDU", "Zone distance entropy"),
];

/// Distance of every voxel of `mask` to the ROI edge along face neighbours (6 in 3D, 4 within a slice when
/// `planar`): 1 next to a voxel outside the mask or the grid, 0 outside the mask.
fn edge_distance(mask: &[bool], dims: [usize; 3], planar: bool) -> Vec<u32> {
    let [nx, ny, nz] = dims;
    let offs: &[[isize; 3]] = if planar {
        &[[1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0]]
    } else {
        &[[1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0], [0, 0, 1], [0, 0, -1]]
    };
    let mut dist = vec![0u32; mask.len()];
    let mut queue = VecDeque::new();
    let neighbour = |i: usize, o: &[isize; 3]| -> Option<usize> {
        let (x, y, z) = ((i % nx) as isize + o[0], ((i / nx) % ny) as isize + o[1], (i / (nx * ny)) as isize + o[2]);
        (x >= 0 && y >= 0 && z >= 0 && (x as usize) < nx && (y as usize) < ny && (z as usize) < nz)
            .then(|| x as usize + nx * (y as usize + ny * z as usize))
    };
    for i in 0..mask.len() {
        if mask[i] && offs.iter().any(|o| neighbour(i, o).is_none_or(|j| !mask[j])) {
            dist[i] = 1;
            queue.push_back(i);
        }
    }
    while let Some(i) = queue.pop_front() {
        for o in offs {
            if let Some(j) = neighbour(i, o) {
                if mask[j] && dist[j] == 0 {
                    dist[j] = dist[i] + 1;
                    queue.push_back(j);
                }
            }
        }
    }
    dist
}

/// (level, zone distance, 1) for every zone; and the number of voxels.
fn entries(g: &Grid, dist: &[u32], slice: Option<usize>) -> (Vec<(u32, u32, f64)>, f64) {
    let z = zones(g, slice);
    let e = z.zones.iter().map(|&(level, a, b)| (level, z.members[a..b].iter().map(|&i| dist[i]).min().unwrap_or(1).max(1), 1.0)).collect();
    (e, z.members.len() as f64)
}

fn features(e: &mut [(u32, u32, f64)], ng: usize, nv: f64) -> Option<Vec<f64>> {
    if e.is_empty() {
        return None;
    }
    Some(matrix_features(e, ng, nv)[..16].to_vec())
}

/// Distances are measured on the morphological mask: IBSI measures the distance to the edge of the ROI as drawn.
pub(crate) fn compute(g: &Grid, sink: &mut Sink<'_>, tick: &mut Tick<'_>) -> Result<(), FeatureError> {
    let dims = [g.nx, g.ny, g.nz];
    tick()?;
    if sink.slices() {
        let dist2 = edge_distance(&g.morph, dims, true);
        let mut avg = Mean::new(16);
        let (mut all, mut nv_all) = (Vec::new(), 0.0);
        for z in 0..g.nz {
            let (mut e, nv) = entries(g, &dist2, Some(z));
            if let Some(f) = features(&mut e, g.ng, nv) {
                avg.add(&f);
            }
            all.extend(e);
            nv_all += nv;
        }
        sink.push(AGG_2D, &NAMES, &avg.get());
        sink.push(AGG_25D, &NAMES, &features(&mut all, g.ng, nv_all).unwrap_or_else(|| vec![f64::NAN; 16]));
    }
    tick()?;
    if sink.volume() {
        let dist3 = edge_distance(&g.morph, dims, false);
        let (mut e, nv) = entries(g, &dist3, None);
        sink.push(AGG_3D, &NAMES, &features(&mut e, g.ng, nv).unwrap_or_else(|| vec![f64::NAN; 16]));
    }
    Ok(())
}
