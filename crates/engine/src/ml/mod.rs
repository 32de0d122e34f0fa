//! Machine learning on feature tables, for the Model Lab: datasets, models (linfa), honest evaluation.
//!
//! - [`Dataset`]: one row per case, numeric features, a binary label and categorical columns (e.g. the site).
//! - [`table`]: feature tables read from CSV (wide, e.g. PyRadiomics output, or RadLearn's long format).
//! - [`model`]: the models ([`model::ModelSpec`]) fitted with linfa.
//! - [`eval`]: cross-validation with preprocessing fitted inside each fold (or leaked, on purpose), ROC and AUC
//!   with a bootstrap interval, confusion matrix, calibration, nested cross-validation, learning curves.
//! - [`unsupervised`]: PCA, k-means and feature correlation.

use ndarray::Array2;
use serde::{Deserialize, Serialize};

pub mod cohort;
pub mod eval;
pub mod model;
pub mod plot;
pub mod table;
pub mod unsupervised;

/// A cohort as a table: one row per case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dataset {
    /// One identifier per case (row).
    pub ids: Vec<String>,
    /// One name per feature (column of `x`).
    pub feature_names: Vec<String>,
    /// Cases x features, finite values only.
    pub x: Array2<f64>,
    /// The label of each case: `true` is the positive class.
    pub y: Vec<bool>,
    /// The names of the two classes: `[negative, positive]` (e.g. `["benign", "malignant"]`).
    pub classes: [String; 2],
    /// Categorical columns kept beside the features (e.g. `("site", ["A", "B", ...])`), one value per case.
    pub meta: Vec<(String, Vec<String>)>,
}

impl Dataset {
    /// The number of cases.
    pub fn len(&self) -> usize {
        self.y.len()
    }

    /// Whether there is no case.
    pub fn is_empty(&self) -> bool {
        self.y.is_empty()
    }

    /// The same cases with only the feature columns `columns` (in that order; indices out of range are skipped).
    pub fn select_columns(&self, columns: &[usize]) -> Dataset {
        let keep: Vec<usize> = columns.iter().copied().filter(|&c| c < self.x.ncols()).collect();
        Dataset {
            ids: self.ids.clone(),
            feature_names: keep.iter().map(|&c| self.feature_names[c].clone()).collect(),
            x: self.x.select(ndarray::Axis(1), &keep),
            y: self.y.clone(),
            classes: self.classes.clone(),
            meta: self.meta.clone(),
        }
    }

    /// The values of the categorical column `name`, if there is one.
    pub fn meta_column(&self, name: &str) -> Option<&[String]> {
        self.meta.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_slice())
    }
}
