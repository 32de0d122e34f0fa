//! The preprocessing fitted on training cases: standardisation and univariate feature selection.

use super::*;

/// Preprocessing fitted on training cases: standardisation, then selection of columns.
#[derive(Debug, Clone)]
pub(super) struct Prep {
    pub(super) mean: Array1<f64>,
    pub(super) scale: Array1<f64>,
    pub(super) selected: Vec<usize>,
}

/// Welch's t statistic of each column between the classes (0 where both variances are 0).
pub(super) fn t_scores(x: ArrayView2<f64>, y: &[bool]) -> Vec<f64> {
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
    pub(super) fn fit(x: ArrayView2<f64>, y: &[bool], opts: &CvOptions) -> Prep {
        let p = x.ncols();
        let (mean, scale) = if opts.standardise && x.nrows() > 0 {
            // Population standard deviation, as scikit-learn's StandardScaler; a constant column keeps scale 1.
            super::super::unsupervised::mean_and_scale(x)
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

    pub(super) fn transform_all(&self, x: ArrayView2<f64>) -> Array2<f64> {
        (&x - &self.mean) / &self.scale
    }

    pub(super) fn transform(&self, x: ArrayView2<f64>) -> Array2<f64> {
        self.transform_all(x).select(Axis(1), &self.selected)
    }
}
