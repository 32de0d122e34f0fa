//! How good the scores are: ROC curve and AUC (tie-correct) with a bootstrap interval, the confusion matrix, calibration.

use super::*;

/// One point of a ROC curve: calling positive every case scoring `>= threshold`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RocPoint {
    /// False-positive rate, 1 - specificity.
    pub fpr: f64,
    /// True-positive rate, the sensitivity.
    pub tpr: f64,
    /// The score threshold (+∞ for the first point).
    pub threshold: f64,
}

/// The confusion matrix as the case indices in each cell.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Confusion {
    /// Positive cases called positive.
    pub tp: Vec<usize>,
    /// Negative cases called positive.
    pub fp: Vec<usize>,
    /// Negative cases called negative.
    pub tn: Vec<usize>,
    /// Positive cases called negative.
    pub fn_: Vec<usize>,
}

pub(super) fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        f64::NAN
    } else {
        a as f64 / b as f64
    }
}

impl Confusion {
    /// Builds the matrix of the cases `indices` (NaN scores are left out).
    pub fn new(y: &[bool], scores: &[f64], threshold: f64, indices: impl IntoIterator<Item = usize>) -> Confusion {
        let mut c = Confusion::default();
        for i in indices {
            let (Some(&truth), Some(&s)) = (y.get(i), scores.get(i)) else { continue };
            if s.is_nan() {
                continue;
            }
            match (truth, s >= threshold) {
                (true, true) => c.tp.push(i),
                (false, true) => c.fp.push(i),
                (false, false) => c.tn.push(i),
                (true, false) => c.fn_.push(i),
            }
        }
        c
    }

    /// (TP + TN) / all.
    pub fn accuracy(&self) -> f64 {
        ratio(self.tp.len() + self.tn.len(), self.tp.len() + self.tn.len() + self.fp.len() + self.fn_.len())
    }

    /// TP / (TP + FN), the true-positive rate (recall).
    pub fn sensitivity(&self) -> f64 {
        ratio(self.tp.len(), self.tp.len() + self.fn_.len())
    }

    /// TN / (TN + FP), the true-negative rate.
    pub fn specificity(&self) -> f64 {
        ratio(self.tn.len(), self.tn.len() + self.fp.len())
    }

    /// TP / (TP + FP), the positive predictive value.
    pub fn precision(&self) -> f64 {
        ratio(self.tp.len(), self.tp.len() + self.fp.len())
    }

    /// 2 TP / (2 TP + FP + FN), the harmonic mean of precision and sensitivity.
    pub fn f1(&self) -> f64 {
        ratio(2 * self.tp.len(), 2 * self.tp.len() + self.fp.len() + self.fn_.len())
    }
}

/// Cases whose scores fell in one bin.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CalibrationBin {
    /// Mean score of the bin's cases.
    pub predicted: f64,
    /// Fraction of positive cases among them.
    pub observed: f64,
    /// How many cases.
    pub count: usize,
    /// The 95 % Wilson score interval of `observed` (low, high): where the true fraction of positives of cases
    /// scored like these plausibly lies, given so few of them.
    pub interval: [f64; 2],
}

/// Below this many scored cases a calibration curve means nothing, and the plot says so: with about ten cases per
/// bin (the fewest that give a bin an interval narrower than ±0.3) there would be fewer than five bins, too few
/// points to tell a curve from noise. (With 10 cases the 95 % Wilson interval of an observed 0.5 is 0.24 to 0.76.)
pub const CALIBRATION_MIN_CASES: usize = 50;

/// The number of quantile bins of a calibration table of `n` scored cases: deciles of the predicted probability,
/// fewer when there are fewer than 100 cases, so that each bin holds about ten (at least one bin).
pub fn calibration_bin_count(n: usize) -> usize {
    (n / 10).clamp(1, 10)
}

