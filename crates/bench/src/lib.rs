//! The feature extraction that the wasm-against-native benchmark times: the same function, from file bytes to
//! feature values, compiled natively (`radlearn-bench features`) and to wasm32 (`tests/bench/wasm_features.mjs`
//! calls [`extract_features`] in headless Chromium). Likewise for a synthetic cohort: [`cohort_from_spec`] natively
//! (`radlearn-bench cohort`) and as `extractCohort` in Chromium (`tests/bench/wasm_cohort.mjs`). And for the Model
//! Lab's cross-validation: [`ml_table`] makes a seeded table, [`ml_cv`] cross-validates logistic regression on it,
//! natively (`radlearn-bench ml-cv`) and as `MlTable.cv` in Chromium (`tests/bench/wasm_ml.mjs`).

use std::ops::ControlFlow;

use radlearn_engine::image::volume::{LabelMap, Volume};
use radlearn_engine::io::error::LoadOptions;
use radlearn_engine::io::open::{open_files, open_mask, FileProblem};
use radlearn_engine::radiomics::config::FeatureConfig;
use radlearn_engine::radiomics::extract;

/// The image and its mask, opened as the browser and the command line open them (`radlearn_engine::io::open`).
fn open_case(image: &[u8], image_name: &str, mask: &[u8], mask_name: &str, opts: &LoadOptions) -> Result<(Volume, LabelMap), String> {
    let shown = |p: &FileProblem| format!("{}: {}", p.file, p.message);
    let img = open_files(&[(image_name, image)], opts, &mut |_, _| {})
        .map_err(|problems| problems.iter().map(shown).collect::<Vec<_>>().join("; "))?
        .image
        .volume;
    let (m, _notes) = open_mask(mask_name, mask, &img, &[], opts).map_err(|p| shown(&p))?;
    Ok((img, m))
}

/// Reads an image and a mask (any format the engine reads, told apart by content and file name), checks the
/// configuration (TOML) and extracts the features of the mask's lowest non-zero label, on one thread. Returns the
/// number of feature values.
pub fn features_from_bytes(image: &[u8], image_name: &str, mask: &[u8], mask_name: &str, config: &str) -> Result<usize, String> {
    let opts = LoadOptions::default();
    let (img, m) = open_case(image, image_name, mask, mask_name, &opts)?;
    let label = m.data.iter().copied().filter(|&l| l != 0).min().ok_or_else(|| format!("{mask_name}: the mask is empty"))?;
    let cfg = FeatureConfig::from_toml(config).and_then(FeatureConfig::check).map_err(|e| e.to_string())?;
    let values = extract(&img, &m, label, &cfg, &mut |_| ControlFlow::Continue(())).map_err(|e| e.to_string())?;
    Ok(values.len())
}

/// Milliseconds spent in each step of the extraction (reading, processing, then each feature family in order),
/// measured between progress reports on one thread: where the time goes.
#[cfg(not(target_arch = "wasm32"))]
pub fn family_times(image: &[u8], image_name: &str, mask: &[u8], mask_name: &str, config: &str) -> Result<Vec<(String, f64)>, String> {
    let start = std::time::Instant::now();
    family_times_with(&|| start.elapsed().as_secs_f64() * 1000.0, image, image_name, mask, mask_name, config)
}

/// [`family_times`] with a clock in milliseconds (`performance.now()` in the browser).
pub fn family_times_with(
    now: &dyn Fn() -> f64,
    image: &[u8],
    image_name: &str,
    mask: &[u8],
    mask_name: &str,
    config: &str,
) -> Result<Vec<(String, f64)>, String> {
    let opts = LoadOptions::default();
    let t = now();
    let (img, m) = open_case(image, image_name, mask, mask_name, &opts)?;
    let mut steps = vec![("reading".to_string(), now() - t)];
    let label = m.data.iter().copied().filter(|&l| l != 0).min().ok_or_else(|| format!("{mask_name}: the mask is empty"))?;
    let cfg = FeatureConfig::from_toml(config).and_then(FeatureConfig::check).map_err(|e| e.to_string())?;
    let mut last = (String::from("processing and discretisation"), now());
    extract(&img, &m, label, &cfg, &mut |p| {
        let name = p.family.name().to_string();
        if name != last.0 || p.done == p.total {
            let t = now();
            steps.push((std::mem::replace(&mut last.0, name), t - last.1));
            last.1 = t;
        }
        ControlFlow::Continue(())
    })
    .map_err(|e| e.to_string())?;
    Ok(steps)
}

#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    fn performance_now() -> f64;
}

