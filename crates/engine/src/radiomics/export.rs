//! Feature tables as text: CSV and JSON with the same columns everywhere (`radlearn features`, the browser's
//! feature panel), and the short number format used on screen.
//!
//! Columns: `family_code,feature_code,aggregation_code,variant,family,feature,value`, one row per value, with a
//! leading `case` column for cohorts. In CSV an undefined value (NaN) is printed `NaN`; in JSON it is `null`.
//!
//! # Example
//! ```
//! use radlearn_engine::radiomics::config::FeatureConfig;
//! use radlearn_engine::radiomics::export::{csv, HEADER};
//! use radlearn_engine::radiomics::extract;
//! use radlearn_engine::{Geometry, LabelMap, Volume};
//! use std::ops::ControlFlow;
//! let g = Geometry::new([4, 4, 4], [1.0; 3]);
//! let image = Volume::new(g.clone(), (0..64).map(|i| (i % 7) as f32).collect()).expect("64 voxels");
//! let mask = LabelMap::new(g, vec![1; 64]).expect("64 voxels");
//! let cfg = FeatureConfig::builtin("default").expect("built in").check().expect("valid");
//! let values = extract(&image, &mask, 1, &cfg, &mut |_| ControlFlow::Continue(())).expect("features");
//! let table = csv(&[(None, values.as_slice())]);
//! assert!(table.starts_with(HEADER));
//! assert!(table.contains("\nHCUG,YEKZ,,,Morphological features,Volume (voxel counting),64\n"));
//! ```

use std::fmt::Write as _;

use crate::radiomics::features::FeatureValue;

/// The columns of every table, in order.
pub const HEADER: &str = "family_code,feature_code,aggregation_code,variant,family,feature,value";

/// One case's values, with the case's name for cohorts (`None` for a single image).
pub type Case<'a> = (Option<&'a str>, &'a [FeatureValue]);

/// Splits one CSV line into its fields (RFC 4180 quoting: quoted fields, doubled quotes), as written by [`csv`]
/// and read back from cohort files and reference tables.
pub fn csv_fields(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    fields.push(cur);
    fields
}

