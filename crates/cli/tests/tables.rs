//! `radlearn model` on tables saved by spreadsheets in other languages, and the numeric flags' messages (issue 14).

use std::path::PathBuf;

mod common;

use common::{radlearn, stderr, stdout};

fn scratch(name: &str) -> PathBuf {
    common::scratch("tables", name)
}

/// Windows-1252 bytes of text whose characters are ASCII or Latin-1 letters from U+00A0 on (where Windows-1252 and
/// Unicode agree).
fn cp1252(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| {
            let code = u32::from(c);
            assert!(code < 0x80 || (0xa0..=0xff).contains(&code), "{c:?} is not in the test's Windows-1252 subset");
            code as u8
        })
        .collect()
}

/// The same 40 cases as an English CSV (`,` and `.`) and as French Excel's "CSV (séparateur : point-virgule)":
/// `;`, decimal commas, no-break spaces between thousands, Windows-1252, CRLF. The `glcm_x` column is mostly `NA`.
fn tables() -> (String, String) {
    let mut en = String::from("id,diagnostic,Volume (mm³),Énergie,Sphéricité,glcm_x\n");
    let mut fr = String::from("id;diagnostic;Volume (mm³);Énergie;Sphéricité;glcm_x\r\n");
    for i in 0..40u32 {
        let malignant = i % 2 == 1;
        let wobble = f64::from((i * 37) % 11) / 7.0;
        let volume = 1500.5 + 1000.0 * wobble + if malignant { 900.25 } else { 0.0 };
        let energy = -0.125 * wobble + if malignant { 0.3 } else { 0.0 };
        let sphericity = 0.5 + 0.01 * f64::from(i) + wobble / 13.0;
        let glcm = if i % 4 == 0 { format!("{}.5", i) } else { "NA".to_string() };
        let class = if malignant { "malin" } else { "bénin" };
        en.push_str(&format!("p{i},{class},{volume},{energy},{sphericity},{glcm}\n"));
        let (whole, frac) = volume.to_string().split_once('.').map(|(a, b)| (a.to_string(), b.to_string())).expect("a fraction");
        let grouped = format!("{}\u{a0}{}", &whole[..whole.len() - 3], &whole[whole.len() - 3..]);
        let comma = |v: f64| v.to_string().replace('.', ",");
        fr.push_str(&format!("p{i};{class};{grouped},{frac};{};{};{}\r\n", comma(energy), comma(sphericity), glcm.replace('.', ",")));
    }
    (en, fr)
}

#[test]
fn a_french_excel_table_gives_the_same_evaluation_and_says_how_it_was_read() {
    let (en, fr) = tables();
    let (en_path, fr_path) = (scratch("english.csv"), scratch("french.csv"));
    std::fs::write(&en_path, en).expect("written");
    std::fs::write(&fr_path, cp1252(&fr)).expect("written");
    let run = |path: &PathBuf, action: &[&str]| {
        let mut args = vec!["model"];
        args.extend(action);
        let p = path.display().to_string();
        args.extend(["--table", &p, "--label", "diagnostic", "--format", "json"]);
        let o = radlearn(&args);
        assert!(o.status.success(), "{}", stderr(&o));
        o
    };
    for action in [&["cv", "--bootstrap", "50"][..], &["pca", "--standardise"][..]] {
        let (a, b) = (run(&en_path, action), run(&fr_path, action));
        let (mut ja, mut jb): (serde_json::Value, serde_json::Value) =
            (serde_json::from_str(&stdout(&a)).expect("JSON"), serde_json::from_str(&stdout(&b)).expect("JSON"));
        assert_eq!(ja["read_as"], "read as comma-separated, decimal point, UTF-8");
        assert_eq!(jb["read_as"], "read as semicolon-separated, decimal comma, Windows-1252");
        let left = serde_json::json!([{"column": "glcm_x", "missing": 30, "cases": 40}]);
        assert_eq!((&ja["left_out"], &jb["left_out"]), (&left, &left));
        ja["read_as"] = serde_json::Value::Null;
        jb["read_as"] = serde_json::Value::Null;
        assert_eq!(ja, jb, "the same numbers from both tables");
        assert_eq!(ja["features"].as_f64(), Some(3.0));
        let err = stderr(&b);
        assert!(err.contains("french.csv: read as semicolon-separated, decimal comma, Windows-1252"), "{err}");
        assert!(err.contains("column `glcm_x` left out of the features: 30 of its 40 cells are missing"), "{err}");
    }
    // Text output: the same lines.
    let text = |p: &PathBuf| {
        let p = p.display().to_string();
        stdout(&radlearn(&["model", "cv", "--table", &p, "--label", "diagnostic", "--bootstrap", "50"]))
    };
    assert_eq!(text(&en_path), text(&fr_path));
    assert!(text(&fr_path).contains("features: 3"));
}

