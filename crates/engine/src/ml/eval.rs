//! Honest evaluation: stratified cross-validation with the preprocessing (standardisation, univariate feature
//! selection) fitted inside each fold, or on purpose on all cases first (`leaky`), ROC curves and AUC with a
//! bootstrap interval, the confusion matrix, calibration, nested cross-validation and learning curves.
//!
//! These pieces are written here: linfa has k-fold splitting but no stratified folds, no preprocessing fitted per
//! fold inside its cross-validation, no tie-correct ROC/AUC on scores, no bootstrap interval and no calibration
//! table. Every random draw comes from a seeded xoshiro256++ generator through 64-bit draws, so the folds and
//! intervals are the same numbers natively and in the browser.
//!
//! # Example
//! ```
//! use radlearn_engine::ml::eval::roc_curve;
//! let (roc, auc) = roc_curve(&[false, false, true, true], &[0.1, 0.6, 0.6, 0.9]);
//! assert_eq!(auc, 0.875); // the tie between a positive and a negative counts one half
//! assert_eq!((roc[0].fpr, roc[0].tpr), (0.0, 0.0));
//! ```

use std::cmp::Ordering;
use std::ops::ControlFlow;

use ndarray::{Array1, Array2, ArrayView2, Axis};
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use serde::{Deserialize, Serialize};

use super::model::{self, draw_below, Kernel, MlError, ModelSpec, ValidModelSpec};
use super::Dataset;

/// How to cross-validate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CvOptions {
    /// Number of folds (at least 2, at most the size of the smaller class).
    pub folds: usize,
    /// Seed of the folds, the bootstrap and the models' own sampling.
    pub seed: u64,
    /// z-score every feature (mean and population standard deviation of the training cases).
    pub standardise: bool,
    /// Keep the `k` features with the largest |Welch t| between the classes (on the training cases).
    pub select: Option<usize>,
    /// Fit the standardisation and the selection on ALL cases before splitting: the deliberate mistake that lets
    /// the test cases leak into training.
    pub leaky: bool,
    /// Bootstrap resamples for the AUC's interval; 0 for none.
    pub bootstrap: usize,
    /// Score from which a case is called positive, for the confusion matrix.
    pub threshold: f64,
}

impl Default for CvOptions {
    fn default() -> Self {
        CvOptions { folds: 5, seed: 1, standardise: true, select: None, leaky: false, bootstrap: 1000, threshold: 0.5 }
    }
}

/// A cross-validation's results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CvReport {
    /// AUC of the pooled out-of-fold scores.
    pub auc: f64,
    /// Bootstrap 95% percentile interval of `auc` (NaN, NaN without bootstrap).
    pub auc_ci: [f64; 2],
    /// AUC within each fold.
    pub fold_auc: Vec<f64>,
    /// ROC curve of the pooled scores.
    pub roc: Vec<RocPoint>,
    /// Out-of-fold score of each case (NaN for a case that was never tested).
    pub scores: Vec<f64>,
    /// The fold each case was tested in.
    pub fold_of: Vec<usize>,
    /// Confusion matrix of the tested cases at the threshold.
    pub confusion: Confusion,
    /// Calibration of the tested cases' scores: quantile bins (deciles, fewer below 100 cases), empty ones left out.
    pub calibration: Vec<CalibrationBin>,
    /// Feature importances of the model refitted on all cases, largest first (empty for models without them).
    pub importances: Vec<(String, f64)>,
    /// The features the selection kept on all cases (every feature without selection).
    pub selected: Vec<String>,
    /// Whether the preprocessing was fitted on all cases (the leaky mistake).
    pub leaky: bool,
}

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

