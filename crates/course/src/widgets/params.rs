//! The readers of exercise parameters that several widgets share: TOML values checked into typed ones, with
//! messages that name the key.

use radlearn_spec::cohort::{CohortSpec, MAX_CASES, MAX_SIGNAL, MAX_SITES, MAX_SITE_EFFECT, MIN_CASES};

use super::window_level::{window_preset, WINDOW_PRESETS};
use super::{dataset_ids, WidgetInfo};

pub(super) fn preset_names() -> String {
    WINDOW_PRESETS.iter().map(|(n, _, _)| format!("\"{n}\"")).collect::<Vec<_>>().join(", ")
}

pub(super) fn check_preset(name: &str, field: &str) -> Result<String, String> {
    if window_preset(name).is_some() {
        Ok(name.to_string())
    } else {
        Err(format!("`{field}`: unknown preset \"{name}\"; use one of {}", preset_names()))
    }
}

/// Refuses keys not in `known`, naming the widget and what it takes.
pub(super) fn known_keys(params: &toml::Table, known: &[&str], info: &WidgetInfo) -> Result<(), String> {
    match params.keys().find(|k| !known.contains(&k.as_str())) {
        Some(key) => Err(format!("unknown parameter `{key}` for widget `{}`; it takes {}", info.name, info.params)),
        None => Ok(()),
    }
}

pub(super) fn quoted_list<'a>(names: impl Iterator<Item = &'a str>) -> String {
    names.map(|n| format!("\"{n}\"")).collect::<Vec<_>>().join(", ")
}

/// `dataset`: required, an id of `static/data/datasets.json`.
pub(super) fn check_dataset(params: &toml::Table) -> Result<String, String> {
    let ids = dataset_ids();
    match params.get("dataset") {
        Some(toml::Value::String(d)) if ids.contains(&d.trim().to_string()) => Ok(d.trim().to_string()),
        Some(toml::Value::String(d)) => {
            Err(format!("`dataset`: there is no sample dataset \"{d}\"; use one of {}", quoted_list(ids.iter().map(String::as_str))))
        }
        Some(other) => Err(format!("`dataset` has the wrong type ({}); expected a string", other.type_str())),
        None => Err(format!("`dataset` is missing; use one of {}", quoted_list(ids.iter().map(String::as_str)))),
    }
}

/// `preset`: optional, a window preset name.
pub(super) fn check_optional_preset(params: &toml::Table) -> Result<Option<String>, String> {
    match params.get("preset") {
        None => Ok(None),
        Some(toml::Value::String(s)) => check_preset(s.trim(), "preset").map(Some),
        Some(other) => Err(format!("`preset` has the wrong type ({}); expected a string, one of {}", other.type_str(), preset_names())),
    }
}

/// `slice`: optional, an axial voxel index from 0.
pub(super) fn check_slice(params: &toml::Table) -> Result<Option<usize>, String> {
    match params.get("slice") {
        None => Ok(None),
        Some(toml::Value::Integer(i)) => {
            usize::try_from(*i).map(Some).map_err(|_| format!("`slice` must be an axial voxel index, 0 or more (the readout's z), not {i}"))
        }
        Some(other) => Err(format!("`slice` must be a whole number (the axial voxel index z, from 0), not {other}")),
    }
}

pub(super) fn check_id(id: &str) -> Result<String, String> {
    let id = id.trim();
    if !id.is_empty() && id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') {
        Ok(id.to_string())
    } else {
        Err("`id` must be lowercase letters, digits and dashes (saved answers are keyed by it)".into())
    }
}

/// The keys of the cohort settings, shared by `model-lab` and `pca-explorer`.
pub(super) const COHORT_KEYS: &[&str] = &["cases", "seed", "signal", "sites", "site_label_correlation", "site_effect", "prevalence"];

/// An optional whole number from `lo` to `hi`.
pub(super) fn whole(params: &toml::Table, key: &str, lo: i64, hi: i64, default: i64) -> Result<i64, String> {
    match params.get(key) {
        None => Ok(default),
        Some(toml::Value::Integer(i)) if (lo..=hi).contains(i) => Ok(*i),
        Some(other) => Err(format!("`{key}` must be a whole number from {lo} to {hi} (default {default}), not {other}")),
    }
}

