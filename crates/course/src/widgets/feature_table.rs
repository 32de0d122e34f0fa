//! The `feature-table` widget: the radiomics features of a sample dataset's ROI, optionally with a graded question.

use serde::{Deserialize, Serialize};

#[cfg(feature = "render")]
use super::{dataset_ids, WIDGETS};

/// The built-in feature configurations of `radlearn_engine::radiomics::config::BUILTINS` (a test keeps both lists equal).
pub const FEATURE_CONFIGS: &[&str] = &["default", "ibsi-A", "ibsi-B", "ibsi-C", "ibsi-D", "ibsi-E", "digital-phantom"];

/// Parameters of the `feature-table` widget.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureTableParams {
    /// Id of a sample dataset (`static/data/datasets.json`).
    pub dataset: String,
    /// Built-in configuration chosen first.
    pub config: String,
    /// Whether the student may pick another configuration.
    pub choose_config: bool,
    /// A graded question on one feature.
    pub check: Option<FeatureCheck>,
}

/// A graded question of the `feature-table` widget.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureCheck {
    /// Key of the saved answer (unique in the lesson, like quiz ids).
    pub id: String,
    /// IBSI feature code, e.g. `"Q4ZT"`.
    pub feature: String,
    /// IBSI aggregation code for texture features, e.g. `"IAZD"`.
    pub aggregation: Option<String>,
    /// The question; the student types the value. `None`: the computed value itself is checked against `expected`.
    pub question: Option<String>,
    /// The expected value; `None`: the value the engine computes (the student must find it in the table).
    pub expected: Option<f64>,
    /// Absolute tolerance; `None`: 1% of the expected value.
    pub tolerance: Option<f64>,
}

impl FeatureCheck {
    /// The answer and absolute tolerance, given the value the engine computed.
    pub fn answer(&self, computed: f64) -> (f64, f64) {
        let answer = self.expected.unwrap_or(computed);
        (answer, self.tolerance.unwrap_or(0.01 * answer.abs()))
    }
}

/// Checks the parameters of `feature-table`.
#[cfg(feature = "render")]
pub(super) fn check(params: &toml::Table) -> Result<FeatureTableParams, String> {
    let info = &WIDGETS[1];
    let string = |key: &str| -> Result<Option<String>, String> {
        match params.get(key) {
            None => Ok(None),
            Some(toml::Value::String(s)) => Ok(Some(s.trim().to_string())),
            Some(other) => Err(format!("`{key}` has the wrong type ({}); expected a string", other.type_str())),
        }
    };
    let number = |key: &str| -> Result<Option<f64>, String> {
        match params.get(key) {
            None => Ok(None),
            Some(toml::Value::Float(x)) if x.is_finite() => Ok(Some(*x)),
            Some(toml::Value::Integer(i)) => Ok(Some(*i as f64)),
            Some(other) => Err(format!("`{key}` must be a finite number, not {other}")),
        }
    };
    for key in params.keys() {
        let known = ["dataset", "config", "choose_config", "id", "feature", "aggregation", "question", "expected", "tolerance"];
        if !known.contains(&key.as_str()) {
            return Err(format!("unknown parameter `{key}` for widget `feature-table`; it takes {}", info.params));
        }
    }
    let ids = dataset_ids();
    let quoted = |names: &mut dyn Iterator<Item = &str>| names.map(|n| format!("\"{n}\"")).collect::<Vec<_>>().join(", ");
    let dataset = match string("dataset")? {
        Some(d) if ids.contains(&d) => d,
        Some(d) => {
            return Err(format!(
                "`dataset`: there is no sample dataset \"{d}\"; use one of {}",
                quoted(&mut ids.iter().map(String::as_str))
            ))
        }
        None => return Err(format!("`dataset` is missing; use one of {}", quoted(&mut ids.iter().map(String::as_str)))),
    };
    let config = match string("config")? {
        None => "default".to_string(),
        Some(c) if FEATURE_CONFIGS.contains(&c.as_str()) => c,
        Some(c) => {
            return Err(format!(
                "`config`: there is no built-in configuration \"{c}\"; use one of {}",
                quoted(&mut FEATURE_CONFIGS.iter().copied())
            ))
        }
    };
    let choose_config = match params.get("choose_config") {
        None => true,
        Some(toml::Value::Boolean(b)) => *b,
        Some(other) => return Err(format!("`choose_config` has the wrong type ({}); expected true or false", other.type_str())),
    };
    let (id, feature, aggregation, question) = (string("id")?, string("feature")?, string("aggregation")?, string("question")?);
    let (expected, tolerance) = (number("expected")?, number("tolerance")?);
    let check = match feature {
        None => {
            if let Some(key) = ["id", "aggregation", "question", "expected", "tolerance"].iter().find(|k| params.contains_key(**k)) {
                return Err(format!("`{key}` needs `feature`, the IBSI code of the feature to ask about"));
            }
            None
        }
        Some(feature) => {
            if !is_code(&feature) {
                return Err(format!("`feature`: \"{feature}\" is not an IBSI code (four capital letters or digits, e.g. \"Q4ZT\")"));
            }
            if let Some(a) = aggregation.as_deref().filter(|a| !is_code(a)) {
                return Err(format!("`aggregation`: \"{a}\" is not an IBSI code (four capital letters or digits, e.g. \"IAZD\")"));
            }
            let id = match id {
                Some(id) if !id.is_empty() && id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') => id,
                Some(_) => return Err("`id` must be lowercase letters, digits and dashes (saved answers are keyed by it)".into()),
                None => return Err("`id` is missing: a graded question needs one (saved answers are keyed by it)".into()),
            };
            if question.as_deref().is_some_and(str::is_empty) {
                return Err("`question` is empty".into());
            }
            if question.is_none() && expected.is_none() {
                return Err("give `question` (the student types the value) or `expected` (the computed value is checked), or both".into());
            }
            if let Some(t) = tolerance {
                if t < 0.0 {
                    return Err(format!("`tolerance` must be zero or positive, not {t}"));
                }
            }
            Some(FeatureCheck { id, feature, aggregation, question, expected, tolerance })
        }
    };
    Ok(FeatureTableParams { dataset, config, choose_config, check })
}

