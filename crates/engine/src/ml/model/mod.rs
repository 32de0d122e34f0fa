//! The Model Lab's classifiers: hyperparameters ([`ModelSpec`], checked once by [`ModelSpec::check`] into a
//! [`ValidModelSpec`]) apart from the fitted model ([`Fitted`]), as linfa does it.
//!
//! Every model is fitted with a linfa crate, except two small pieces written here because linfa has no equivalent:
//! logistic regression with an L1 or elastic-net penalty (linfa-logistic only has L2, and linfa-elasticnet is a
//! squared-error regression), and the bagging loop of the random forest (see [`ModelSpec::Forest`]).
//!
//! Scores are "higher = more positive" and lie in `[0, 1]` for every model: a probability (logistic regression,
//! naive Bayes, the SVM through Platt scaling), a leaf's fraction of positive cases (tree, forest) or the fraction
//! of positive neighbours (k-NN). So a threshold of 0.5 means the same thing for every model.
//!
//! # Example
//! ```
//! use ndarray::array;
//! use radlearn_engine::ml::model::{fit, ModelKind, ModelSpec};
//! let x = array![[0.0], [1.0], [2.0], [3.0], [4.0], [5.0], [6.0], [7.0]];
//! let y = [false, false, true, false, true, false, true, true];
//! let spec = ModelSpec::default_for(ModelKind::Logistic).check().expect("valid hyperparameters");
//! let model = fit(&spec, x.view(), &y, 1).expect("fitted");
//! let s = model.scores(array![[0.0], [7.0]].view());
//! assert!(s[0] < 0.5 && s[1] > 0.5);
//! ```

use std::collections::HashMap;
use std::fmt;

use linfa::composing::platt_scaling::{platt_newton_method, PlattParams};
use linfa::traits::Fit;
use linfa::ParamGuard;
use linfa_bayes::{GaussianNb, NaiveBayes};
use linfa_logistic::LogisticRegression;
use linfa_nn::distance::L2Dist;
use linfa_nn::{LinearSearch, NearestNeighbour};
use linfa_svm::Svm;
use linfa_trees::{DecisionTree, SplitQuality, TreeNode};
use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis};
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use serde::{Deserialize, Serialize};

mod logistic;
mod spec;
mod svm;
mod tree;

use logistic::*;
pub use spec::*;
use svm::*;
pub(crate) use tree::draw_below;
use tree::*;

/// Why a model could not be fitted or evaluated.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum MlError {
    /// A hyperparameter is out of range (the message names it and its value).
    Hyperparameter(String),
    /// An evaluation option is out of range (folds, fractions, grid values...).
    Options(String),
    /// Too few cases of a class for what was asked.
    TooFewCases {
        /// The name of the class.
        class: String,
        /// How many cases it has.
        have: usize,
        /// How many are needed.
        need: usize,
        /// What needs them, e.g. "5-fold cross-validation".
        purpose: String,
    },
    /// The data cannot be used as given (shape, non-finite values).
    Data(String),
    /// The fitting itself failed (the model kind and the library's message).
    Fit {
        /// The model's label.
        model: &'static str,
        /// What went wrong.
        message: String,
    },
    /// The progress callback asked to stop.
    Cancelled,
}

impl fmt::Display for MlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MlError::Hyperparameter(m) | MlError::Options(m) | MlError::Data(m) => f.write_str(m),
            MlError::TooFewCases { class, have, need, purpose } => write!(
                f,
                "{purpose} needs at least {need} cases of each class, but the class `{class}` has {have}; add cases or use fewer folds"
            ),
            MlError::Fit { model, message } => write!(f, "{model}: the fit failed: {message}"),
            MlError::Cancelled => f.write_str("cancelled"),
        }
    }
}

impl std::error::Error for MlError {}

/// A fitted model.
#[derive(Debug, Clone)]
pub struct Fitted {
    n_features: usize,
    inner: Inner,
}

#[derive(Debug, Clone)]
enum Inner {
    /// Logistic regression: `sigmoid(x · w + b)`.
    Logistic {
        w: Array1<f64>,
        b: f64,
    },
    /// A linear SVM as its hyperplane `x · w + b`, then Platt's sigmoid `1 / (1 + exp(pa f + pb))`.
    LinearSvm {
        w: Array1<f64>,
        b: f64,
        platt: (f64, f64),
    },
    /// A kernel SVM and Platt's sigmoid.
    KernelSvm {
        svm: Box<Svm<f64, bool>>,
        platt: (f64, f64),
    },
    Tree(ScoredTree),
    /// Each tree with the columns it was fitted on.
    Forest(Vec<(ScoredTree, Vec<usize>)>),
    Knn {
        x: Array2<f64>,
        y: Vec<bool>,
        k: usize,
    },
    Bayes(GaussianNb<f64, bool>),
}

