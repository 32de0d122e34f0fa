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

mod metrics;
mod prep;
mod split;
mod tuning;

pub use metrics::*;
pub use prep::*;
pub use split::*;
pub use tuning::*;

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