#[cfg(feature = "render")]
fn is_code(s: &str) -> bool {
    s.len() == 4 && s.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

#[cfg(all(test, feature = "render"))]
mod tests {
    use super::*;
    use crate::widgets::{params::test_support::checked, WidgetParams};

    #[test]
    fn feature_configs_are_the_engines_built_ins() {
        let engine: Vec<&str> = radlearn_engine::radiomics::config::BUILTINS.iter().map(|b| b.name).collect();
        assert_eq!(FEATURE_CONFIGS, engine.as_slice());
    }

    #[test]
    fn feature_table_defaults_and_a_graded_question() {
        let p = feature_table("dataset = \"ibsi-digital-phantom\"").unwrap();
        assert_eq!(
            (p.dataset.as_str(), p.config.as_str(), p.choose_config, p.check.is_none()),
            ("ibsi-digital-phantom", "default", true, true)
        );
        let p = feature_table(
            "dataset = \"ibsi-ct-phantom\"\nconfig = \"ibsi-B\"\nchoose_config = false\nid = \"gtv-mean\"\nfeature = \"Q4ZT\"\nquestion = \"Mean?\"\ntolerance = 2",
        )
        .unwrap();
        assert_eq!((p.config.as_str(), p.choose_config), ("ibsi-B", false));
        let c = p.check.unwrap();
        assert_eq!(
            (c.id.as_str(), c.feature.as_str(), c.question.as_deref(), c.expected, c.tolerance),
            ("gtv-mean", "Q4ZT", Some("Mean?"), None, Some(2.0))
        );
        // Without `expected`, the answer is the computed value; without `tolerance`, 1% of it.
        assert_eq!(c.answer(-47.5), (-47.5, 2.0));
        let p = feature_table("dataset = \"ibsi-digital-phantom\"\nid = \"vol\"\nfeature = \"RNU0\"\nexpected = 556").unwrap();
        let c = p.check.unwrap();
        assert_eq!((c.expected, c.question.is_none()), (Some(556.0), true));
        let (answer, tolerance) = c.answer(1.0);
        assert_eq!(answer, 556.0);
        assert!((tolerance - 5.56).abs() < 1e-9, "{tolerance}");
    }

    #[test]
    fn feature_table_authoring_errors_name_the_field() {
        let cases = [
            ("", "`dataset` is missing"),
            ("dataset = \"lung1\"", "no sample dataset \"lung1\""),
            ("dataset = 3", "`dataset` has the wrong type"),
            ("dataset = \"ibsi-ct-phantom\"\nconfig = \"ibsi-F\"", "no built-in configuration \"ibsi-F\""),
            ("dataset = \"ibsi-ct-phantom\"\nchoose_config = \"yes\"", "`choose_config` has the wrong type"),
            ("dataset = \"ibsi-ct-phantom\"\nbins = 32", "unknown parameter `bins`"),
            ("dataset = \"ibsi-ct-phantom\"\nexpected = 3", "`expected` needs `feature`"),
            ("dataset = \"ibsi-ct-phantom\"\nid = \"a\"\nfeature = \"volume\"\nexpected = 3", "not an IBSI code"),
            ("dataset = \"ibsi-ct-phantom\"\nid = \"a\"\nfeature = \"RNU0\"\naggregation = \"3d\"\nexpected = 3", "`aggregation`"),
            ("dataset = \"ibsi-ct-phantom\"\nfeature = \"RNU0\"\nexpected = 3", "`id` is missing"),
            ("dataset = \"ibsi-ct-phantom\"\nid = \"Mean HU\"\nfeature = \"RNU0\"\nexpected = 3", "`id` must be lowercase"),
            ("dataset = \"ibsi-ct-phantom\"\nid = \"a\"\nfeature = \"RNU0\"", "give `question`"),
            ("dataset = \"ibsi-ct-phantom\"\nid = \"a\"\nfeature = \"RNU0\"\nquestion = \" \"", "`question` is empty"),
            (
                "dataset = \"ibsi-ct-phantom\"\nid = \"a\"\nfeature = \"RNU0\"\nexpected = 3\ntolerance = -1",
                "`tolerance` must be zero or positive",
            ),
            ("dataset = \"ibsi-ct-phantom\"\nid = \"a\"\nfeature = \"RNU0\"\nexpected = \"3\"", "`expected` must be a finite number"),
            ("dataset = \"ibsi-ct-phantom\"\nid = \"a\"\nfeature = \"RNU0\"\nexpected = nan", "`expected` must be a finite number"),
        ];
        for (toml, want) in cases {
            let e = feature_table(toml).unwrap_err();
            assert!(e.contains(want), "{toml:?}: {e}");
        }
    }

    fn feature_table(s: &str) -> Result<FeatureTableParams, String> {
        checked("feature-table", s, |p| if let WidgetParams::FeatureTable(p) = p { Some(p) } else { None })
    }
}
