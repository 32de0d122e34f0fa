//! The hyperparameters: [`ModelSpec`] and its kinds ([`ModelKind`]), checked once into a [`ValidModelSpec`].

use super::*;

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

pub use radlearn_spec::model::{ModelKind, UnknownModel};

impl From<UnknownModel> for MlError {
    fn from(e: UnknownModel) -> Self {
        MlError::Options(e.to_string())
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

    pub(super) fn check_ranges(&self) -> Result<(), MlError> {
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
