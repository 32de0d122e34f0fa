#![allow(clippy::unwrap_used)] // Test code: a panic is a failed test.
//! The same 16x16 CT crop in several transfer syntaxes (tests/data/dicom-syntaxes, made by make_fixtures.py).

use std::path::Path;

use radlearn_engine::{io::dicom, LoadOptions};

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

fn close(a: &[f64], b: &[f64]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-9)
}

#[test]
fn enhanced_multiframe_ct_is_a_volume_sorted_along_the_normal() {
    // make_fixtures.py: 3 frames of 8 x 6, sagittal (rows along +y, columns along -z: the normal is -x), frames
    // given at x = 30, 20, 25, each with its own rescale; stored value of pixel i of frame k is i + 100 (k + 1).
    let v = volume("enhanced-ct.dcm");
    let g = &v.geometry;
    assert_eq!(g.dims, [8, 6, 3]);
    // PixelSpacing is (row spacing, column spacing) = (0.5, 0.75): x spacing 0.75, y spacing 0.5; frames 5 mm apart.
    assert!(close(&g.spacing, &[0.75, 0.5, 5.0]), "{:?}", g.spacing);
    assert!(close(&g.direction[0], &[0.0, 1.0, 0.0]) && close(&g.direction[1], &[0.0, 0.0, -1.0]), "{:?}", g.direction);
    assert!(close(&g.direction[2], &[-1.0, 0.0, 0.0]), "{:?}", g.direction);
    // Sorted along -x: x = 30 (frame 1), 25 (frame 3), 20 (frame 2).
    assert!(close(&g.origin, &[30.0, -10.0, 40.0]), "{:?}", g.origin);
    let n = 48;
    let hu = |k: usize, i: usize| v.data[k * n + i];
    // Frame 1: slope 1, intercept -1000; frame 3: slope 1, intercept -500; frame 2: slope 2, intercept -1024.
    assert_eq!((hu(0, 0), hu(0, 47)), (100.0 - 1000.0, 147.0 - 1000.0));
    assert_eq!((hu(1, 0), hu(1, 5)), (300.0 - 500.0, 305.0 - 500.0));
    assert_eq!((hu(2, 0), hu(2, 47)), (2.0 * 200.0 - 1024.0, 2.0 * 247.0 - 1024.0));
    assert_eq!(v.meta.units.as_deref(), Some("HU"));
    assert_eq!(v.meta.modality.as_deref(), Some("CT"));
    assert!(v.meta.warnings.is_empty(), "{:?}", v.meta.warnings);
    // The voxel at world x = 20 is the last slice.
    let far = g.world_to_voxel([20.0, -10.0, 40.0]).unwrap();
    assert!(close(&far, &[0.0, 0.0, 2.0]), "{far:?}");
}

#[test]
fn rt_dose_is_read_in_gray_at_its_grid_offsets() {
    // 3 frames of 4 x 5, 32-bit unsigned (3e9 + 1000 i, above i32::MAX), DoseGridScaling 1e-4, offsets 0, 2.5, 5 mm from
    // z = 12.5; implicit VR.
    let bytes = read("rtdose.dcm");
    assert_eq!(dicom::check_lengths(&bytes, &LoadOptions::default()).unwrap(), "1.2.840.10008.1.2");
    let v = volume("rtdose.dcm");
    let g = &v.geometry;
    assert_eq!(g.dims, [4, 5, 3]);
    assert!(close(&g.spacing, &[2.0, 3.0, 2.5]), "{:?}", g.spacing);
    assert!(close(&g.origin, &[-8.0, -6.0, 12.5]), "{:?}", g.origin);
    let z: Vec<f64> = (0..3).map(|k| g.voxel_to_world([0.0, 0.0, k as f64])[2]).collect();
    assert!(close(&z, &[12.5, 15.0, 17.5]), "{z:?}");
    assert_eq!(v.meta.units.as_deref(), Some("Gy"));
    assert_eq!(v.meta.rescale, Some((1e-4, 0.0)));
    for (i, &d) in v.data.iter().enumerate() {
        let want = (3_000_000_000.0 + 1000.0 * i as f64) * 1e-4;
        assert!((f64::from(d) - want).abs() < 0.05, "voxel {i}: {d} Gy, expected {want}");
    }
}

