//! The Model Lab's engine: feature tables, models, evaluation and unsupervised tools.

use std::ops::ControlFlow;

use ndarray::{array, Array2, Axis};
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

use radlearn_engine::ml::eval::{
    bootstrap_auc_ci, cross_validate, holdout, learning_curve, nested_cv, roc_curve, stratified_folds, train_test_split, Confusion,
    CvOptions, Hyper,
};
use radlearn_engine::ml::model::{fit, Kernel, MlError, ModelKind, ModelSpec, Penalty, ValidModelSpec};
use radlearn_engine::ml::table::{columns, display_name, read_csv, to_csv};
use radlearn_engine::ml::unsupervised::{adjusted_rand_index, correlation, kmeans, pca, redundancy_filter};
use radlearn_engine::ml::Dataset;

/// The spec, checked.
fn valid(spec: ModelSpec) -> ValidModelSpec {
    spec.check().expect("valid hyperparameters")
}

fn normal(rng: &mut Xoshiro256PlusPlus) -> f64 {
    // Box–Muller from two uniforms in (0, 1].
    let u1: f64 = 1.0 - rng.gen::<f64>();
    let u2: f64 = rng.gen::<f64>();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

/// `n` cases, `p` features of standard normal noise; the first `informative` features are shifted by `shift`
/// for positive cases. Classes alternate.
fn synthetic(n: usize, p: usize, informative: usize, shift: f64, seed: u64) -> Dataset {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let y: Vec<bool> = (0..n).map(|i| i % 2 == 1).collect();
    let x = Array2::from_shape_fn((n, p), |(i, j)| normal(&mut rng) + if j < informative && y[i] { shift } else { 0.0 });
    Dataset {
        ids: (0..n).map(|i| format!("case{i}")).collect(),
        feature_names: (0..p).map(|j| format!("f{j}")).collect(),
        x,
        y,
        classes: ["benign".into(), "malignant".into()],
        meta: vec![("site".into(), (0..n).map(|i| ["A", "B", "C"][i % 3].to_string()).collect())],
    }
}

fn go() -> impl FnMut(usize, usize) -> ControlFlow<()> {
    |_, _| ControlFlow::Continue(())
}

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

// ---- Tables ----

#[test]
fn wide_tables_round_trip_exactly() {
    let mut ds = synthetic(24, 4, 1, 1.0, 7);
    ds.x[[0, 0]] = 0.1 + 0.2;
    ds.x[[1, 1]] = 1e-300;
    ds.x[[2, 2]] = -123456789.125;
    ds.ids[3] = "with, comma \"quoted\"".into();
    let text = to_csv(&ds);
    assert!(text.starts_with("id,label,site,f0,f1,f2,f3\n"), "{}", &text[..40]);
    assert_eq!(read_csv(&text, "label").expect("read back"), ds);
}

#[test]
fn pyradiomics_batch_output_reads_with_ids_meta_and_features() {
    let mut text = String::from("Image,Mask,diagnostics_Versions_PyRadiomics,diagnostics_Mask-original_VoxelNum,site,outcome,original_shape_Elongation,original_firstorder_Mean\n");
    for i in 0..10 {
        text.push_str(&format!("img{i}.nii.gz,mask{i}.nii.gz,v3.1.0,{},S{},{},{}.5,{}\n", 100 + i, i % 2, i % 2, i, -i));
    }
    let ds = read_csv(&text, "outcome").expect("read");
    assert_eq!(ds.ids[0], "img0.nii.gz");
    assert_eq!(ds.feature_names, ["original_shape_Elongation", "original_firstorder_Mean"]);
    assert_eq!(ds.meta.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(), ["Mask", "site"]);
    assert_eq!(ds.classes, ["0".to_string(), "1".to_string()]);
    assert!(ds.y[1]);
    assert_eq!(ds.x[[3, 0]], 3.5);
    assert_eq!(ds.x[[3, 1]], -3.0);
}

#[test]
fn positive_class_follows_yes_true_one_or_sorted_order() {
    let table = |a: &str, b: &str| {
        let mut t = String::from("label,v\n");
        for i in 0..8 {
            t.push_str(&format!("{},{i}\n", if i % 2 == 0 { a } else { b }));
        }
        t
    };
    let classes = |a, b| read_csv(&table(a, b), "label").expect("read").classes;
    assert_eq!(classes("yes", "no"), ["no".to_string(), "yes".to_string()]);
    assert_eq!(classes("TRUE", "FALSE"), ["FALSE".to_string(), "TRUE".to_string()]);
    assert_eq!(classes("malignant", "benign"), ["benign".to_string(), "malignant".to_string()]);
    assert_eq!(classes("10", "2"), ["2".to_string(), "10".to_string()]);
    let ds = read_csv(&table("1", "0"), "label").expect("read");
    assert_eq!(ds.y[..2], [true, false]);
    // Without an id column, row numbers name the cases.
    assert_eq!(ds.ids[..2], ["1".to_string(), "2".to_string()]);
}

#[test]
fn table_errors_name_the_line_and_column_and_say_what_to_do() {
    let mut good = String::from("id,y,glcm_contrast\n");
    for i in 0..10 {
        good.push_str(&format!("c{i},{},{}\n", i % 2, i));
    }
    let bad = good.replace("c2,0,2", "c2,0,abc");
    let e = read_csv(&bad, "y").expect_err("abc");
    assert_eq!(
        e.to_string(),
        "line 4, column `glcm_contrast`: `abc` is not a number; remove this case or the column `glcm_contrast`, or fill in the value"
    );
    let e = read_csv(&good.replace("c3,1,3", "c3,1,"), "y").expect_err("missing");
    assert!(e.to_string().starts_with("line 5, column `glcm_contrast`: the value is missing"), "{e}");
    let e = read_csv(&good.replace("c3,1,3", "c3,1,NaN"), "y").expect_err("NaN");
    assert!(e.to_string().contains("`NaN` is not a finite number"), "{e}");
    let e = read_csv(&good.replace("c3,1,3", "c3,1,3,4"), "y").expect_err("fields");
    assert!(e.to_string().starts_with("line 5: this row has 4 fields but the header names 3 columns"), "{e}");
    let e = read_csv(&good, "diagnosis").expect_err("no such column");
    assert!(e.to_string().contains("there is no column `diagnosis`; the columns are id, y, glcm_contrast"), "{e}");
    let one_class = good.replace(",1,", ",0,");
    assert!(read_csv(&one_class, "y").expect_err("one class").to_string().contains("same class `0`"));
    let three = good.replace("c4,0,", "c4,2,");
    assert!(read_csv(&three, "y").expect_err("three").to_string().contains("3 different values (`0`, `1`, `2`)"));
    let few: String = good.lines().take(7).map(|l| format!("{l}\n")).collect();
    assert!(read_csv(&few, "y").expect_err("few").to_string().contains("has only 3 cases"));
    assert!(read_csv("", "y").expect_err("empty").to_string().contains("the table is empty"));
    assert!(read_csv("id,y,x\n", "y").expect_err("header only").to_string().contains("no case"));
    assert!(read_csv("id,y,y\n1,2,3\n", "y").expect_err("twice").to_string().contains("names this column twice"));
    let text_only = good.replace(",glcm_contrast", ",site").replace(",0,", ",0,x").replace(",1,", ",1,x");
    assert!(read_csv(&text_only, "y").expect_err("no numbers").to_string().contains("no feature"));
}

#[test]
fn huge_tables_are_refused_before_they_are_read() {
    let header: Vec<String> = (0..1001).map(|j| format!("c{j}")).collect();
    let row = vec!["1"; 1001].join(",");
    let mut text = header.join(",") + "\n";
    for _ in 0..1000 {
        text.push_str(&row);
        text.push('\n');
    }
    assert!(read_csv(&text, "c0").expect_err("too big").to_string().contains("more than 1000000 values"));
}

#[test]
fn malformed_tables_give_errors_not_panics() {
    for text in ["\"", "\n\n\n", ",,,", "a\n\"", "\u{feff}", "y\n1\n0\n", "é,ü\n\"\"\"\",1\n", "id,y,x\n,,\n,,\n"] {
        assert!(read_csv(text, "y").is_err(), "{text:?}");
        let _ = columns(text);
    }
}

fn long_table(label_values: &dyn Fn(usize) -> String) -> String {
    let mut t = String::from("case,diagnosis,family_code,feature_code,aggregation_code,variant,family,feature,value\n");
    for c in 0..8 {
        let d = label_values(c);
        t.push_str(&format!("p{c},{d},UHIW,Q4LE,,,Intensity-based statistical features,Mean intensity,{c}.5\n"));
        t.push_str(&format!("p{c},{d},LFYI,8ZQL,BTW3,,\"Grey level co-occurrence, matrix\",Joint maximum,{}\n", c * 2));
        t.push_str(&format!("p{c},{d},P88C,BC2M,,10,Intensity-volume histogram features,Volume fraction,0.{c}\n"));
    }
    t
}

#[test]
fn long_tables_pivot_to_one_row_per_case() {
    let text = long_table(&|c| if c % 2 == 0 { "benign".into() } else { "malignant".into() });
    let ds = read_csv(&text, "diagnosis").expect("long");
    assert_eq!(ds.feature_names, ["Q4LE", "8ZQL.BTW3", "BC2M.10"]);
    assert_eq!(ds.ids, (0..8).map(|c| format!("p{c}")).collect::<Vec<_>>());
    assert_eq!(ds.x.row(3).to_vec(), vec![3.5, 6.0, 0.3]);
    assert_eq!(ds.y[..2], [false, true]);
    let cols = columns(&text).expect("columns");
    assert_eq!(cols.iter().map(|c| (c.name.as_str(), c.distinct)).collect::<Vec<_>>(), [("case", 8), ("diagnosis", 2)]);
    // The case column is not a class; a long table without a class column says how to add one.
    let e = read_csv(&text, "case").expect_err("case");
    assert!(e.to_string().contains("`case` names the cases of a long table, it is not a class"), "{e}");
    let e = read_csv(&text, "label").expect_err("no label");
    assert!(e.to_string().contains("need a class column beside `case`"), "{e}");
    let e = read_csv(&text, "value").expect_err("value");
    assert!(e.to_string().contains("not a class"), "{e}");
    // Inconsistent class within a case, a missing feature, a duplicate value.
    let mixed = text.replacen("p0,benign,LFYI", "p0,malignant,LFYI", 1);
    assert!(read_csv(&mixed, "diagnosis").expect_err("mixed").to_string().contains("one value per case"));
    let missing: String = text.lines().filter(|l| !l.starts_with("p5,malignant,P88C")).map(|l| format!("{l}\n")).collect();
    assert!(read_csv(&missing, "diagnosis").expect_err("missing").to_string().contains("case `p5` has no value for `BC2M.10`"));
    let dup = text.clone() + "p1,malignant,UHIW,Q4LE,,,x,y,2\n";
    assert!(read_csv(&dup, "diagnosis").expect_err("dup").to_string().contains("second value for `Q4LE`"));
}

#[test]
fn columns_report_numeric_and_distinct() {
    let cols = columns("id,site,y,x\na,A,0,1.5\nb,B,1,2\nc,A,0,\n").expect("columns");
    let got: Vec<(&str, bool, usize)> = cols.iter().map(|c| (c.name.as_str(), c.numeric, c.distinct)).collect();
    assert_eq!(got, [("id", false, 3), ("site", false, 2), ("y", true, 2), ("x", true, 3)]);
}

#[test]
fn display_names_come_from_the_feature_catalogue() {
    assert_eq!(display_name("Q4LE"), "Mean intensity (Q4LE)");
    assert_eq!(display_name("8ZQL.BTW3"), "Angular second moment, 2D, averaged (8ZQL.BTW3)");
    assert!(display_name("BC2M.10").ends_with(" at 10 (BC2M.10)"), "{}", display_name("BC2M.10"));
    assert_eq!(display_name("original_shape_Elongation"), "original_shape_Elongation");
}

// ---- Models ----

#[test]
fn logistic_regression_solves_scikit_learns_objective() {
    let ds = synthetic(120, 5, 2, 1.0, 3);
    for c in [0.05, 1.0, 20.0] {
        let m = fit(&valid(ModelSpec::Logistic { c, penalty: Penalty::L2 }), ds.x.view(), &ds.y, 0).expect("fit");
        let (w, b) = m.coefficients().expect("linear");
        // Optimality of C Σ log-loss + ||w||²/2 (intercept not penalised): C Σ (p - y) x + w = 0 and Σ (p - y) = 0.
        let r: Vec<f64> =
            ds.x.rows().into_iter().zip(&ds.y).map(|(x, &y)| sigmoid(x.dot(&ndarray::arr1(&w)) + b) - y as u8 as f64).collect();
        for (j, wj) in w.iter().enumerate() {
            let g = c * ds.x.column(j).iter().zip(&r).map(|(x, r)| x * r).sum::<f64>() + wj;
            assert!(g.abs() < 1e-3 * (1.0 + c), "C = {c}: gradient {g} for feature {j}");
        }
        assert!(r.iter().sum::<f64>().abs() < 1e-3, "C = {c}: intercept gradient");
        let s = m.scores(ds.x.view());
        assert!(s.iter().all(|v| (0.0..=1.0).contains(v)));
    }
}

#[test]
fn l1_logistic_regression_zeroes_weak_coefficients_and_meets_its_optimality_conditions() {
    let ds = synthetic(150, 20, 2, 1.5, 4);
    let c = 0.05;
    let m = fit(&valid(ModelSpec::Logistic { c, penalty: Penalty::L1 }), ds.x.view(), &ds.y, 0).expect("fit");
    let (w, b) = m.coefficients().expect("linear");
    let r: Vec<f64> = ds.x.rows().into_iter().zip(&ds.y).map(|(x, &y)| sigmoid(x.dot(&ndarray::arr1(&w)) + b) - y as u8 as f64).collect();
    for (j, &wj) in w.iter().enumerate() {
        let g = c * ds.x.column(j).iter().zip(&r).map(|(x, r)| x * r).sum::<f64>();
        if wj == 0.0 {
            assert!(g.abs() <= 1.0 + 1e-4, "feature {j}: |gradient| {g} above the penalty");
        } else {
            assert!((g + wj.signum()).abs() < 1e-3, "feature {j}: gradient {g} for w = {wj}");
        }
    }
    let zeros = w.iter().filter(|v| **v == 0.0).count();
    assert!(zeros >= 12, "{zeros} zero coefficients of 20: {w:?}");
    assert!(w[0] > 0.0 && w[1] > 0.0, "the informative features stay: {w:?}");
    let en = fit(&valid(ModelSpec::Logistic { c, penalty: Penalty::ElasticNet { l1_ratio: 0.5 } }), ds.x.view(), &ds.y, 0).expect("fit");
    let zeros_en = en.coefficients().expect("linear").0.iter().filter(|v| **v == 0.0).count();
    assert!(zeros_en <= zeros, "elastic net keeps as many features ({zeros_en} zeros) as the lasso ({zeros}) or more");
    // A weaker penalty lets more features in.
    let weak = fit(&valid(ModelSpec::Logistic { c: 1.0, penalty: Penalty::L1 }), ds.x.view(), &ds.y, 0).expect("fit");
    let zeros_weak = weak.coefficients().expect("linear").0.iter().filter(|v| **v == 0.0).count();
    assert!(zeros_weak + 5 <= zeros, "C = 1: {zeros_weak} zeros, C = 0.05: {zeros}");
}

#[test]
fn every_model_scores_in_unit_range_and_ranks_signal_above_noise() {
    let unknown = "svm".parse::<ModelKind>().expect_err("no such model");
    assert!(unknown.to_string().contains("there is no model \"svm\"") && unknown.to_string().contains("\"naive-bayes\""), "{unknown}");
    let train = synthetic(120, 6, 2, 1.5, 5);
    let test = synthetic(80, 6, 2, 1.5, 6);
    for kind in ModelKind::ALL {
        let mut spec = ModelSpec::default_for(kind);
        assert_eq!(spec.kind(), kind);
        assert_eq!(kind.id().parse::<ModelKind>().expect("its id"), kind);
        assert_eq!(serde_json::to_string(&kind).expect("JSON"), format!("\"{}\"", kind.id()), "lessons and saved state write the id");
        assert!(spec.check().is_ok());
        if let ModelSpec::Svm { c, kernel: Kernel::Rbf { .. } } = spec {
            spec = ModelSpec::Svm { c, kernel: Kernel::Rbf { gamma: 1.0 / 6.0 } };
        }
        let m = fit(&valid(spec), train.x.view(), &train.y, 9).expect("fit");
        let s = m.scores(test.x.view());
        assert!(s.iter().all(|v| (0.0..=1.0).contains(v)), "{kind}: {s:?}");
        let auc = roc_curve(&test.y, &s).1;
        assert!(auc > 0.75, "{kind}: test AUC {auc}");
        if let Some(imp) = m.importances() {
            assert_eq!(imp.len(), 6);
            let best = (0..6).max_by(|&a, &b| imp[a].total_cmp(&imp[b])).expect("6");
            assert!(best < 2, "{kind}: the most important feature is {best}: {imp:?}");
        }
    }
}

#[test]
fn rbf_svm_learns_a_ring_that_a_linear_one_cannot() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(8);
    let x = Array2::from_shape_fn((200, 2), |_| normal(&mut rng));
    let y: Vec<bool> = x.rows().into_iter().map(|r| r.dot(&r) > 1.4).collect();
    let auc = |kernel| {
        let m = fit(&valid(ModelSpec::Svm { c: 1.0, kernel }), x.view(), &y, 0).expect("fit");
        roc_curve(&y, &m.scores(x.view())).1
    };
    let (rbf, linear) = (auc(Kernel::Rbf { gamma: 0.5 }), auc(Kernel::Linear));
    assert!(rbf > 0.95 && linear < 0.7, "RBF {rbf}, linear {linear}");
}