/// Checks that `x` and `y` can be fitted: same number of cases, finite values, both classes present.
pub(crate) fn check_data(x: ArrayView2<f64>, y: &[bool]) -> Result<(), MlError> {
    if x.nrows() != y.len() {
        return Err(MlError::Data(format!("{} cases of features but {} labels", x.nrows(), y.len())));
    }
    if x.ncols() == 0 {
        return Err(MlError::Data("there is no feature to learn from".into()));
    }
    if let Some(((r, c), v)) = x.indexed_iter().find(|(_, v)| !v.is_finite()) {
        return Err(MlError::Data(format!("case {} has the value {v} for feature {}; every value must be a finite number", r + 1, c + 1)));
    }
    let pos = y.iter().filter(|&&v| v).count();
    for (class, have) in [("positive", pos), ("negative", y.len() - pos)] {
        if have == 0 {
            return Err(MlError::TooFewCases { class: class.into(), have, need: 1, purpose: "fitting a classifier".into() });
        }
    }
    // Without a single varying feature every model could only guess the majority class; naive Bayes would divide
    // by a zero variance. Say so instead.
    if x.columns().into_iter().all(|c| c.iter().all(|&v| v == c[0])) {
        return Err(MlError::Data(format!(
            "every feature has the same value in all {} training cases, so there is nothing to learn from; check that \
             the table holds the features you meant (or that the cases are not all copies of one)",
            y.len()
        )));
    }
    Ok(())
}

/// Fits `spec` on `x` (cases x features) and `y`; `seed` drives the forest's sampling (the other models are
/// deterministic).
pub fn fit(spec: &ValidModelSpec, x: ArrayView2<f64>, y: &[bool], seed: u64) -> Result<Fitted, MlError> {
    check_data(x, y)?;
    let n_features = x.ncols();
    let inner = match *spec.spec() {
        ModelSpec::Logistic { c, penalty: Penalty::L2 } => fit_logistic_l2(x, y, c)?,
        ModelSpec::Logistic { c, penalty: Penalty::L1 } => fit_logistic_prox(x, y, c, 1.0)?,
        ModelSpec::Logistic { c, penalty: Penalty::ElasticNet { l1_ratio } } => fit_logistic_prox(x, y, c, l1_ratio)?,
        ModelSpec::Svm { c, kernel } => fit_svm(x, y, c, kernel)?,
        ModelSpec::Tree { max_depth, min_samples_leaf } => Inner::Tree(ScoredTree::fit(x, y, max_depth, min_samples_leaf)?),
        ModelSpec::Forest { trees, max_depth } => fit_forest(x, y, trees, max_depth, seed)?,
        ModelSpec::Knn { k } => {
            if k > y.len() {
                return Err(MlError::Hyperparameter(format!("k should be at most the number of training cases ({}), but is {k}", y.len())));
            }
            Inner::Knn { x: x.to_owned(), y: y.to_vec(), k }
        }
        ModelSpec::NaiveBayes => {
            let ds = linfa::Dataset::new(x.to_owned(), Array1::from(y.to_vec()));
            let nb = GaussianNb::params().fit(&ds).map_err(|e| MlError::Fit { model: "Gaussian naive Bayes", message: e.to_string() })?;
            Inner::Bayes(nb)
        }
    };
    let fitted = Fitted { n_features, inner };
    fitted.check_finite(spec, x)?;
    Ok(fitted)
}

/// The message of a model whose numbers overflowed: what to do about it.
const NOT_FINITE: &str = "its coefficients or scores are not finite numbers, because some feature values are too large or too \
     small for the computation; standardise the features (or rescale the extreme ones) and try again";

impl Fitted {
    /// Refuses a model whose numbers overflowed (features beyond about 1e150, or below 1e-150, can do that to the
    /// linear models and naive Bayes): its parameters, and its scores on the training cases, must be finite.
    fn check_finite(&self, spec: &ModelSpec, x: ArrayView2<f64>) -> Result<(), MlError> {
        let fail = || Err(MlError::Fit { model: spec.label(), message: NOT_FINITE.into() });
        let finite = |v: &[f64]| v.iter().all(|v| v.is_finite());
        match &self.inner {
            Inner::Logistic { w, b } => {
                if !(w.iter().all(|v| v.is_finite()) && b.is_finite()) {
                    return fail();
                }
            }
            Inner::LinearSvm { w, b, platt } => {
                if !(w.iter().all(|v| v.is_finite()) && b.is_finite() && platt.0.is_finite() && platt.1.is_finite()) {
                    return fail();
                }
            }
            Inner::KernelSvm { svm, platt } => {
                if !(finite(&svm.alpha) && svm.rho.is_finite() && platt.0.is_finite() && platt.1.is_finite()) {
                    return fail();
                }
            }
            // Leaf fractions and neighbour counts are finite by construction.
            Inner::Tree(_) | Inner::Forest(_) | Inner::Knn { .. } => {}
            Inner::Bayes(_) => {}
        }
        if matches!(self.inner, Inner::Bayes(_) | Inner::KernelSvm { .. }) && !finite(&self.scores(x)) {
            return fail();
        }
        Ok(())
    }

    /// The number of features the model was fitted on.
    pub fn n_features(&self) -> usize {
        self.n_features
    }

