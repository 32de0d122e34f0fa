//! The synthetic cohorts of the Model Lab: reproducible, with the signal and the confounders the spec asks for,
//! and plausible CT images.

#![allow(clippy::unwrap_used)] // Test code: a panic is a failed test.

use std::ops::ControlFlow;

use radlearn_engine::image::mask::{connected_components, Connectivity};
use radlearn_engine::ml::cohort::{
    case, extraction_config, generate, label_and_site, scanners, CohortError, CohortSpec, SyntheticCase, ValidCohortSpec,
};
use radlearn_engine::ml::Dataset;
use radlearn_engine::radiomics::config::{FeatureConfig, ValidConfig};

/// Mann–Whitney AUC of `values` for telling `positive` cases from the others: the probability that a random
/// positive case has a higher value than a random negative one (ties count half).
fn auc(values: &[f64], positive: &[bool]) -> f64 {
    let (mut wins, mut pairs) = (0.0, 0.0);
    for (a, &pa) in values.iter().zip(positive) {
        for (b, &pb) in values.iter().zip(positive) {
            if pa && !pb {
                pairs += 1.0;
                wins += if a > b {
                    1.0
                } else if a == b {
                    0.5
                } else {
                    0.0
                };
            }
        }
    }
    wins / pairs
}

/// How well a value separates the groups in either direction: max(AUC, 1 - AUC), 0.5 to 1.
fn separation(values: &[f64], positive: &[bool]) -> f64 {
    let a = auc(values, positive);
    a.max(1.0 - a)
}

/// The best separation over the dataset's features, with the feature's name.
fn best_feature(d: &Dataset, positive: &[bool]) -> (String, f64) {
    d.feature_names
        .iter()
        .enumerate()
        .map(|(j, n)| (n.clone(), separation(&d.x.column(j).to_vec(), positive)))
        .fold((String::new(), 0.0), |best, f| if f.1 > best.1 { f } else { best })
}

/// A quicker feature set for the statistical tests (debug builds are slow): intensity statistics, the intensity
/// histogram and GLCM, with the cohort's range and bins.
fn quick_config() -> ValidConfig {
    let mut cfg = extraction_config().config().clone();
    cfg.families = Some(vec!["statistics".into(), "histogram".into(), "glcm".into()]);
    cfg.check().unwrap()
}

/// The spec, checked.
fn valid(spec: &CohortSpec) -> ValidCohortSpec {
    spec.clone().check().expect("a valid cohort spec")
}

fn go() -> impl FnMut(usize, usize) -> ControlFlow<()> {
    |_, _| ControlFlow::Continue(())
}

fn volume_mm3(c: &SyntheticCase) -> f64 {
    let s = c.mask.geometry.spacing;
    c.mask.count() as f64 * s[0] * s[1] * s[2]
}

#[test]
fn the_same_seed_gives_the_same_table_and_another_seed_another() {
    let spec = CohortSpec { cases: 10, ..CohortSpec::default() };
    let cfg = quick_config();
    let a = generate(&valid(&spec), &cfg, &mut go()).unwrap();
    assert_eq!(a, generate(&valid(&spec), &cfg, &mut go()).unwrap());
    let b = generate(&valid(&CohortSpec { seed: 2, ..spec.clone() }), &cfg, &mut go()).unwrap();
    assert_ne!(a.x, b.x, "another seed, other images");
    // A case depends on the seed and its index only: made alone, it equals the one made in the cohort's loop.
    assert_eq!(case(&spec, 7), case(&spec, 7));
    assert_eq!(case(&spec, 7).id, "case-008");
    assert_eq!(a.ids[7], "case-008");
}

