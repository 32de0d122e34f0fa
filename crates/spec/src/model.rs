//! The kinds of model the Model Lab offers ([`ModelKind`]).

use std::fmt;

use serde::{Deserialize, Serialize};

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
    type Err = UnknownModel;

    /// A kind from its id (surrounding spaces ignored); the error lists the ids.
    fn from_str(s: &str) -> Result<Self, UnknownModel> {
        ModelKind::ALL.into_iter().find(|k| k.id() == s.trim()).ok_or_else(|| UnknownModel(s.trim().to_string()))
    }
}

/// A model id that is not one of [`ModelKind::ALL`]'s (the id, trimmed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownModel(pub String);

impl fmt::Display for UnknownModel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "there is no model \"{}\"; the models are {}", self.0, ModelKind::id_list())
    }
}

impl std::error::Error for UnknownModel {}
