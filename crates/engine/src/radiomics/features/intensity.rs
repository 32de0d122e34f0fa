//! Intensity statistics (UHIW), intensity histogram (ZVCW) and intensity-volume histogram (P88C).

use super::math::{entropy, percentile};
use super::{IvhDiscretisation, IvhSettings, Out, Prepared};

/// The first-order features shared by statistics and histogram, on sorted values.
fn first_order(sorted: &[f64]) -> FirstOrder {
    let n = sorted.len() as f64;
    let mean = sorted.iter().sum::<f64>() / n;
    let (mut m2, mut m3, mut m4) = (0.0, 0.0, 0.0);
    for &x in sorted {
        let d = x - mean;
        m2 += d * d;
        m3 += d * d * d;
        m4 += d * d * d * d;
    }
    let (m2, m3, m4) = (m2 / n, m3 / n, m4 / n);
    let p10 = percentile(sorted, 0.10);
    let p25 = percentile(sorted, 0.25);
    let p75 = percentile(sorted, 0.75);
    let p90 = percentile(sorted, 0.90);
    let median = percentile(sorted, 0.5);
    let min = sorted[0];
    let max = sorted[sorted.len() - 1];
    let mad = sorted.iter().map(|x| (x - mean).abs()).sum::<f64>() / n;
    let robust: Vec<f64> = sorted.iter().copied().filter(|&x| x >= p10 && x <= p90).collect();
    let rmean = robust.iter().sum::<f64>() / robust.len() as f64;
    let rmad = robust.iter().map(|x| (x - rmean).abs()).sum::<f64>() / robust.len() as f64;
    let medad = sorted.iter().map(|x| (x - median).abs()).sum::<f64>() / n;
    FirstOrder {
        mean,
        variance: m2,
        // IBSI: both are 0 when the variance is 0.
        skewness: if m2 == 0.0 { 0.0 } else { m3 / m2.powf(1.5) },
        kurtosis: if m2 == 0.0 { 0.0 } else { m4 / (m2 * m2) - 3.0 },
        median,
        min,
        p10,
        p90,
        max,
        iqr: p75 - p25,
        range: max - min,
        mad,
        rmad,
        medad,
        cov: m2.sqrt() / mean,
        qcod: (p75 - p25) / (p75 + p25),
    }
}

/// The IBSI codes and names of the first-order statistics, in [`FirstOrder::values`]' order: for intensities
/// (IBSI 3.3) and for discretised intensities (IBSI 3.4), which report the same statistics.
const FIRST_ORDER: [(&str, &str, &str, &str); 16] = [
    ("Q4LE", "Mean intensity", "X6K6", "Mean discretised intensity"),
    ("ECT3", "Intensity variance", "CH89", "Discretised intensity variance"),
    ("KE2A", "Intensity skewness", "88K1", "Discretised intensity skewness"),
    ("IPH6", "(Excess) intensity kurtosis", "C3I7", "(Excess) discretised intensity kurtosis"),
    ("Y12H", "Median intensity", "WIFQ", "Median discretised intensity"),
    ("1GSF", "Minimum intensity", "1PR8", "Minimum discretised intensity"),
    ("QG58", "10th intensity percentile", "GPMT", "10th discretised intensity percentile"),
    ("8DWT", "90th intensity percentile", "OZ0C", "90th discretised intensity percentile"),
    ("84IY", "Maximum intensity", "3NCY", "Maximum discretised intensity"),
    ("SALO", "Intensity interquartile range", "WR0O", "Discretised intensity interquartile range"),
    ("2OJQ", "Intensity range", "5Z3W", "Discretised intensity range"),
    ("4FUA", "Intensity-based mean absolute deviation", "D2ZX", "Intensity histogram mean absolute deviation"),
    ("1128", "Intensity-based robust mean absolute deviation", "WRZB", "Intensity histogram robust mean absolute deviation"),
    ("N72L", "Intensity-based median absolute deviation", "4RNL", "Intensity histogram median absolute deviation"),
    ("7TET", "Intensity-based coefficient of variation", "CWYJ", "Intensity histogram coefficient of variation"),
    ("9S40", "Intensity-based quartile coefficient of dispersion", "SLWD", "Intensity histogram quartile coefficient of dispersion"),
];

