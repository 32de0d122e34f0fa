//! Neighbourhood grey tone difference matrix features (IBSI 3.10).

use super::{Grid, Mean, Sink, AGG_25D, AGG_2D, AGG_3D};
use crate::radiomics::features::{FeatureError, Tick};

/// Feature codes and names, in IBSI order.
pub const NAMES: [(&str, &str); 5] =
    [("QCDE", "Coarseness"), ("65HE", "Contrast"), ("NQ30", "Busyness"), ("HDEZ", "Complexity"), ("1X9X", "Strength")];

/// Adds to `s` (sum of |level - neighbourhood mean|) and `n` (voxel count) per level, for the voxels of slice `z`
/// (in-plane neighbourhood) or of the whole grid. Voxels without a neighbour in the ROI are left out.
fn accumulate(g: &Grid, offs: &[[isize; 3]], slice: Option<usize>, s: &mut [f64], n: &mut [f64]) {
    g.for_each_voxel(slice, |x, y, z, a| {
        let (mut sum, mut count) = (0u64, 0u32);
        for &o in offs {
            let b = g.at(x, y, z, o, 1);
            if b != 0 {
                sum += b as u64;
                count += 1;
            }
        }
        if count > 0 {
            s[a as usize - 1] += (a as f64 - sum as f64 / count as f64).abs();
            n[a as usize - 1] += 1.0;
        }
    });
}

/// The five features from the per-level sums `s` and counts `n`; `None` when no voxel counts.
pub(crate) fn features(s: &[f64], n: &[f64]) -> Option<[f64; 5]> {
    let nv: f64 = n.iter().sum();
    if nv == 0.0 {
        return None;
    }
    let p: Vec<f64> = n.iter().map(|c| c / nv).collect();
    let levels: Vec<usize> = (0..p.len()).filter(|&i| p[i] > 0.0).collect();
    let ngp = levels.len() as f64;
    let ps: f64 = levels.iter().map(|&i| p[i] * s[i]).sum();
    let ssum: f64 = s.iter().sum();
    let (mut con, mut busy_den, mut complexity, mut strength) = (0.0, 0.0, 0.0, 0.0);
    for &i in &levels {
        for &j in &levels {
            let (fi, fj) = ((i + 1) as f64, (j + 1) as f64);
            let d = fi - fj;
            con += p[i] * p[j] * d * d;
            busy_den += (fi * p[i] - fj * p[j]).abs();
            complexity += d.abs() * (p[i] * s[i] + p[j] * s[j]) / (p[i] + p[j]);
            strength += (p[i] + p[j]) * d * d;
        }
    }
    // IBSI: coarseness is capped at 10^6; contrast and busyness are 0 for a single grey level, strength is 0
    // when no voxel differs from its neighbourhood.
    let single = ngp <= 1.0;
    Some([
        if ps == 0.0 { 1e6 } else { (1.0 / ps).min(1e6) },
        if single { 0.0 } else { con / (ngp * (ngp - 1.0)) * ssum / nv },
        if single { 0.0 } else { ps / busy_den },
        complexity / nv,
        if ssum == 0.0 { 0.0 } else { strength / ssum },
    ])
}

pub(crate) fn compute(g: &Grid, d: usize, sink: &mut Sink<'_>, tick: &mut Tick<'_>) -> Result<(), FeatureError> {
    let nan = [f64::NAN; 5];
    tick()?;
    if sink.slices() {
        let offs = Grid::neighbourhood(d, true);
        let mut avg = Mean::new(5);
        let (mut s_all, mut n_all) = (vec![0.0; g.ng], vec![0.0; g.ng]);
        let (mut s, mut n) = (vec![0.0; g.ng], vec![0.0; g.ng]);
        for z in 0..g.nz {
            s.iter_mut().for_each(|v| *v = 0.0);
            n.iter_mut().for_each(|v| *v = 0.0);
            accumulate(g, &offs, Some(z), &mut s, &mut n);
            if let Some(f) = features(&s, &n) {
                avg.add(&f);
            }
            s_all.iter_mut().zip(&s).for_each(|(a, b)| *a += b);
            n_all.iter_mut().zip(&n).for_each(|(a, b)| *a += b);
        }
        sink.push(AGG_2D, &NAMES, &avg.get());
        sink.push(AGG_25D, &NAMES, &features(&s_all, &n_all).unwrap_or(nan));
    }
    tick()?;
    if sink.volume() {
        let offs = Grid::neighbourhood(d, false);
        let (mut s, mut n) = (vec![0.0; g.ng], vec![0.0; g.ng]);
        accumulate(g, &offs, None, &mut s, &mut n);
        sink.push(AGG_3D, &NAMES, &features(&s, &n).unwrap_or(nan));
    }
    Ok(())
}
