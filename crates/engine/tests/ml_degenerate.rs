//! Issue 14: every model, PCA and k-means on degenerate tables (constant and duplicated columns, more features than
//! cases, one case of a class per fold, identical rows, huge and tiny magnitudes). Each gives a sensible result or a
//! named, typed error: never a panic, never a non-finite number.

use std::ops::ControlFlow;

use ndarray::{Array2, Axis};
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

use radlearn_engine::ml::eval::{cross_validate, roc_curve, CvOptions};
use radlearn_engine::ml::model::{fit, Kernel, MlError, ModelSpec, Penalty, ValidModelSpec};
use radlearn_engine::ml::unsupervised::{correlation, kmeans, pca};
use radlearn_engine::ml::Dataset;

/// Every kind of model, small enough to be quick.
fn models() -> Vec<ValidModelSpec> {
    [
        ModelSpec::Logistic { c: 1.0, penalty: Penalty::L2 },
        ModelSpec::Logistic { c: 1.0, penalty: Penalty::L1 },
        ModelSpec::Logistic { c: 1.0, penalty: Penalty::ElasticNet { l1_ratio: 0.5 } },
        ModelSpec::Svm { c: 1.0, kernel: Kernel::Linear },
        ModelSpec::Svm { c: 1.0, kernel: Kernel::Rbf { gamma: 0.5 } },
        ModelSpec::Tree { max_depth: 3, min_samples_leaf: 1 },
        ModelSpec::Forest { trees: 15, max_depth: 3 },
        ModelSpec::Knn { k: 3 },
        ModelSpec::NaiveBayes,
    ]
    .into_iter()
    .map(|spec| spec.check().expect("valid hyperparameters"))
    .collect()
}

