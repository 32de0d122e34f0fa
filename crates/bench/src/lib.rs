//! The feature extraction that the wasm-against-native benchmark times: the same function, from file bytes to
//! feature values, compiled natively (`radlearn-bench features`) and to wasm32 (`tests/bench/wasm_features.mjs`
//! calls [`extract_features`] in headless Chromium). Likewise for a synthetic cohort: [`cohort_from_spec`] natively
//! (`radlearn-bench cohort`) and as `extractCohort` in Chromium (`tests/bench/wasm_cohort.mjs`).

use std::ops::ControlFlow;

use radlearn_engine::config::FeatureConfig;
use radlearn_engine::error::LoadOptions;
use radlearn_engine::load::load;
use radlearn_engine::radiomics::extract;
use radlearn_engine::volume::LabelMap;

/// Reads an image and a mask (any format the engine reads, told apart by content and file name), checks the
/// configuration (TOML) and extracts the features of the mask's lowest non-zero label, on one thread. Returns the
/// number of feature values.
pub fn features_from_bytes(image: &[u8], image_name: &str, mask: &[u8], mask_name: &str, config: &str) -> Result<usize, String> {
    let opts = LoadOptions::default();
    let img = load(image, image_name, &opts).map_err(|e| format!("{image_name}: {e}"))?;
    let m = LabelMap::from_volume(&load(mask, mask_name, &opts).map_err(|e| format!("{mask_name}: {e}"))?);
    let label = m.data.iter().copied().filter(|&l| l != 0).min().ok_or_else(|| format!("{mask_name}: the mask is empty"))?;
    let cfg = FeatureConfig::from_toml(config).and_then(FeatureConfig::check).map_err(|e| e.to_string())?;
    let values = extract(&img, &m, label, &cfg, &mut |_| ControlFlow::Continue(())).map_err(|e| e.to_string())?;
    Ok(values.len())
}

/// Milliseconds spent in each step of the extraction (reading, processing, then each feature family in order),
/// measured between progress reports on one thread: where the time goes.
#[cfg(not(target_arch = "wasm32"))]
pub fn family_times(image: &[u8], image_name: &str, mask: &[u8], mask_name: &str, config: &str) -> Result<Vec<(String, f64)>, String> {
    use std::time::Instant;
    let opts = LoadOptions::default();
    let t = Instant::now();
    let img = load(image, image_name, &opts).map_err(|e| format!("{image_name}: {e}"))?;
    let m = LabelMap::from_volume(&load(mask, mask_name, &opts).map_err(|e| format!("{mask_name}: {e}"))?);
    let mut steps = vec![("reading".to_string(), t.elapsed().as_secs_f64() * 1000.0)];
    let label = m.data.iter().copied().filter(|&l| l != 0).min().ok_or_else(|| format!("{mask_name}: the mask is empty"))?;
    let cfg = FeatureConfig::from_toml(config).and_then(FeatureConfig::check).map_err(|e| e.to_string())?;
    let mut last = (String::from("processing and discretisation"), Instant::now());
    extract(&img, &m, label, &cfg, &mut |p| {
        let name = p.family.name().to_string();
        if name != last.0 || p.done == p.total {
            steps.push((std::mem::replace(&mut last.0, name), last.1.elapsed().as_secs_f64() * 1000.0));
            last.1 = Instant::now();
        }
        ControlFlow::Continue(())
    })
    .map_err(|e| e.to_string())?;
    Ok(steps)
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
    use radlearn_engine::cohort::{extraction_config, generate, CohortSpec};
    let spec = CohortSpec { cases, seed, ..CohortSpec::default() };
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
