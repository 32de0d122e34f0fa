//! Looking at a feature table without its labels: PCA and k-means (linfa-reduction, linfa-clustering), Pearson
//! correlation, a greedy redundancy filter and the adjusted Rand index.
//!
//! The correlation, the filter and the Rand index are a few lines each and written here (linfa has no
//! correlation matrix of columns with the constant-column convention the course uses, no redundancy filter and no
//! adjusted Rand index). Numbers follow scikit-learn's conventions: PCA's explained variance with `n - 1`,
//! standardisation with the population standard deviation (StandardScaler), k-means inertia as the sum of squared
//! distances.
//!
//! # Example
//! ```
//! use ndarray::array;
//! use radlearn_engine::ml::unsupervised::{adjusted_rand_index, correlation};
//! let x = array![[1.0, 2.0, 5.0], [2.0, 4.0, 5.0], [3.0, 7.0, 5.0]];
//! let r = correlation(x.view());
//! assert!(r[[0, 1]] > 0.99 && r[[0, 2]] == 0.0 && r[[2, 2]] == 1.0);
//! assert_eq!(adjusted_rand_index(&[0, 0, 1, 1], &[1, 1, 0, 0]), 1.0);
//! ```

use linfa::traits::{Fit, Predict};
use linfa::DatasetBase;
use linfa_clustering::KMeans;
use linfa_reduction::Pca;
use ndarray::{Array1, Array2, ArrayView2, Axis};
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256Plus;
use serde::{Deserialize, Serialize};

use super::model::MlError;

/// Principal components of a feature table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PcaReport {
    /// Variance along each component (with `n - 1`, as scikit-learn's `explained_variance_`).
    pub explained_variance: Vec<f64>,
    /// Each component's share of the total variance of all features (scikit-learn's `explained_variance_ratio_`).
    pub explained_ratio: Vec<f64>,
    /// Cases x components: each case's coordinates.
    pub scores: Array2<f64>,
    /// Components x features: unit vectors, each signed so that its largest entry (in absolute value) is positive.
    pub loadings: Array2<f64>,
}

/// Population z-scores of each column (a constant column becomes 0).
pub fn standardised(x: ArrayView2<f64>) -> Array2<f64> {
    let Some(mean) = x.mean_axis(Axis(0)) else { return x.to_owned() };
    let sd = x.std_axis(Axis(0), 0.0).mapv(|s| if s > 0.0 && s.is_finite() { s } else { 1.0 });
    (&x - &mean) / &sd
}

fn check_finite(x: ArrayView2<f64>) -> Result<(), MlError> {
    match x.indexed_iter().find(|(_, v)| !v.is_finite()) {
        Some(((r, c), v)) => {
            Err(MlError::Data(format!("case {} has the value {v} for feature {}; every value must be a finite number", r + 1, c + 1)))
        }
        None => Ok(()),
    }
}

/// PCA of `x` (cases x features) with `components` components (1 to min(cases, features)), on z-scores when
/// `standardise`. linfa-reduction fits the components (a truncated SVD of the centred data); the explained variance
/// and ratio are computed here from its singular values, because linfa divides by the number of components instead
/// of `n - 1` and normalises the ratio over the kept components only.
pub fn pca(x: ArrayView2<f64>, components: usize, standardise: bool) -> Result<PcaReport, MlError> {
    let (n, p) = x.dim();
    if n < 2 {
        return Err(MlError::Data(format!("PCA needs at least 2 cases, but there are {n}")));
    }
    if components == 0 || components > p.min(n) {
        return Err(MlError::Options(format!("the number of components should be between 1 and {}, but is {components}", p.min(n))));
    }
    check_finite(x)?;
    let data = if standardise { standardised(x) } else { x.to_owned() };
    let mean = data.mean_axis(Axis(0)).unwrap_or_else(|| Array1::zeros(p));
    let centred = &data - &mean;
    let total: f64 = centred.var_axis(Axis(0), 1.0).sum();
    let model = Pca::params(components)
        .fit(&DatasetBase::from(centred.clone()))
        .map_err(|e| MlError::Fit { model: "PCA", message: e.to_string() })?;
    let mut loadings = model.components().to_owned();
    for mut row in loadings.rows_mut() {
        let big = row.iter().copied().fold(0.0_f64, |m, v| if v.abs() > m.abs() { v } else { m });
        if big < 0.0 {
            row.mapv_inplace(|v| -v);
        }
    }
    let scores = centred.dot(&loadings.t());
    // The variance along each component, from the projections themselves (the same as sigma² / (n - 1), without
    // linfa's lower clamp of the singular values).
    let explained_variance: Vec<f64> = scores.var_axis(Axis(0), 1.0).to_vec();
    let explained_ratio = explained_variance.iter().map(|v| if total > 0.0 { v / total } else { 0.0 }).collect();
    Ok(PcaReport { explained_variance, explained_ratio, scores, loadings })
}