/// The 95 % Wilson score interval of a proportion of `k` successes in `n` trials ([0, 1] when `n` is 0).
///
/// Hand-written: four lines of arithmetic (Wilson, 1927), checked against SciPy's
/// `binomtest(k, n).proportion_ci(method="wilson")` in tests/interop/sklearn_parity.py.
pub fn wilson_interval(k: usize, n: usize) -> [f64; 2] {
    if n == 0 {
        return [0.0, 1.0];
    }
    const Z: f64 = 1.959_963_984_540_054; // the 97.5th percentile of the standard normal
    let (n, p) = (n as f64, k as f64 / n as f64);
    let z2 = Z * Z;
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = Z / (1.0 + z2 / n) * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    [(centre - half).max(0.0), (centre + half).min(1.0)]
}

/// Calibration table of the scored cases (NaN scores left out): [`calibration_bin_count`] quantile bins of the
/// scores, empty bins left out. See [`calibration_quantile`].
pub fn calibration(y: &[bool], scores: &[f64]) -> Vec<CalibrationBin> {
    let n = scores.iter().zip(y).filter(|(s, _)| !s.is_nan()).count();
    calibration_quantile(y, scores, calibration_bin_count(n))
}

/// Calibration table with `bins` quantile bins, as scikit-learn's `calibration_curve(strategy="quantile")`: the bin
/// edges are the scores' quantiles at 0, 1/bins, …, 1 (linear interpolation, as `numpy.percentile`), a score equal to
/// an inner edge belongs to the lower bin, and empty bins (from tied scores) are left out. Equal-width bins put most
/// cases of a small cohort in one or two bins and leave the others nearly empty, so the curve zig-zags; quantile bins
/// hold the same number of cases each.
pub fn calibration_quantile(y: &[bool], scores: &[f64], bins: usize) -> Vec<CalibrationBin> {
    let mut cases: Vec<(f64, bool)> = scores.iter().zip(y).filter(|(s, _)| !s.is_nan()).map(|(&s, &t)| (s, t)).collect();
    if cases.is_empty() || bins == 0 {
        return Vec::new();
    }
    let mut sorted: Vec<f64> = cases.iter().map(|c| c.0).collect();
    sorted.sort_by(f64::total_cmp);
    let last = (sorted.len() - 1) as f64;
    let quantile = |q: f64| {
        let h = last * q;
        let lo = (h.floor() as usize).min(sorted.len() - 1);
        let hi = (lo + 1).min(sorted.len() - 1);
        let (a, b, t) = (sorted[lo], sorted[hi], h - h.floor());
        // numpy's lerp: from the nearer end, so that t = 1 gives b exactly.
        if t >= 0.5 {
            b - (b - a) * (1.0 - t)
        } else {
            a + (b - a) * t
        }
    };
    let inner: Vec<f64> = (1..bins).map(|k| quantile(k as f64 / bins as f64)).collect();
    let mut sum = vec![0.0; bins];
    let mut pos = vec![0usize; bins];
    let mut count = vec![0usize; bins];
    cases.sort_by(|a, b| a.0.total_cmp(&b.0));
    for (s, t) in cases {
        // The number of inner edges strictly below the score (numpy's searchsorted, side "left").
        let b = inner.partition_point(|&e| e < s);
        sum[b] += s;
        pos[b] += usize::from(t);
        count[b] += 1;
    }
    (0..bins)
        .filter(|&b| count[b] > 0)
        .map(|b| CalibrationBin {
            predicted: sum[b] / count[b] as f64,
            observed: pos[b] as f64 / count[b] as f64,
            count: count[b],
            interval: wilson_interval(pos[b], count[b]),
        })
        .collect()
}

/// Scores ranked for ROC: NaN ranks below every number.
pub(super) fn rank_key(s: f64) -> f64 {
    if s.is_nan() {
        f64::NEG_INFINITY
    } else {
        s
    }
}