#[test]
fn the_table_has_ids_labels_meta_and_finite_named_features() {
    let spec = CohortSpec { cases: 10, seed: 5, ..CohortSpec::default() };
    let d = generate(&valid(&spec), &extraction_config(), &mut go()).unwrap();
    assert_eq!(d.len(), 10);
    assert_eq!(d.ids.first().map(String::as_str), Some("case-001"));
    assert_eq!(d.ids.last().map(String::as_str), Some("case-010"));
    assert_eq!(d.classes, ["benign".to_string(), "malignant".to_string()]);
    assert_eq!(d.x.dim(), (10, d.feature_names.len()));
    assert!(d.feature_names.len() > 150, "the full IBSI set, less undefined features: {}", d.feature_names.len());
    assert!(d.x.iter().all(|v| v.is_finite()), "NaN features are dropped");
    for name in ["Q4LE", "RNU0", "8ZQL.IAZD"] {
        assert!(d.feature_names.iter().any(|n| n == name), "{name} in {:?}", &d.feature_names[..20]);
    }
    let sites = d.meta_column("site").unwrap();
    let thickness = d.meta_column("slice_thickness").unwrap();
    for (i, id) in d.ids.iter().enumerate() {
        let c = case(&spec, i);
        assert_eq!((&c.id, c.label, &c.site), (id, d.y[i], &sites[i]));
        assert_eq!(thickness[i], format!("{:.1} mm", c.image.geometry.spacing[2]));
    }
    // The mean intensity column is the mean of the image over the mask.
    let j = d.feature_names.iter().position(|n| n == "Q4LE").unwrap();
    let c = case(&spec, 3);
    let inside: Vec<f64> = c.image.data.iter().zip(&c.mask.data).filter(|(_, &m)| m != 0).map(|(&v, _)| f64::from(v)).collect();
    let mean = inside.iter().sum::<f64>() / inside.len() as f64;
    assert!((d.x[[3, j]] - mean).abs() < 1e-6, "{} against {mean}", d.x[[3, j]]);
}

#[test]
fn labels_follow_the_prevalence_exactly() {
    for (cases, prevalence) in [(100, 0.5), (50, 0.2), (37, 0.7), (10, 0.3)] {
        let spec = CohortSpec { cases, prevalence, seed: 9, ..CohortSpec::default() };
        spec.clone().check().unwrap();
        let positives = (0..cases).filter(|&i| label_and_site(&spec, i).0).count();
        assert_eq!(positives, (cases as f64 * prevalence).round() as usize, "{cases} cases at {prevalence}");
    }
}

#[test]
fn signal_separates_the_classes_and_its_absence_does_not() {
    let cfg = quick_config();
    let spec = CohortSpec { cases: 60, seed: 3, sites: 1, ..CohortSpec::default() };
    let strong = generate(&valid(&spec), &cfg, &mut go()).unwrap();
    let (name, sep) = best_feature(&strong, &strong.y);
    assert!(sep > 0.8, "with signal 1, {name} separates the classes with AUC {sep}");
    let none = generate(&valid(&CohortSpec { signal: 0.0, ..spec.clone() }), &cfg, &mut go()).unwrap();
    let (name, sep) = best_feature(&none, &none.y);
    // Under no signal the AUC of a feature has a standard deviation of about 0.075 with 30 + 30 cases.
    assert!(sep < 0.8, "with signal 0, no feature should separate the classes, but {name} has AUC {sep}");
}

#[test]
fn without_signal_images_do_not_depend_on_the_label() {
    // Two cohorts that differ only in prevalence give some cases opposite labels; with no signal (and no site
    // correlation) their images must be the same.
    let a = CohortSpec { cases: 40, prevalence: 0.25, signal: 0.0, ..CohortSpec::default() };
    let b = CohortSpec { prevalence: 0.75, ..a.clone() };
    let mut flipped = 0;
    for i in 0..a.cases {
        let (ca, cb) = (case(&a, i), case(&b, i));
        if ca.label != cb.label {
            flipped += 1;
            assert_eq!((ca.image, ca.mask, ca.site), (cb.image, cb.mask, cb.site), "case {i}");
        }
    }
    assert!(flipped >= 10, "{flipped} cases changed label");
    // With signal, the same flip changes the lesion.
    let (a, b) = (CohortSpec { signal: 1.0, ..a }, CohortSpec { signal: 1.0, ..b });
    let i = (0..a.cases).find(|&i| case(&a, i).label != case(&b, i).label).unwrap();
    assert_ne!(case(&a, i).mask, case(&b, i).mask);
}

