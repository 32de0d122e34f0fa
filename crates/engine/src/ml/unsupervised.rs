//! Looking at a feature table without its labels: PCA (an exact SVD, nalgebra), k-means (linfa-clustering),
//! Pearson correlation, a greedy redundancy filter and the adjusted Rand index.
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
    /// Components x features: unit vectors, each signed so that its largest entry (in absolute value) is positive
    /// (the first such entry on a tie), as scikit-learn's PCA does since version 1.5.
    pub loadings: Array2<f64>,
}

/// Population z-scores of each column (a constant column becomes 0).
pub fn standardised(x: ArrayView2<f64>) -> Array2<f64> {
    let (mean, sd) = mean_and_scale(x);
    (&x - &mean) / &sd
}

/// The mean and the population standard deviation of each column, the deviation replaced by 1 where it is 0 (a
/// constant column), as scikit-learn's StandardScaler.
///
/// A column whose values are beyond 1e150 or all below 1e-150 (where the sum of squares overflows or underflows)
/// is first divided by a power of two, which changes no digit, so huge and tiny but finite values standardise too;
/// other columns get exactly the plain formulas.
pub(crate) fn mean_and_scale(x: ArrayView2<f64>) -> (Array1<f64>, Array1<f64>) {
    let p = x.ncols();
    let (mut mean, mut sd) = (Array1::zeros(p), Array1::ones(p));
    if x.nrows() == 0 {
        return (mean, sd);
    }
    let count = x.nrows() as f64;
    for (j, col) in x.columns().into_iter().enumerate() {
        let max_abs = col.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
        let scale = if needs_scaling(max_abs) { power_of_two_scale(max_abs) } else { 1.0 };
        // Two passes in the same order at every scale, so that a power-of-two scale gives exactly scaled numbers.
        let m = col.iter().map(|v| v / scale).sum::<f64>() / count;
        let s = (col.iter().map(|v| (v / scale - m) * (v / scale - m)).sum::<f64>() / count).sqrt();
        mean[j] = m * scale;
        sd[j] = if s > 0.0 && (s * scale).is_finite() { s * scale } else { 1.0 };
    }
    (mean, sd)
}

/// Whether values up to `max_abs` in size overflow or vanish when squared and summed.
fn needs_scaling(max_abs: f64) -> bool {
    max_abs > 1e150 || (max_abs < 1e-150 && max_abs > 0.0)
}

/// The power of two nearest below `max_abs` (1 for 0 or a non-finite value): dividing by it is exact, and brings
/// the largest value into [1, 2).
pub(crate) fn power_of_two_scale(max_abs: f64) -> f64 {
    if max_abs > 0.0 && max_abs.is_finite() {
        2f64.powi(max_abs.log2().floor() as i32)
    } else {
        1.0
    }
}

fn check_finite(x: ArrayView2<f64>) -> Result<(), MlError> {
    match x.indexed_iter().find(|(_, v)| !v.is_finite()) {
        Some(((r, c), v)) => {
            Err(MlError::Data(format!("case {} has the value {v} for feature {}; every value must be a finite number", r + 1, c + 1)))
        }
        None => Ok(()),
    }
}

/// The most principal components a table of `cases` x `features` has: `min(cases - 1, features)`. Centring
/// removes one dimension, so `n` cases span at most `n - 1`; a component beyond that has no variance and no
/// defined direction.
pub fn max_components(cases: usize, features: usize) -> usize {
    features.min(cases.saturating_sub(1))
}

/// PCA of `x` (cases x features) with `components` components (1 to [`max_components`]), on z-scores when
/// `standardise`: an exact singular value decomposition of the centred table (nalgebra's Golub–Kahan SVD, the
/// decomposition scikit-learn's `svd_solver="full"` computes with LAPACK), not an iterative approximation.
/// Asking for more components than the table has is an [`MlError::Options`] that says how many there are.
///
/// The table is divided by a power of two before the decomposition (exact), so that huge and tiny values give
/// the same shares as ordinary ones; a variance too large for a double is an error that says to rescale.
pub fn pca(x: ArrayView2<f64>, components: usize, standardise: bool) -> Result<PcaReport, MlError> {
    let (n, p) = x.dim();
    if n < 2 {
        return Err(MlError::Data(format!("PCA needs at least 2 cases, but there are {n}")));
    }
    if p == 0 {
        return Err(MlError::Data("PCA needs at least 1 feature, but the table has none".into()));
    }
    let max = max_components(n, p);
    if components == 0 || components > max {
        return Err(MlError::Options(format!(
            "the number of components should be between 1 and {max}, but is {components}: {n} cases and {p} features \
             have at most {max} principal components (the number of cases minus one, or the number of features if \
             fewer); ask for {max} or fewer"
        )));
    }
    check_finite(x)?;
    let data = if standardise { standardised(x) } else { x.to_owned() };
    let scale = power_of_two_scale(data.iter().fold(0.0_f64, |m, v| m.max(v.abs())));
    let data = data.mapv(|v| v / scale);
    let mean = data.mean_axis(Axis(0)).unwrap_or_else(|| Array1::zeros(p));
    let centred = &data - &mean;
    let (singular, vt) = right_singular_vectors(centred.view())?;
    // The total variance is that of every direction, kept or not (scikit-learn's `total_var`).
    let total: f64 = singular.iter().map(|s| s * s).sum();
    let mut loadings = Array2::zeros((components, p));
    for (k, mut row) in loadings.rows_mut().into_iter().enumerate() {
        row.assign(&vt.row(k));
        // scikit-learn's `svd_flip(u_based_decision=False)`: the largest |loading| (the first one on a tie) is positive.
        let big = row.iter().copied().fold(0.0_f64, |m, v| if v.abs() > m.abs() { v } else { m });
        if big < 0.0 {
            row.mapv_inplace(|v| -v);
        }
    }
    let scores = centred.dot(&loadings.t()) * scale;
    let denominator = (n - 1) as f64;
    let explained_variance: Vec<f64> = singular[..components].iter().map(|s| (s * scale) * (s * scale) / denominator).collect();
    let explained_ratio: Vec<f64> = singular[..components].iter().map(|s| if total > 0.0 { s * s / total } else { 0.0 }).collect();
    if explained_variance.iter().chain(&explained_ratio).chain(scores.iter()).any(|v| !v.is_finite()) {
        return Err(MlError::Data(
            "the values are too large for PCA: the variance along PC1 is beyond the largest number a double can hold \
             (about 1.8e308); rescale the features (e.g. standardise them) and try again"
                .into(),
        ));
    }
    Ok(PcaReport { explained_variance, explained_ratio, scores, loadings })
}

