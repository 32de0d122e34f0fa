//! Neighbouring grey level dependence matrix features (IBSI 3.11).

use super::{matrix_features, Grid, Mean, Sink, AGG_25D, AGG_2D, AGG_3D};
use crate::radiomics::features::{FeatureError, Tick};

/// Feature codes and names, in IBSI order.
pub const NAMES: [(&str, &str); 17] = [
    ("SODN", "Low dependence emphasis"),
    ("IMOQ", "High dependence emphasis"),
    ("TL9H", "Low grey level count emphasis"),
    ("OAE7", "High grey level count emphasis"),
    ("EQ3F", "Low dependence low grey level emphasis"),
    ("JA6D", "Low dependence high grey level emphasis"),
    ("NBZI", "High dependence low grey level emphasis"),
    ("9QMG", "High dependence high grey level emphasis"),
    ("FP8K", "Grey level non-uniformity"),
    ("5SPA", "Normalised grey level non-uniformity"),
    ("Z87G", "Dependence count non-uniformity"),
    ("OKJI", "Normalised dependence count non-uniformity"),
    ("6XV8", "Dependence count percentage"),
    ("1PFV", "Grey level variance"),
    ("DNX2", "Dependence count variance"),
    ("FCBV", "Dependence count entropy"),
    ("CAS9", "Dependence count energy"),
];

/// Counts (level, 1 + number of ROI neighbours within `alpha` grey levels) into `m` (`ng x nk`).
fn accumulate(g: &Grid, offs: &[[isize; 3]], alpha: u32, slice: Option<usize>, nk: usize, m: &mut [f64]) {
    g.for_each_voxel(slice, |x, y, z, a| {
        let k = offs.iter().filter(|&&o| {
            let b = g.at(x, y, z, o, 1);
            b != 0 && b.abs_diff(a) <= alpha
        });
        m[(a as usize - 1) * nk + k.count()] += 1.0;
    });
}

fn features(m: &[f64], ng: usize, nk: usize) -> Option<Vec<f64>> {
    let mut e: Vec<(u32, u32, f64)> = Vec::new();
    for (idx, &c) in m.iter().enumerate() {
        if c > 0.0 {
            e.push(((idx / nk + 1) as u32, (idx % nk + 1) as u32, c));
        }
    }
    if e.is_empty() {
        return None;
    }
    let nv: f64 = e.iter().map(|x| x.2).sum();
    Some(matrix_features(&mut e, ng, nv).to_vec())
}

pub(crate) fn compute(g: &Grid, d: usize, alpha: u32, sink: &mut Sink<'_>, tick: &mut Tick<'_>) -> Result<(), FeatureError> {
    tick()?;
    if sink.slices() {
        let offs = Grid::neighbourhood(d, true);
        let nk = offs.len() + 1;
        let mut avg = Mean::new(17);
        let mut total = vec![0.0; g.ng * nk];
        let mut m = vec![0.0; g.ng * nk];
        for z in 0..g.nz {
            m.iter_mut().for_each(|v| *v = 0.0);
            accumulate(g, &offs, alpha, Some(z), nk, &mut m);
            if let Some(f) = features(&m, g.ng, nk) {
                avg.add(&f);
            }
            total.iter_mut().zip(&m).for_each(|(a, b)| *a += b);
        }
        sink.push(AGG_2D, &NAMES, &avg.get());
        sink.push(AGG_25D, &NAMES, &features(&total, g.ng, nk).unwrap_or_else(|| vec![f64::NAN; 17]));
    }
    tick()?;
    if sink.volume() {
        let offs = Grid::neighbourhood(d, false);
        let nk = offs.len() + 1;
        let mut m = vec![0.0; g.ng * nk];
        accumulate(g, &offs, alpha, None, nk, &mut m);
        sink.push(AGG_3D, &NAMES, &features(&m, g.ng, nk).unwrap_or_else(|| vec![f64::NAN; 17]));
    }
    Ok(())
}