#[test]
fn table_errors_still_name_the_line_and_column() {
    let (_, fr) = tables();
    let path = scratch("broken.csv");
    std::fs::write(&path, cp1252(&fr.replace("p7;malin;", "p7;malin;x"))).expect("written");
    let o = radlearn(&["model", "pca", "--table", &path.display().to_string(), "--label", "diagnostic"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("line 9, column `Volume (mm³)`: `x"), "{}", stderr(&o));
}

#[test]
fn out_of_range_numbers_name_the_flag_and_its_range() {
    let t = ["--table", "t.csv", "--label", "y"];
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["cohort", "--signal", "-1"], "invalid value '-1' for '--signal <SIGNAL>': should be between 0 and 3, but is -1"),
        (
            vec!["cohort", "--site-label-correlation", "2"],
            "for '--site-label-correlation <SITE_LABEL_CORRELATION>': should be between 0 and 1, but is 2",
        ),
        (vec!["cohort", "--site-effect", "abc"], "for '--site-effect <SITE_EFFECT>': `abc` is not a number; it should be between 0 and 3"),
        (vec!["cohort", "--cases", "-5"], "for '--cases <CASES>': should be a whole number from 10 to 2000, but is -5"),
        (vec!["cohort", "--cases", "5000"], "should be a whole number from 10 to 2000, but is 5000"),
        (vec!["cohort", "--prevalence", "1"], "for '--prevalence <PREVALENCE>': should be between 0 and 1, both excluded, but is 1"),
        (vec!["cohort", "--sites", "0"], "for '--sites <SITES>': should be a whole number from 1 to 4, but is 0"),
        (vec!["cohort", "--seed", "-1"], "for '--seed <SEED>': should be a whole number of at least 0, but is -1"),
        (vec!["cohort", "--jobs", "0"], "for '--jobs <JOBS>': should be a whole number from 1 to 1024, but is 0"),
        (vec!["model", "cv", "--folds", "1"], "for '--folds <FOLDS>': should be a whole number of at least 2, but is 1"),
        (vec!["model", "cv", "--c", "-1"], "for '--c <C>': should be a number greater than 0, but is -1"),
        (vec!["model", "cv", "--gamma", "0"], "for '--gamma <GAMMA>': should be a number greater than 0, but is 0"),
        (vec!["model", "cv", "--l1-ratio", "1.5"], "for '--l1-ratio <L1_RATIO>': should be between 0 and 1, but is 1.5"),
        (vec!["model", "cv", "--k", "0"], "for '--k <K>': should be a whole number of at least 1, but is 0"),
        (vec!["model", "cv", "--max-depth", "-2"], "for '--max-depth <MAX_DEPTH>': should be a whole number of at least 1, but is -2"),
        (vec!["model", "cv", "--trees", "20000"], "for '--trees <TREES>': should be a whole number from 1 to 10000, but is 20000"),
        (vec!["model", "cv", "--select", "0"], "for '--select <SELECT>': should be a whole number of at least 1, but is 0"),
        (vec!["model", "cv", "--bootstrap", "-5"], "for '--bootstrap <BOOTSTRAP>': should be a whole number from 0 to 100000, but is -5"),
        (vec!["model", "cv", "--threshold", "NaN"], "for '--threshold <THRESHOLD>': `NaN` is not a number; it should be a finite number"),
        (vec!["model", "pca", "--components", "0"], "for '--components <COMPONENTS>': should be a whole number of at least 1, but is 0"),
        (vec!["features", "--cases", "c.csv", "--jobs", "-1"], "for '--jobs <JOBS>': should be a whole number from 1 to 1024, but is -1"),
        (
            vec!["features", "--cases", "c.csv", "--max-mib", "0"],
            "for '--max-mib <MAX_MIB>': should be a whole number of at least 1, but is 0",
        ),
        (vec!["info", "x.nii", "--max-mib", "-1"], "for '--max-mib <MAX_MIB>': should be a whole number of at least 1, but is -1"),
        (vec!["convert", "x.nii", "-o", "y.nii", "--max-mib", "0"], "for '--max-mib <MAX_MIB>': should be a whole number of at least 1"),
    ];
    for (mut args, expected) in cases {
        if args[0] == "model" {
            args.extend(t);
        }
        let o = radlearn(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(stderr(&o).contains(expected), "{args:?}: {}", stderr(&o));
    }
    // Valid one by one, invalid together: the message names both flags.
    let o = radlearn(&["cohort", "--cases", "10", "--prevalence", "0.05"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.starts_with("error: --prevalence and --cases: ") && err.contains("prevalence 0.05 gives 1 malignant"), "{err}");
}
