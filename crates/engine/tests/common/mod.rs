//! Reading the IBSI reference-value tables, shared by the native and the wasm tests.
#![allow(dead_code)] // each test file uses part of it

/// Codes misprinted in the manual's source (and so in the CSVs): (CSV feature name, CSV code, IBSI code).
/// The manual's tables of codes, DICOM CID 7467 and MIRP all give GPMT and OZ0C to these two features.
pub const CODE_CORRECTIONS: &[(&str, &str, &str)] =
    &[("10th discretised intensity percentile", "1PR8", "GPMT"), ("90th discretised intensity percentile", "GPMT", "OZ0C")];

/// The CSVs' variant descriptions and the engine's short variant names.
pub const VARIANTS: &[(&str, &str)] = &[
    ("volume fraction at 10% intensity", "V10"),
    ("volume fraction at 90% intensity", "V90"),
    ("intensity at 10% volume", "I10"),
    ("intensity at 90% volume", "I90"),
    ("volume fraction difference between 10% and 90% intensity", "V10-V90"),
    ("intensity difference between 10% and 90% volume", "I10-I90"),
];

/// One reference value.
pub struct Row {
    /// `config. A` ... for the CT phantom; empty for the digital phantom.
    pub dataset: String,
    pub family_code: String,
    pub feature: String,
    pub code: String,
    pub aggregation: String,
    pub variant: String,
    pub value: Option<f64>,
    pub tolerance: f64,
}

pub use radlearn_engine::radiomics::export::csv_fields;

/// Parses a reference CSV, applying [`CODE_CORRECTIONS`] and [`VARIANTS`].
pub fn parse(text: &str) -> Vec<Row> {
    let mut lines = text.lines();
    let header = csv_fields(lines.next().expect("header"));
    let col = |name: &str| header.iter().position(|h| h == name);
    let need = |name: &str| col(name).unwrap_or_else(|| panic!("no column {name}"));
    let dataset = col("dataset");
    let (family, feature, code, variant) = (need("family_code"), need("feature"), need("feature_code"), need("variant"));
    let (aggregation, value, tolerance) = (need("aggregation_code"), need("value"), need("tolerance"));
    lines
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let f = csv_fields(l);
            let code_ = CODE_CORRECTIONS.iter().find(|c| c.0 == f[feature] && c.1 == f[code]).map_or(f[code].clone(), |c| c.2.to_string());
            let variant_ = if f[variant].is_empty() {
                String::new()
            } else {
                VARIANTS.iter().find(|v| v.0 == f[variant]).unwrap_or_else(|| panic!("unknown variant {:?}", f[variant])).1.to_string()
            };
            Row {
                dataset: dataset.map(|d| f[d].clone()).unwrap_or_default(),
                family_code: f[family].clone(),
                feature: f[feature].clone(),
                code: code_,
                aggregation: f[aggregation].clone(),
                variant: variant_,
                value: (!f[value].is_empty()).then(|| f[value].parse().expect("numeric value")),
                tolerance: if f[tolerance].is_empty() { 0.0 } else { f[tolerance].parse().expect("numeric tolerance") },
            }
        })
        .collect()
}

/// Allowed deviation: the printed tolerance, or half a unit in the third significant digit of the reference
/// (the manual prints three significant digits).
pub fn allowed(expected: f64, tolerance: f64) -> f64 {
    let rounding = if expected == 0.0 { 1e-12 } else { 0.5 * 10f64.powf(expected.abs().log10().floor() - 2.0) };
    tolerance.max(rounding) * (1.0 + 1e-9)
}
