//! Tests on the IBSI reference data copied into tests/data (see the LICENSE.md files there).

use std::path::{Path, PathBuf};

use radlearn_engine::dicom::{self, DicomFile};
use radlearn_engine::{nifti, LabelMap, LoadOptions, Volume};

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
    let m = LabelMap::from_volume(&mask);
    assert_eq!(m.count(), 125_256);
    let (sum, n) = img.data.iter().zip(&m.data).filter(|(_, &l)| l != 0).fold((0.0f64, 0usize), |(s, n), (&v, _)| (s + f64::from(v), n + 1));
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
    let reference = LabelMap::from_volume(&mask);
    let (dice, diff) = raster.dice(&reference).unwrap();
    eprintln!("GTV-1: Dice {dice:.5}, {diff} voxels differ; rasterised {} voxels, NIfTI mask {}", raster.count(), reference.count());
    assert!(dice >= 0.98, "Dice {dice}");
}

#[test]
fn digital_phantom_values_and_mask() {
    let img = nifti::read(&read("ibsi-digital-phantom/phantom.nii.gz"), &LoadOptions::default()).unwrap();
    let mask = LabelMap::from_volume(&nifti::read(&read("ibsi-digital-phantom/mask.nii.gz"), &LoadOptions::default()).unwrap());
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
    let back = LabelMap::from_volume(&nifti::read(&bytes, &LoadOptions::default()).unwrap());
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