struct FirstOrder {
    mean: f64,
    variance: f64,
    skewness: f64,
    kurtosis: f64,
    median: f64,
    min: f64,
    p10: f64,
    p90: f64,
    max: f64,
    iqr: f64,
    range: f64,
    mad: f64,
    rmad: f64,
    medad: f64,
    cov: f64,
    qcod: f64,
}

impl FirstOrder {
    /// The statistics in [`FIRST_ORDER`]'s order.
    fn values(&self) -> [f64; 16] {
        [
            self.mean,
            self.variance,
            self.skewness,
            self.kurtosis,
            self.median,
            self.min,
            self.p10,
            self.p90,
            self.max,
            self.iqr,
            self.range,
            self.mad,
            self.rmad,
            self.medad,
            self.cov,
            self.qcod,
        ]
    }
}

fn sorted_values(p: &Prepared<'_>, f: impl Fn(usize) -> f64) -> Vec<f64> {
    let mut v: Vec<f64> = p.roi.iter().map(|&i| f(i)).collect();
    v.sort_by(f64::total_cmp);
    v
}

/// Intensity-based statistical features (IBSI 3.3), on the intensity mask.
pub(crate) fn statistics(p: &Prepared<'_>, out: &mut Out<'_>) {
    let x = sorted_values(p, |i| p.input.intensities[i] as f64);
    let f = first_order(&x);
    let energy: f64 = x.iter().map(|v| v * v).sum();
    for (&(code, name, _, _), value) in FIRST_ORDER.iter().zip(f.values()) {
        out.push(code, name, value);
    }
    out.push("N8CA", "Intensity-based energy", energy);
    out.push("5ZWQ", "Root mean square intensity", (energy / x.len() as f64).sqrt());
}

/// Intensity histogram features (IBSI 3.4), on the histogram grey levels 1 ..= N_g.
pub(crate) fn histogram(p: &Prepared<'_>, out: &mut Out<'_>) {
    let x = sorted_values(p, |i| p.input.histogram_levels[i] as f64);
    let f = first_order(&x);
    let ng = p.nh;
    let mut h = vec![0u64; ng];
    for &i in &p.roi {
        h[p.input.histogram_levels[i] as usize - 1] += 1;
    }
    let n = x.len() as f64;
    // Mode: the most frequent level; ties go to the level closest to the mean.
    let maxc = h.iter().copied().max().unwrap_or(0);
    let mode = (0..ng)
        .filter(|&k| h[k] == maxc)
        .min_by(|&a, &b| ((a + 1) as f64 - f.mean).abs().total_cmp(&((b + 1) as f64 - f.mean).abs()))
        .map_or(f64::NAN, |k| (k + 1) as f64);
    let prob = h.iter().map(|&c| c as f64 / n);
    let uniformity: f64 = h.iter().map(|&c| (c as f64 / n).powi(2)).sum();
    // Histogram gradient: forward difference at the first bin, backward at the last, central elsewhere.
    let grad: Vec<f64> = (0..ng)
        .map(|k| {
            let hc = |k: usize| h[k] as f64;
            if ng == 1 {
                0.0
            } else if k == 0 {
                hc(1) - hc(0)
            } else if k == ng - 1 {
                hc(k) - hc(k - 1)
            } else {
                (hc(k + 1) - hc(k - 1)) / 2.0
            }
        })
        .collect();
    let (kmax, gmax) = grad.iter().enumerate().fold((0, f64::NEG_INFINITY), |b, (k, &g)| if g > b.1 { (k, g) } else { b });
    let (kmin, gmin) = grad.iter().enumerate().fold((0, f64::INFINITY), |b, (k, &g)| if g < b.1 { (k, g) } else { b });
    for (k, (&(_, _, code, name), value)) in FIRST_ORDER.iter().zip(f.values()).enumerate() {
        if k == 9 {
            // The mode stands between the maximum and the interquartile range in IBSI 3.4.
            out.push("AMMC", "Intensity histogram mode", mode);
        }
        out.push(code, name, value);
    }
    out.push("TLU2", "Discretised intensity entropy", entropy(prob));
    out.push("BJ5W", "Discretised intensity uniformity", uniformity);
    out.push("12CE", "Maximum histogram gradient", gmax);
    out.push("8E6O", "Maximum histogram gradient intensity", (kmax + 1) as f64);
    out.push("VQB3", "Minimum histogram gradient", gmin);
    out.push("RHQZ", "Minimum histogram gradient intensity", (kmin + 1) as f64);
}