#[test]
fn forests_are_reproducible_by_seed() {
    let ds = synthetic(60, 8, 2, 1.0, 10);
    let spec = valid(ModelSpec::Forest { trees: 20, max_depth: 4 });
    let a = fit(&spec, ds.x.view(), &ds.y, 1).expect("fit").scores(ds.x.view());
    let b = fit(&spec, ds.x.view(), &ds.y, 1).expect("fit").scores(ds.x.view());
    let c = fit(&spec, ds.x.view(), &ds.y, 2).expect("fit").scores(ds.x.view());
    assert_eq!(a, b);
    assert_ne!(a, c);
}

#[test]
fn knn_with_one_neighbour_remembers_its_training_cases() {
    let ds = synthetic(40, 3, 0, 0.0, 11);
    let m = fit(&valid(ModelSpec::Knn { k: 1 }), ds.x.view(), &ds.y, 0).expect("fit");
    let s = m.scores(ds.x.view());
    assert_eq!(s, ds.y.iter().map(|&v| v as u8 as f64).collect::<Vec<_>>());
    let e = fit(&valid(ModelSpec::Knn { k: 41 }), ds.x.view(), &ds.y, 0).expect_err("k > n");
    assert!(e.to_string().contains("41"), "{e}");
}

#[test]
fn bad_hyperparameters_and_data_are_refused_with_their_value() {
    let ds = synthetic(20, 2, 1, 1.0, 12);
    let cases: [(ModelSpec, &str); 6] = [
        (ModelSpec::Logistic { c: -1.0, penalty: Penalty::L2 }, "C should be a positive number, but is -1"),
        (ModelSpec::Logistic { c: 1.0, penalty: Penalty::ElasticNet { l1_ratio: 1.5 } }, "but is 1.5"),
        (ModelSpec::Svm { c: 1.0, kernel: Kernel::Rbf { gamma: f64::NAN } }, "gamma should be a positive number, but is NaN"),
        (ModelSpec::Tree { max_depth: 0, min_samples_leaf: 1 }, "maximum depth should be at least 1, but is 0"),
        (ModelSpec::Forest { trees: 0, max_depth: 3 }, "number of trees should be at least 1, but is 0"),
        (ModelSpec::Knn { k: 0 }, "but is 0"),
    ];
    for (spec, msg) in cases {
        // `fit` takes only checked hyperparameters: the check is where bad ones stop.
        let e = spec.check().expect_err("refused");
        assert!(matches!(e, MlError::Hyperparameter(_)) && e.to_string().contains(msg), "{e}");
    }
    let one_class = vec![true; 20];
    assert!(matches!(fit(&valid(ModelSpec::NaiveBayes), ds.x.view(), &one_class, 0), Err(MlError::TooFewCases { .. })));
    let mut x = ds.x.clone();
    x[[3, 1]] = f64::INFINITY;
    let e = fit(&valid(ModelSpec::NaiveBayes), x.view(), &ds.y, 0).expect_err("inf");
    assert!(e.to_string().contains("case 4 has the value inf for feature 2"), "{e}");
}

