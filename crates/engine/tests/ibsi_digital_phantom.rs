//! The IBSI digital phantom (IBSI reference manual, chapter 1): every reference value within its tolerance.
//!
//! The phantom needs no preprocessing: its intensities already are grey levels, so they serve as intensities,
//! texture levels and histogram levels alike; texture distance 1, NGLDM coarseness 0 (the defaults). Reference values
//! are printed with three significant digits, so a value matches when it lies within the printed tolerance or
//! rounds to the printed value.
//!
//! A feature that cannot match yet goes in `KNOWN_FAILURES` with the reason; the test checks that it still fails,
//! so fixing it forces the list to shrink.

use std::collections::HashMap;
use std::ops::ControlFlow;
use std::path::Path;

use radlearn_engine::io::error::LoadOptions;
use radlearn_engine::io::nifti;
use radlearn_engine::radiomics::features::{compute, FeatureError, FeatureInput, FeatureSettings, FeatureValue};

mod common;
use common::{allowed, Row};

/// (feature code, aggregation code, variant, reason) of reference values known not to match.
const KNOWN_FAILURES: &[(&str, &str, &str, &str)] = &[];

fn data(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/ibsi-digital-phantom").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn reference_rows() -> Vec<Row> {
    common::parse(&String::from_utf8(data("reference_values.csv")).expect("UTF-8 CSV"))
}

fn phantom_features() -> Vec<FeatureValue> {
    let opts = LoadOptions::default();
    let image = nifti::read(&data("phantom.nii.gz"), &opts).expect("phantom");
    let mask = nifti::read(&data("mask.nii.gz"), &opts).expect("mask");
    assert_eq!(image.geometry.dims, [5, 4, 4]);
    assert_eq!(mask.geometry.dims, image.geometry.dims);
    let roi: Vec<bool> = mask.data.iter().map(|&m| m > 0.5).collect();
    let levels: Vec<u32> = image.data.iter().map(|&v| v.round().max(0.0) as u32).collect();
    let input = FeatureInput::new(image.geometry.dims, image.geometry.spacing, &image.data, &roi, &levels);
    let settings = FeatureSettings::default().check().expect("valid settings");
    let mut calls = 0;
    let values = compute(&input, &settings, &mut |_| {
        calls += 1;
        ControlFlow::Continue(())
    })
    .expect("features");
    assert!(calls >= 11, "progress is reported between families");
    values
}

#[test]
fn digital_phantom_matches_every_reference_value() {
    let values = phantom_features();
    let mut by_key: HashMap<(&str, &str, &str), &FeatureValue> = HashMap::new();
    for v in &values {
        let key = (v.feature_code, v.aggregation_code.unwrap_or(""), v.variant.as_deref().unwrap_or(""));
        assert!(by_key.insert(key, v).is_none(), "duplicate feature {key:?}");
    }
    let rows = reference_rows();
    assert_eq!(rows.len(), 487, "482 reference values and 5 features without one");
    let (mut compared, mut passed, mut known) = (0, 0, 0);
    let mut misses = Vec::new();
    let mut fixed = Vec::new();
    for row in &rows {
        let key = (row.code.as_str(), row.aggregation.as_str(), row.variant.as_str());
        let Some(computed) = by_key.get(&key) else {
            misses.push(format!("{} {:?} ({}): not computed", row.code, key, row.feature));
            continue;
        };
        assert_eq!(computed.family_code, row.family_code, "{} is in family {}", row.code, row.family_code);
        let actual = computed.value;
        let Some(expected) = row.value else {
            // No reference in the manual: only check that it is computed.
            assert!(actual.is_finite(), "{} ({}) has no reference value but should be computed, got {actual}", row.code, row.feature);
            continue;
        };
        compared += 1;
        let ok = (actual - expected).abs() <= allowed(expected, row.tolerance);
        let known_failure = KNOWN_FAILURES.iter().find(|k| (k.0, k.1, k.2) == key);
        match (ok, known_failure) {
            (true, None) => passed += 1,
            (false, Some(_)) => known += 1,
            (true, Some(k)) => fixed.push(format!("{} {:?} now matches ({}); remove it from KNOWN_FAILURES", row.code, key, k.3)),
            (false, None) => misses.push(format!(
                "{} [{}{}{}] {}: expected {expected} ± {}, got {actual}",
                row.code,
                row.aggregation,
                if row.variant.is_empty() { "" } else { " " },
                row.variant,
                row.feature,
                row.tolerance
            )),
        }
    }
    eprintln!("IBSI digital phantom: {passed} of {compared} reference values match; {known} known failures");
    for k in KNOWN_FAILURES {
        eprintln!("  known failure {} [{}{}]: {}", k.0, k.1, k.2, k.3);
    }
    assert!(fixed.is_empty(), "known failures that now pass:\n{}", fixed.join("\n"));
    assert!(misses.is_empty(), "{} reference values missed:\n{}", misses.len(), misses.join("\n"));
    assert_eq!(compared, 482);
    assert_eq!(passed + known, compared);
    // The About page's compliance table says what this test shows, no more.
    let claim = radlearn_engine::radiomics::features::catalogue::COMPLIANCE[0];
    assert_eq!((claim.dataset, claim.compared, claim.matched), ("Digital phantom", compared, passed), "update catalogue::COMPLIANCE");
}

#[test]
fn computation_can_be_cancelled() {
    let opts = LoadOptions::default();
    let image = nifti::read(&data("phantom.nii.gz"), &opts).expect("phantom");
    let mask = nifti::read(&data("mask.nii.gz"), &opts).expect("mask");
    let roi: Vec<bool> = mask.data.iter().map(|&m| m > 0.5).collect();
    let levels: Vec<u32> = image.data.iter().map(|&v| v.round().max(0.0) as u32).collect();
    let input = FeatureInput::new(image.geometry.dims, image.geometry.spacing, &image.data, &roi, &levels);
    let settings = FeatureSettings::default().check().expect("valid settings");
    let mut seen = 0;
    let result = compute(&input, &settings, &mut |p| {
        seen += 1;
        if p.done >= 3 {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    });
    assert_eq!(result, Err(FeatureError::Cancelled));
    assert_eq!(seen, 4);
}

/// The pipeline with the built-in `digital-phantom` configuration gives exactly the values checked above, so the
/// phantom's 482 reference values also hold for `radiomics::extract` (and `radlearn features`).
#[test]
fn pipeline_with_the_builtin_configuration_gives_the_same_values() {
    use radlearn_engine::radiomics::config::FeatureConfig;
    use radlearn_engine::radiomics::extract;
    let opts = LoadOptions::default();
    let image = nifti::read(&data("phantom.nii.gz"), &opts).expect("phantom");
    let mask = radlearn_engine::image::mask::labels_from_volume(&nifti::read(&data("mask.nii.gz"), &opts).expect("mask"), &[])
        .expect("a label image");
    let cfg = FeatureConfig::builtin("digital-phantom").expect("built in").check().expect("valid");
    let values = extract(&image, &mask, 1, &cfg, &mut |_| ControlFlow::Continue(())).expect("features");
    let direct = phantom_features();
    assert_eq!(values.len(), direct.len());
    for (a, b) in values.iter().zip(&direct) {
        let same = a.value == b.value || (a.value.is_nan() && b.value.is_nan());
        assert!(
            same && (a.feature_code, a.aggregation_code, &a.variant) == (b.feature_code, b.aggregation_code, &b.variant),
            "{a:?} {b:?}"
        );
    }
}
