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

/// The penalty of logistic regression, as in scikit-learn's `LogisticRegression(penalty=...)`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Penalty {
    /// Ridge: `||w||² / 2`; shrinks every coefficient.
    L2,
    /// Lasso: `||w||₁`; sets weak coefficients to exactly zero (feature selection).
    L1,
    /// `l1_ratio ||w||₁ + (1 - l1_ratio) ||w||² / 2`, `l1_ratio` in `[0, 1]`.
    ElasticNet {
        /// The share of the L1 part: 1 is the lasso, 0 is ridge.
        l1_ratio: f64,
    },
}

/// The kernel of a support vector machine.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Kernel {
    /// `k(x, x') = x · x'`: a separating hyperplane in feature space.
    Linear,
    /// `k(x, x') = exp(-gamma ||x - x'||²)`: scikit-learn's `gamma`; [`scale_gamma`] gives its `"scale"` default.
    Rbf {
        /// Inverse width of the kernel; positive.
        gamma: f64,
    },
}

/// A classifier and its hyperparameters.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum ModelSpec {
    /// Logistic regression with an intercept (never penalised). `c` is the inverse regularisation strength, as
    /// scikit-learn's `C`: the objective is `C Σ log-loss + penalty(w)`.
    Logistic {
        /// Inverse regularisation strength `C`; positive.
        c: f64,
        /// The penalty on the coefficients.
        penalty: Penalty,
    },
    /// A C-support vector classifier (the dual problem of libsvm, solved by linfa-svm's SMO).
    Svm {
        /// Box constraint `C`; positive.
        c: f64,
        /// The kernel.
        kernel: Kernel,
    },
    /// A CART decision tree (Gini impurity).
    Tree {
        /// Deepest level of splits; at least 1.
        max_depth: usize,
        /// Fewest training cases in a leaf; at least 1.
        min_samples_leaf: usize,
    },
    /// A random forest in the "random subspace" form: each tree is fitted on a bootstrap sample of the cases and a
    /// random subset of √p of the features (per tree, not per split as in scikit-learn, because linfa-trees has no
    /// per-split feature sampling); the score is the mean of the trees' leaf fractions.
    Forest {
        /// Number of trees; at least 1.
        trees: usize,
        /// Deepest level of splits of each tree; at least 1.
        max_depth: usize,
    },
    /// k-nearest neighbours (Euclidean distance); the score is the fraction of positive neighbours.
    Knn {
        /// Number of neighbours; at least 1.
        k: usize,
    },
    /// Gaussian naive Bayes (variance smoothing 1e-9, as scikit-learn).
    NaiveBayes,
}

/// scikit-learn's `gamma="scale"` for standardised features: `1 / p` (one over the number of features).
pub fn scale_gamma(n_features: usize) -> f64 {
    1.0 / n_features.max(1) as f64
}

/// The kinds of model the Model Lab offers, shared by the lessons (a `model-lab` exercise's `model` and `models`), the
/// web app and the command line. Written as its id (`"svm-rbf"`) in lessons, saved state and JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ModelKind {
    Logistic,
    SvmLinear,
    SvmRbf,
    Tree,
    Forest,
    Knn,
    NaiveBayes,
}

impl ModelKind {
    /// Every kind, in the order the Model Lab lists them.
    pub const ALL: [ModelKind; 7] = [
        ModelKind::Logistic,
        ModelKind::SvmLinear,
        ModelKind::SvmRbf,
        ModelKind::Tree,
        ModelKind::Forest,
        ModelKind::Knn,
        ModelKind::NaiveBayes,
    ];

    /// Its id, as lessons and the command line write it.
    pub fn id(self) -> &'static str {
        match self {
            ModelKind::Logistic => "logistic",
            ModelKind::SvmLinear => "svm-linear",
            ModelKind::SvmRbf => "svm-rbf",
            ModelKind::Tree => "tree",
            ModelKind::Forest => "forest",
            ModelKind::Knn => "knn",
            ModelKind::NaiveBayes => "naive-bayes",
        }
    }

    /// Its name for people, e.g. "Logistic regression".
    pub fn label(self) -> &'static str {
        match self {
            ModelKind::Logistic => "Logistic regression",
            ModelKind::SvmLinear => "SVM (linear)",
            ModelKind::SvmRbf => "SVM (RBF kernel)",
            ModelKind::Tree => "Decision tree",
            ModelKind::Forest => "Random forest",
            ModelKind::Knn => "k-nearest neighbours",
            ModelKind::NaiveBayes => "Gaussian naive Bayes",
        }
    }

    /// The ids of every kind, quoted and separated by commas, for messages.
    pub fn id_list() -> String {
        ModelKind::ALL.iter().map(|k| format!("\"{}\"", k.id())).collect::<Vec<_>>().join(", ")
    }
}