/// The singular values (descending) and the right singular vectors (as rows) of `a`, which must be finite and
/// not empty, by nalgebra's SVD with a bound on its iterations: if it does not converge, a [`MlError::Fit`].
pub(crate) fn right_singular_vectors(a: ArrayView2<f64>) -> Result<(Vec<f64>, Array2<f64>), MlError> {
    let (n, p) = a.dim();
    let m = nalgebra::DMatrix::from_fn(n, p, |i, j| a[[i, j]]);
    let dim = n.min(p);
    let svd = nalgebra::SVD::try_new(m, false, true, f64::EPSILON, 1000 + 100 * dim).ok_or_else(|| MlError::Fit {
        model: "PCA",
        message: "the singular value decomposition did not converge; check the table for extreme values".into(),
    })?;
    let vt = svd.v_t.ok_or_else(|| MlError::Fit { model: "PCA", message: "the singular vectors were not computed".into() })?;
    let singular: Vec<f64> = svd.singular_values.iter().copied().collect();
    let rows = vt.nrows();
    Ok((singular, Array2::from_shape_fn((rows, p), |(i, j)| vt[(i, j)])))
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
    // Values beyond 1e150 (or all below 1e-150) overflow (underflow) the squared distances: cluster them divided
    // by a power of two, which changes no digit and no assignment; other tables are clustered as they are.
    let max_abs = data.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
    let scale = if needs_scaling(max_abs) { power_of_two_scale(max_abs) } else { 1.0 };
    let data = if scale == 1.0 { data } else { data.mapv(|v| v / scale) };
    let ds = DatasetBase::from(data.clone());
    let model = KMeans::params_with_rng(k, Xoshiro256Plus::seed_from_u64(seed))
        .n_runs(10)
        .max_n_iterations(300)
        .tolerance(1e-6)
        .fit(&ds)
        .map_err(|e| MlError::Fit { model: "k-means", message: e.to_string() })?;
    let labels: Vec<usize> = model.predict(&data).to_vec();
    let centroids = model.centroids().to_owned();
    if centroids.iter().any(|v| !v.is_finite()) {
        return Err(MlError::Fit {
            model: "k-means",
            message: "a centroid is not a finite number; standardise the features and try again".into(),
        });
    }
    // linfa reports the mean distance; scikit-learn's inertia is the sum of squared distances.
    let inertia = data
        .rows()
        .into_iter()
        .zip(&labels)
        .map(|(r, &l)| r.iter().zip(centroids.row(l)).map(|(a, b)| (a - b) * (a - b)).sum::<f64>())
        .sum::<f64>()
        * scale
        * scale;
    if !inertia.is_finite() {
        return Err(MlError::Data(
            "the values are too large for k-means: the sum of squared distances is beyond the largest number a double can \
             hold (about 1.8e308); standardise the features and try again"
                .into(),
        ));
    }
    Ok(KMeansReport { labels, inertia, centroids: centroids * scale })
}

/// Pearson correlation between the columns of `x`: features x features, 1 on the diagonal; a constant column
/// correlates 0 with every other.
pub fn correlation(x: ArrayView2<f64>) -> Array2<f64> {
    // A column beyond 1e150 (or all below 1e-150) would overflow (vanish in) the sums of squares: divided by a
    // power of two, it correlates exactly as it is. Other columns are used as they are.
    if x.columns().into_iter().any(|c| needs_scaling(c.iter().fold(0.0_f64, |m, v| m.max(v.abs())))) {
        let mut tamed = x.to_owned();
        for mut c in tamed.columns_mut() {
            let max_abs = c.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
            if needs_scaling(max_abs) {
                let scale = power_of_two_scale(max_abs);
                c.mapv_inplace(|v| v / scale);
            }
        }
        return correlation_of(tamed.view());
    }
    correlation_of(x)
}

fn correlation_of(x: ArrayView2<f64>) -> Array2<f64> {
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