// ---- Evaluation ----

#[test]
fn stratified_folds_balance_each_class() {
    let y: Vec<bool> = (0..103).map(|i| i % 3 == 0).collect();
    let folds = stratified_folds(&y, 5, 42).expect("folds");
    for f in 0..5 {
        let pos = (0..103).filter(|&i| folds[i] == f && y[i]).count();
        let all = folds.iter().filter(|&&g| g == f).count();
        assert!((6..=7).contains(&pos), "fold {f}: {pos} positives");
        assert!((20..=21).contains(&all), "fold {f}: {all} cases");
    }
    assert_eq!(folds, stratified_folds(&y, 5, 42).expect("again"));
    assert_ne!(folds, stratified_folds(&y, 5, 43).expect("other seed"));
    let e = stratified_folds(&y[..12], 5, 1).expect_err("4 positives");
    assert!(e.to_string().contains("the class `positive` has 4"), "{e}");
    assert!(stratified_folds(&y, 1, 1).is_err());
}

#[test]
fn auc_is_mann_whitney_with_ties_counted_half() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(13);
    let y: Vec<bool> = (0..300).map(|_| rng.gen_bool(0.4)).collect();
    let s: Vec<f64> = y.iter().map(|&v| (rng.gen_range(0..8) + v as u32 * 2) as f64).collect();
    let (roc, auc) = roc_curve(&y, &s);
    let mut wins = 0.0;
    let mut pairs = 0.0;
    for i in 0..300 {
        for j in 0..300 {
            if y[i] && !y[j] {
                pairs += 1.0;
                wins += if s[i] > s[j] {
                    1.0
                } else if s[i] == s[j] {
                    0.5
                } else {
                    0.0
                };
            }
        }
    }
    assert!((auc - wins / pairs).abs() < 1e-12, "{auc} vs {}", wins / pairs);
    assert_eq!(roc.len(), 1 + 10, "one point per distinct score");
    assert_eq!((roc.last().expect("end").fpr, roc.last().expect("end").tpr), (1.0, 1.0));
    assert!(roc.windows(2).all(|w| w[0].fpr <= w[1].fpr && w[0].tpr <= w[1].tpr));
    assert!(roc_curve(&[true, true], &[0.1, 0.2]).1.is_nan());
}