/// k-means clusters of a feature table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KMeansReport {
    /// The cluster of each case, `0..k`.
    pub labels: Vec<usize>,
    /// Sum of squared distances from each case to its centroid (scikit-learn's `inertia_`).
    pub inertia: f64,
    /// k x features, in the space clustered (z-scores when standardised).
    pub centroids: Array2<f64>,
}

/// k-means with linfa-clustering (k-means++ starts, the best of 10 runs), seeded; on z-scores when `standardise`.
pub fn kmeans(x: ArrayView2<f64>, k: usize, seed: u64, standardise: bool) -> Result<KMeansReport, MlError> {
    let n = x.nrows();
    if k == 0 || k > n {
        return Err(MlError::Options(format!("the number of clusters should be between 1 and the number of cases ({n}), but is {k}")));
    }
    if x.ncols() == 0 {
        return Err(MlError::Data("there is no feature to cluster on".into()));
    }
    check_finite(x)?;
    let data = if standardise { standardised(x) } else { x.to_owned() };
    let ds = DatasetBase::from(data.clone());
    let model = KMeans::params_with_rng(k, Xoshiro256Plus::seed_from_u64(seed))
        .n_runs(10)
        .max_n_iterations(300)
        .tolerance(1e-6)
        .fit(&ds)
        .map_err(|e| MlError::Fit { model: "k-means", message: e.to_string() })?;
    let labels: Vec<usize> = model.predict(&data).to_vec();
    let centroids = model.centroids().to_owned();
    // linfa reports the mean distance; scikit-learn's inertia is the sum of squared distances.
    let inertia = data
        .rows()
        .into_iter()
        .zip(&labels)
        .map(|(r, &l)| r.iter().zip(centroids.row(l)).map(|(a, b)| (a - b) * (a - b)).sum::<f64>())
        .sum();
    Ok(KMeansReport { labels, inertia, centroids })
}

/// Pearson correlation between the columns of `x`: features x features, 1 on the diagonal; a constant column
/// correlates 0 with every other.
pub fn correlation(x: ArrayView2<f64>) -> Array2<f64> {
    let p = x.ncols();
    let Some(mean) = x.mean_axis(Axis(0)) else { return Array2::eye(p) };
    let c = &x - &mean;
    let norms: Vec<f64> = c.columns().into_iter().map(|col| col.dot(&col).sqrt()).collect();
    let cov = c.t().dot(&c);
    Array2::from_shape_fn((p, p), |(i, j)| {
        if i == j {
            1.0
        } else if norms[i] > 0.0 && norms[j] > 0.0 {
            (cov[[i, j]] / (norms[i] * norms[j])).clamp(-1.0, 1.0)
        } else {
            0.0
        }
    })
}

/// Greedy redundancy filter: going through the columns in order, keeps a column unless its |r| with an already
/// kept column is at least `threshold`. Returns the kept column indices, in order.
pub fn redundancy_filter(x: ArrayView2<f64>, threshold: f64) -> Vec<usize> {
    let r = correlation(x);
    let mut kept: Vec<usize> = Vec::new();
    for j in 0..x.ncols() {
        if kept.iter().all(|&k| r[[j, k]].abs() < threshold) {
            kept.push(j);
        }
    }
    kept
}

/// Adjusted Rand index between two partitions of the same cases (1: the same grouping, about 0: chance; NaN if
/// the lengths differ). Two partitions that are both trivial in the same way (one group, or each case alone)
/// give 1, as in scikit-learn.
pub fn adjusted_rand_index(a: &[usize], b: &[usize]) -> f64 {
    if a.len() != b.len() {
        return f64::NAN;
    }
    let n = a.len();
    let pairs = |m: usize| (m * m.saturating_sub(1) / 2) as f64;
    let mut table: std::collections::HashMap<(usize, usize), usize> = std::collections::HashMap::new();
    let mut rows: std::collections::HashMap<usize, usize> = std::collections::HashMap::new();
    let mut cols: std::collections::HashMap<usize, usize> = std::collections::HashMap::new();
    for (&i, &j) in a.iter().zip(b) {
        *table.entry((i, j)).or_default() += 1;
        *rows.entry(i).or_default() += 1;
        *cols.entry(j).or_default() += 1;
    }
    let index: f64 = table.values().map(|&m| pairs(m)).sum();
    let sa: f64 = rows.values().map(|&m| pairs(m)).sum();
    let sb: f64 = cols.values().map(|&m| pairs(m)).sum();
    let expected = if n < 2 { 0.0 } else { sa * sb / pairs(n) };
    let max = (sa + sb) / 2.0;
    if max == expected {
        return 1.0;
    }
    (index - expected) / (max - expected)
}
