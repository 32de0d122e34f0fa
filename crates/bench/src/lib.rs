//! The feature extraction that the wasm-against-native benchmark times: the same function, from file bytes to
//! feature values, compiled natively (`radlearn-bench features`) and to wasm32 (`tests/bench/wasm_features.mjs`
//! calls [`extract_features`] in headless Chromium).

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