impl fmt::Display for ModelKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

impl std::str::FromStr for ModelKind {
    type Err = MlError;

    /// A kind from its id (surrounding spaces ignored); the error lists the ids.
    fn from_str(s: &str) -> Result<Self, MlError> {
        ModelKind::ALL
            .into_iter()
            .find(|k| k.id() == s.trim())
            .ok_or_else(|| MlError::Options(format!("there is no model \"{}\"; the models are {}", s.trim(), ModelKind::id_list())))
    }
}

impl ModelSpec {
    /// The defaults of a kind: logistic C = 1 with L2; SVMs C = 1, RBF gamma 0.01 (use [`scale_gamma`] when the
    /// number of features is known); tree depth 3 with 5 cases per leaf; forest of 100 trees of depth 6; k = 5;
    /// naive Bayes.
    pub fn default_for(kind: ModelKind) -> ModelSpec {
        match kind {
            ModelKind::Logistic => ModelSpec::Logistic { c: 1.0, penalty: Penalty::L2 },
            ModelKind::SvmLinear => ModelSpec::Svm { c: 1.0, kernel: Kernel::Linear },
            ModelKind::SvmRbf => ModelSpec::Svm { c: 1.0, kernel: Kernel::Rbf { gamma: 0.01 } },
            ModelKind::Tree => ModelSpec::Tree { max_depth: 3, min_samples_leaf: 5 },
            ModelKind::Forest => ModelSpec::Forest { trees: 100, max_depth: 6 },
            ModelKind::Knn => ModelSpec::Knn { k: 5 },
            ModelKind::NaiveBayes => ModelSpec::NaiveBayes,
        }
    }

    /// This model's kind.
    pub fn kind(&self) -> ModelKind {
        match self {
            ModelSpec::Logistic { .. } => ModelKind::Logistic,
            ModelSpec::Svm { kernel: Kernel::Linear, .. } => ModelKind::SvmLinear,
            ModelSpec::Svm { kernel: Kernel::Rbf { .. }, .. } => ModelKind::SvmRbf,
            ModelSpec::Tree { .. } => ModelKind::Tree,
            ModelSpec::Forest { .. } => ModelKind::Forest,
            ModelSpec::Knn { .. } => ModelKind::Knn,
            ModelSpec::NaiveBayes => ModelKind::NaiveBayes,
        }
    }

    /// The label of this model's kind, e.g. "Logistic regression".
    pub fn label(&self) -> &'static str {
        self.kind().label()
    }

    /// Checks the hyperparameters; the message names the value.
    pub fn check(self) -> Result<ValidModelSpec, MlError> {
        self.check_ranges()?;
        Ok(ValidModelSpec(self))
    }

    fn check_ranges(&self) -> Result<(), MlError> {
        let positive = |name: &str, v: f64| {
            if v.is_finite() && v > 0.0 {
                Ok(())
            } else {
                Err(MlError::Hyperparameter(format!("{name} should be a positive number, but is {v}")))
            }
        };
        let at_least_one = |name: &str, v: usize| {
            if v >= 1 {
                Ok(())
            } else {
                Err(MlError::Hyperparameter(format!("{name} should be at least 1, but is {v}")))
            }
        };
        match *self {
            ModelSpec::Logistic { c, penalty } => {
                positive("C", c)?;
                if let Penalty::ElasticNet { l1_ratio } = penalty {
                    if !(0.0..=1.0).contains(&l1_ratio) {
                        return Err(MlError::Hyperparameter(format!("the L1 ratio should be between 0 and 1, but is {l1_ratio}")));
                    }
                }
                Ok(())
            }
            ModelSpec::Svm { c, kernel } => {
                positive("C", c)?;
                match kernel {
                    Kernel::Rbf { gamma } => positive("gamma", gamma),
                    Kernel::Linear => Ok(()),
                }
            }
            ModelSpec::Tree { max_depth, min_samples_leaf } => {
                at_least_one("the maximum depth", max_depth)?;
                at_least_one("the minimum number of cases in a leaf", min_samples_leaf)
            }
            ModelSpec::Forest { trees, max_depth } => {
                at_least_one("the number of trees", trees)?;
                if trees > 10_000 {
                    return Err(MlError::Hyperparameter(format!("the number of trees should be at most 10000, but is {trees}")));
                }
                at_least_one("the maximum depth", max_depth)
            }
            ModelSpec::Knn { k } => at_least_one("k (the number of neighbours)", k),
            ModelSpec::NaiveBayes => Ok(()),
        }
    }
}