#[test]
fn bootstrap_interval_surrounds_the_auc_and_is_reproducible() {
    let ds = synthetic(100, 1, 1, 1.0, 14);
    let s: Vec<f64> = ds.x.column(0).to_vec();
    let auc = roc_curve(&ds.y, &s).1;
    let ci = bootstrap_auc_ci(&ds.y, &s, 1000, 5, 0.95);
    assert!(ci[0] < auc && auc < ci[1], "{ci:?} around {auc}");
    assert!(ci[1] - ci[0] > 0.05 && ci[1] - ci[0] < 0.4, "{ci:?}");
    assert_eq!(ci, bootstrap_auc_ci(&ds.y, &s, 1000, 5, 0.95));
    assert!(bootstrap_auc_ci(&ds.y, &s, 0, 5, 0.95).iter().all(|v| v.is_nan()));
}

#[test]
fn confusion_metrics_by_hand() {
    let y = [true, true, true, false, false, false, false];
    let s = [0.9, 0.6, 0.2, 0.7, 0.1, 0.3, 0.5];
    let c = Confusion::new(&y, &s, 0.5, 0..7);
    assert_eq!((c.tp.clone(), c.fn_.clone(), c.fp.clone(), c.tn.clone()), (vec![0, 1], vec![2], vec![3, 6], vec![4, 5]));
    assert_eq!(c.accuracy(), 4.0 / 7.0);
    assert_eq!(c.sensitivity(), 2.0 / 3.0);
    assert_eq!(c.specificity(), 0.5);
    assert_eq!(c.precision(), 0.5);
    assert_eq!(c.f1(), 4.0 / 7.0);
}