fn normal(rng: &mut Xoshiro256PlusPlus) -> f64 {
    let u1: f64 = 1.0 - rng.gen::<f64>();
    let u2: f64 = rng.gen::<f64>();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

/// `n` cases x `p` features of noise, the first feature shifted by 2 for the positive cases (every third case).
fn table(n: usize, p: usize, seed: u64) -> (Array2<f64>, Vec<bool>) {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let y: Vec<bool> = (0..n).map(|i| i % 3 == 0).collect();
    let x = Array2::from_shape_fn((n, p), |(i, j)| normal(&mut rng) + if j == 0 && y[i] { 2.0 } else { 0.0 });
    (x, y)
}

fn dataset(x: Array2<f64>, y: Vec<bool>) -> Dataset {
    Dataset {
        ids: (0..y.len()).map(|i| format!("case{i}")).collect(),
        feature_names: (0..x.ncols()).map(|j| format!("f{j}")).collect(),
        x,
        y,
        classes: ["no".into(), "yes".into()],
        meta: Vec::new(),
    }
}

fn go() -> impl FnMut(usize, usize) -> ControlFlow<()> {
    |_, _| ControlFlow::Continue(())
}

fn quick(folds: usize, standardise: bool) -> CvOptions {
    CvOptions { folds, seed: 3, standardise, bootstrap: 0, ..CvOptions::default() }
}

fn in_unit_range(s: &[f64]) -> bool {
    s.iter().all(|v| (0.0..=1.0).contains(v))
}

#[test]
fn a_table_whose_every_feature_is_constant_is_refused_by_every_model() {
    let y: Vec<bool> = (0..20).map(|i| i % 2 == 0).collect();
    let x = Array2::from_shape_fn((20, 3), |(_, j)| [1.0, 2.5, -7.0][j]);
    for spec in models() {
        let e = fit(&spec, x.view(), &y, 1).expect_err("nothing to learn");
        assert!(matches!(e, MlError::Data(_)) && e.to_string().contains("same value in all 20 training cases"), "{spec:?}: {e}");
        let e = cross_validate(&dataset(x.clone(), y.clone()), &spec, &quick(5, true), &mut go()).expect_err("in cv too");
        assert!(matches!(e, MlError::Data(_)) && e.to_string().contains("nothing to learn from"), "{spec:?}: {e}");
    }
}

#[test]
fn a_constant_column_beside_an_informative_one_changes_nothing_it_should_not() {
    let (mut x, y) = table(30, 3, 1);
    x.column_mut(1).fill(4.0);
    for spec in models() {
        let m = fit(&spec, x.view(), &y, 1).unwrap_or_else(|e| panic!("{spec:?}: {e}"));
        let s = m.scores(x.view());
        assert!(in_unit_range(&s), "{spec:?}: {s:?}");
        let auc = roc_curve(&y, &s).1;
        assert!(auc > 0.8, "{spec:?}: training AUC {auc}");
        if matches!(*spec, ModelSpec::Tree { .. } | ModelSpec::Forest { .. }) {
            assert_eq!(m.importances().expect("trees have importances")[1], 0.0, "{spec:?}: a constant column is never split on");
        }
        let r = cross_validate(&dataset(x.clone(), y.clone()), &spec, &quick(5, true), &mut go()).expect("cv");
        assert!(r.scores.iter().all(|v| v.is_finite()) && r.auc > 0.6, "{spec:?}: {}", r.auc);
    }
    // The constant column has no variance: PCA gives it no share, and its loading is 0 on every other component.
    let r = pca(x.view(), 3, false).expect("pca");
    assert!(r.explained_ratio[2].abs() < 1e-15, "{:?}", r.explained_ratio);
    assert!(r.loadings.row(0)[1].abs() < 1e-15 && r.loadings.row(1)[1].abs() < 1e-15, "{}", r.loadings);
}

#[test]
fn duplicated_columns_share_the_weight_equally() {
    let (mut x, y) = table(40, 3, 2);
    let first = x.column(0).to_owned();
    x.column_mut(1).assign(&first);
    for spec in models() {
        let m = fit(&spec, x.view(), &y, 1).unwrap_or_else(|e| panic!("{spec:?}: {e}"));
        let s = m.scores(x.view());
        assert!(in_unit_range(&s) && roc_curve(&y, &s).1 > 0.8, "{spec:?}");
        if let Some((w, _)) = m.coefficients() {
            // The objective is symmetric in the two copies, so its unique minimum weighs them the same.
            assert!((w[0] - w[1]).abs() <= 1e-6 * w[0].abs().max(1e-12) && w[0] > 0.0, "{spec:?}: {w:?}");
        }
    }
    // PCA: the copies load equally on PC1, and the direction that tells them apart has no variance.
    let r = pca(x.view(), 3, false).expect("pca");
    assert!(r.explained_ratio[2] < 1e-15, "{:?}", r.explained_ratio);
    assert!((r.loadings[[0, 0]] - r.loadings[[0, 1]]).abs() < 1e-12, "{}", r.loadings);
}

#[test]
fn more_features_than_cases_fit_and_pca_has_cases_minus_one_components() {
    let (x, y) = table(12, 40, 3);
    for spec in models() {
        let m = fit(&spec, x.view(), &y, 1).unwrap_or_else(|e| panic!("{spec:?}: {e}"));
        let s = m.scores(x.view());
        assert!(in_unit_range(&s), "{spec:?}: {s:?}");
    }
    let r = pca(x.view(), 11, true).expect("11 components of 12 cases");
    assert!((r.explained_ratio.iter().sum::<f64>() - 1.0).abs() < 1e-12, "{:?}", r.explained_ratio);
    let gram = r.loadings.dot(&r.loadings.t());
    assert!((&gram - &Array2::<f64>::eye(11)).iter().all(|v| v.abs() < 1e-12));
    let e = pca(x.view(), 12, true).expect_err("a 12th component does not exist");
    assert!(matches!(e, MlError::Options(_)) && e.to_string().contains("at most 11 principal components"), "{e}");
}

#[test]
fn one_case_of_a_class_in_each_fold_still_cross_validates() {
    // 5 positives in 5 folds: each test fold holds exactly one positive case.
    let (x, _) = table(25, 4, 4);
    let y: Vec<bool> = (0..25).map(|i| i % 5 == 0).collect();
    let mut x = x;
    for (i, &yi) in y.iter().enumerate() {
        x[[i, 0]] += if yi { 2.0 } else { 0.0 };
    }
    let ds = dataset(x.clone(), y.clone());
    for spec in models() {
        let r = cross_validate(&ds, &spec, &quick(5, true), &mut go()).unwrap_or_else(|e| panic!("{spec:?}: {e}"));
        assert!(r.scores.iter().all(|v| v.is_finite()) && in_unit_range(&r.scores), "{spec:?}: {:?}", r.scores);
        let e = cross_validate(&ds, &spec, &quick(6, true), &mut go()).expect_err("6 folds, 5 positives");
        assert_eq!(e, MlError::TooFewCases { class: "positive".into(), have: 5, need: 6, purpose: "6-fold cross-validation".into() });
    }
    // One case of each class to learn from.
    let two = x.select(Axis(0), &[0, 1]);
    let y2 = [true, false];
    for spec in models() {
        match fit(&spec, two.view(), &y2, 1) {
            Ok(m) => {
                let s = m.scores(two.view());
                assert!(in_unit_range(&s) && s[0] >= s[1], "{spec:?}: {s:?}");
            }
            Err(e) => {
                assert!(matches!(*spec, ModelSpec::Knn { .. }), "{spec:?}: {e}");
                assert_eq!(e.to_string(), "k should be at most the number of training cases (2), but is 3");
            }
        }
    }
}

#[test]
fn identical_rows_have_no_variance_and_one_cluster() {
    let x = Array2::from_shape_fn((10, 4), |(_, j)| j as f64 * 1.5 - 2.0);
    let r = pca(x.view(), 2, false).expect("pca of identical rows");
    assert_eq!(r.explained_variance, vec![0.0, 0.0]);
    assert_eq!(r.explained_ratio, vec![0.0, 0.0]);
    assert!(r.scores.iter().all(|&v| v == 0.0));
    let k = kmeans(x.view(), 2, 1, false).expect("k-means of identical rows");
    assert_eq!(k.inertia, 0.0);
    assert!(k.labels.iter().all(|&l| l == k.labels[0]), "{:?}", k.labels);
}

#[test]
fn huge_and_tiny_values_give_the_same_answers_as_ordinary_ones_or_say_to_rescale() {
    let (x, y) = table(30, 3, 5);
    // Powers of two change no digit, so every scale-free answer must be identical, not just close.
    let huge = &x * 2f64.powi(700);
    let tiny = &x * 2f64.powi(-700);
    for spec in models() {
        let plain = cross_validate(&dataset(x.clone(), y.clone()), &spec, &quick(5, true), &mut go()).expect("cv");
        for big in [&huge, &tiny] {
            let r = cross_validate(&dataset(big.clone(), y.clone()), &spec, &quick(5, true), &mut go()).expect("cv, standardised");
            assert_eq!(r.scores, plain.scores, "{spec:?}: standardising removes the scale exactly");
        }
        // Without standardisation: trees and neighbours only compare values, and give the same scores; the other
        // models either find the same ranking or refuse with a message that says to standardise.
        let same = fit(&spec, x.view(), &y, 1).expect("fit").scores(x.view());
        for big in [&huge, &tiny] {
            match fit(&spec, big.view(), &y, 1) {
                Ok(m) => {
                    let s = m.scores(big.view());
                    assert!(in_unit_range(&s), "{spec:?}: {s:?}");
                    if matches!(*spec, ModelSpec::Tree { .. } | ModelSpec::Forest { .. } | ModelSpec::Knn { .. }) {
                        assert_eq!(s, same, "{spec:?}");
                    }
                }
                Err(e) => {
                    assert!(!matches!(*spec, ModelSpec::Tree { .. } | ModelSpec::Forest { .. } | ModelSpec::Knn { .. }), "{spec:?}: {e}");
                    assert!(matches!(e, MlError::Fit { .. }) && e.to_string().contains("standardise the features"), "{spec:?}: {e}");
                }
            }
        }
    }
    // PCA: the shares and directions do not depend on the scale; a variance beyond the largest double is refused.
    let plain = pca(x.view(), 3, false).expect("pca");
    let small = pca(tiny.view(), 3, false).expect("pca of tiny values");
    assert_eq!(small.explained_ratio, plain.explained_ratio);
    assert_eq!(small.loadings, plain.loadings);
    let e = pca(huge.view(), 3, false).expect_err("variance beyond 1.8e308");
    assert!(matches!(e, MlError::Data(_)) && e.to_string().contains("rescale the features"), "{e}");
    let z = pca(x.view(), 3, true).expect("standardised");
    assert_eq!(pca(huge.view(), 3, true).expect("standardised huge"), z);
    assert_eq!(pca(tiny.view(), 3, true).expect("standardised tiny"), z);
    // k-means: the same clusters at any scale; an inertia beyond the largest double is refused.
    let k = kmeans(x.view(), 2, 1, false).expect("k-means");
    assert_eq!(kmeans(tiny.view(), 2, 1, false).expect("tiny").labels, k.labels);
    let e = kmeans(huge.view(), 2, 1, false).expect_err("inertia beyond 1.8e308");
    assert!(e.to_string().contains("too large for k-means"), "{e}");
    // Correlations do not depend on the scale at all.
    let r = correlation(x.view());
    assert!(r.iter().all(|v| v.is_finite()) && r[[0, 1]] != 0.0);
    assert_eq!(correlation(huge.view()), r);
    assert_eq!(correlation(tiny.view()), r);
}

/// Found by the `ml` fuzz target (crash-78288d1c): naive Bayes fitted on one case of each class (so a variance of
/// 1e-9 of the feature's) scored a test case far from both as NaN, because linfa normalises the probabilities
/// without taking out the largest term. It must score it 0 or 1, by the nearer class.
#[test]
fn naive_bayes_scores_a_case_far_from_both_classes() {
    let x = ndarray::array![[-11.25], [245.0]];
    let m = fit(&ModelSpec::NaiveBayes.check().expect("valid hyperparameters"), x.view(), &[false, true], 1).expect("fit");
    let s = m.scores(ndarray::array![[-12.5], [0.625], [300.0]].view());
    assert_eq!(s, vec![0.0, 0.0, 1.0]);
    // The fuzz input itself: 4 cases, 2-fold cross-validation, standardised.
    let ds = dataset(ndarray::array![[-11.25], [245.0], [-12.5], [0.625]], vec![false, true, false, true]);
    let r = cross_validate(&ds, &ModelSpec::NaiveBayes.check().expect("valid hyperparameters"), &quick(2, true), &mut go()).expect("cv");
    assert!(in_unit_range(&r.scores), "{:?}", r.scores);
}