/// A [`ModelSpec`] whose hyperparameters are in range, made only by [`ModelSpec::check`]: what [`fit`] and the
/// evaluations take, so that they do not check again. Reads as the spec it holds (`Deref`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ValidModelSpec(ModelSpec);

impl ValidModelSpec {
    /// The checked spec.
    pub fn spec(&self) -> &ModelSpec {
        &self.0
    }
}

impl std::ops::Deref for ValidModelSpec {
    type Target = ModelSpec;

    fn deref(&self) -> &ModelSpec {
        &self.0
    }
}

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

/// A linfa decision tree with the fraction of positive training cases in each leaf (linfa's trees only predict the
/// majority class; a score needs the fraction, as scikit-learn's `predict_proba`). Leaves are named by their path
/// from the root (`false` = left).
#[derive(Debug, Clone)]
struct ScoredTree {
    tree: DecisionTree<f64, bool>,
    leaf_fraction: HashMap<Vec<bool>, f64>,
    /// The fraction of positive training cases, for a leaf that no training case reached.
    prior: f64,
    /// Impurity importance of each feature (sums to 1, or all 0 for a tree without splits).
    importance: Vec<f64>,
    /// The power of two each feature was divided by before fitting (see [`ScoredTree::fit`]).
    scales: Vec<f64>,
}

impl ScoredTree {
    fn fit(x: ArrayView2<f64>, y: &[bool], max_depth: usize, min_leaf: usize) -> Result<ScoredTree, MlError> {
        // Positive cases weigh a little more, so that a leaf with as many positive as negative cases always
        // predicts positive: linfa breaks such ties in HashMap order, which changes from run to run, and the pruned
        // tree (so the leaf fractions) would change with it.
        let weights: Array1<f32> = y.iter().map(|&v| if v { 1.001 } else { 1.0 }).collect();
        // linfa-trees takes values closer than 1e-5 for equal, whatever their scale, so a feature measured in tiny
        // units could never be split on: a feature whose values are all below 1 in size is multiplied by a power
        // of two (exact, and a tree only compares values) that brings its largest into [1, 2).
        let scales: Vec<f64> = x
            .columns()
            .into_iter()
            .map(|c| {
                let max_abs = c.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
                if max_abs < 1.0 && max_abs > 0.0 {
                    2f64.powi(max_abs.log2().floor() as i32)
                } else {
                    1.0
                }
            })
            .collect();
        let scaled = Array2::from_shape_fn(x.raw_dim(), |(i, j)| x[[i, j]] / scales[j]);
        let ds = linfa::Dataset::new(scaled, Array1::from(y.to_vec())).with_weights(weights);
        let tree = DecisionTree::params()
            .split_quality(SplitQuality::Gini)
            .max_depth(Some(max_depth))
            .min_weight_leaf(min_leaf as f32)
            .min_weight_split((2 * min_leaf) as f32)
            .fit(&ds)
            .map_err(|e| MlError::Fit { model: "Decision tree", message: e.to_string() })?;
        let mut counts: HashMap<Vec<bool>, (usize, usize)> = HashMap::new();
        // Impurity importance as scikit-learn's: each split's impurity decrease weighted by the share of training
        // cases that reach it, summed per feature, normalised to 1. (linfa's own importance averages the decreases
        // over a feature's nodes without their sizes, which favours features split on deep in the tree.)
        let mut importance = vec![0.0; x.ncols()];
        let share = 1.0 / y.len().max(1) as f64;
        for (row, &yi) in x.rows().into_iter().zip(y) {
            let path = leaf_path(tree.root_node(), row, &scales, &mut |feature, decrease| {
                if let Some(v) = importance.get_mut(feature) {
                    *v += decrease * share;
                }
            });
            let c = counts.entry(path).or_default();
            c.0 += yi as usize;
            c.1 += 1;
        }
        let total: f64 = importance.iter().sum();
        if total > 0.0 {
            importance.iter_mut().for_each(|v| *v /= total);
        }
        let leaf_fraction = counts.into_iter().map(|(k, (pos, n))| (k, pos as f64 / n as f64)).collect();
        let prior = y.iter().filter(|&&v| v).count() as f64 / y.len().max(1) as f64;
        Ok(ScoredTree { tree, leaf_fraction, prior, importance, scales })
    }

