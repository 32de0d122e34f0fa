#![no_main]
//! PCA, k-means, every model's fit and a cross-validation on small arbitrary tables (issue 14): each must return a
//! typed error or finite numbers, never panic.
//!
//! The bytes are read as: cases (2 to 25), features (1 to 8), the model and its settings, the PCA settings, then one
//! byte per value. A value byte is mostly a small number, sometimes an extreme one (±1e300, ±2^±700, 1e-300,
//! f64::MAX, NaN, infinity), a copy of the value above (identical rows) or of the first column (duplicated columns).
//! The labels are the low bits of the value bytes' sum per row.
use libfuzzer_sys::fuzz_target;
use ndarray::Array2;
use radlearn_engine::ml::eval::{cross_validate, CvOptions};
use radlearn_engine::ml::model::{fit, Kernel, ModelSpec, Penalty};
use radlearn_engine::ml::unsupervised::{kmeans, pca};
use radlearn_engine::ml::Dataset;
use std::ops::ControlFlow;

const SPECIAL: [f64; 14] = [
    0.0,
    1e300,
    -1e300,
    1e-300,
    -1e-300,
    f64::MAX,
    f64::MIN_POSITIVE,
    5e-324,
    1.0e154,
    -1.0e154,
    f64::NAN,
    f64::INFINITY,
    1.0e-154,
    123456789.0,
];

fn model(kind: u8, a: u8) -> ModelSpec {
    match kind % 9 {
        0 => ModelSpec::Logistic { c: 10f64.powi(i32::from(a % 7) - 3), penalty: Penalty::L2 },
        1 => ModelSpec::Logistic { c: 10f64.powi(i32::from(a % 7) - 3), penalty: Penalty::L1 },
        2 => ModelSpec::Logistic { c: 1.0, penalty: Penalty::ElasticNet { l1_ratio: f64::from(a) / 255.0 } },
        3 => ModelSpec::Svm { c: 10f64.powi(i32::from(a % 5) - 2), kernel: Kernel::Linear },
        4 => ModelSpec::Svm { c: 1.0, kernel: Kernel::Rbf { gamma: 10f64.powi(i32::from(a % 7) - 3) } },
        5 => ModelSpec::Tree { max_depth: usize::from(a % 4) + 1, min_samples_leaf: usize::from(a / 64) + 1 },
        6 => ModelSpec::Forest { trees: usize::from(a % 4) + 1, max_depth: usize::from(a / 64) + 1 },
        7 => ModelSpec::Knn { k: usize::from(a % 6) + 1 },
        _ => ModelSpec::NaiveBayes,
    }
}

fuzz_target!(|data: &[u8]| {
    let [n, p, kind, a, settings, rest @ ..] = data else { return };
    let (n, p) = (usize::from(*n % 24) + 2, usize::from(*p % 8) + 1);
    if rest.len() < n * p {
        return;
    }
    let mut x = Array2::<f64>::zeros((n, p));
    let mut y = vec![false; n];
    for i in 0..n {
        let mut sum = 0u32;
        for j in 0..p {
            let b = rest[i * p + j];
            sum += u32::from(b);
            x[[i, j]] = match b {
                0..=199 => (f64::from(b) - 100.0) / 8.0,
                200..=227 => SPECIAL[usize::from(b - 200) % SPECIAL.len()] * if b >= 214 { 2f64.powi(700) / 1e300 } else { 1.0 },
                228..=241 if i > 0 => x[[i - 1, j]],
                _ if j > 0 => x[[i, 0]],
                _ => f64::from(b),
            };
        }
        y[i] = sum % 2 == 1;
    }
    let standardise = settings & 1 == 1;
    let components = usize::from(settings >> 1 & 15);

    if let Ok(r) = pca(x.view(), components, standardise) {
        assert!(components >= 1 && components <= p.min(n - 1));
        assert_eq!(r.loadings.dim(), (components, p));
        assert_eq!(r.scores.dim(), (n, components));
        assert!(r.explained_variance.iter().chain(&r.explained_ratio).chain(r.scores.iter()).all(|v| v.is_finite()));
        assert!(r.explained_ratio.iter().sum::<f64>() <= 1.0 + 1e-9);
        assert!(r.explained_variance.windows(2).all(|w| w[0] >= w[1]));
    }
    if let Ok(r) = kmeans(x.view(), usize::from(settings >> 5) + 1, 1, standardise) {
        assert_eq!(r.labels.len(), n);
        assert!(r.inertia.is_finite() && r.inertia >= 0.0 && r.centroids.iter().all(|v| v.is_finite()));
    }

    // The fitting functions take checked hyperparameters only.
    let Ok(spec) = model(*kind, *a).check() else {
        return;
    };
    if let Ok(m) = fit(&spec, x.view(), &y, 7) {
        let s = m.scores(x.view());
        assert!(s.iter().all(|v| (0.0..=1.0).contains(v)), "{spec:?}: {s:?}");
    }
    let ds = Dataset {
        ids: (0..n).map(|i| i.to_string()).collect(),
        feature_names: (0..p).map(|j| j.to_string()).collect(),
        x,
        y,
        classes: ["a".into(), "b".into()],
        meta: Vec::new(),
    };
    let opts = CvOptions { folds: 2 + usize::from(*kind / 9 % 2), seed: 1, standardise, bootstrap: 5, ..CvOptions::default() };
    if let Ok(r) = cross_validate(&ds, &spec, &opts, &mut |_, _| ControlFlow::Continue(())) {
        assert!(r.scores.iter().all(|v| (0.0..=1.0).contains(v)), "{spec:?}: {:?}", r.scores);
        assert!(r.auc.is_nan() || (0.0..=1.0).contains(&r.auc));
    }
});