/// [`family_times_with`] for JavaScript, timed with `performance.now()`: a JSON array of [step, milliseconds].
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen(js_name = familyTimes)]
pub fn family_times_js(image: &[u8], image_name: &str, mask: &[u8], mask_name: &str, config: &str) -> Result<String, String> {
    let steps = family_times_with(&performance_now, image, image_name, mask, mask_name, config)?;
    let items: Vec<String> = steps.iter().map(|(s, ms)| format!("[\"{s}\",{ms:.3}]")).collect();
    Ok(format!("[{}]", items.join(",")))
}

/// [`features_from_bytes`] for JavaScript.
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen(js_name = extractFeatures)]
pub fn extract_features(image: &[u8], image_name: &str, mask: &[u8], mask_name: &str, config: &str) -> Result<usize, String> {
    features_from_bytes(image, image_name, mask, mask_name, config)
}

/// Makes the synthetic cohort of `cases` cases from `seed` (the other settings at their defaults) and extracts
/// every case's features with the cohort settings, on one thread. Returns the table's size and a checksum (the sum
/// of every value divided by its column's mean magnitude), so two builds can be checked to compute the same table.
pub fn cohort_from_spec(cases: usize, seed: u64) -> Result<CohortSummary, String> {
    use radlearn_engine::ml::cohort::{extraction_config, generate, CohortSpec};
    let spec = CohortSpec { cases, seed, ..CohortSpec::default() }.check().map_err(|e| e.to_string())?;
    let data = generate(&spec, &extraction_config(), &mut |_, _| ControlFlow::Continue(())).map_err(|e| e.to_string())?;
    Ok(CohortSummary::of(&data))
}

/// The size and checksum of a cohort's feature table.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CohortSummary {
    /// Rows.
    pub cases: usize,
    /// Feature columns.
    pub features: usize,
    /// The sum over columns of (sum of the column / mean absolute value of the column): about `cases` per column
    /// of positive values, and sensitive to any change in any value.
    pub checksum: f64,
}

impl CohortSummary {
    /// The summary of a dataset.
    pub fn of(data: &radlearn_engine::ml::Dataset) -> CohortSummary {
        let checksum = data
            .x
            .columns()
            .into_iter()
            .map(|c| {
                let scale = c.iter().map(|v| v.abs()).sum::<f64>() / c.len().max(1) as f64;
                if scale > 0.0 {
                    c.sum() / scale
                } else {
                    0.0
                }
            })
            .sum();
        CohortSummary { cases: data.len(), features: data.feature_names.len(), checksum }
    }

    /// As JSON: `{"cases": .., "features": .., "checksum": ..}`.
    pub fn to_json(&self) -> String {
        format!("{{\"cases\": {}, \"features\": {}, \"checksum\": {:.6}}}", self.cases, self.features, self.checksum)
    }
}

/// [`cohort_from_spec`] for JavaScript: the summary as JSON.
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen(js_name = extractCohort)]
pub fn extract_cohort(cases: usize, seed: u64) -> Result<String, String> {
    cohort_from_spec(cases, seed).map(|s| s.to_json())
}

/// A seeded table for the cross-validation benchmark: `cases` cases (half malignant, in shuffled order) x `features`
/// features named `f000`, `f001`... Like radiomics features, a few carry the label (the first five, shifted by
/// 1.2, -1.0, 0.8, 0.6 and -0.5 standard deviations in malignant cases: a pooled AUC near 0.8), a block of ten is
/// correlated with the first (a feature family), the rest are noise, and the columns have scales from 0.01 to 1000
/// and offsets, so standardisation matters. The numbers come from a SplitMix64 generator and a Box–Muller transform:
/// the same table on any machine.
pub fn ml_table(cases: usize, features: usize, seed: u64) -> radlearn_engine::ml::Dataset {
    let mut rng = SplitMix64(seed);
    let mut y: Vec<bool> = (0..cases).map(|i| i % 2 == 1).collect();
    for i in (1..cases).rev() {
        let j = (rng.next() % (i as u64 + 1)) as usize;
        y.swap(i, j);
    }
    let shift = [1.2, -1.0, 0.8, 0.6, -0.5];
    let mut x = ndarray::Array2::from_shape_fn((cases, features), |_| rng.normal());
    for (i, mut row) in x.rows_mut().into_iter().enumerate() {
        for (j, v) in row.iter_mut().enumerate().take(shift.len()) {
            if y[i] {
                *v += shift[j];
            }
        }
        let first = row[0];
        for v in row.iter_mut().skip(shift.len()).take(10) {
            *v += 0.7 * first;
        }
        for (j, v) in row.iter_mut().enumerate() {
            let t = j as f64 / (features.max(2) - 1) as f64;
            // Scales 0.01 to 1000 (geometric), offsets -5 to 50; rounded to 6 significant digits, as a feature
            // table would print them.
            let value = *v * 10f64.powf(-2.0 + 5.0 * t) + (-5.0 + 55.0 * t);
            *v = format!("{value:.5e}").parse().unwrap_or(value);
        }
    }
    radlearn_engine::ml::Dataset {
        ids: (1..=cases).map(|i| format!("case-{i:03}")).collect(),
        feature_names: (0..features).map(|j| format!("f{j:03}")).collect(),
        x,
        y,
        classes: ["benign".into(), "malignant".into()],
        meta: Vec::new(),
    }
}