    fn score(&self, row: ArrayView1<f64>) -> f64 {
        self.leaf_fraction.get(&leaf_path(self.tree.root_node(), row, &self.scales, &mut |_, _| {})).copied().unwrap_or(self.prior)
    }
}

/// The path to the leaf that `row` falls in (its features divided by `scales`, as the tree was fitted); the same
/// rule as linfa's prediction (left when below the split).
/// `visit(feature, impurity decrease)` is called at each split on the way.
fn leaf_path(root: &TreeNode<f64, bool>, row: ArrayView1<f64>, scales: &[f64], visit: &mut dyn FnMut(usize, f64)) -> Vec<bool> {
    let mut node = root;
    let mut path = Vec::new();
    while !node.is_leaf() {
        let (feature, split, decrease) = node.split();
        visit(feature, decrease);
        let right = row.get(feature).is_some_and(|&v| v / scales.get(feature).copied().unwrap_or(1.0) >= split);
        let children = node.children();
        match children.get(right as usize).and_then(|c| c.as_deref()) {
            Some(next) => node = next,
            None => break,
        }
        path.push(right);
    }
    path
}

fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
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

/// L2 logistic regression with linfa-logistic (L-BFGS). linfa minimises `Σ log-loss + alpha/2 ||w||²` (a sum over
/// cases, not a mean, and the intercept is not penalised), and scikit-learn `C Σ log-loss + ||w||²/2`: dividing
/// by `C` shows they are the same problem with `alpha = 1 / C`.
fn fit_logistic_l2(x: ArrayView2<f64>, y: &[bool], c: f64) -> Result<Inner, MlError> {
    let ds = linfa::DatasetBase::new(x, Array1::from(y.to_vec()));
    let n = y.len() as f64;
    let model = LogisticRegression::default()
        .alpha(1.0 / c)
        // linfa's gradient is of the summed loss: 1e-6 per case is scikit-learn's default precision or better.
        .gradient_tolerance(1e-6 * n)
        .max_iterations(500)
        .fit(&ds)
        .map_err(|e| MlError::Fit { model: "Logistic regression", message: e.to_string() })?;
    // linfa labels the more frequent class as its "positive" one: turn the model round when that is `false`.
    let sign = if model.labels().pos.class { 1.0 } else { -1.0 };
    let (w, b) = (model.params() * sign, model.intercept() * sign);
    // linfa returns L-BFGS's best point even when it stopped at the iteration limit, without saying so: check the
    // gradient of the objective (C Σ log-loss + ||w||²/2, over C) at that point. 1e-3 per case is a thousand times
    // looser than the tolerance asked for, so only a fit that truly did not get there is refused.
    let z = x.dot(&w) + b;
    let r: Array1<f64> = z.iter().zip(y).map(|(&zi, &yi)| sigmoid(zi) - if yi { 1.0 } else { 0.0 }).collect();
    let grad = x.t().dot(&r) + &(&w / c);
    let norm = (grad.dot(&grad) + r.sum().powi(2)).sqrt();
    if norm.is_nan() || norm > 1e-3 * n {
        return Err(MlError::Fit {
            model: "Logistic regression",
            message: format!(
                "the solver did not converge in 500 iterations (gradient {norm:.2e}); standardise the features, or use a \
                 smaller C"
            ),
        });
    }
    Ok(Inner::Logistic { w, b })
}

