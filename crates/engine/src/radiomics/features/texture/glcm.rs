//! Grey level co-occurrence matrix features (IBSI 3.6): symmetric matrices at Chebyshev distance `d`.

use super::super::math::entropy;
use super::{directional, Grid, Sink};
use crate::radiomics::features::{FeatureError, Tick};

/// Feature codes and names, in IBSI order.
pub const NAMES: [(&str, &str); 25] = [
    ("GYBY", "Joint maximum"),
    ("60VM", "Joint average"),
    ("UR99", "Joint variance"),
    ("TU9B", "Joint entropy"),
    ("TF7R", "Difference average"),
    ("D3YU", "Difference variance"),
    ("NTRS", "Difference entropy"),
    ("ZGXS", "Sum average"),
    ("OEEB", "Sum variance"),
    ("P6QZ", "Sum entropy"),
    ("8ZQL", "Angular second moment"),
    ("ACUI", "Contrast"),
    ("8S9J", "Dissimilarity"),
    ("IB1Z", "Inverse difference"),
    ("NDRX", "Normalised inverse difference"),
    ("WF0Z", "Inverse difference moment"),
    ("1QCO", "Normalised inverse difference moment"),
    ("E8JP", "Inverse variance"),
    ("NI2N", "Correlation"),
    ("QWB0", "Autocorrelation"),
    ("DG8W", "Cluster tendency"),
    ("7NFM", "Cluster shade"),
    ("AE86", "Cluster prominence"),
    ("R8DG", "Information correlation 1"),
    ("JN9H", "Information correlation 2"),
];

/// Adds the co-occurrences along `dir` at distance `d` (both orders) to `m` (`ng x ng`, row = level - 1), over
/// slice `z` only or the whole grid.
fn accumulate(g: &Grid, dir: [isize; 3], d: usize, slice: Option<usize>, m: &mut [f64]) {
    let ng = g.ng;
    g.for_each_voxel(slice, |x, y, z, a| {
        let b = g.at(x, y, z, dir, d as isize);
        if b != 0 {
            let (a, b) = (a as usize - 1, b as usize - 1);
            m[a * ng + b] += 1.0;
            m[b * ng + a] += 1.0;
        }
    });
}

/// The 25 features of one co-occurrence matrix (counts, `ng x ng`); `None` when it is empty.
pub(crate) fn features(m: &[f64], ng: usize) -> Option<[f64; 25]> {
    let total: f64 = m.iter().sum();
    if total == 0.0 {
        return None;
    }
    let p = |i: usize, j: usize| m[i * ng + j] / total;
    let mut pi = vec![0.0; ng];
    let mut pj = vec![0.0; ng];
    let mut pminus = vec![0.0; ng];
    let mut pplus = vec![0.0; 2 * ng + 1];
    let mut f = [0.0; 25];
    let (mut mu, mut jmax) = (0.0, 0.0f64);
    let ngf = ng as f64;
    for i in 0..ng {
        for j in 0..ng {
            let v = p(i, j);
            if v == 0.0 {
                continue;
            }
            let (fi, fj) = ((i + 1) as f64, (j + 1) as f64);
            pi[i] += v;
            pj[j] += v;
            pminus[i.abs_diff(j)] += v;
            pplus[i + j + 2] += v;
            jmax = jmax.max(v);
            mu += fi * v;
            let d = (fi - fj).abs();
            f[10] += v * v;
            f[11] += d * d * v;
            f[12] += d * v;
            f[13] += v / (1.0 + d);
            f[14] += v / (1.0 + d / ngf);
            f[15] += v / (1.0 + d * d);
            f[16] += v / (1.0 + d * d / (ngf * ngf));
            f[19] += fi * fj * v;
        }
    }
    let mu_i: f64 = pi.iter().enumerate().map(|(i, v)| (i + 1) as f64 * v).sum();
    let mu_j: f64 = pj.iter().enumerate().map(|(j, v)| (j + 1) as f64 * v).sum();
    let var_i: f64 = pi.iter().enumerate().map(|(i, v)| ((i + 1) as f64 - mu_i).powi(2) * v).sum();
    let var_j: f64 = pj.iter().enumerate().map(|(j, v)| ((j + 1) as f64 - mu_j).powi(2) * v).sum();
    let (mut jvar, mut cov, mut hxy, mut hxy1, mut hxy2) = (0.0, 0.0, 0.0, 0.0, 0.0);
    let (mut ct, mut cs, mut cp) = (0.0, 0.0, 0.0);
    for (i, &pi_i) in pi.iter().enumerate() {
        for (j, &pj_j) in pj.iter().enumerate() {
            let (fi, fj) = ((i + 1) as f64, (j + 1) as f64);
            let v = p(i, j);
            let q = pi_i * pj_j;
            if q > 0.0 {
                hxy2 -= q * q.log2();
            }
            if v == 0.0 {
                continue;
            }
            jvar += (fi - mu).powi(2) * v;
            cov += (fi - mu_i) * (fj - mu_j) * v;
            hxy -= v * v.log2();
            hxy1 -= v * q.log2();
            let c = fi + fj - mu_i - mu_j;
            ct += c * c * v;
            cs += c * c * c * v;
            cp += c * c * c * c * v;
        }
    }
    let dmean: f64 = pminus.iter().enumerate().map(|(k, v)| k as f64 * v).sum();
    let dvar: f64 = pminus.iter().enumerate().map(|(k, v)| (k as f64 - dmean).powi(2) * v).sum();
    let smean: f64 = pplus.iter().enumerate().map(|(k, v)| k as f64 * v).sum();
    let svar: f64 = pplus.iter().enumerate().map(|(k, v)| (k as f64 - smean).powi(2) * v).sum();
    let (hx, hy) = (entropy(pi.iter().copied()), entropy(pj.iter().copied()));
    f[0] = jmax;
    f[1] = mu;
    f[2] = jvar;
    f[3] = hxy;
    f[4] = dmean;
    f[5] = dvar;
    f[6] = entropy(pminus.iter().copied());
    f[7] = smean;
    f[8] = svar;
    f[9] = entropy(pplus.iter().copied());
    f[17] = pminus.iter().enumerate().skip(1).map(|(k, v)| v / (k * k) as f64).sum();
    f[18] = cov / (var_i.sqrt() * var_j.sqrt());
    f[20] = ct;
    f[21] = cs;
    f[22] = cp;
    f[23] = (hxy - hxy1) / hx.max(hy);
    f[24] = (1.0 - (-2.0 * (hxy2 - hxy)).exp()).max(0.0).sqrt();
    Some(f)
}

pub(crate) fn compute(g: &Grid, d: usize, sink: &mut Sink<'_>, tick: &mut Tick<'_>) -> Result<(), FeatureError> {
    let cells = |_| g.ng * g.ng;
    directional(g, sink, &NAMES, tick, cells, |dir, slice, m| accumulate(g, dir, d, slice, m), |m| features(m, g.ng).map(|f| f.to_vec()))
}