#[test]
fn sites_leave_their_mark_unless_the_scanners_are_identical() {
    let cfg = quick_config();
    let spec = CohortSpec { cases: 40, seed: 4, sites: 2, signal: 0.0, ..CohortSpec::default() };
    let d = generate(&valid(&spec), &cfg, &mut go()).unwrap();
    let at_a: Vec<bool> = d.meta_column("site").unwrap().iter().map(|s| s == "A").collect();
    let n_a = at_a.iter().filter(|&&a| a).count();
    assert!((10..=30).contains(&n_a), "sites spread evenly: {n_a} of 40 at A");
    let (name, sep) = best_feature(&d, &at_a);
    assert!(sep > 0.9, "with site_effect 1, {name} tells the sites apart with AUC {sep}");
    let same = CohortSpec { site_effect: 0.0, ..spec };
    let s = scanners(&same);
    assert_eq!(s[0].slice_thickness_mm, s[1].slice_thickness_mm);
    assert_eq!(s[0].noise_hu, s[1].noise_hu);
    let d = generate(&valid(&same), &cfg, &mut go()).unwrap();
    let (name, sep) = best_feature(&d, &at_a);
    assert!(sep < 0.8, "identical scanners, yet {name} tells the sites apart with AUC {sep}");
}

#[test]
fn site_label_correlation_sends_malignant_cases_to_site_a() {
    let spec = CohortSpec { cases: 200, sites: 3, site_label_correlation: 1.0, ..CohortSpec::default() };
    let cases: Vec<(bool, String)> = (0..spec.cases).map(|i| label_and_site(&spec, i)).collect();
    let agree = cases.iter().filter(|(l, s)| *l == (s == "A")).count();
    assert_eq!(agree, spec.cases, "with correlation 1, site A holds exactly the malignant cases");
    assert!(cases.iter().any(|(_, s)| s == "B") && cases.iter().any(|(_, s)| s == "C"));
    let half = CohortSpec { site_label_correlation: 0.5, ..spec.clone() };
    let agree = (0..half.cases).map(|i| label_and_site(&half, i)).filter(|(l, s)| *l == (s == "A")).count();
    // Half the cases by label (all agree) and half at random (a third of malignant and two thirds of benign agree).
    assert!((120..=180).contains(&agree), "correlation 0.5: {agree} of 200 agree");
    let none = CohortSpec { site_label_correlation: 0.0, ..spec };
    let malignant_at_a = (0..none.cases).map(|i| label_and_site(&none, i)).filter(|(l, s)| *l && s == "A").count();
    assert!((20..=50).contains(&malignant_at_a), "no correlation: {malignant_at_a} of 100 malignant cases at A");
    // The shortcut agrees with the cases.
    for i in [0, 7, 99] {
        let c = case(&spec, i);
        assert_eq!(label_and_site(&spec, i), (c.label, c.site));
    }
}

#[test]
fn check_refuses_bad_specs_and_names_the_field() {
    let ok = CohortSpec::default();
    assert_eq!(ok.clone().check().map(|v| v.spec().clone()), Ok(ok.clone()));
    let cases = [
        (CohortSpec { cases: 5, ..ok.clone() }, "cases", "5"),
        (CohortSpec { cases: 2001, ..ok.clone() }, "cases", "2001"),
        (CohortSpec { prevalence: 1.0, ..ok.clone() }, "prevalence", "1"),
        (CohortSpec { prevalence: f64::NAN, ..ok.clone() }, "prevalence", "NaN"),
        (CohortSpec { cases: 10, prevalence: 0.1, ..ok.clone() }, "prevalence", "0.1"),
        (CohortSpec { signal: -0.5, ..ok.clone() }, "signal", "-0.5"),
        (CohortSpec { sites: 0, ..ok.clone() }, "sites", "0"),
        (CohortSpec { sites: 5, ..ok.clone() }, "sites", "5"),
        (CohortSpec { site_label_correlation: 1.5, ..ok.clone() }, "site_label_correlation", "1.5"),
        (CohortSpec { site_effect: f64::INFINITY, ..ok.clone() }, "site_effect", "inf"),
    ];
    for (spec, field, value) in cases {
        let err = spec.check().unwrap_err();
        let text = err.to_string();
        assert!(matches!(err, CohortError::Invalid(_)), "{text}");
        assert!(text.contains(field) && text.contains(value), "{text} should name {field} and {value}");
    }
    // `generate` takes only a checked spec: the check is where a bad one stops.
    let err = CohortSpec { cases: 3, ..ok }.check().unwrap_err();
    assert!(err.to_string().contains("cases"), "{err}");
}