fn ratio(a: usize, b: usize) -> f64 {
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

fn class_counts(y: &[bool]) -> (usize, usize) {
    let pos = y.iter().filter(|&&v| v).count();
    (pos, y.len() - pos)
}

/// Shuffles `v` in place (Fisher–Yates) with 64-bit draws.
fn shuffle(v: &mut [usize], rng: &mut Xoshiro256PlusPlus) {
    for i in (1..v.len()).rev() {
        let j = draw_below(rng, i + 1);
        v.swap(i, j);
    }
}

/// Stratified folds: the fold index of each case. The cases of each class are shuffled with `seed` and dealt out
/// in turn, the negatives continuing where the positives stopped, so fold sizes differ by at most one and each
/// class is spread as evenly as it can be.
pub fn stratified_folds(y: &[bool], folds: usize, seed: u64) -> Result<Vec<usize>, MlError> {
    if folds < 2 {
        return Err(MlError::Options(format!("cross-validation needs at least 2 folds, but was asked for {folds}")));
    }
    let (pos, neg) = class_counts(y);
    for (class, have) in [("positive", pos), ("negative", neg)] {
        if have < folds {
            return Err(MlError::TooFewCases { class: class.into(), have, need: folds, purpose: format!("{folds}-fold cross-validation") });
        }
    }
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut fold_of = vec![0; y.len()];
    let mut next = 0;
    for class in [true, false] {
        let mut idx: Vec<usize> = (0..y.len()).filter(|&i| y[i] == class).collect();
        shuffle(&mut idx, &mut rng);
        for i in idx {
            fold_of[i] = next % folds;
            next += 1;
        }
    }
    Ok(fold_of)
}

/// A stratified split: `(train, test)` case indices, each sorted. Each class gives `round(test_fraction × its
/// size)` cases to the test set, at least one and leaving at least one for training.
pub fn train_test_split(y: &[bool], test_fraction: f64, seed: u64) -> Result<(Vec<usize>, Vec<usize>), MlError> {
    if !(test_fraction > 0.0 && test_fraction < 1.0) {
        return Err(MlError::Options(format!("the test fraction should be between 0 and 1, but is {test_fraction}")));
    }
    let (pos, neg) = class_counts(y);
    for (class, have) in [("positive", pos), ("negative", neg)] {
        if have < 2 {
            return Err(MlError::TooFewCases { class: class.into(), have, need: 2, purpose: "a train/test split".into() });
        }
    }
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let (mut train, mut test) = (Vec::new(), Vec::new());
    for class in [true, false] {
        let mut idx: Vec<usize> = (0..y.len()).filter(|&i| y[i] == class).collect();
        shuffle(&mut idx, &mut rng);
        let k = ((idx.len() as f64 * test_fraction).round() as usize).clamp(1, idx.len() - 1);
        test.extend_from_slice(&idx[..k]);
        train.extend_from_slice(&idx[k..]);
    }
    train.sort_unstable();
    test.sort_unstable();
    Ok((train, test))
}

/// Scores ranked for ROC: NaN ranks below every number.
fn rank_key(s: f64) -> f64 {
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
fn weighted_auc(order: &[usize], ties: &[bool], y: &[bool], weight: &[u32]) -> f64 {
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
fn percentile(sorted: &[f64], q: f64) -> f64 {
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

/// Preprocessing fitted on training cases: standardisation, then selection of columns.
#[derive(Debug, Clone)]
struct Prep {
    mean: Array1<f64>,
    scale: Array1<f64>,
    selected: Vec<usize>,
}

/// Welch's t statistic of each column between the classes (0 where both variances are 0).
fn t_scores(x: ArrayView2<f64>, y: &[bool]) -> Vec<f64> {
    let stats = |class: bool| {
        let rows: Vec<usize> = (0..y.len()).filter(|&i| y[i] == class).collect();
        let sub = x.select(Axis(0), &rows);
        let n = rows.len() as f64;
        let mean = sub.mean_axis(Axis(0)).unwrap_or_else(|| Array1::zeros(x.ncols()));
        let var = if rows.len() > 1 { sub.var_axis(Axis(0), 1.0) } else { Array1::zeros(x.ncols()) };
        (mean, var, n)
    };
    let (m1, v1, n1) = stats(true);
    let (m0, v0, n0) = stats(false);
    (0..x.ncols())
        .map(|j| {
            let se = (v1[j] / n1 + v0[j] / n0).sqrt();
            let d = m1[j] - m0[j];
            if se > 0.0 {
                d / se
            } else if d == 0.0 {
                0.0
            } else {
                d.signum() * f64::INFINITY
            }
        })
        .collect()
}

/// The `k` columns with the largest |t|, in decreasing order (ties: the first column first).
pub fn select_k_best(x: ArrayView2<f64>, y: &[bool], k: usize) -> Vec<usize> {
    let t = t_scores(x, y);
    let mut idx: Vec<usize> = (0..x.ncols()).collect();
    idx.sort_by(|&a, &b| t[b].abs().partial_cmp(&t[a].abs()).unwrap_or(Ordering::Equal).then(a.cmp(&b)));
    idx.truncate(k);
    idx
}

impl Prep {
    fn fit(x: ArrayView2<f64>, y: &[bool], opts: &CvOptions) -> Prep {
        let p = x.ncols();
        let (mean, scale) = if opts.standardise && x.nrows() > 0 {
            // Population standard deviation, as scikit-learn's StandardScaler; a constant column keeps scale 1.
            super::unsupervised::mean_and_scale(x)
        } else {
            (Array1::zeros(p), Array1::ones(p))
        };
        let mut prep = Prep { mean, scale, selected: (0..p).collect() };
        if let Some(k) = opts.select {
            let xs = prep.transform_all(x);
            prep.selected = select_k_best(xs.view(), y, k.min(p));
        }
        prep
    }

    fn transform_all(&self, x: ArrayView2<f64>) -> Array2<f64> {
        (&x - &self.mean) / &self.scale
    }

    fn transform(&self, x: ArrayView2<f64>) -> Array2<f64> {
        self.transform_all(x).select(Axis(1), &self.selected)
    }
}

fn check_options(ds: &Dataset, opts: &CvOptions) -> Result<(), MlError> {
    if ds.x.nrows() != ds.y.len() || ds.ids.len() != ds.y.len() || ds.feature_names.len() != ds.x.ncols() {
        return Err(MlError::Data(format!(
            "the dataset is inconsistent: {} ids, {} labels, {} x {} values, {} feature names",
            ds.ids.len(),
            ds.y.len(),
            ds.x.nrows(),
            ds.x.ncols(),
            ds.feature_names.len()
        )));
    }
    if opts.select == Some(0) {
        return Err(MlError::Options("feature selection should keep at least 1 feature, but was asked for 0".into()));
    }
    if !opts.threshold.is_finite() {
        return Err(MlError::Options(format!("the threshold should be a number, but is {}", opts.threshold)));
    }
    Ok(())
}

fn tick(progress: &mut dyn FnMut(usize, usize) -> ControlFlow<()>, done: usize, total: usize) -> Result<(), MlError> {
    match progress(done, total) {
        ControlFlow::Continue(()) => Ok(()),
        ControlFlow::Break(()) => Err(MlError::Cancelled),
    }
}

/// Fits preprocessing (unless given) and the model on `train`, and scores `test`.
fn fit_score(
    x: ArrayView2<f64>,
    y: &[bool],
    spec: &ValidModelSpec,
    opts: &CvOptions,
    leaked: Option<&Prep>,
    train: &[usize],
    test: &[usize],
) -> Result<(Vec<f64>, model::Fitted, Prep), MlError> {
    let xt = x.select(Axis(0), train);
    let yt: Vec<bool> = train.iter().map(|&i| y[i]).collect();
    let prep = match leaked {
        Some(p) => p.clone(),
        None => Prep::fit(xt.view(), &yt, opts),
    };
    let fitted = model::fit(spec, prep.transform(xt.view()).view(), &yt, opts.seed)?;
    let scores = fitted.scores(prep.transform(x.select(Axis(0), test).view()).view());
    Ok((scores, fitted, prep))
}

fn subset(y: &[bool], idx: &[usize]) -> Vec<bool> {
    idx.iter().map(|&i| y[i]).collect()
}

fn named_importances(ds: &Dataset, fitted: &model::Fitted, prep: &Prep) -> Vec<(String, f64)> {
    let mut imp: Vec<(String, f64)> = fitted
        .importances()
        .map(|v| v.into_iter().zip(&prep.selected).map(|(v, &j)| (ds.feature_names[j].clone(), v)).collect())
        .unwrap_or_default();
    imp.sort_by(|a, b| b.1.total_cmp(&a.1));
    imp
}

/// Stratified k-fold cross-validation of `spec` on `ds`: for each fold, the preprocessing and the model are
/// fitted on the other folds and the fold is scored. Then the model is refitted on all cases for its importances.
/// `progress(done, total)` is called after each fold and after the refit (`total = folds + 1`); `Break` stops
/// with [`MlError::Cancelled`].
pub fn cross_validate(
    ds: &Dataset,
    spec: &ValidModelSpec,
    opts: &CvOptions,
    progress: &mut dyn FnMut(usize, usize) -> ControlFlow<()>,
) -> Result<CvReport, MlError> {
    check_options(ds, opts)?;
    let fold_of = stratified_folds(&ds.y, opts.folds, opts.seed)?;
    cross_validate_folds(ds, spec, opts, &fold_of, progress)
}

/// [`cross_validate`] on given folds (the fold index of each case, `0..folds`), e.g. the same folds as another
/// tool's. Every fold must hold both classes.
pub fn cross_validate_folds(
    ds: &Dataset,
    spec: &ValidModelSpec,
    opts: &CvOptions,
    fold_of: &[usize],
    progress: &mut dyn FnMut(usize, usize) -> ControlFlow<()>,
) -> Result<CvReport, MlError> {
    check_options(ds, opts)?;
    if fold_of.len() != ds.len() {
        return Err(MlError::Options(format!("{} fold numbers for {} cases", fold_of.len(), ds.len())));
    }
    let folds = fold_of.iter().max().map_or(0, |m| m + 1);
    let x = ds.x.view();
    let leaked = opts.leaky.then(|| Prep::fit(x, &ds.y, opts));
    let mut scores = vec![f64::NAN; ds.len()];
    let mut fold_auc = Vec::with_capacity(folds);
    let total = folds + 1;
    for f in 0..folds {
        let test: Vec<usize> = (0..ds.len()).filter(|&i| fold_of[i] == f).collect();
        let train: Vec<usize> = (0..ds.len()).filter(|&i| fold_of[i] != f).collect();
        if test.is_empty() {
            return Err(MlError::Options(format!("fold {} holds no case", f + 1)));
        }
        let (s, _, _) = fit_score(x, &ds.y, spec, opts, leaked.as_ref(), &train, &test)?;
        for (&i, &v) in test.iter().zip(&s) {
            scores[i] = v;
        }
        fold_auc.push(roc_curve(&subset(&ds.y, &test), &s).1);
        tick(progress, f + 1, total)?;
    }
    let (roc, auc) = roc_curve(&ds.y, &scores);
    let auc_ci = bootstrap_auc_ci(&ds.y, &scores, opts.bootstrap, opts.seed, 0.95);
    let all: Vec<usize> = (0..ds.len()).collect();
    let (_, fitted, prep) = fit_score(x, &ds.y, spec, opts, leaked.as_ref(), &all, &[])?;
    tick(progress, total, total)?;
    Ok(CvReport {
        auc,
        auc_ci,
        fold_auc,
        roc,
        confusion: Confusion::new(&ds.y, &scores, opts.threshold, 0..ds.len()),
        calibration: calibration(&ds.y, &scores),
        scores,
        fold_of: fold_of.to_vec(),
        importances: named_importances(ds, &fitted, &prep),
        selected: prep.selected.iter().map(|&j| ds.feature_names[j].clone()).collect(),
        leaky: opts.leaky,
    })
}

/// One split's evaluation in the shape of a [`CvReport`]: the preprocessing and the model are fitted on the
/// training cases (or the preprocessing on all cases when `leaky`) and the test cases scored. `fold_of` is 0 for
/// training and 1 for test cases; `scores` holds the test cases' scores and NaN for training cases; the AUC, its
/// interval, ROC, confusion matrix and calibration are of the test cases only; `fold_auc` is `[auc]`; the
/// importances are those of the model fitted on the training cases.
pub fn holdout(ds: &Dataset, spec: &ValidModelSpec, test_fraction: f64, opts: &CvOptions) -> Result<CvReport, MlError> {
    check_options(ds, opts)?;
    let (train, test) = train_test_split(&ds.y, test_fraction, opts.seed)?;
    let x = ds.x.view();
    let leaked = opts.leaky.then(|| Prep::fit(x, &ds.y, opts));
    let (s, fitted, prep) = fit_score(x, &ds.y, spec, opts, leaked.as_ref(), &train, &test)?;
    let mut scores = vec![f64::NAN; ds.len()];
    let mut fold_of = vec![0; ds.len()];
    for (&i, &v) in test.iter().zip(&s) {
        scores[i] = v;
        fold_of[i] = 1;
    }
    let yt = subset(&ds.y, &test);
    let (roc, auc) = roc_curve(&yt, &s);
    Ok(CvReport {
        auc,
        auc_ci: bootstrap_auc_ci(&yt, &s, opts.bootstrap, opts.seed, 0.95),
        fold_auc: vec![auc],
        roc,
        confusion: Confusion::new(&ds.y, &scores, opts.threshold, test.iter().copied()),
        calibration: calibration(&yt, &s),
        scores,
        fold_of,
        importances: named_importances(ds, &fitted, &prep),
        selected: prep.selected.iter().map(|&j| ds.feature_names[j].clone()).collect(),
        leaky: opts.leaky,
    })
}

/// The hyperparameter that nested cross-validation tunes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Hyper {
    /// `C` of logistic regression or the SVM.
    C,
    /// `gamma` of the RBF SVM.
    Gamma,
    /// `k` of k-nearest neighbours.
    K,
    /// The maximum depth of a tree or forest.
    MaxDepth,
}

impl Hyper {
    /// Its name as printed.
    pub fn name(self) -> &'static str {
        match self {
            Hyper::C => "C",
            Hyper::Gamma => "gamma",
            Hyper::K => "k",
            Hyper::MaxDepth => "maximum depth",
        }
    }
}

/// The hyperparameter that nested cross-validation tunes for a model and the values it tries, as the Model Lab
/// offers them; `None` for a model with nothing to tune (naive Bayes). Shared by the lab's nested CV button and the
/// graded `model-lab` exercise, whose grade is a nested-CV estimate.
pub fn tuning_grid(spec: &ModelSpec) -> Option<(Hyper, Vec<f64>)> {
    match spec {
        ModelSpec::Logistic { .. } | ModelSpec::Svm { kernel: Kernel::Linear, .. } => {
            Some((Hyper::C, vec![0.001, 0.01, 0.1, 1.0, 10.0, 100.0]))
        }
        ModelSpec::Svm { kernel: Kernel::Rbf { .. }, .. } => Some((Hyper::Gamma, vec![0.0001, 0.001, 0.01, 0.1, 1.0])),
        ModelSpec::Knn { .. } => Some((Hyper::K, vec![1.0, 3.0, 5.0, 9.0, 15.0, 25.0])),
        ModelSpec::Tree { .. } | ModelSpec::Forest { .. } => Some((Hyper::MaxDepth, vec![1.0, 2.0, 3.0, 5.0, 8.0, 12.0])),
        ModelSpec::NaiveBayes => None,
    }
}

/// `spec` with `hyper` set to `value` (an integer for `K` and `MaxDepth`), checked.
pub fn with_hyper(spec: &ModelSpec, hyper: Hyper, value: f64) -> Result<ValidModelSpec, MlError> {
    let whole = || {
        if value.is_finite() && value >= 1.0 && value.fract() == 0.0 {
            Ok(value as usize)
        } else {
            Err(MlError::Hyperparameter(format!("{} should be a whole number of at least 1, but is {value}", hyper.name())))
        }
    };
    let out = match (*spec, hyper) {
        (ModelSpec::Logistic { penalty, .. }, Hyper::C) => ModelSpec::Logistic { c: value, penalty },
        (ModelSpec::Svm { kernel, .. }, Hyper::C) => ModelSpec::Svm { c: value, kernel },
        (ModelSpec::Svm { c, kernel: Kernel::Rbf { .. } }, Hyper::Gamma) => ModelSpec::Svm { c, kernel: Kernel::Rbf { gamma: value } },
        (ModelSpec::Knn { .. }, Hyper::K) => ModelSpec::Knn { k: whole()? },
        (ModelSpec::Tree { min_samples_leaf, .. }, Hyper::MaxDepth) => ModelSpec::Tree { max_depth: whole()?, min_samples_leaf },
        (ModelSpec::Forest { trees, .. }, Hyper::MaxDepth) => ModelSpec::Forest { trees, max_depth: whole()? },
        (s, h) => return Err(MlError::Options(format!("{} has no hyperparameter `{}` to tune", s.label(), h.name()))),
    };
    out.check()
}

/// Nested cross-validation's results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NestedReport {
    /// AUC of the pooled outer out-of-fold scores: the honest estimate.
    pub auc: f64,
    /// AUC within each outer fold.
    pub fold_auc: Vec<f64>,
    /// The grid value chosen by the inner cross-validation of each outer fold.
    pub chosen: Vec<f64>,
    /// Plain cross-validated AUC of each grid value on all cases.
    pub grid_auc: Vec<f64>,
    /// The best of `grid_auc`: the optimistic number that tuning and testing on the same folds gives.
    pub naive_best: f64,
}

/// Nested cross-validation: in each outer fold, the grid value with the best inner cross-validated AUC (folds
/// drawn from the outer training cases, the first best on ties) is fitted on the outer training cases and scores
/// the outer test fold. Also the plain cross-validated AUC of every grid value on all cases, whose maximum is the
/// optimistic estimate. `progress` is called after each inner cross-validation, outer fold and plain one.
pub fn nested_cv(
    ds: &Dataset,
    spec: &ValidModelSpec,
    hyper: Hyper,
    grid: &[f64],
    opts: &CvOptions,
    progress: &mut dyn FnMut(usize, usize) -> ControlFlow<()>,
) -> Result<NestedReport, MlError> {
    check_options(ds, opts)?;
    if grid.is_empty() {
        return Err(MlError::Options("the grid of values to try is empty".into()));
    }
    let specs: Vec<ValidModelSpec> = grid.iter().map(|&v| with_hyper(spec, hyper, v)).collect::<Result<_, _>>()?;
    let outer = stratified_folds(&ds.y, opts.folds, opts.seed)?;
    let inner_opts = CvOptions { bootstrap: 0, ..opts.clone() };
    let total = opts.folds * (grid.len() + 1) + grid.len();
    let mut done = 0;
    let x = ds.x.view();
    let leaked = opts.leaky.then(|| Prep::fit(x, &ds.y, opts));
    let mut scores = vec![f64::NAN; ds.len()];
    let (mut fold_auc, mut chosen) = (Vec::new(), Vec::new());
    for f in 0..opts.folds {
        let test: Vec<usize> = (0..ds.len()).filter(|&i| outer[i] == f).collect();
        let train: Vec<usize> = (0..ds.len()).filter(|&i| outer[i] != f).collect();
        let yt = subset(&ds.y, &train);
        let inner_folds = stratified_folds(&yt, opts.folds, opts.seed.wrapping_add(1 + f as u64))?;
        let xt = x.select(Axis(0), &train);
        let mut best = (f64::NEG_INFINITY, 0);
        for (g, s) in specs.iter().enumerate() {
            let mut inner_scores = vec![f64::NAN; train.len()];
            for k in 0..opts.folds {
                let te: Vec<usize> = (0..train.len()).filter(|&i| inner_folds[i] == k).collect();
                let tr: Vec<usize> = (0..train.len()).filter(|&i| inner_folds[i] != k).collect();
                let (sc, _, _) = fit_score(xt.view(), &yt, s, &inner_opts, leaked.as_ref(), &tr, &te)?;
                for (&i, &v) in te.iter().zip(&sc) {
                    inner_scores[i] = v;
                }
            }
            let auc = roc_curve(&yt, &inner_scores).1;
            if auc > best.0 {
                best = (auc, g);
            }
            done += 1;
            tick(progress, done, total)?;
        }
        chosen.push(grid[best.1]);
        let (s, _, _) = fit_score(x, &ds.y, &specs[best.1], opts, leaked.as_ref(), &train, &test)?;
        for (&i, &v) in test.iter().zip(&s) {
            scores[i] = v;
        }
        fold_auc.push(roc_curve(&subset(&ds.y, &test), &s).1);
        done += 1;
        tick(progress, done, total)?;
    }
    let mut grid_auc = Vec::with_capacity(grid.len());
    for s in &specs {
        let report = cross_validate_folds(ds, s, &inner_opts, &outer, &mut |_, _| ControlFlow::Continue(()))?;
        grid_auc.push(report.auc);
        done += 1;
        tick(progress, done, total)?;
    }
    let naive_best = grid_auc.iter().copied().fold(f64::NAN, f64::max);
    Ok(NestedReport { auc: roc_curve(&ds.y, &scores).1, fold_auc, chosen, grid_auc, naive_best })
}

/// One point of a learning curve.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LearningPoint {
    /// Training cases used (in the first fold; the others differ by at most a few).
    pub train_size: usize,
    /// Mean AUC on the training cases themselves (optimistic).
    pub train_auc: f64,
    /// Mean AUC on the held-out folds.
    pub test_auc: f64,
}