#[test]
fn cross_validation_finds_signal_and_reports_every_case() {
    let ds = synthetic(200, 30, 3, 1.2, 15);
    let spec = valid(ModelSpec::default_for(ModelKind::Logistic));
    let mut calls = Vec::new();
    let r = cross_validate(&ds, &spec, &CvOptions::default(), &mut |d, t| {
        calls.push((d, t));
        ControlFlow::Continue(())
    })
    .expect("cv");
    assert_eq!(calls, (1..=6).map(|d| (d, 6)).collect::<Vec<_>>());
    assert!(r.auc > 0.8, "AUC {}", r.auc);
    assert!(r.auc_ci[0] < r.auc && r.auc < r.auc_ci[1]);
    assert_eq!(r.fold_auc.len(), 5);
    assert!(r.scores.iter().all(|s| (0.0..=1.0).contains(s)));
    let c = &r.confusion;
    assert_eq!(c.tp.len() + c.fp.len() + c.tn.len() + c.fn_.len(), 200);
    assert_eq!(r.calibration.iter().map(|b| b.count).sum::<usize>(), 200);
    assert_eq!(r.importances.len(), 30);
    assert!(r.importances[..3].iter().all(|(n, _)| ["f0", "f1", "f2"].contains(&n.as_str())), "{:?}", &r.importances[..5]);
    assert_eq!(r.selected.len(), 30);
    // Cancelling stops with an error.
    let e = cross_validate(&ds, &spec, &CvOptions::default(), &mut |d, _| {
        if d >= 2 {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    });
    assert_eq!(e, Err(MlError::Cancelled));
}

#[test]
fn selecting_features_on_all_cases_leaks_and_inflates_the_auc() {
    // Pure noise: an honest estimate is near 0.5, a leaky one far above.
    let ds = synthetic(60, 1000, 0, 0.0, 16);
    let spec = valid(ModelSpec::default_for(ModelKind::Logistic));
    let opts = CvOptions { select: Some(10), bootstrap: 0, ..CvOptions::default() };
    let honest = cross_validate(&ds, &spec, &opts, &mut go()).expect("honest");
    let leaky = cross_validate(&ds, &spec, &CvOptions { leaky: true, ..opts }, &mut go()).expect("leaky");
    assert!(leaky.leaky && !honest.leaky);
    assert!(honest.auc < 0.7, "honest AUC {}", honest.auc);
    assert!(leaky.auc > honest.auc + 0.25, "leaky AUC {} vs honest {}", leaky.auc, honest.auc);
    assert_eq!(leaky.selected.len(), 10);
    assert!(honest.auc_ci[0].is_nan());
}

#[test]
fn nested_cross_validation_reports_the_honest_and_the_optimistic_numbers() {
    let ds = synthetic(80, 20, 2, 0.8, 17);
    let spec = valid(ModelSpec::default_for(ModelKind::Knn));
    let grid = [1.0, 5.0, 15.0];
    let mut last = (0, 0);
    let opts = CvOptions { folds: 3, ..CvOptions::default() };
    let r = nested_cv(&ds, &spec, Hyper::K, &grid, &opts, &mut |d, t| {
        last = (d, t);
        ControlFlow::Continue(())
    })
    .expect("nested");
    assert_eq!(last, (3 * 4 + 3, 3 * 4 + 3));
    assert_eq!(r.fold_auc.len(), 3);
    assert!(r.chosen.iter().all(|c| grid.contains(c)));
    assert_eq!(r.grid_auc.len(), 3);
    assert_eq!(r.naive_best, r.grid_auc.iter().copied().fold(f64::MIN, f64::max));
    assert!(r.auc > 0.6 && r.auc <= 1.0, "{}", r.auc);
    let e = nested_cv(&ds, &spec, Hyper::C, &grid, &opts, &mut go()).expect_err("k-NN has no C");
    assert!(e.to_string().contains("k-nearest neighbours has no hyperparameter `C`"), "{e}");
    let e = nested_cv(&ds, &spec, Hyper::K, &[2.5], &opts, &mut go()).expect_err("not whole");
    assert!(e.to_string().contains("2.5"), "{e}");
}

#[test]
fn learning_curves_grow_and_training_auc_is_optimistic() {
    let ds = synthetic(150, 20, 3, 0.8, 18);
    let spec = valid(ModelSpec::Logistic { c: 10.0, penalty: Penalty::L2 });
    let pts = learning_curve(&ds, &spec, &CvOptions::default(), &[0.2, 0.5, 1.0], &mut go()).expect("curve");
    assert_eq!(pts.iter().map(|p| p.train_size).collect::<Vec<_>>(), [24, 60, 120]);
    assert!(pts.iter().all(|p| p.train_auc >= p.test_auc), "{pts:?}");
    assert!(pts[2].test_auc > pts[0].test_auc + 0.05, "{pts:?}");
    assert!(pts[0].train_auc > pts[2].train_auc, "{pts:?}");
    assert!(learning_curve(&ds, &spec, &CvOptions::default(), &[0.0], &mut go()).is_err());
}

#[test]
fn holdout_scores_only_the_test_cases() {
    let ds = synthetic(100, 10, 2, 1.0, 19);
    let (train, test) = train_test_split(&ds.y, 0.3, 3).expect("split");
    assert_eq!((train.len(), test.len()), (70, 30));
    assert_eq!(test.iter().filter(|&&i| ds.y[i]).count(), 15);
    let r = holdout(&ds, &valid(ModelSpec::NaiveBayes), 0.3, &CvOptions::default()).expect("holdout");
    assert_eq!(r.fold_of.iter().filter(|&&f| f == 1).count(), 30);
    assert!(r.scores.iter().zip(&r.fold_of).all(|(s, &f)| s.is_nan() == (f == 0)));
    let c = &r.confusion;
    assert_eq!(c.tp.len() + c.fp.len() + c.tn.len() + c.fn_.len(), 30);
    assert!(r.auc > 0.7);
}

// ---- Unsupervised ----

#[test]
fn pca_of_uncorrelated_columns_recovers_their_variances() {
    // Orthogonal ±1 columns (of a Hadamard matrix) scaled 3, 2, 1: the components are the axes.
    let h = array![
        [1.0, 1.0, 1.0],
        [-1.0, 1.0, 1.0],
        [1.0, -1.0, 1.0],
        [-1.0, -1.0, 1.0],
        [1.0, 1.0, -1.0],
        [-1.0, 1.0, -1.0],
        [1.0, -1.0, -1.0],
        [-1.0, -1.0, -1.0]
    ];
    let x = &h * &array![3.0, 2.0, 1.0];
    let r = pca(x.view(), 3, false).expect("pca");
    let want = [9.0 * 8.0 / 7.0, 4.0 * 8.0 / 7.0, 8.0 / 7.0];
    for (k, want) in want.iter().enumerate() {
        assert!((r.explained_variance[k] - want).abs() < 1e-8, "{:?}", r.explained_variance);
        assert!((r.explained_ratio[k] - want / 16.0).abs() < 1e-9, "{:?}", r.explained_ratio);
        assert!((r.loadings[[k, k]] - 1.0).abs() < 1e-6, "{}", r.loadings);
    }
    assert_eq!(r.scores.dim(), (8, 3));
    assert!((r.scores[[0, 0]] - 3.0).abs() < 1e-6);
    // Standardised, every column has the same variance.
    let s = pca(x.view(), 2, true).expect("pca");
    assert!((s.explained_ratio[0] - 1.0 / 3.0).abs() < 1e-8, "{:?}", s.explained_ratio);
    assert!(pca(x.view(), 4, false).is_err() && pca(x.view(), 0, false).is_err());
}

#[test]
fn pca_of_correlated_data_is_orthonormal_and_sums_to_the_total_variance() {
    let ds = synthetic(50, 6, 0, 0.0, 20);
    let mut x = ds.x.clone();
    let c0 = x.column(0).to_owned();
    let mixed = &c0 * 2.0 + &x.column(1) * 0.1;
    x.column_mut(1).assign(&mixed);
    let r = pca(x.view(), 6, false).expect("pca");
    let total: f64 = x.var_axis(Axis(0), 1.0).sum();
    assert!((r.explained_variance.iter().sum::<f64>() - total).abs() < 1e-8 * total);
    assert!((r.explained_ratio.iter().sum::<f64>() - 1.0).abs() < 1e-9);
    assert!(r.explained_variance.windows(2).all(|w| w[0] >= w[1] - 1e-12), "{:?}", r.explained_variance);
    let gram = r.loadings.dot(&r.loadings.t());
    assert!((&gram - &Array2::<f64>::eye(6)).iter().all(|v| v.abs() < 1e-6), "{gram}");
    assert!(r.explained_ratio[0] > 0.5, "the correlated pair dominates: {:?}", r.explained_ratio);
}

#[test]
fn kmeans_separates_blobs_and_reports_scikit_learns_inertia() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(21);
    let truth: Vec<usize> = (0..60).map(|i| i % 3).collect();
    let x = Array2::from_shape_fn((60, 2), |(i, j)| normal(&mut rng) * 0.3 + [0.0, 5.0, 10.0][truth[i]] * if j == 0 { 1.0 } else { -1.0 });
    let r = kmeans(x.view(), 3, 4, false).expect("kmeans");
    assert_eq!(adjusted_rand_index(&r.labels, &truth), 1.0);
    let inertia: f64 = x.rows().into_iter().zip(&r.labels).map(|(p, &l)| (&p - &r.centroids.row(l)).mapv(|d| d * d).sum()).sum();
    assert!((r.inertia - inertia).abs() < 1e-9 && r.inertia < 60.0 * 2.0 * 0.09 * 2.0, "{}", r.inertia);
    assert_eq!(r, kmeans(x.view(), 3, 4, false).expect("again"));
    assert!(kmeans(x.view(), 0, 4, false).is_err() && kmeans(x.view(), 61, 4, false).is_err());
}