#[test]
fn multiframe_without_positions_is_stacked_with_a_warning() {
    let v = volume("multiframe-nopos.dcm");
    assert_eq!(v.geometry.dims, [4, 3, 3]);
    // No position anywhere: stacked at SliceThickness 2.5 mm, in file order.
    assert_eq!(v.geometry.spacing[2], 2.5);
    assert_eq!(v.geometry.origin, [0.0; 3]);
    let expected: Vec<f32> = (0..36).map(|i| (i * 7) as f32).collect();
    assert_eq!(v.data, expected);
    let w = v.meta.warnings.join(" ");
    assert!(w.contains("slice spacing is a guess") && w.contains("SliceThickness"), "{w}");
}

#[test]
fn a_data_set_without_preamble_reads_like_the_part10_file() {
    let bare = read("no-meta-implicit.dcm");
    assert_ne!(bare.get(128..132), Some(&b"DICM"[..]));
    let v = volume("no-meta-implicit.dcm");
    let reference = volume("implicit.dcm");
    assert_eq!(v.data, reference.data);
    assert_eq!(v.geometry, reference.geometry);
    assert_eq!(v.meta.rescale, reference.meta.rescale);
    // Recognised without its .dcm name too.
    assert_eq!(radlearn_engine::io::load::sniff(&bare, "IM0001"), Some(radlearn_engine::io::load::Format::Dicom));
    let loaded = radlearn_engine::load(&bare, "IM0001", &LoadOptions::default()).unwrap();
    assert_eq!(loaded.data, reference.data);
}

#[test]
fn rle_with_32_bit_samples_matches_the_native_dose() {
    // Four RLE segments per sample (make_fixtures.py writes them; dicom-pixeldata reads only 8 and 16-bit RLE).
    assert_eq!(dicom::check_lengths(&read("rtdose-rle.dcm"), &LoadOptions::default()).unwrap(), "1.2.840.10008.1.2.5");
    let rle = volume("rtdose-rle.dcm");
    let native = volume("rtdose.dcm");
    assert_eq!(rle.data, native.data);
    assert_eq!(rle.geometry, native.geometry);
}

#[test]
fn repeated_positions_keep_the_first_stack_with_a_warning() {
    // Frames 4-6 repeat the positions of frames 1-3 (a second echo or time point) with other values.
    let v = volume("enhanced-ct-repeated.dcm");
    let first = volume("enhanced-ct.dcm");
    assert_eq!(v.geometry, first.geometry);
    assert_eq!(v.data, first.data, "the first frame at each position is kept");
    let w = v.meta.warnings.join(" ");
    assert!(w.contains("6 frames") && w.contains("left out 3") && w.contains("time points or echoes"), "{w}");
}

fn stored_u16(name: &str) -> Vec<f32> {
    read(name).chunks_exact(2).map(|c| f32::from(u16::from_le_bytes([c[0], c[1]]))).collect()
}

#[test]
fn jpeg2000_lossless_gives_exactly_the_same_hu() {
    // Made by make_fixtures.py (pydicom + pylibjpeg-openjpeg) from a 32 x 32 crop of the same CT slice.
    let reference = volume("explicit-32.dcm");
    assert_eq!(reference.geometry.dims, [32, 32, 1]);
    let bytes = read("jpeg2000-lossless.dcm");
    assert_eq!(dicom::check_lengths(&bytes, &LoadOptions::default()).unwrap(), "1.2.840.10008.1.2.4.90");
    let v = volume("jpeg2000-lossless.dcm");
    assert_eq!(v.data, reference.data, "lossless must be bit-exact");
    assert_eq!(v.geometry, reference.geometry);
    assert_eq!(v.meta.rescale, reference.meta.rescale);
}

#[test]
fn jpeg2000_lossy_and_8_bit_decode_as_openjpeg_does() {
    // Lossy (9/7 wavelet, ratio 20): the values OpenJPEG's own decoder gives (pylibjpeg-openjpeg), rescaled.
    let v = volume("jpeg2000-lossy.dcm");
    let (slope, intercept) = v.meta.rescale.unwrap();
    let expected: Vec<f32> = stored_u16("jpeg2000-lossy-expected.u16").iter().map(|&s| (f64::from(s) * slope + intercept) as f32).collect();
    let worst = v.data.iter().zip(&expected).map(|(a, b)| (a - b).abs()).fold(0.0f32, f32::max);
    assert!(worst <= 1.0, "largest difference from OpenJPEG {worst} HU");
    let reference = volume("explicit-32.dcm");
    let error = v.data.iter().zip(&reference.data).map(|(a, b)| (a - b).abs()).fold(0.0f32, f32::max);
    assert!(error > 0.0, "a lossy file at ratio 20 should not be exact");
    // 8-bit (BitsAllocated 8), lossless.
    let eight = volume("jpeg2000-8bit.dcm");
    let raw: Vec<f32> = read("jpeg2000-8bit-expected.u8").iter().map(|&b| (f64::from(b) * slope + intercept) as f32).collect();
    assert_eq!(eight.data, raw);
}