/// Logistic regression with an L1 or elastic-net penalty, by accelerated proximal gradient (FISTA with restarts).
/// Written here because linfa has no L1 logistic regression (linfa-logistic is L2 only; linfa-elasticnet fits a
/// squared-error loss). The objective is scikit-learn's (`saga` solver): `C Σ log-loss + r ||w||₁ + (1 - r)/2
/// ||w||²`, divided by `C n` here so that the step size does not depend on the number of cases.
fn fit_logistic_prox(x: ArrayView2<f64>, y: &[bool], c: f64, l1_ratio: f64) -> Result<Inner, MlError> {
    let (n, p) = x.dim();
    let nf = n as f64;
    let l1 = l1_ratio / (c * nf);
    let l2 = (1.0 - l1_ratio) / (c * nf);
    let s: Array1<f64> = y.iter().map(|&v| if v { 1.0 } else { -1.0 }).collect();
    // Lipschitz constant of the smooth part's gradient: ||[X 1]||₂² / (4 n) + l2, ||.||₂ by power iteration.
    let (mut v, mut v0) = (Array1::from_elem(p, 1.0 / ((p + 1) as f64).sqrt()), 1.0 / ((p + 1) as f64).sqrt());
    let mut sigma2 = 0.0;
    for _ in 0..50 {
        let xv = x.dot(&v) + v0;
        let (w, w0) = (x.t().dot(&xv), xv.sum());
        let norm = (w.dot(&w) + w0 * w0).sqrt();
        if norm == 0.0 {
            break;
        }
        sigma2 = norm;
        v = w / norm;
        v0 = w0 / norm;
    }
    let lipschitz = sigma2 / (4.0 * nf) + l2 + 1e-12;
    let step = 1.0 / lipschitz;
    let objective_grad = |w: &Array1<f64>, b: f64| -> (Array1<f64>, f64) {
        let z = x.dot(w) + b;
        // d/dz log(1 + exp(-s z)) = -s sigmoid(-s z)
        let r: Array1<f64> = z.iter().zip(s.iter()).map(|(&zi, &si)| -si * sigmoid(-si * zi) / nf).collect();
        (x.t().dot(&r) + &(w * l2), r.sum())
    };
    let prox = |v: f64| (v.abs() - step * l1).max(0.0) * v.signum();
    let (mut w, mut b) = (Array1::<f64>::zeros(p), 0.0);
    let (mut yw, mut yb) = (w.clone(), b);
    let mut t = 1.0_f64;
    let mut converged = false;
    for _ in 0..PROX_ITERATIONS {
        let (g, gb) = objective_grad(&yw, yb);
        let w_new: Array1<f64> = (&yw - &(&g * step)).mapv(prox);
        let b_new = yb - step * gb;
        let change = w_new.iter().zip(w.iter()).map(|(a, c)| (a - c).abs()).fold((b_new - b).abs(), f64::max);
        let scale = w_new.iter().fold(b_new.abs(), |m, v| m.max(v.abs()));
        // Restart the momentum when it points uphill (O'Donoghue and Candès).
        let uphill = (&yw - &w_new).dot(&(&w_new - &w)) + (yb - b_new) * (b_new - b) > 0.0;
        let t_new = if uphill { 1.0 } else { (1.0 + (1.0 + 4.0 * t * t).sqrt()) / 2.0 };
        let momentum = if uphill { 0.0 } else { (t - 1.0) / t_new };
        yw = &w_new + &((&w_new - &w) * momentum);
        yb = b_new + momentum * (b_new - b);
        w = w_new;
        b = b_new;
        t = t_new;
        if change <= 1e-8 * (1.0 + scale) {
            converged = true;
            break;
        }
        if !change.is_finite() {
            break;
        }
    }
    if !converged {
        let model =
            ModelSpec::Logistic { c, penalty: if l1_ratio == 1.0 { Penalty::L1 } else { Penalty::ElasticNet { l1_ratio } } }.label();
        return Err(MlError::Fit {
            model,
            message: format!(
                "the proximal gradient solver did not converge in {PROX_ITERATIONS} iterations; standardise the features, or \
                 use a smaller C"
            ),
        });
    }
    Ok(Inner::Logistic { w, b })
}