/// SplitMix64 (Steele, Lea and Flood), enough for test data.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in (0, 1).
    fn uniform(&mut self) -> f64 {
        ((self.next() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }

    /// Standard normal (Box–Muller, one of the pair).
    fn normal(&mut self) -> f64 {
        let (u, v) = (self.uniform(), self.uniform());
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
}

/// Reads a wide feature table (CSV text) whose class column is `label`.
pub fn ml_dataset(csv: &str) -> Result<radlearn_engine::ml::Dataset, String> {
    radlearn_engine::ml::table::read_csv(csv, "label").map_err(|e| e.to_string())
}

/// The Model Lab's default evaluation: 5-fold stratified cross-validation (seed 1) of logistic regression (L2,
/// C = 1) with standardisation fitted inside each fold, then a refit on all cases for the coefficients, and a
/// bootstrap interval of the AUC from `bootstrap` resamples (the default is 1000; 0 for none). Returns the pooled
/// out-of-fold AUC, its interval and each case's fold, as JSON (`{"cases", "features", "auc", "auc_ci", "fold_of"}`;
/// the interval is `null` without bootstrap), so two builds and another tool can be checked against it.
pub fn ml_cv(ds: &radlearn_engine::ml::Dataset, bootstrap: usize) -> Result<String, String> {
    use radlearn_engine::ml::eval::{cross_validate, CvOptions};
    use radlearn_engine::ml::model::{ModelSpec, Penalty};
    let spec = ModelSpec::Logistic { c: 1.0, penalty: Penalty::L2 }.check().map_err(|e| e.to_string())?;
    let opts = CvOptions { bootstrap, ..CvOptions::default() };
    let r = cross_validate(ds, &spec, &opts, &mut |_, _| ControlFlow::Continue(())).map_err(|e| e.to_string())?;
    let ci = if r.auc_ci.iter().all(|v| v.is_finite()) { format!("[{}, {}]", r.auc_ci[0], r.auc_ci[1]) } else { "null".into() };
    let folds: Vec<String> = r.fold_of.iter().map(usize::to_string).collect();
    Ok(format!(
        "{{\"cases\": {}, \"features\": {}, \"auc\": {}, \"auc_ci\": {ci}, \"fold_of\": [{}]}}",
        ds.len(),
        ds.feature_names.len(),
        r.auc,
        folds.join(", ")
    ))
}

/// A feature table read once, for JavaScript: `new MlTable(csvText)`, then `table.cv(bootstrap)` ([`ml_cv`]), so
/// the browser times the cross-validation apart from reading the table.
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub struct MlTable(radlearn_engine::ml::Dataset);

#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen]
impl MlTable {
    /// Reads the table ([`ml_dataset`]).
    #[wasm_bindgen::prelude::wasm_bindgen(constructor)]
    pub fn new(csv: &str) -> Result<MlTable, String> {
        ml_dataset(csv).map(MlTable)
    }

    /// [`ml_cv`] on this table.
    pub fn cv(&self, bootstrap: usize) -> Result<String, String> {
        ml_cv(&self.0, bootstrap)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ml_table_is_seeded_and_survives_its_csv() -> Result<(), String> {
        let ds = ml_table(40, 12, 7);
        assert_eq!(ds, ml_table(40, 12, 7));
        assert_ne!(ds.x, ml_table(40, 12, 8).x);
        assert_eq!(ds.y.iter().filter(|&&y| y).count(), 20);
        let back = ml_dataset(&radlearn_engine::ml::table::to_csv(&ds))?;
        assert_eq!((back.x, back.y, back.feature_names), (ds.x, ds.y, ds.feature_names));
        Ok(())
    }

    #[test]
    fn the_cross_validation_finds_the_signal() -> Result<(), String> {
        let json = ml_cv(&ml_table(200, 100, 1), 50)?;
        let auc = json.split("\"auc\": ").nth(1).and_then(|s| s.split(',').next()).and_then(|s| s.parse::<f64>().ok());
        assert!(auc.is_some_and(|a| a > 0.65), "{json}");
        assert!(json.contains("\"fold_of\": [") && !json.contains("null"), "{json}");
        assert!(ml_cv(&ml_table(200, 100, 1), 0)?.contains("\"auc_ci\": null"));
        Ok(())
    }
}