    /// One score per row of `x` (which must have the fitted number of columns): higher is more positive, in
    /// `[0, 1]` (see the module documentation). Rows of the wrong width score NaN.
    pub fn scores(&self, x: ArrayView2<f64>) -> Vec<f64> {
        if x.ncols() != self.n_features {
            return vec![f64::NAN; x.nrows()];
        }
        let platt = |f: f64, (a, b): (f64, f64)| sigmoid(-(a * f + b));
        match &self.inner {
            Inner::Logistic { w, b } => x.dot(w).iter().map(|&z| sigmoid(z + b)).collect(),
            Inner::LinearSvm { w, b, platt: ab } => x.dot(w).iter().map(|&f| platt(f + b, *ab)).collect(),
            Inner::KernelSvm { svm, platt: ab } => x.rows().into_iter().map(|r| platt(svm.weighted_sum(&r) - svm.rho, *ab)).collect(),
            Inner::Tree(t) => x.rows().into_iter().map(|r| t.score(r)).collect(),
            Inner::Forest(trees) => {
                let mut s = vec![0.0; x.nrows()];
                for (t, cols) in trees {
                    let xs = x.select(Axis(1), cols);
                    for (si, r) in s.iter_mut().zip(xs.rows()) {
                        *si += t.score(r);
                    }
                }
                s.iter().map(|v| v / trees.len().max(1) as f64).collect()
            }
            Inner::Knn { x: train, y, k } => {
                // linfa-nn panics on an infinite distance, and squared differences of tiny values vanish: values
                // beyond 1e100, or all below 1e-100, are searched divided by a power of two, which keeps every
                // distance's order.
                let max_abs = train.iter().chain(x.iter()).filter(|v| v.is_finite()).fold(0.0_f64, |m, v| m.max(v.abs()));
                let scale = if max_abs > 1e100 || (max_abs < 1e-100 && max_abs > 0.0) {
                    super::unsupervised::power_of_two_scale(max_abs)
                } else {
                    1.0
                };
                let scaled;
                let (train, x) = if scale == 1.0 {
                    (train.view(), x.view())
                } else {
                    scaled = (train.mapv(|v| v / scale), x.mapv(|v| v / scale));
                    (scaled.0.view(), scaled.1.view())
                };
                let Ok(index) = LinearSearch::new().from_batch(&train, L2Dist) else {
                    return vec![f64::NAN; x.nrows()];
                };
                x.rows()
                    .into_iter()
                    .map(|r| {
                        // A row with a missing value has no distance to anything.
                        if r.iter().any(|v| !v.is_finite()) {
                            return f64::NAN;
                        }
                        match index.k_nearest(r, *k) {
                            Ok(near) => near.iter().filter(|(_, i)| y[*i]).count() as f64 / near.len().max(1) as f64,
                            Err(_) => f64::NAN,
                        }
                    })
                    .collect()
            }
            Inner::Bayes(nb) => {
                // linfa's `predict_proba` normalises by exp and ln without taking out the largest term first, so a case
                // far from both classes gets 0 / 0 = NaN (found by the `ml` fuzz target): the probability is
                // the logistic of the log-likelihood difference instead, the same number where linfa's is finite.
                // A case infinitely unlikely under both classes (the difference is NaN) gets an even 0.5.
                let jll = nb.joint_log_likelihood(x);
                match (jll.get(&true), jll.get(&false)) {
                    (Some(pos), Some(neg)) => {
                        pos.iter().zip(neg).map(|(a, b)| if (a - b).is_nan() { 0.5 } else { sigmoid(a - b) }).collect()
                    }
                    (Some(_), None) => vec![1.0; x.nrows()],
                    _ => vec![0.0; x.nrows()],
                }
            }
        }
    }

    /// The predicted class of each row: score ≥ 0.5.
    pub fn predict(&self, x: ArrayView2<f64>) -> Vec<bool> {
        self.scores(x).iter().map(|&s| s >= 0.5).collect()
    }

    /// How much each feature matters, one value per column: |coefficient| for logistic regression and the linear
    /// SVM (comparable when features are standardised), the impurity importance for trees (scikit-learn's
    /// definition, averaged over the forest); `None` for the RBF SVM, k-NN and naive Bayes.
    pub fn importances(&self) -> Option<Vec<f64>> {
        match &self.inner {
            Inner::Logistic { w, .. } | Inner::LinearSvm { w, .. } => Some(w.iter().map(|v| v.abs()).collect()),
            Inner::Tree(t) => Some(t.importance.clone()),
            Inner::Forest(trees) => {
                let mut imp = vec![0.0; self.n_features];
                for (t, cols) in trees {
                    for (v, &c) in t.importance.iter().zip(cols) {
                        imp[c] += v / trees.len() as f64;
                    }
                }
                Some(imp)
            }
            Inner::KernelSvm { .. } | Inner::Knn { .. } | Inner::Bayes(_) => None,
        }
    }

    /// The coefficients and intercept of a linear model (logistic regression, linear SVM), on the features as
    /// fitted; `None` for the others.
    pub fn coefficients(&self) -> Option<(Vec<f64>, f64)> {
        match &self.inner {
            Inner::Logistic { w, b } | Inner::LinearSvm { w, b, .. } => Some((w.to_vec(), *b)),
            _ => None,
        }
    }
}