#[test]
fn correlation_and_redundancy_filter() {
    let x = array![[1.0, 2.0, 7.0, -1.0], [2.0, 4.1, 7.0, -2.0], [3.0, 5.9, 7.0, -3.0], [4.0, 8.0, 7.0, -4.5]];
    let r = correlation(x.view());
    assert!(r[[0, 1]] > 0.99 && r[[0, 3]] < -0.99);
    assert_eq!((r[[0, 2]], r[[2, 0]], r[[2, 2]]), (0.0, 0.0, 1.0));
    assert_eq!(r, r.t());
    assert_eq!(redundancy_filter(x.view(), 0.95), [0, 2]);
    assert_eq!(redundancy_filter(x.view(), 1.01), [0, 1, 2, 3]);
}

#[test]
fn adjusted_rand_index_matches_scikit_learns_values() {
    assert_eq!(adjusted_rand_index(&[0, 0, 1, 1], &[5, 5, 3, 3]), 1.0);
    assert!((adjusted_rand_index(&[0, 0, 1, 1], &[0, 0, 1, 2]) - 0.5714285714285715).abs() < 1e-12);
    assert!((adjusted_rand_index(&[0, 0, 1, 1], &[0, 1, 0, 1]) + 0.5).abs() < 1e-12);
    assert_eq!(adjusted_rand_index(&[0, 0, 0], &[1, 1, 1]), 1.0);
    assert!(adjusted_rand_index(&[0], &[0, 1]).is_nan());
}