fn luma(c: &[u8]) -> f32 {
    (0.299 * f64::from(c[0]) + 0.587 * f64::from(c[1]) + 0.114 * f64::from(c[2])) as f32
}

#[test]
fn colour_images_keep_their_colours_and_give_luminance_with_a_warning() {
    let rgb = read("colour-expected.rgb");
    for name in ["colour-rgb.dcm", "colour-rgb-planar.dcm", "colour-rgb-rle.dcm"] {
        let v = volume(name);
        assert_eq!(v.geometry.dims, [6, 4, 1], "{name}");
        let shown: Vec<u8> = v.meta.rgb.as_ref().unwrap().iter().flatten().copied().collect();
        assert_eq!(shown, rgb, "{name}: display colours");
        let lum: Vec<f32> = rgb.chunks_exact(3).map(luma).collect();
        assert_eq!(v.data, lum, "{name}: luminance");
        assert!(v.meta.warnings.iter().any(|w| w.contains("Y = 0.299 R + 0.587 G + 0.114 B")), "{name}: {:?}", v.meta.warnings);
    }
    // YBR_FULL: 8-bit YBR rounds, so the colours come back within 2 levels; YBR_FULL_422 shares chrominance between
    // two pixels, so only the luminance (stored as Y) stays close.
    for (name, colour_tol) in [("colour-ybr-full.dcm", 2), ("colour-ybr-full-422.dcm", 255)] {
        let v = volume(name);
        let shown = v.meta.rgb.as_ref().unwrap();
        let worst = shown.iter().flatten().zip(&rgb).map(|(&a, &b)| a.abs_diff(b)).max().unwrap();
        assert!(worst <= colour_tol, "{name}: colours differ by {worst}");
        let lum_worst = v.data.iter().zip(rgb.chunks_exact(3)).map(|(&y, c)| (y - luma(c)).abs()).fold(0.0f32, f32::max);
        assert!(lum_worst <= 0.51, "{name}: luminance differs by {lum_worst}");
        assert!(v.meta.warnings.iter().any(|w| w.contains("converted from YBR_FULL")), "{name}: {:?}", v.meta.warnings);
    }
    // JPEG 2000 with the reversible colour transform (YBR_RCT): lossless RGB.
    let v = volume("colour-rgb-jpeg2000.dcm");
    let shown: Vec<u8> = v.meta.rgb.as_ref().unwrap().iter().flatten().copied().collect();
    assert_eq!(shown, read("colour-jpeg2000-expected.rgb"));
}

#[test]
fn a_gzipped_dicom_file_is_read_as_dicom() {
    let gz = read("explicit.dcm.gz");
    assert_eq!(radlearn_engine::io::load::sniff(&gz, "scan.gz"), Some(radlearn_engine::io::load::Format::Dicom));
    let v = radlearn_engine::load(&gz, "scan.gz", &LoadOptions::default()).unwrap();
    assert_eq!(v.data, volume("explicit.dcm").data);
    // A gzip stream that holds no DICOM file is still taken for a NIfTI.
    let nii = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/ibsi-digital-phantom/phantom.nii.gz")).unwrap();
    assert_eq!(radlearn_engine::io::load::sniff(&nii, "x.gz"), Some(radlearn_engine::io::load::Format::NiftiGz));
}

#[test]
fn a_structured_report_is_named_not_called_damaged() {
    let e = dicom::read_series(&[&read("structured-report.dcm")], &LoadOptions::default()).unwrap_err();
    assert!(matches!(e, radlearn_engine::LoadError::NotAnImage { .. }), "{e:?}");
    let msg = e.to_string();
    assert!(msg.contains("Structured Report") && msg.contains("open the image series"), "{msg}");
    assert!(!msg.contains("damaged"), "{msg}");
}
