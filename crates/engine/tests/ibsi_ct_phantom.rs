//! The IBSI CT phantom (reference manual, chapter 1, "Reference data sets"): configurations A to E, through the
//! whole pipeline ([`radiomics::extract`] with the built-in `ibsi-A` ... `ibsi-E` configurations), against every
//! reference value of `reference_values_configs_A-E.csv`.
//!
//! A value matches when it lies within the manual's tolerance or rounds to the printed value (three significant
//! digits). A value that cannot match yet goes in `KNOWN_FAILURES` with the reason; the test checks that each one
//! still fails, so a fix forces the list to shrink. Nothing is skipped: every row with a reference value is compared
//! and counted.

use std::collections::HashMap;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use radlearn_engine::io::error::LoadOptions;
use radlearn_engine::io::nifti;
use radlearn_engine::radiomics::config::{BinConfig, Dimensions, FeatureConfig, InterpolationMethod, IvhConfig};
use radlearn_engine::radiomics::extract;
use radlearn_engine::radiomics::features::catalogue::COMPLIANCE;
use radlearn_engine::radiomics::features::FeatureValue;

mod common;
use common::{allowed, Row};

/// (configuration, feature code, aggregation code, variant, reason) of reference values known not to match.
///
/// None: every reference value of A to E matches. The last ones were mesh-based shape features on resampled masks
/// (sphericity, compactness, asphericity, surface-to-volume ratio) and the convex hull volume density of A and B,
/// all from one cause: the marching-cubes table triangulated non-planar polygons for the largest enclosed volume
/// (now: largest area, as in the classic table), which made the mesh volume 0.16-0.27 % too large and the area
/// 0.23-0.26 % off. The resampled masks were right (identical voxel for voxel to an independent computation, the
/// 2 414 voxels of C-E at exactly the 0.5 threshold included) and so was the convex hull (same volume as an
/// independent hull of the same vertices).
const KNOWN_FAILURES: &[(&str, &str, &str, &str, &str)] = &[];

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/ibsi-ct-phantom")
}

