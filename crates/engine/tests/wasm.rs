//! The engine in WebAssembly, in headless Chromium: the same loaders give the same numbers as
//! natively. Run by `cargo xtask test` (wasm-bindgen-test-runner); natively this file is empty.
#![cfg(target_arch = "wasm32")]

use radlearn_engine::io::load::load;
use radlearn_engine::io::open::open_mask;
use radlearn_engine::{io::nifti, LoadOptions};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const PHANTOM: &[u8] = include_bytes!("data/ibsi-digital-phantom/phantom.nii.gz");
const MASK: &[u8] = include_bytes!("data/ibsi-digital-phantom/mask.nii.gz");

#[wasm_bindgen_test]
fn digital_phantom_reads_the_same_in_wasm() {
    let opts = LoadOptions::default();
    let image = load(PHANTOM, "phantom.nii.gz", &opts).expect("the phantom loads");
    let (mask, _) = open_mask("mask.nii.gz", MASK, &image, &[], &opts).expect("the mask loads");
    assert_eq!(image.geometry.dims, [5, 4, 4]);
    assert_eq!(image.geometry.spacing, [2.0, 2.0, 2.0]);
    assert_eq!(mask.count(), 74);
    let inside: Vec<f32> = image.data.iter().zip(&mask.data).filter(|(_, &m)| m > 0).map(|(&v, _)| v).collect();
    let mean = inside.iter().map(|&v| f64::from(v)).sum::<f64>() / inside.len() as f64;
    assert!((mean - 2.1486).abs() < 1e-4, "ROI mean {mean}");
    let volume_mm3 = mask.count() as f64 * 8.0;
    assert_eq!(volume_mm3, 592.0);
}

#[wasm_bindgen_test]
fn nifti_round_trip_in_wasm() {
    let image = load(PHANTOM, "phantom.nii.gz", &LoadOptions::default()).expect("the phantom loads");
    let bytes = nifti::write(&image, nifti::WriteType::F32, true).expect("writes");
    let again = nifti::read(&bytes, &LoadOptions::default()).expect("reads back");
    assert_eq!(again.data, image.data);
    assert!(again.geometry.approx_eq(&image.geometry, 1e-9));
}

#[wasm_bindgen_test]
fn hostile_bytes_give_errors_not_panics_in_wasm() {
    for bytes in [&b""[..], &b"\x1f\x8b\x08\x00garbage"[..], &PHANTOM[..PHANTOM.len() / 2], &[0u8; 400][..]] {
        assert!(load(bytes, "x.nii.gz", &LoadOptions::default()).is_err());
    }
}

mod common;

/// The full feature pipeline in WebAssembly gives every IBSI reference value of the digital phantom, as natively
/// (tests/ibsi_digital_phantom.rs).
#[wasm_bindgen_test]
fn digital_phantom_features_match_the_references_in_wasm() {
    use radlearn_engine::radiomics::config::FeatureConfig;
    use radlearn_engine::radiomics::extract;
    let opts = LoadOptions::default();
    let image = load(PHANTOM, "phantom.nii.gz", &opts).expect("the phantom loads");
    let (mask, _) = open_mask("mask.nii.gz", MASK, &image, &[], &opts).expect("the mask loads");
    let cfg = FeatureConfig::builtin("digital-phantom").expect("built in").check().expect("valid");
    let values = extract(&image, &mask, 1, &cfg, &mut |_| std::ops::ControlFlow::Continue(())).expect("features");
    let rows = common::parse(include_str!("data/ibsi-digital-phantom/reference_values.csv"));
    let mut compared = 0;
    let mut misses = Vec::new();
    for row in rows.iter() {
        let Some(expected) = row.value else { continue };
        compared += 1;
        let found = values.iter().find(|v| {
            (v.feature_code, v.aggregation_code.unwrap_or(""), v.variant.as_deref().unwrap_or(""))
                == (row.code.as_str(), row.aggregation.as_str(), row.variant.as_str())
        });
        match found {
            Some(v) if (v.value - expected).abs() <= common::allowed(expected, row.tolerance) => {}
            other => misses.push(format!(
                "{} [{}] {}: expected {expected}, got {:?}",
                row.code,
                row.aggregation,
                row.feature,
                other.map(|v| v.value)
            )),
        }
    }
    assert_eq!(compared, 482);
    assert!(misses.is_empty(), "{} misses in wasm:\n{}", misses.len(), misses.join("\n"));
}

/// JPEG 2000 decodes in WebAssembly as natively (tests/dicom_syntaxes.rs): lossless bit-exact against the same slice
/// stored uncompressed, lossy within 1 HU of OpenJPEG's own decoding (pylibjpeg-openjpeg), colour (YBR_RCT) exact.
#[wasm_bindgen_test]
fn jpeg2000_dicom_decodes_in_wasm() {
    let opts = LoadOptions::default();
    let syntax = |name: &str, bytes: &[u8]| load(bytes, name, &opts).unwrap_or_else(|e| panic!("{name}: {e}"));
    let reference = syntax("explicit-32.dcm", include_bytes!("data/dicom-syntaxes/explicit-32.dcm"));
    let lossless = syntax("j.dcm", include_bytes!("data/dicom-syntaxes/jpeg2000-lossless.dcm"));
    assert_eq!(lossless.data, reference.data, "lossless must be bit-exact");
    let lossy = syntax("l.dcm", include_bytes!("data/dicom-syntaxes/jpeg2000-lossy.dcm"));
    let (slope, intercept) = lossy.meta.rescale.expect("rescaled");
    let expected = include_bytes!("data/dicom-syntaxes/jpeg2000-lossy-expected.u16")
        .chunks_exact(2)
        .map(|c| (f64::from(u16::from_le_bytes([c[0], c[1]])) * slope + intercept) as f32);
    let worst = lossy.data.iter().zip(expected).map(|(a, b)| (a - b).abs()).fold(0.0f32, f32::max);
    assert!(worst <= 1.0, "largest difference from OpenJPEG {worst} HU");
    let colour = syntax("c.dcm", include_bytes!("data/dicom-syntaxes/colour-rgb-jpeg2000.dcm"));
    let shown: Vec<u8> = colour.meta.rgb.as_ref().expect("colour").iter().flatten().copied().collect();
    assert_eq!(shown, include_bytes!("data/dicom-syntaxes/colour-jpeg2000-expected.rgb").to_vec());
}
