#![allow(clippy::unwrap_used)] // Test code: a panic is a failed test.
//! Tests on the IBSI reference data copied into tests/data (see the LICENSE.md files there).

use std::path::{Path, PathBuf};

use radlearn_engine::io::dicom::{self, DicomFile};
use radlearn_engine::{io::nifti, LoadOptions, Volume};

fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(rel)
}

fn read(rel: &str) -> Vec<u8> {
    std::fs::read(data(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn ct_series() -> Vec<Vec<u8>> {
    let dir = data("ibsi-ct-phantom/dicom/image");
    let mut files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    // Reverse, so sorting by position is really tested.
    files.reverse();
    files.iter().map(|p| std::fs::read(p).unwrap()).collect()
}

fn ct_dicom() -> Volume {
    let files = ct_series();
    let refs: Vec<&[u8]> = files.iter().map(|f| f.as_slice()).collect();
    dicom::read_series(&refs, &LoadOptions::default()).unwrap()
}

fn ct_nifti() -> Volume {
    nifti::read(&read("ibsi-ct-phantom/nifti/image/phantom.nii.gz"), &LoadOptions::default()).unwrap()
}

#[test]
fn ct_phantom_nifti_and_dicom_agree() {
    let n = ct_nifti();
    let d = ct_dicom();
    eprintln!("nifti {:?}\ndicom {:?}", n.geometry, d.geometry);
    assert_eq!(n.geometry.dims, [204, 201, 60]);
    assert!((n.geometry.spacing[0] - 0.977).abs() < 1e-3 && (n.geometry.spacing[2] - 3.0).abs() < 1e-6);
    assert!(n.geometry.approx_eq(&d.geometry, 1e-3), "grids differ:\n{:?}\n{:?}", n.geometry, d.geometry);
    let max_diff = n.data.iter().zip(&d.data).map(|(a, b)| (a - b).abs()).fold(0.0f32, f32::max);
    assert_eq!(max_diff, 0.0, "HU values differ");
    assert_eq!(d.meta.modality.as_deref(), Some("CT"));
    assert_eq!(d.meta.units.as_deref(), Some("HU"));
}

#[test]
fn ct_phantom_mask_statistics() {
    let img = ct_nifti();
    let mask = nifti::read(&read("ibsi-ct-phantom/nifti/mask/mask.nii.gz"), &LoadOptions::default()).unwrap();
    assert!(mask.geometry.approx_eq(&img.geometry, 1e-4));
    let m = radlearn_engine::image::mask::labels_from_volume(&mask, &[]).expect("a label image");
    assert_eq!(m.count(), 125_256);
    let (sum, n) =
        img.data.iter().zip(&m.data).filter(|(_, &l)| l != 0).fold((0.0f64, 0usize), |(s, n), (&v, _)| (s + f64::from(v), n + 1));
    let mean = sum / n as f64;
    assert!((mean - -46.9).abs() < 0.05, "mean HU {mean}");
}

#[test]
fn rtstruct_gtv_matches_nifti_mask() {
    let rt = match dicom::read_file(&read("ibsi-ct-phantom/dicom/mask/DCM_RS_00060.dcm"), &LoadOptions::default()).unwrap() {
        DicomFile::RtStruct(r) => r,
        DicomFile::Image(_) => panic!("not an RTSTRUCT"),
    };
    assert!(rt.names().contains(&"GTV-1".to_string()), "{:?}", rt.names());
    let ct = ct_dicom();
    let raster = rt.rasterise("GTV-1", &ct).unwrap();
    let mask = nifti::read(&read("ibsi-ct-phantom/nifti/mask/mask.nii.gz"), &LoadOptions::default()).unwrap();
    let reference = radlearn_engine::image::mask::labels_from_volume(&mask, &[]).expect("a label image");
    let (dice, diff) = raster.dice(&reference).unwrap();
    eprintln!("GTV-1: Dice {dice:.5}, {diff} voxels differ; rasterised {} voxels, NIfTI mask {}", raster.count(), reference.count());
    assert!(dice >= 0.98, "Dice {dice}");
}

#[test]
fn digital_phantom_values_and_mask() {
    let img = nifti::read(&read("ibsi-digital-phantom/phantom.nii.gz"), &LoadOptions::default()).unwrap();
    let mask = radlearn_engine::image::mask::labels_from_volume(
        &nifti::read(&read("ibsi-digital-phantom/mask.nii.gz"), &LoadOptions::default()).unwrap(),
        &[],
    )
    .expect("a label image");
    assert_eq!(img.geometry.dims, [5, 4, 4]);
    assert_eq!(img.geometry.spacing, [2.0, 2.0, 2.0]);
    assert_eq!(img.meta.format, "NIfTI-1");
    assert_eq!(mask.count(), 74);
    let inside: Vec<f32> = img.data.iter().zip(&mask.data).filter(|(_, &m)| m != 0).map(|(&v, _)| v).collect();
    let mut levels = inside.clone();
    levels.sort_by(f32::total_cmp);
    levels.dedup();
    assert_eq!(levels, vec![1.0, 3.0, 4.0, 6.0]);
    assert!(img.data.iter().zip(&mask.data).any(|(&v, &m)| m == 0 && v == 9.0), "an excluded voxel holds 9");
    let mean = inside.iter().map(|&v| f64::from(v)).sum::<f64>() / inside.len() as f64;
    assert!((mean - 2.1486).abs() < 1e-4, "mean {mean}");
    let voxel_volume: f64 = img.geometry.spacing.iter().product();
    assert_eq!(mask.count() as f64 * voxel_volume, 592.0);
}

#[test]
fn nifti_round_trip_is_identical() {
    for (rel, t) in [
        ("ibsi-ct-phantom/nifti/image/phantom.nii.gz", nifti::WriteType::F32),
        ("ibsi-ct-phantom/nifti/mask/mask.nii.gz", nifti::WriteType::U8),
        ("ibsi-digital-phantom/phantom.nii.gz", nifti::WriteType::I16),
    ] {
        let a = nifti::read(&read(rel), &LoadOptions::default()).unwrap();
        for gz in [false, true] {
            let bytes = nifti::write(&a, t, gz).unwrap();
            let b = nifti::read(&bytes, &LoadOptions::default()).unwrap();
            assert_eq!(a.data, b.data, "{rel}");
            // Geometry is stored as float32 in NIfTI-1, as in the source file.
            assert!(a.geometry.approx_eq(&b.geometry, 1e-4), "{rel}: {:?} vs {:?}", a.geometry, b.geometry);
            assert_eq!(a.geometry.dims, b.geometry.dims);
        }
    }
    // An oblique DICOM geometry survives too.
    let ct = ct_dicom();
    let b = nifti::read(&nifti::write(&ct, nifti::WriteType::F32, true).unwrap(), &LoadOptions::default()).unwrap();
    assert_eq!(ct.data, b.data);
    assert!(ct.geometry.approx_eq(&b.geometry, 1e-3));
}

#[test]
fn rasterised_mask_exports_as_nifti() {
    let rt = dicom::read_rtstruct(&read("ibsi-ct-phantom/dicom/mask/DCM_RS_00060.dcm"), &LoadOptions::default()).unwrap();
    let ct = ct_dicom();
    let m = rt.rasterise("GTV-1", &ct).unwrap();
    let bytes = nifti::write(&m.to_volume(), nifti::WriteType::U8, true).unwrap();
    let back = radlearn_engine::image::mask::labels_from_volume(&nifti::read(&bytes, &LoadOptions::default()).unwrap(), &[])
        .expect("a label image");
    assert_eq!(back.data, m.data);
    if let Ok(dir) = std::env::var("RADLEARN_EXPORT_DIR") {
        std::fs::write(Path::new(&dir).join("gtv.nii.gz"), &bytes).unwrap();
        std::fs::write(Path::new(&dir).join("ct.nii"), nifti::write(&ct, nifti::WriteType::F32, false).unwrap()).unwrap();
    }
}

#[test]
fn rtstruct_refuses_another_series() {
    let rt = dicom::read_rtstruct(&read("ibsi-ct-phantom/dicom/mask/DCM_RS_00060.dcm"), &LoadOptions::default()).unwrap();
    let mut ct = ct_dicom();
    ct.meta.series_uid = Some("1.2.3.4".into());
    let e = rt.rasterise("GTV-1", &ct).unwrap_err();
    assert!(matches!(e, radlearn_engine::LoadError::ReferencedSeriesAbsent { .. }), "{e}");
    let e = rt.rasterise("Lung", &ct_dicom()).unwrap_err();
    assert!(e.to_string().contains("GTV-1"), "{e}");
}

#[test]
fn nifti_variants_read_like_the_original() {
    let o = LoadOptions::default();
    let orig = nifti::read(&read("ibsi-digital-phantom/phantom.nii.gz"), &o).unwrap();
    for rel in ["nifti-variants/phantom-nifti2.nii", "nifti-variants/phantom-nifti2.nii.gz", "nifti-variants/phantom-bigendian.nii"] {
        let v = radlearn_engine::load(&read(rel), rel, &o).unwrap();
        assert_eq!(v.data, orig.data, "{rel}");
        assert!(v.geometry.approx_eq(&orig.geometry, 1e-6), "{rel}: {:?}", v.geometry);
        assert_eq!(v.meta.format, if rel.contains("nifti2") { "NIfTI-2" } else { "NIfTI-1" });
    }
    // Oblique qform (sform unset) and scl_slope 0.5 / scl_inter -3.
    let q = nifti::read(&read("nifti-variants/phantom-qform-scaled.nii"), &o).unwrap();
    let expected: Vec<f32> = orig.data.iter().map(|v| v * 0.5 - 3.0).collect();
    assert_eq!(q.data, expected);
    assert_eq!(q.meta.rescale, Some((0.5, -3.0)));
    let g = &q.geometry;
    assert!(g.spacing.iter().all(|s| (s - 2.0).abs() < 1e-6), "{:?}", g.spacing);
    // RAS column (0.8, 0.6, 0) is LPS (-0.8, -0.6, 0); RAS origin (10, -20, 30) is LPS (-10, 20, 30).
    for (a, b) in g.direction[0].iter().zip([-0.8, -0.6, 0.0]) {
        assert!((a - b).abs() < 1e-6, "{:?}", g.direction);
    }
    for (a, b) in g.origin.iter().zip([-10.0, 20.0, 30.0]) {
        assert!((a - b).abs() < 1e-5, "{:?}", g.origin);
    }
    // World <-> voxel through the oblique geometry.
    let w = g.voxel_to_world([1.0, 0.0, 0.0]);
    assert!((w[0] - (-10.0 - 1.6)).abs() < 1e-5 && (w[1] - (20.0 - 1.2)).abs() < 1e-5);
}

#[test]
fn ct_phantom_resampled_like_ibsi_configs_b_and_c() {
    use radlearn_engine::radiomics::preprocess::{self, Discretisation, Interpolation};
    let o = LoadOptions::default();
    let img = ct_nifti();
    let mask =
        radlearn_engine::image::mask::labels_from_volume(&nifti::read(&read("ibsi-ct-phantom/nifti/mask/mask.nii.gz"), &o).unwrap(), &[])
            .expect("a label image");
    // n_b = ceil(n_a s_a / s_b): ceil(204 * 0.977 / 2) = 100, ceil(201 * 0.977 / 2) = 99, 60 * 3 / 2 = 90.
    let r = preprocess::resample_image(&img, [2.0; 3], Interpolation::Linear, true, &o).unwrap();
    assert_eq!(r.geometry.dims, [100, 99, 90]);
    assert!(r.data.iter().all(|v| v.fract() == 0.0));
    // Both grids share their centre.
    let c0 = img.geometry.voxel_to_world([101.5, 100.0, 29.5]);
    let c1 = r.geometry.voxel_to_world([49.5, 49.0, 44.5]);
    assert!(c0.iter().zip(&c1).all(|(a, b)| (a - b).abs() < 1e-6), "{c0:?} {c1:?}");
    let m = preprocess::resample_mask(&mask, [2.0; 3], Interpolation::Linear, 0.5, &o).unwrap();
    // IBSI config C (3D, 2 mm, trilinear, partial volume 0.5): voxel-counting volume 368 000 +/- 6 000 mm^3.
    let volume_c = m.count() as f64 * 8.0;
    eprintln!("config C volume {volume_c} mm^3");
    assert!((volume_c - 368_000.0).abs() <= 6_000.0, "{volume_c}");
    // Re-segmentation to [-1000, 400] HU and fixed bin size 25 HU from -1000 (config C).
    let seg = preprocess::resegment_range(&r, &m, Some(-1000.0), Some(400.0)).unwrap();
    assert!(seg.count() < m.count() && seg.count() > m.count() / 2);
    let d = preprocess::discretise(
        &r.data,
        &seg.data,
        Discretisation::FixedBinSize { width: preprocess::BinWidth::new(25.0).unwrap(), min: Some(-1000.0) },
    )
    .unwrap();
    assert!(d.max_level <= 57, "{}", d.max_level); // (400 + 1000) / 25 + 1
    assert_eq!(d.levels.iter().filter(|&&l| l > 0).count(), seg.count());
    // Config B: 2D (in-plane) interpolation to 2 x 2 mm, slices kept at 3 mm: 358 000 +/- 5 000 mm^3.
    let m2 = preprocess::resample_mask(&mask, [2.0, 2.0, 3.0], Interpolation::Linear, 0.5, &o).unwrap();
    assert_eq!(m2.geometry.dims, [100, 99, 60]);
    let volume_b = m2.count() as f64 * 12.0;
    eprintln!("config B volume {volume_b} mm^3");
    assert!((volume_b - 358_000.0).abs() <= 5_000.0, "{volume_b}");
}