#[test]
fn a_missing_label_column_lists_a_dozen_columns_at_most() {
    let header: Vec<String> = (0..30).map(|j| format!("f{j}")).collect();
    let mut text = header.join(",") + "\n";
    for i in 0..8 {
        text.push_str(&vec![i.to_string(); 30].join(","));
        text.push('\n');
    }
    let e = read_csv(&text, "diagnosis").expect_err("no such column").to_string();
    assert!(e.ends_with("the columns are f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11 and 18 more."), "{e}");
}

#[test]
fn a_long_table_of_distinct_cases_and_features_is_refused_before_allocating() {
    // 2000 rows, each its own case and feature: the wide matrix would hold 4 million values.
    let mut text = String::from("case,diagnosis,family_code,feature_code,aggregation_code,variant,family,feature,value\n");
    for i in 0..2000 {
        text.push_str(&format!("p{i},{},F,C{i},,,f,g,1\n", i % 2));
    }
    let e = read_csv(&text, "diagnosis").expect_err("too big").to_string();
    assert!(e.contains("2000 cases and 2000 features"), "{e}");
}

#[test]
fn select_columns_keeps_the_cases_and_the_chosen_features_in_order() {
    let ds = Dataset {
        ids: vec!["a".into(), "b".into()],
        feature_names: vec!["f0".into(), "f1".into(), "f2".into()],
        x: array![[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]],
        y: vec![false, true],
        classes: ["n".into(), "p".into()],
        meta: vec![("site".into(), vec!["A".into(), "B".into()])],
    };
    let sub = ds.select_columns(&[2, 0, 7]);
    assert_eq!(sub.feature_names, vec!["f2".to_string(), "f0".to_string()]);
    assert_eq!(sub.x, array![[3.0, 1.0], [6.0, 4.0]]);
    assert_eq!((sub.ids, sub.y, sub.meta), (ds.ids.clone(), ds.y.clone(), ds.meta.clone()));
}