/// An optional finite number from `lo` to `hi`, both ends included unless `open`.
pub(super) fn number_in(params: &toml::Table, key: &str, (lo, hi): (f64, f64), open: bool, default: f64) -> Result<f64, String> {
    let x = match params.get(key) {
        None => return Ok(default),
        Some(toml::Value::Float(x)) => *x,
        Some(toml::Value::Integer(i)) => *i as f64,
        Some(other) => return Err(format!("`{key}` must be a number from {lo} to {hi} (default {default}), not {other}")),
    };
    let inside = if open { x > lo && x < hi } else { (lo..=hi).contains(&x) };
    if inside {
        Ok(x)
    } else if open {
        Err(format!("`{key}` must be a number strictly between {lo} and {hi} (default {default}), not {x}"))
    } else {
        Err(format!("`{key}` must be a number from {lo} to {hi} (default {default}), not {x}"))
    }
}

/// An optional boolean.
pub(super) fn boolean(params: &toml::Table, key: &str, default: bool) -> Result<bool, String> {
    match params.get(key) {
        None => Ok(default),
        Some(toml::Value::Boolean(b)) => Ok(*b),
        Some(other) => Err(format!("`{key}` has the wrong type ({}); expected true or false", other.type_str())),
    }
}

/// An optional string, trimmed.
pub(super) fn string(params: &toml::Table, key: &str) -> Result<Option<String>, String> {
    match params.get(key) {
        None => Ok(None),
        Some(toml::Value::String(s)) => Ok(Some(s.trim().to_string())),
        Some(other) => Err(format!("`{key}` has the wrong type ({}); expected a string", other.type_str())),
    }
}

/// An optional name among `names`.
pub(super) fn one_of(params: &toml::Table, key: &str, names: &[&str], what: &str) -> Result<Option<String>, String> {
    match string(params, key) {
        Ok(Some(s)) if names.contains(&s.as_str()) => Ok(Some(s)),
        Ok(Some(s)) => Err(format!("`{key}`: there is no {what} \"{s}\"; use one of {}", quoted_list(names.iter().copied()))),
        Ok(None) => Ok(None),
        Err(_) => Err(format!("`{key}` has the wrong type; expected a string, one of {}", quoted_list(names.iter().copied()))),
    }
}

/// The cohort settings of `model-lab` and `pca-explorer`.
pub(super) fn check_cohort(params: &toml::Table) -> Result<CohortSpec, String> {
    let d = CohortSpec::default();
    let cohort = CohortSpec {
        cases: whole(params, "cases", MIN_CASES as i64, MAX_CASES as i64, d.cases as i64)? as usize,
        seed: whole(params, "seed", 0, i64::MAX, d.seed as i64)? as u64,
        signal: number_in(params, "signal", (0.0, MAX_SIGNAL), false, d.signal)?,
        sites: whole(params, "sites", 1, MAX_SITES as i64, d.sites as i64)? as usize,
        site_label_correlation: number_in(params, "site_label_correlation", (0.0, 1.0), false, d.site_label_correlation)?,
        site_effect: number_in(params, "site_effect", (0.0, MAX_SITE_EFFECT), false, d.site_effect)?,
        prevalence: number_in(params, "prevalence", (0.0, 1.0), true, d.prevalence)?,
    };
    if cohort.sites == 1 && cohort.site_label_correlation > 0.0 {
        return Err("`site_label_correlation` needs at least 2 `sites`: with one site, the site cannot predict the label".into());
    }
    // The generator's own check (e.g. each class needs 2 cases), so that a lesson never asks for a cohort the
    // app cannot make.
    let cohort = cohort.check().map_err(|e| format!("the cohort: {e}"))?;
    Ok(cohort.spec().clone())
}

#[cfg(test)]
pub(super) mod test_support {
    use super::super::{check_widget, WidgetParams};

    pub fn table(s: &str) -> toml::Table {
        s.parse().expect("test TOML")
    }

    /// Checks `s` as the parameters of `widget` and takes them out of the [`WidgetParams`] with `pick`; another
    /// widget's parameters fail the test.
    pub fn checked<T>(widget: &str, s: &str, pick: fn(WidgetParams) -> Option<T>) -> Result<T, String> {
        check_widget(widget, &table(s)).map(|p| {
            let shown = format!("{p:?}");
            pick(p).unwrap_or_else(|| panic!("{shown}"))
        })
    }
}
