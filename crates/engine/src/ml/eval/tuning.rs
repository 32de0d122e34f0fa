//! Nested cross-validation over a hyperparameter grid, and learning curves.

use super::*;

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
