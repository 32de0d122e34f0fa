//! `radlearn features` end to end: the built binary on the IBSI phantoms (issue 4).

use std::path::{Path, PathBuf};

const HEADER: &str = "family_code,feature_code,aggregation_code,variant,family,feature,value";

fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../engine/tests/data").join(rel)
}

mod common;

use common::{radlearn, stderr, stdout};

fn scratch(name: &str) -> PathBuf {
    common::scratch("features", name)
}

fn phantom() -> (String, String) {
    (data("ibsi-digital-phantom/phantom.nii.gz").display().to_string(), data("ibsi-digital-phantom/mask.nii.gz").display().to_string())
}

/// The value of `code` (with `aggregation` and `variant`) in a CSV table without a case column.
fn value(csv: &str, code: &str, aggregation: &str, variant: &str) -> f64 {
    csv.lines()
        .map(|l| l.split(',').collect::<Vec<_>>())
        .find(|f| f[1] == code && f[2] == aggregation && f[3] == variant)
        .unwrap_or_else(|| panic!("no row {code} {aggregation} {variant}"))[6]
        .parse()
        .expect("number")
}

#[test]
fn digital_phantom_csv_has_the_exact_header_and_ibsi_values() {
    let (image, mask) = phantom();
    let o = radlearn(&["features", "--image", &image, "--mask", &mask, "--config", "digital-phantom"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let csv = stdout(&o);
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some(HEADER));
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert!(rows.iter().all(|r| r.len() == 7), "no field needs quoting in the IBSI names");
    // Aggregation only for texture families, variant only for the IVH.
    for r in &rows {
        let texture = !["HCUG", "9ST6", "UHIW", "ZVCW", "P88C"].contains(&r[0]);
        assert_eq!(r[2].is_empty(), !texture, "{r:?}");
        assert!(r[3].is_empty() || (r[0] == "P88C" && ["10", "90", "10-90"].contains(&r[3])), "{r:?}");
    }
    assert_eq!(value(&csv, "YEKZ", "", ""), 592.0);
    assert!((value(&csv, "Q4LE", "", "") - 2.1486).abs() < 1e-4);
    assert!((value(&csv, "BC2M", "", "10") - 0.324).abs() < 5e-4);
    assert!((value(&csv, "CNV2", "", "10-90") - 3.0).abs() < 1e-9);
    // GLCM joint maximum, 3D merged (IBSI: 0.509) and 2D averaged (0.519).
    assert!((value(&csv, "GYBY", "IAZD", "") - 0.509).abs() < 5e-4);
    assert!((value(&csv, "GYBY", "BTW3", "") - 0.519).abs() < 5e-4);
    // Every family and every aggregation of the phantom's reference.
    assert!(rows.len() > 480, "{}", rows.len());
}

#[test]
fn json_has_the_same_fields_and_values() {
    let (image, mask) = phantom();
    let csv = stdout(&radlearn(&["features", "--image", &image, "--mask", &mask]));
    let o = radlearn(&["features", "--image", &image, "--mask", &mask, "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let json: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("valid JSON");
    let rows = json.as_array().expect("an array");
    assert_eq!(rows.len(), csv.lines().count() - 1);
    for (r, line) in rows.iter().zip(csv.lines().skip(1)) {
        let f: Vec<&str> = line.split(',').collect();
        let keys: Vec<&str> = HEADER.split(',').collect();
        assert_eq!(r.as_object().expect("object").len(), keys.len());
        for (k, v) in keys.iter().zip(&f) {
            match &r[*k] {
                serde_json::Value::String(s) => assert_eq!(s, v, "{k}"),
                serde_json::Value::Null => assert!(v.is_empty() || *v == "NaN", "{k}: {v}"),
                // serde_json's default float parser may differ from Rust's in the last bit.
                serde_json::Value::Number(n) => {
                    let (a, b) = (n.as_f64().expect("f64"), v.parse::<f64>().expect("number"));
                    assert!((a - b).abs() <= 1e-14 * b.abs().max(1.0), "{k}: {a} {b}");
                }
                other => panic!("{k}: {other}"),
            }
        }
    }
}

#[test]
fn dicom_series_with_rtstruct_roi_matches_the_nifti_route() {
    // Few families, to keep the debug build quick; both routes must give the same numbers.
    let cfg = scratch("stats.toml");
    let text = FeatureConfigText::ibsi_a_statistics();
    std::fs::write(&cfg, text).expect("config written");
    let cfg = cfg.display().to_string();
    let series = data("ibsi-ct-phantom/dicom/image").display().to_string();
    let rtstruct = data("ibsi-ct-phantom/dicom/mask/DCM_RS_00060.dcm").display().to_string();
    let o = radlearn(&["features", "--image", &series, "--mask", &rtstruct, "--roi", "GTV-1", "--config", &cfg]);
    assert!(o.status.success(), "{}", stderr(&o));
    let dicom = stdout(&o);
    let image = data("ibsi-ct-phantom/nifti/image/phantom.nii.gz").display().to_string();
    let mask = data("ibsi-ct-phantom/nifti/mask/mask.nii.gz").display().to_string();
    let o = radlearn(&["features", "--image", &image, "--mask", &mask, "--roi", "1", "--config", &cfg]);
    assert!(o.status.success(), "{}", stderr(&o));
    let nifti = stdout(&o);
    // IBSI config A reference: mean 13.4 ± 1.1 (voxel-identical images, rasterised contours = the NIfTI mask).
    let mean = value(&dicom, "Q4LE", "", "");
    assert!((mean - 13.4).abs() < 1.1, "{mean}");
    assert_eq!(dicom, nifti);
    // The ROI name is optional when the structure set holds one ROI; a wrong name lists the right ones.
    let o = radlearn(&["features", "--image", &series, "--mask", &rtstruct, "--config", &cfg]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = radlearn(&["features", "--image", &series, "--mask", &rtstruct, "--roi", "GTV-2", "--config", &cfg]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("GTV-1"), "{}", stderr(&o));
}

/// Small configurations written by the tests.
struct FeatureConfigText;

impl FeatureConfigText {
    fn ibsi_a_statistics() -> &'static str {
        "name = \"stats\"\ndimensions = \"2D\"\nfamilies = [\"statistics\", \"histogram\"]\n[intensity]\nround = true\n\
         [resegmentation]\nmin = -500\nmax = 400\n[discretisation.texture]\nmethod = \"fixed_bin_size\"\nbin_width = 25\n"
    }
}

#[test]
fn cohort_table_has_a_case_column_and_reports_failures() {
    let (image, mask) = phantom();
    let cases = scratch("cases.csv");
    let text =
        format!("label,image,mask,roi\nfirst,{image},{mask},1\n\"second, quoted\",{image},{mask},\nbroken,{image},missing.nii.gz,\n");
    std::fs::write(&cases, text).expect("cases written");
    let cases = cases.display().to_string();
    let o = radlearn(&["features", "--cases", &cases, "--config", "digital-phantom"]);
    assert_eq!(o.status.code(), Some(1), "one case fails");
    let err = stderr(&o);
    assert!(err.contains("/3] first:") && err.contains("/3] broken: error:") && err.contains("2 of 3 cases"), "{err}");
    let csv = stdout(&o);
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some(format!("case,{HEADER}").as_str()));
    let rows: Vec<&str> = lines.collect();
    let first = rows.iter().filter(|l| l.starts_with("first,")).count();
    let second = rows.iter().filter(|l| l.starts_with("\"second, quoted\",")).count();
    assert!(first > 480 && first == second && rows.len() == 2 * first, "{first} {second} {}", rows.len());
    // The cases keep the file's order whatever order they finish in.
    assert!(rows[..first].iter().all(|l| l.starts_with("first,")));
    // Relative paths are relative to the cases file; one job at a time works too.
    let dir = scratch("");
    std::fs::copy(&image, dir.join("img.nii.gz")).expect("copy");
    std::fs::copy(&mask, dir.join("roi.nii.gz")).expect("copy");
    let rel = scratch("relative.csv");
    std::fs::write(&rel, "image,mask\nimg.nii.gz,roi.nii.gz\n").expect("written");
    let o = radlearn(&["features", "--cases", &rel.display().to_string(), "--jobs", "1", "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let json: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("JSON");
    assert_eq!(json[0]["case"], "img.nii.gz");
}

#[test]
fn bad_inputs_give_clear_errors() {
    let (image, mask) = phantom();
    // A configuration error names the field and the value.
    let cfg = scratch("bad.toml");
    std::fs::write(&cfg, "dimensions = \"3D\"\n[discretisation.texture]\nmethod = \"fixed_bin_size\"\nbin_width = -25\n").expect("written");
    let o = radlearn(&["features", "--image", &image, "--mask", &mask, "--config", &cfg.display().to_string()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("discretisation.texture.bin_width should be positive, but is -25"), "{}", stderr(&o));
    let o = radlearn(&["features", "--image", &image, "--mask", &mask, "--config", "ibsi-F"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("ibsi-A"), "{}", stderr(&o));
    // A mask on another grid.
    let ct_mask = data("ibsi-ct-phantom/nifti/mask/mask.nii.gz").display().to_string();
    let o = radlearn(&["features", "--image", &image, "--mask", &ct_mask]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("not on the image's grid"), "{}", stderr(&o));
    // A label the mask does not hold.
    let o = radlearn(&["features", "--image", &image, "--mask", &mask, "--roi", "7"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("no voxel with label 7"), "{}", stderr(&o));
    // A mask with several labels needs --roi.
    let o = radlearn(&["features", "--image", &image, "--mask", &image]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("several labels"), "{}", stderr(&o));
    // A mask whose values are not labels (here a CT: negative intensities) names the first offending voxel.
    let ct = data("ibsi-ct-phantom/nifti/image/phantom.nii.gz").display().to_string();
    let o = radlearn(&["features", "--image", &ct, "--mask", &ct]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("voxel (0, 0, 0) holds the value") && stderr(&o).contains("not a label"), "{}", stderr(&o));
    // The browser's rule: a mask saved as floats (1.0004 after a resampling) is label 1 here too.
    let m = radlearn_engine::load(&std::fs::read(&mask).expect("mask"), "mask.nii.gz", &Default::default()).expect("mask");
    let floats = radlearn_engine::Volume::new(m.geometry.clone(), m.data.iter().map(|&v| if v == 1.0 { 1.0004 } else { v }).collect());
    let float_mask = scratch("float-mask.nii");
    let bytes =
        radlearn_engine::io::nifti::write(&floats.expect("volume"), radlearn_engine::io::nifti::WriteType::F32, false).expect("written");
    std::fs::write(&float_mask, bytes).expect("written");
    let o = radlearn(&["features", "--image", &image, "--mask", &float_mask.display().to_string(), "--config", "digital-phantom"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // Missing arguments.
    let o = radlearn(&["features", "--image", &image]);
    assert_eq!(o.status.code(), Some(2));
    // Printing a configuration gives TOML that reads back.
    let o = radlearn(&["features", "--config", "ibsi-E", "--print-config"]);
    assert!(o.status.success() && stdout(&o).contains("interpolation = \"cubic_spline\""), "{}", stdout(&o));
}

#[test]
fn a_cases_file_saved_by_excel_reads_like_a_plain_one() {
    // Excel's "CSV UTF-8": a byte-order mark, CRLF; in French, semicolons. And old Mac line ends (CR only).
    let (image, mask) = phantom();
    for (name, text) in [
        ("bom.csv", format!("\u{feff}label;image;mask\r\nexcel;{image};{mask}\r\n")),
        ("cr.csv", format!("label,image,mask\rexcel,{image},{mask}\r")),
    ] {
        let cases = scratch(name);
        std::fs::write(&cases, text).expect("written");
        let o = radlearn(&["features", "--cases", &cases.display().to_string(), "--config", "digital-phantom"]);
        assert!(o.status.success(), "{name}: {}", stderr(&o));
        let csv = stdout(&o);
        assert!(csv.starts_with(&format!("case,{HEADER}\n")), "{name}");
        assert!(csv.lines().skip(1).all(|l| l.starts_with("excel,")) && csv.lines().count() > 480, "{name}");
    }
    // A line without its mask names its line, counted in the file.
    let cases = scratch("short.csv");
    std::fs::write(&cases, format!("\u{feff}label;image;mask\r\n\r\nexcel;{image};\r\n")).expect("written");
    let o = radlearn(&["features", "--cases", &cases.display().to_string()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("short.csv:3: the line has no image or no mask"), "{}", stderr(&o));
}