/// The ROC curve (from (0, 0) to (1, 1), one point per distinct score) and its area. Tied scores make one step, so
/// the area equals the Mann–Whitney statistic with ties counted one half. Without positives or negatives the
/// curve is empty and the AUC NaN.
pub fn roc_curve(y: &[bool], scores: &[f64]) -> (Vec<RocPoint>, f64) {
    let n = y.len().min(scores.len());
    let (pos, neg) = class_counts(&y[..n]);
    if pos == 0 || neg == 0 {
        return (Vec::new(), f64::NAN);
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| rank_key(scores[b]).total_cmp(&rank_key(scores[a])));
    let mut roc = vec![RocPoint { fpr: 0.0, tpr: 0.0, threshold: f64::INFINITY }];
    let (mut tp, mut fp) = (0usize, 0usize);
    let mut area = 0.0;
    let mut i = 0;
    while i < n {
        let s = rank_key(scores[order[i]]);
        let (tp0, fp0) = (tp, fp);
        while i < n && rank_key(scores[order[i]]) == s {
            if y[order[i]] {
                tp += 1;
            } else {
                fp += 1;
            }
            i += 1;
        }
        area += (fp - fp0) as f64 * (tp + tp0) as f64 / 2.0;
        roc.push(RocPoint { fpr: fp as f64 / neg as f64, tpr: tp as f64 / pos as f64, threshold: s });
    }
    (roc, area / (pos as f64 * neg as f64))
}

/// AUC of the cases in `order` (sorted by descending score, with `ties[k]` true when case `order[k]` ties the
/// previous one), each counted `weight` times.
pub(super) fn weighted_auc(order: &[usize], ties: &[bool], y: &[bool], weight: &[u32]) -> f64 {
    let (mut tp, mut fp, mut area) = (0.0, 0.0, 0.0);
    let (mut tp0, mut fp0) = (0.0, 0.0);
    for (k, &i) in order.iter().enumerate() {
        if !ties[k] {
            area += (fp - fp0) * (tp + tp0) / 2.0;
            tp0 = tp;
            fp0 = fp;
        }
        let w = weight[i] as f64;
        if y[i] {
            tp += w;
        } else {
            fp += w;
        }
    }
    area += (fp - fp0) * (tp + tp0) / 2.0;
    if tp == 0.0 || fp == 0.0 {
        f64::NAN
    } else {
        area / (tp * fp)
    }
}

/// Percentile `q` in `[0, 1]` of sorted values, interpolated linearly (numpy's default).
pub(super) fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let h = q * (sorted.len() - 1) as f64;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// Bootstrap percentile interval of the AUC at `level` (e.g. 0.95): `resamples` draws of the cases with
/// replacement; draws that miss a class are left out. `[NaN, NaN]` when `resamples` is 0 or no draw had both classes.
pub fn bootstrap_auc_ci(y: &[bool], scores: &[f64], resamples: usize, seed: u64, level: f64) -> [f64; 2] {
    let n = y.len().min(scores.len());
    if resamples == 0 || n == 0 || !(level > 0.0 && level < 1.0) {
        return [f64::NAN; 2];
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| rank_key(scores[b]).total_cmp(&rank_key(scores[a])));
    let ties: Vec<bool> = (0..n).map(|k| k > 0 && rank_key(scores[order[k]]) == rank_key(scores[order[k - 1]])).collect();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut weight = vec![0u32; n];
    let mut aucs = Vec::with_capacity(resamples);
    for _ in 0..resamples {
        weight.iter_mut().for_each(|w| *w = 0);
        for _ in 0..n {
            weight[draw_below(&mut rng, n)] += 1;
        }
        let a = weighted_auc(&order, &ties, y, &weight);
        if !a.is_nan() {
            aucs.push(a);
        }
    }
    aucs.sort_by(f64::total_cmp);
    let tail = (1.0 - level) / 2.0;
    [percentile(&aucs, tail), percentile(&aucs, 1.0 - tail)]
}