/// The IVH variant as printed: `V10` and `I10` are `10`, `V10-V90` is `10-90`; empty for other features.
pub fn variant(v: &FeatureValue) -> String {
    v.variant.as_deref().unwrap_or("").chars().filter(|c| !c.is_ascii_alphabetic()).collect()
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// `s` as a JSON string literal, quotes included (shared with the command line's hand-written JSON).
pub fn json_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The values as CSV: the header, then one row per value (a leading `case` column when any case is named). Values
/// are printed exactly (the shortest text that reads back as the same `f64`); undefined ones as `NaN`.
pub fn csv(cases: &[Case<'_>]) -> String {
    let cohort = cases.iter().any(|c| c.0.is_some());
    let mut out = String::new();
    out.push_str(if cohort { "case," } else { "" });
    out.push_str(HEADER);
    out.push('\n');
    for (case, values) in cases {
        for v in values.iter() {
            if cohort {
                out.push_str(&csv_field(case.unwrap_or("")));
                out.push(',');
            }
            let fields = [v.family_code, v.feature_code, v.aggregation_code.unwrap_or(""), &variant(v), v.family, v.feature];
            for f in fields {
                out.push_str(&csv_field(f));
                out.push(',');
            }
            out.push_str(&v.value.to_string());
            out.push('\n');
        }
    }
    out
}

/// The values as a JSON array of objects with the CSV's fields (and `case` for named cases). Empty codes are
/// `null`, and so are undefined values (JSON has no NaN).
pub fn json(cases: &[Case<'_>]) -> String {
    let mut out = String::from("[\n");
    let mut first = true;
    for (case, values) in cases {
        for v in values.iter() {
            if !first {
                out.push_str(",\n");
            }
            first = false;
            out.push_str("  {");
            if let Some(c) = case {
                let _ = write!(out, "\"case\": {}, ", json_string(c));
            }
            let opt = |s: Option<&str>| s.filter(|s| !s.is_empty()).map_or("null".to_string(), json_string);
            let value = if v.value.is_finite() { v.value.to_string() } else { "null".to_string() };
            let _ = write!(
                out,
                "\"family_code\": {}, \"feature_code\": {}, \"aggregation_code\": {}, \"variant\": {}, \"family\": {}, \"feature\": {}, \"value\": {value}}}",
                json_string(v.family_code),
                json_string(v.feature_code),
                opt(v.aggregation_code),
                opt(Some(&variant(v))),
                json_string(v.family),
                json_string(v.feature),
            );
        }
    }
    out.push_str(if first { "]\n" } else { "\n]\n" });
    out
}

/// A value for a person to read: integers as they are (up to 10⁹), other numbers with 4 significant digits
/// (`0.0123`, `12.35`, `1235`), very small or large ones in scientific notation (`1.235e-7`). `None` for NaN
/// (undefined); infinities as `∞` and `−∞`.
pub fn display(value: f64) -> Option<String> {
    if value.is_nan() {
        return None;
    }
    if value.is_infinite() {
        return Some(if value > 0.0 { "∞".into() } else { "−∞".into() });
    }
    let a = value.abs();
    if value == value.trunc() && a < 1e9 {
        let text = format!("{value:.0}");
        return Some(match text.strip_prefix('-') {
            Some("0") | None => text.trim_start_matches('-').to_string(),
            Some(rest) => format!("−{rest}"),
        });
    }
    let text = if !(1e-4..1e6).contains(&a) {
        let s = format!("{value:.3e}");
        // 1.200e3 -> 1.2e3
        match s.split_once('e') {
            Some((m, e)) if m.contains('.') => format!("{}e{e}", m.trim_end_matches('0').trim_end_matches('.')),
            _ => s,
        }
    } else {
        let digits = (3 - a.log10().floor() as i32).clamp(0, 7) as usize;
        let s = format!("{value:.digits$}");
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        }
    };
    Some(match text.strip_prefix('-') {
        Some(rest) => format!("−{rest}"),
        None => text,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(family_code: &'static str, code: &'static str, agg: Option<&'static str>, variant: Option<&str>, x: f64) -> FeatureValue {
        FeatureValue {
            family_code,
            feature_code: code,
            aggregation_code: agg,
            variant: variant.map(str::to_string),
            family: "A family, with a comma",
            feature: "Name \"quoted\"",
            value: x,
        }
    }

    fn sample() -> Vec<FeatureValue> {
        vec![
            value("HCUG", "RNU0", None, None, 556.3333333333334),
            value("P88C", "BC2M", None, Some("V10-V90"), f64::NAN),
            value("LFYI", "8S9J", Some("IAZD"), None, -0.25),
        ]
    }

    #[test]
    fn csv_fields_reads_back_what_csv_writes() {
        let values = sample();
        let text = csv(&[(None, values.as_slice())]);
        let row = csv_fields(text.lines().nth(1).expect("a row"));
        assert_eq!(row, ["HCUG", "RNU0", "", "", "A family, with a comma", "Name \"quoted\"", "556.3333333333334"]);
    }

    #[test]
    fn csv_has_the_exact_header_quotes_fields_and_prints_exact_values() {
        let values = sample();
        let text = csv(&[(None, values.as_slice())]);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "family_code,feature_code,aggregation_code,variant,family,feature,value");
        assert_eq!(lines[1], "HCUG,RNU0,,,\"A family, with a comma\",\"Name \"\"quoted\"\"\",556.3333333333334");
        assert_eq!(lines[2], "P88C,BC2M,,10-90,\"A family, with a comma\",\"Name \"\"quoted\"\"\",NaN");
        assert_eq!(lines[3], "LFYI,8S9J,IAZD,,\"A family, with a comma\",\"Name \"\"quoted\"\"\",-0.25");
        assert_eq!(lines.len(), 4);
        assert!(text.ends_with('\n'));
        // Values read back exactly.
        assert_eq!(lines[1].rsplit(',').next().and_then(|v| v.parse::<f64>().ok()), Some(556.3333333333334));
    }

    #[test]
    fn csv_of_a_cohort_names_each_case() {
        let values = sample();
        let text = csv(&[(Some("case 1"), &values[..1]), (Some("b,2"), &values[2..])]);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], format!("case,{HEADER}"));
        assert!(lines[1].starts_with("case 1,HCUG,RNU0,"), "{}", lines[1]);
        assert!(lines[2].starts_with("\"b,2\",LFYI,8S9J,IAZD,"), "{}", lines[2]);
    }

    #[test]
    fn json_is_valid_with_nulls_for_empty_codes_and_undefined_values() {
        let values = sample();
        let text = json(&[(None, values.as_slice())]);
        let parsed: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
        let rows = parsed.as_array().expect("an array");
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0]["feature_code"], "RNU0");
        assert_eq!(rows[0]["aggregation_code"], serde_json::Value::Null);
        assert_eq!(rows[0]["value"].as_f64(), Some(556.3333333333334));
        assert_eq!(rows[0]["feature"], "Name \"quoted\"");
        assert_eq!(rows[1]["variant"], "10-90");
        assert_eq!(rows[1]["value"], serde_json::Value::Null);
        assert_eq!(rows[2]["aggregation_code"], "IAZD");
        assert!(rows[0].get("case").is_none());
        assert_eq!(json(&[]), "[\n]\n");
        let named = json(&[(Some("x"), &values[..1])]);
        assert_eq!(serde_json::from_str::<serde_json::Value>(&named).expect("valid")[0]["case"], "x");
    }

    #[test]
    fn display_rounds_to_four_significant_digits() {
        let cases = [
            (592.0, "592"),
            (0.0, "0"),
            (-0.0, "0"),
            (-3.0, "−3"),
            (556.3333333333334, "556.3"),
            (12.3456, "12.35"),
            (0.012346, "0.01235"),
            (0.5, "0.5"),
            (-0.25, "−0.25"),
            (1234.56, "1235"),
            (123456.7, "123457"),
            (15_000_000.5, "1.5e7"),
            (15_000_000.0, "15000000"),
            (1.23456e-7, "1.235e-7"),
            (-1.23456e-7, "−1.235e-7"),
            (2e9, "2e9"),
        ];
        for (x, want) in cases {
            assert_eq!(display(x).as_deref(), Some(want), "{x}");
        }
        assert_eq!(display(f64::NAN), None);
        assert_eq!(display(f64::INFINITY).as_deref(), Some("∞"));
        assert_eq!(display(f64::NEG_INFINITY).as_deref(), Some("−∞"));
    }
}