#[test]
fn progress_is_reported_after_each_case_and_can_cancel() {
    let spec = CohortSpec { cases: 10, ..CohortSpec::default() };
    let mut seen = Vec::new();
    let err = generate(&valid(&spec), &quick_config(), &mut |done, total| {
        seen.push((done, total));
        if done == 3 {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    })
    .unwrap_err();
    assert_eq!(err, CohortError::Cancelled);
    assert_eq!(seen, vec![(1, 10), (2, 10), (3, 10)]);
    assert!(!err.to_string().is_empty());
}

#[test]
fn images_are_plausible_ct_with_one_lesion_inside() {
    let spec = CohortSpec { cases: 40, sites: 4, seed: 11, ..CohortSpec::default() };
    let (mut labels, mut volumes) = (Vec::new(), Vec::new());
    for i in 0..spec.cases {
        let c = case(&spec, i);
        labels.push(c.label);
        volumes.push(volume_mm3(&c));
        let g = &c.image.geometry;
        assert_eq!(g, &c.mask.geometry);
        assert!(g.dims.iter().all(|&n| (10..=80).contains(&n)), "{:?}", g.dims);
        assert!(g.validate().is_ok());
        assert_eq!(c.image.meta.units.as_deref(), Some("HU"));
        let (lo, hi) = c.image.range().unwrap();
        assert!(lo >= -1024.0 && hi <= 400.0, "{}: range {lo}..{hi}", c.id);
        assert!(c.image.data.iter().all(|v| v.fract() == 0.0), "whole HU");
        // Mostly lung: the median is near -860 HU (give or take the calibration offset).
        let mut sorted = c.image.data.clone();
        sorted.sort_by(f32::total_cmp);
        let median = sorted[sorted.len() / 2];
        assert!((-920.0..=-780.0).contains(&median), "{}: median {median}", c.id);
        // One lesion: one 6-connected component, not touching the border, soft-tissue dense inside.
        let (_, sizes) = connected_components(&c.mask, Connectivity::Faces);
        assert_eq!(sizes.len(), 1, "{}: components {sizes:?}", c.id);
        assert!(sizes[0] >= 30, "{}: {} voxels", c.id, sizes[0]);
        let [nx, ny, nz] = g.dims;
        for (k, &m) in c.mask.data.iter().enumerate() {
            if m != 0 {
                let (x, y, z) = (k % nx, (k / nx) % ny, k / (nx * ny));
                assert!(x > 0 && y > 0 && z > 0 && x + 1 < nx && y + 1 < ny && z + 1 < nz, "{}: lesion at the border", c.id);
            }
        }
        let inside: Vec<f32> = c.image.data.iter().zip(&c.mask.data).filter(|(_, &m)| m != 0).map(|(&v, _)| v).collect();
        let mean = inside.iter().sum::<f32>() / inside.len() as f32;
        assert!((-400.0..=150.0).contains(&mean), "{}: lesion mean {mean} HU", c.id);
        let volume = volume_mm3(&c);
        assert!((100.0..=20000.0).contains(&volume), "{}: lesion of {volume} mm3", c.id);
    }
    // Shape carries signal: malignant lesions are larger. (Without signal, images do not depend on the label at
    // all: `without_signal_images_do_not_depend_on_the_label`.)
    assert!(auc(&volumes, &labels) > 0.75, "volume AUC {}", auc(&volumes, &labels));
}

#[test]
fn the_extraction_config_is_valid_ct_settings() {
    let cfg = extraction_config();
    assert_eq!(cfg.range(), (Some(-1000.0), Some(400.0)));
    assert!(cfg.resampling().is_none());
    let text = cfg.config().to_toml();
    let again = FeatureConfig::from_toml(&text).unwrap().check().unwrap();
    assert_eq!(again, cfg);
}

#[cfg(feature = "parallel")]
#[test]
fn parallel_generation_gives_the_same_table() {
    use radlearn_engine::ml::cohort::generate_parallel;
    let spec = CohortSpec { cases: 12, seed: 21, ..CohortSpec::default() };
    let cfg = quick_config();
    assert_eq!(generate_parallel(&valid(&spec), &cfg).unwrap(), generate(&valid(&spec), &cfg, &mut go()).unwrap());
}