#[test]
fn calibration_uses_quantile_bins_with_wilson_intervals() {
    use radlearn_engine::ml::eval::{calibration, calibration_bin_count, calibration_quantile, wilson_interval};
    // 20 distinct scores 0, 0.05, …, 0.95 in 4 quantile bins: inner edges 0.2375, 0.475, 0.7125 (numpy.percentile),
    // five cases each.
    let scores: Vec<f64> = (0..20).map(|i| i as f64 * 0.05).collect();
    let y: Vec<bool> = (0..20).map(|i| [0, 5, 6, 10, 11, 12, 15, 16, 17, 18, 19].contains(&i)).collect();
    let bins = calibration_quantile(&y, &scores, 4);
    assert_eq!(bins.iter().map(|b| b.count).collect::<Vec<_>>(), vec![5, 5, 5, 5]);
    let close = |a: f64, b: f64| (a - b).abs() < 1e-12;
    for (b, (p, o)) in bins.iter().zip([(0.1, 0.2), (0.35, 0.4), (0.6, 0.6), (0.85, 1.0)]) {
        assert!(close(b.predicted, p) && close(b.observed, o), "{b:?}");
        assert!(b.interval[0] <= b.observed && b.observed <= b.interval[1]);
    }
    // A score equal to an inner edge belongs to the lower bin (scikit-learn's searchsorted, side "left").
    let edge = calibration_quantile(&[false, true, false, true, false], &[0.1, 0.2, 0.3, 0.4, 0.5], 4);
    assert_eq!(edge.iter().map(|b| b.count).collect::<Vec<_>>(), vec![2, 1, 1, 1]);
    // Tied scores leave empty bins, which are left out; NaN scores are left out.
    let tied = calibration_quantile(&[true; 10], &[0.5; 10], 10);
    assert_eq!(tied.len(), 1);
    assert_eq!(tied[0].count, 10);
    let with_nan = calibration(&[true, false, true], &[0.9, f64::NAN, 0.2]);
    assert_eq!(with_nan.iter().map(|b| b.count).sum::<usize>(), 2);
    assert!(calibration(&[], &[]).is_empty());
    // Deciles from 100 cases; fewer bins (about ten cases each) below.
    assert_eq!([1000, 100, 99, 37, 5, 0].map(calibration_bin_count), [10, 10, 9, 3, 1, 1]);
    // Wilson intervals, textbook values (Agresti & Coull 1998; also SciPy's binomtest(...).proportion_ci("wilson")).
    let w = wilson_interval(5, 10);
    assert!((w[0] - 0.236_593).abs() < 1e-6 && (w[1] - 0.763_407).abs() < 1e-6, "{w:?}");
    let w = wilson_interval(0, 10);
    assert!(w[0] == 0.0 && (w[1] - 0.277_533).abs() < 1e-6, "{w:?}");
    assert_eq!(wilson_interval(0, 0), [0.0, 1.0]);
}