/// Intensity-volume histogram features (IBSI 3.5). Intensities are discretised as `s` says into `X_d,gl`; the
/// curve is evaluated at every `w_d` step of the total range `G`, discretised intensities absent from the ROI
/// included: the volume fraction at intensity `i` is the fraction of voxels with `X_d,gl >= i`, the intensity
/// fraction is `(i - min G) / (max G - min G)`.
pub(crate) fn ivh(p: &Prepared<'_>, s: &IvhSettings, out: &mut Out<'_>) {
    let raw = sorted_values(p, |i| p.input.intensities[i] as f64);
    let (rmin, rmax) = (raw[0], raw[raw.len() - 1]);
    let (lo, hi) = match s.range {
        Some((lo, hi)) => (if lo.is_finite() { lo } else { rmin }, if hi.is_finite() { hi } else { rmax }),
        None => (rmin, rmax),
    };
    // Discretised intensities (sorted, as the discretisations are monotonic), total range and interval.
    let (x, g_lo, g_hi, wd): (Vec<f64>, f64, f64, f64) = match s.discretisation {
        IvhDiscretisation::None { interval } => (raw, lo, hi, interval),
        IvhDiscretisation::FixedBinSize { width } => {
            let x = raw.iter().map(|v| lo + (((v - lo) / width).floor() + 0.5) * width).collect();
            (x, lo + 0.5 * width, hi - 0.5 * width, width)
        }
        IvhDiscretisation::FixedBinNumber { bins } => {
            let nb = bins as f64;
            let x = raw.iter().map(|v| if rmax > rmin { ((nb * (v - rmin) / (rmax - rmin)).floor() + 1.0).min(nb) } else { 1.0 }).collect();
            (x, 1.0, nb, 1.0)
        }
    };
    let n = x.len() as f64;
    let steps = if g_hi > g_lo { ((g_hi - g_lo) / wd + 1e-9).floor() as usize } else { 0 };
    // Points (intensity, intensity fraction, volume fraction).
    let mut below = 0usize;
    let curve: Vec<(f64, f64, f64)> = (0..=steps)
        .map(|k| {
            let xi = g_lo + k as f64 * wd;
            while below < x.len() && x[below] < xi - 1e-9 * wd {
                below += 1;
            }
            let gamma = if steps == 0 { 0.0 } else { (xi - g_lo) / (g_hi - g_lo) };
            (xi, gamma, 1.0 - below as f64 / n)
        })
        .collect();
    // Volume at intensity fraction x: the largest volume fraction whose intensity fraction is at least x.
    let v_at = |f: f64| curve.iter().find(|c| c.1 >= f - 1e-12).map_or(0.0, |c| c.2);
    // Intensity at volume fraction x: the lowest intensity whose volume fraction is at most x (past the range,
    // the next step, where no voxel remains).
    let i_at = |f: f64| curve.iter().find(|c| c.2 <= f + 1e-12).map_or(g_lo + (steps + 1) as f64 * wd, |c| c.0);
    let (v10, v90) = (v_at(0.1), v_at(0.9));
    let (i10, i90) = (i_at(0.1), i_at(0.9));
    out.push_variant("BC2M", "Volume at intensity fraction", "V10", v10);
    out.push_variant("BC2M", "Volume at intensity fraction", "V90", v90);
    out.push_variant("GBPN", "Intensity at volume fraction", "I10", i10);
    out.push_variant("GBPN", "Intensity at volume fraction", "I90", i90);
    out.push_variant("DDTU", "Volume fraction difference between intensity fractions", "V10-V90", v10 - v90);
    out.push_variant("CNV2", "Intensity fraction difference between volume fractions", "I10-I90", i10 - i90);
    // Area under the curve of volume fraction against intensity fraction (trapezoids); 0 for a single intensity.
    let auc: f64 = curve.windows(2).map(|w| (w[1].1 - w[0].1) * (w[1].2 + w[0].2) / 2.0).sum();
    out.push("9CMM", "Area under the IVH curve", auc);
}