fn read(rel: &str) -> Vec<u8> {
    let path = data_dir().join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn reference_rows(config: &str) -> Vec<Row> {
    let want = format!("config. {config}");
    let text = String::from_utf8(read("reference_values_configs_A-E.csv")).expect("UTF-8 CSV");
    common::parse(&text).into_iter().filter(|r| r.dataset == want).collect()
}

fn features(config: &str) -> Vec<FeatureValue> {
    let opts = LoadOptions::default();
    let image = nifti::read(&read("nifti/image/phantom.nii.gz"), &opts).expect("CT phantom image");
    let mask = radlearn_engine::image::mask::labels_from_volume(
        &nifti::read(&read("nifti/mask/mask.nii.gz"), &opts).expect("CT phantom mask"),
        &[],
    )
    .expect("a label image");
    let cfg = FeatureConfig::builtin(&format!("ibsi-{config}")).expect("built-in configuration").check().expect("valid");
    extract(&image, &mask, 1, &cfg, &mut |_| ControlFlow::Continue(())).unwrap_or_else(|e| panic!("config {config}: {e}"))
}

/// Compares one configuration; returns (compared, passed, known failures).
fn check(config: &str, expected_rows: usize) -> (usize, usize, usize) {
    let start = std::time::Instant::now();
    let values = features(config);
    let mut by_key: HashMap<(&str, &str, &str), &FeatureValue> = HashMap::new();
    for v in &values {
        let key = (v.feature_code, v.aggregation_code.unwrap_or(""), v.variant.as_deref().unwrap_or(""));
        assert!(by_key.insert(key, v).is_none(), "config {config}: duplicate feature {key:?}");
    }
    let rows = reference_rows(config);
    assert_eq!(rows.len(), expected_rows, "config {config}: reference rows");
    let (mut compared, mut passed, mut known) = (0, 0, 0);
    let mut misses = Vec::new();
    let mut fixed = Vec::new();
    for row in &rows {
        let Some(expected) = row.value else { continue };
        compared += 1;
        let key = (row.code.as_str(), row.aggregation.as_str(), row.variant.as_str());
        let computed = by_key.get(&key).map_or(f64::NAN, |v| v.value);
        let ok = (computed - expected).abs() <= allowed(expected, row.tolerance);
        let listed = KNOWN_FAILURES.iter().find(|k| k.0 == config && (k.1, k.2, k.3) == key);
        match (ok, listed) {
            (true, None) => passed += 1,
            (false, Some(_)) => known += 1,
            (true, Some(k)) => {
                fixed.push(format!("{} {:?} ({}) now matches: remove it from KNOWN_FAILURES ({})", config, key, row.feature, k.4))
            }
            (false, None) => misses.push(format!(
                "(\"{config}\", \"{}\", \"{}\", \"{}\", \"\"), // {}: expected {expected} ± {}, got {computed}",
                key.0, key.1, key.2, row.feature, row.tolerance
            )),
        }
    }
    for k in KNOWN_FAILURES.iter().filter(|k| k.0 == config) {
        assert!(
            rows.iter().any(|r| r.value.is_some() && (r.code.as_str(), r.aggregation.as_str(), r.variant.as_str()) == (k.1, k.2, k.3)),
            "known failure {k:?} is not a reference value"
        );
    }
    eprintln!("config {config}: {passed} of {compared} reference values match, {known} known failures, {:?}", start.elapsed());
    assert!(misses.is_empty() && fixed.is_empty(), "config {config}:\n{}\n{}", misses.join("\n"), fixed.join("\n"));
    assert_eq!(passed + known, compared);
    // The About page's compliance table says what this test shows, no more.
    let claim = COMPLIANCE.iter().find(|c| c.dataset == format!("CT phantom, configuration {config}")).expect("a line per configuration");
    assert_eq!((claim.compared, claim.matched), (compared, passed), "config {config}: update catalogue::COMPLIANCE");
    (compared, passed, known)
}

#[test]
fn config_a() {
    check("A", 351);
}

#[test]
fn config_b() {
    check("B", 351);
}

#[test]
fn config_c() {
    check("C", 215);
}

#[test]
fn config_d() {
    check("D", 215);
}

#[test]
fn config_e() {
    check("E", 215);
}

/// The built-in TOML files say what the manual's table (`configs_A-E.json`) says.
#[test]
fn builtin_configurations_match_the_manual_table() {
    let json: serde_json::Value = serde_json::from_slice(&read("configs_A-E.json")).expect("JSON");
    let numbers = |s: &str| -> Vec<f64> {
        s.split(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-'))
            .filter(|t| !t.is_empty() && *t != "-")
            .filter_map(|t| t.parse().ok())
            .collect()
    };
    for name in ["A", "B", "C", "D", "E"] {
        let t = &json["configs"][name];
        let field = |k: &str| t[k].as_str().unwrap_or_else(|| panic!("{name}: no field {k}")).to_string();
        let cfg = FeatureConfig::builtin(&format!("ibsi-{name}")).expect("built in");
        let dims = if field("slice-wise or single volume (3D)") == "2D" { Dimensions::TwoD } else { Dimensions::ThreeD };
        assert_eq!(cfg.dimensions, dims, "{name}");
        assert!(cfg.intensity.round, "{name}: the phantom is rounded when read");
        match &cfg.resampling {
            None => assert_eq!(field("interpolation"), "no", "{name}"),
            Some(r) => {
                assert_eq!(numbers(&field("interpolation / resampled voxel spacing (mm)")), r.spacing, "{name}");
                let method = match field("interpolation / interpolation method").as_str() {
                    "bilinear" | "trilinear" => InterpolationMethod::Linear,
                    "tricubic spline" => InterpolationMethod::CubicSpline,
                    other => panic!("{name}: unknown method {other}"),
                };
                assert_eq!(r.interpolation, method, "{name}");
                assert_eq!(r.mask_interpolation, InterpolationMethod::Linear, "{name}");
                assert_eq!(field("interpolation / intensity rounding"), "nearest integer");
                assert!(r.round, "{name}");
                assert_eq!(numbers(&field("interpolation / ROI partial mask volume")), vec![r.partial_volume], "{name}");
            }
        }
        let range = numbers(&field("re-segmentation / range (HU)"));
        let rs = &cfg.resegmentation;
        assert_eq!(range, rs.min.into_iter().chain(rs.max).collect::<Vec<_>>(), "{name}");
        assert_eq!(field("re-segmentation / outlier filtering") == "3σ", rs.outliers_sd == Some(3.0), "{name}");
        let tex = field("discretisation / texture and IH");
        match &cfg.discretisation.texture {
            BinConfig::FixedBinSize { bin_width, lower_bound: None } => {
                assert_eq!((tex.starts_with("FBS"), numbers(&tex)), (true, vec![*bin_width]))
            }
            BinConfig::FixedBinNumber { bins } => assert_eq!((tex.starts_with("FBN"), numbers(&tex)), (true, vec![*bins as f64])),
            other => panic!("{name}: {other:?}"),
        }
        assert!(cfg.discretisation.histogram.is_none(), "{name}: texture and IH share one discretisation");
        let ivh = field("discretisation / IVH");
        match &cfg.discretisation.ivh {
            IvhConfig::None { interval } => assert_eq!((ivh.as_str(), *interval), ("no", 1.0), "{name}"),
            IvhConfig::FixedBinSize { bin_width, lower_bound: None } => assert_eq!(numbers(&ivh), vec![*bin_width], "{name}"),
            IvhConfig::FixedBinNumber { bins } => assert_eq!(numbers(&ivh), vec![*bins as f64], "{name}"),
            other => panic!("{name}: {other:?}"),
        }
        for k in ["texture parameters / GLCM, NGTDM, NGLDM distance", "texture parameters / GLSZM, GLDZM linkage distance"] {
            assert_eq!(field(k), "1", "{name}");
        }
        assert_eq!(cfg.texture.distance, 1);
        assert_eq!(field("texture parameters / NGLDM coarseness"), cfg.texture.ngldm_coarseness.to_string());
    }
}