/// A learning curve: for each fraction in `(0, 1]`, every fold's model is fitted on a stratified random part of
/// its training cases (that fraction of them) and scored on them and on the held-out fold; the AUCs are averaged
/// over folds. `progress` is called after each fold of each fraction.
pub fn learning_curve(
    ds: &Dataset,
    spec: &ValidModelSpec,
    opts: &CvOptions,
    fractions: &[f64],
    progress: &mut dyn FnMut(usize, usize) -> ControlFlow<()>,
) -> Result<Vec<LearningPoint>, MlError> {
    check_options(ds, opts)?;
    if let Some(f) = fractions.iter().find(|f| !(**f > 0.0 && **f <= 1.0)) {
        return Err(MlError::Options(format!("training fractions should be in (0, 1], but one is {f}")));
    }
    let fold_of = stratified_folds(&ds.y, opts.folds, opts.seed)?;
    let x = ds.x.view();
    let leaked = opts.leaky.then(|| Prep::fit(x, &ds.y, opts));
    let total = fractions.len() * opts.folds;
    let mut points = Vec::with_capacity(fractions.len());
    for (fi, &frac) in fractions.iter().enumerate() {
        let (mut train_auc, mut test_auc, mut size) = (0.0, 0.0, 0);
        for f in 0..opts.folds {
            let test: Vec<usize> = (0..ds.len()).filter(|&i| fold_of[i] == f).collect();
            let all_train: Vec<usize> = (0..ds.len()).filter(|&i| fold_of[i] != f).collect();
            let train: Vec<usize> = if frac >= 1.0 {
                all_train
            } else {
                let yt = subset(&ds.y, &all_train);
                // The kept part is the "test" side of a stratified split of the fold's training cases.
                let (_, keep) = train_test_split(&yt, frac, opts.seed.wrapping_add(f as u64))?;
                keep.iter().map(|&k| all_train[k]).collect()
            };
            if f == 0 {
                size = train.len();
            }
            let mut both = train.clone();
            both.extend_from_slice(&test);
            let (s, _, _) = fit_score(x, &ds.y, spec, opts, leaked.as_ref(), &train, &both)?;
            train_auc += roc_curve(&subset(&ds.y, &train), &s[..train.len()]).1;
            test_auc += roc_curve(&subset(&ds.y, &test), &s[train.len()..]).1;
            tick(progress, fi * opts.folds + f + 1, total)?;
        }
        let k = opts.folds as f64;
        points.push(LearningPoint { train_size: size, train_auc: train_auc / k, test_auc: test_auc / k });
    }
    Ok(points)
}
