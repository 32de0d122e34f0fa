#![allow(clippy::unwrap_used)] // Test code: a panic is a failed test.
//! The same 16x16 CT crop in several transfer syntaxes (tests/data/dicom-syntaxes, made by make_fixtures.py).

use std::path::Path;

use radlearn_engine::{dicom, LoadOptions};

fn read(name: &str) -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/dicom-syntaxes").join(name)).unwrap()
}

fn volume(name: &str) -> radlearn_engine::Volume {
    dicom::read_series(&[&read(name)], &LoadOptions::default()).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn lossless_syntaxes_give_the_same_hu() {
    let reference = volume("implicit.dcm");
    assert_eq!(reference.geometry.dims, [16, 16, 1]);
    assert_eq!(reference.meta.units.as_deref(), Some("HU"));
    // Rescale intercept -1000 is applied (stored values are unsigned).
    assert_eq!(reference.meta.rescale, Some((1.0, -1000.0)));
    assert!(reference.data.iter().all(|&v| (-1000.0..=3000.0).contains(&v)));
    assert!(reference.range().is_some_and(|(lo, hi)| hi - lo > 50.0), "{:?}", reference.range());
    for name in ["explicit.dcm", "deflated.dcm", "rle.dcm"] {
        let v = volume(name);
        assert_eq!(v.data, reference.data, "{name}");
        assert_eq!(v.geometry, reference.geometry, "{name}");
    }
}

#[test]
fn jpeg_lossless_gives_exactly_the_same_hu() {
    // JPEG Lossless (process 14), 16-bit sample precision (make_fixtures.py): GDCM writes selection value 1 for both
    // syntaxes; the sv7 file (hand-encoded there) uses predictor 7, (Ra + Rb) / 2. Lossless: bit-exact HU.
    let reference = volume("implicit.dcm");
    for (name, uid) in [
        ("jpeg-lossless-sv1.dcm", "1.2.840.10008.1.2.4.70"),
        ("jpeg-lossless.dcm", "1.2.840.10008.1.2.4.57"),
        ("jpeg-lossless-sv7.dcm", "1.2.840.10008.1.2.4.57"),
    ] {
        let bytes = read(name);
        assert_eq!(dicom::check_lengths(&bytes, &LoadOptions::default()).unwrap(), uid, "{name}");
        let v = volume(name);
        assert_eq!(v.data, reference.data, "{name}: lossless must be bit-exact");
        assert_eq!(v.geometry, reference.geometry, "{name}");
        assert_eq!(v.meta.rescale, reference.meta.rescale, "{name}");
        assert_eq!(v.meta.units, reference.meta.units, "{name}");
    }
}

#[test]
fn jpeg_baseline_decodes_close_to_its_source() {
    let v = volume("jpeg-baseline.dcm");
    let expected = read("jpeg-baseline-expected.u8");
    let worst = v.data.iter().zip(&expected).map(|(&a, &b)| (a - f32::from(b)).abs()).fold(0.0f32, f32::max);
    // Quality 100 JPEG: a few grey levels at most.
    assert!(worst <= 4.0, "largest difference {worst}");
}

#[test]
fn identifying_tags_are_reported() {
    let v = volume("implicit.dcm");
    let w = v.meta.warnings.join(" ");
    assert!(w.contains("PatientName") && w.contains("PatientID"), "{w}");
    assert!(!w.contains("PatientBirthDate"), "an empty birth date is not identifying: {w}");
}