/// The most steps of the L1 / elastic-net solver.
const PROX_ITERATIONS: usize = 20_000;

/// A C-SVC with linfa-svm (libsvm's dual problem; linfa's Gaussian kernel is `exp(-||x - x'||² / eps)`, so `eps
/// = 1 / gamma`), with Platt's sigmoid fitted on the training decision values by linfa's Newton method.
fn fit_svm(x: ArrayView2<f64>, y: &[bool], c: f64, kernel: Kernel) -> Result<Inner, MlError> {
    let label = ModelSpec::Svm { c, kernel }.label();
    let fail = |message: String| MlError::Fit { model: label, message };
    let ds = linfa::Dataset::new(x.to_owned(), Array1::from(y.to_vec()));
    let params = Svm::<f64, bool>::params().pos_neg_weights(c, c).eps(1e-3);
    let params = match kernel {
        Kernel::Linear => params.linear_kernel(),
        Kernel::Rbf { gamma } => params.gaussian_kernel(1.0 / gamma),
    };
    let svm = params.fit(&ds).map_err(|e| fail(e.to_string()))?;
    let decision: Array1<f64> = x.rows().into_iter().map(|r| svm.weighted_sum(&r) - svm.rho).collect();
    let platt_params = PlattParams::<f64, ()>::default().check().map_err(|e| fail(e.to_string()))?;
    let labels = Array1::from(y.to_vec());
    let platt = platt_newton_method(decision.view(), labels.view(), &platt_params).map_err(|e| {
        fail(format!(
            "its decision values could not be turned into scores (Platt scaling: {e}), because they are all alike or \
             extreme; standardise the features (or rescale the extreme ones), or try another C"
        ))
    })?;
    Ok(match kernel {
        Kernel::Linear => {
            // The hyperplane: the decision value of each unit vector is that feature's weight.
            let p = x.ncols();
            let mut e = Array1::<f64>::zeros(p);
            let mut w = Array1::<f64>::zeros(p);
            for j in 0..p {
                e[j] = 1.0;
                w[j] = svm.weighted_sum(&e);
                e[j] = 0.0;
            }
            Inner::LinearSvm { w, b: -svm.rho, platt }
        }
        Kernel::Rbf { .. } => Inner::KernelSvm { svm: Box::new(svm), platt },
    })
}

/// Draws an index below `n` from 64-bit numbers, so that native and wasm32 builds draw the same (rand's `usize`
/// ranges differ between 32- and 64-bit targets).
pub(crate) fn draw_below(rng: &mut Xoshiro256PlusPlus, n: usize) -> usize {
    rng.gen_range(0..n as u64) as usize
}

/// The random forest's bagging loop, written here rather than with linfa-ensemble: its sampling draws `usize`
/// indices (different numbers on wasm32) and it does not tell which cases each tree saw, which the leaf fractions
/// need. Each tree: a bootstrap sample of the cases, √p features chosen without replacement, a linfa-trees CART.
fn fit_forest(x: ArrayView2<f64>, y: &[bool], trees: usize, max_depth: usize, seed: u64) -> Result<Inner, MlError> {
    let (n, p) = x.dim();
    let m = ((p as f64).sqrt().round() as usize).clamp(1, p);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut forest = Vec::with_capacity(trees);
    let mut features: Vec<usize> = (0..p).collect();
    for _ in 0..trees {
        let rows: Vec<usize> = (0..n).map(|_| draw_below(&mut rng, n)).collect();
        for i in 0..m {
            let j = i + draw_below(&mut rng, p - i);
            features.swap(i, j);
        }
        let mut cols = features[..m].to_vec();
        cols.sort_unstable();
        let xs = x.select(Axis(0), &rows).select(Axis(1), &cols);
        let ys: Vec<bool> = rows.iter().map(|&r| y[r]).collect();
        forest.push((ScoredTree::fit(xs.view(), &ys, max_depth, 1)?, cols));
    }
    Ok(Inner::Forest(forest))
}

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
