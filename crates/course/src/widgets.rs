//! The registry of exercise widgets that lessons can embed with an `exercise` block.
//!
//! The registry lives here, not in the app, so that `radlearn lessons check` validates
//! parameters natively with the same rules the browser uses. Each widget's parameters are
//! checked once into a typed value; the app only ever sees the checked form.

use serde::{Deserialize, Serialize};

/// Window/level presets: (name, centre, width) in HU. Typical values; institutions vary.
pub const WINDOW_PRESETS: &[(&str, f32, f32)] =
    &[("lung", -600.0, 1500.0), ("mediastinum", 50.0, 350.0), ("soft-tissue", 40.0, 400.0), ("bone", 400.0, 1800.0), ("brain", 40.0, 80.0)];

/// What a widget is called and what it takes, for authors and error messages.
pub struct WidgetInfo {
    pub name: &'static str,
    pub summary: &'static str,
    pub params: &'static str,
}

/// Every widget a lesson can use.
pub const WIDGETS: &[WidgetInfo] = &[
    WidgetInfo {
        name: "window-level",
        summary: "Interactive window/level on a synthetic CT chest slice, with presets and the histogram.",
        params:
            "preset = \"lung\"|\"mediastinum\"|\"soft-tissue\"|\"bone\"|\"brain\"; presets = [..]; histogram = true|false; caption = \"..\"",
    },
    WidgetInfo {
        name: "feature-table",
        summary: "Radiomics features of a sample dataset's ROI, computed in the browser (in a worker) and shown by family, \
                  with CSV/JSON export; optionally a graded question on one feature.",
        params: "dataset = \"<id in static/data/datasets.json>\"; config = \"default\"|\"ibsi-A\"…\"ibsi-E\"|\"digital-phantom\"; \
                 choose_config = true|false; and to grade: id = \"..\", feature = \"<IBSI code>\", aggregation = \"<IBSI code>\", \
                 question = \"..\" (the student types the value) and/or expected = <number> (without question: the computed \
                 value is checked), tolerance = <number>; caption = \"..\"",
    },
    WidgetInfo {
        name: "image-viewer",
        summary: "The Image Lab's multiplanar viewer on a sample dataset, downloaded when the student opens it.",
        params: "dataset = \"<id in static/data/datasets.json>\"; preset = \"lung\"|\"mediastinum\"|\"soft-tissue\"|\"bone\"|\"brain\"; \
                 mask = true|false (show the reference mask); slice = <axial voxel index z, from 0>; caption = \"..\"",
    },
    WidgetInfo {
        name: "segmentation",
        summary: "The Image Lab's segmentation task on a sample dataset: the student segments with the allowed tools and sees \
                  the Dice against a reference label; optionally graded (Dice at least a target), saved like a quiz answer.",
        params: "dataset = \"<id in static/data/datasets.json>\"; preset = \"lung\"|..; tools = [\"threshold\", \"otsu\", \
                 \"region-growing\", \"brush\", \"eraser\", \"fill-holes\", \"largest-component\"] (default: all); \
                 reference_label = <label value, default 1>; slice = <axial voxel index z, from 0>; and to grade: id = \"..\", \
                 target_dice = <0..1>; caption = \"..\"",
    },
];

/// The tools a `segmentation` exercise can allow, in the order the panel shows them.
pub const SEGMENTATION_TOOLS: &[&str] = &["threshold", "otsu", "region-growing", "brush", "eraser", "fill-holes", "largest-component"];

/// The built-in feature configurations of `radlearn_engine::config::BUILTINS` (a test keeps both lists equal).
pub const FEATURE_CONFIGS: &[&str] = &["default", "ibsi-A", "ibsi-B", "ibsi-C", "ibsi-D", "ibsi-E", "digital-phantom"];

/// The sample datasets' list (the app shows the same file).
const DATASETS_JSON: &str = include_str!("../../../static/data/datasets.json");

/// Ids of the sample datasets under `static/data` (empty if the list cannot be read).
pub fn dataset_ids() -> Vec<String> {
    #[derive(Deserialize)]
    struct Entry {
        id: String,
    }
    #[derive(Deserialize)]
    struct List {
        datasets: Vec<Entry>,
    }
    serde_json::from_str::<List>(DATASETS_JSON).map(|l| l.datasets.into_iter().map(|d| d.id).collect()).unwrap_or_default()
}

/// The label values of a sample dataset's mask: `None` if there is no such dataset, an empty list if it has no mask.
pub fn dataset_labels(id: &str) -> Option<Vec<u8>> {
    #[derive(Deserialize)]
    struct Label {
        value: u8,
    }
    #[derive(Deserialize)]
    struct Entry {
        id: String,
        #[serde(default)]
        mask: Option<String>,
        #[serde(default)]
        labels: Vec<Label>,
    }
    #[derive(Deserialize)]
    struct List {
        datasets: Vec<Entry>,
    }
    let list = serde_json::from_str::<List>(DATASETS_JSON).ok()?;
    let d = list.datasets.into_iter().find(|d| d.id == id)?;
    Some(if d.mask.is_some() { d.labels.into_iter().map(|l| l.value).collect() } else { Vec::new() })
}

/// Checked parameters of a widget.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "widget", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum WidgetParams {
    WindowLevel(WindowLevelParams),
    FeatureTable(FeatureTableParams),
    ImageViewer(ImageViewerParams),
    Segmentation(SegmentationParams),
}

impl WidgetParams {
    /// The id under which the widget saves a graded answer (it shares the lesson's quiz ids), if it is graded.
    pub fn graded_id(&self) -> Option<&str> {
        match self {
            WidgetParams::FeatureTable(p) => p.check.as_ref().map(|c| c.id.as_str()),
            WidgetParams::Segmentation(p) => p.check.as_ref().map(|c| c.id.as_str()),
            WidgetParams::WindowLevel(_) | WidgetParams::ImageViewer(_) => None,
        }
    }
}

/// Parameters of the `image-viewer` widget.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImageViewerParams {
    /// Id of a sample dataset (`static/data/datasets.json`).
    pub dataset: String,
    /// Window preset applied first; `None`: the viewer's automatic window.
    pub preset: Option<String>,
    /// Whether the reference mask is drawn.
    pub mask: bool,
    /// Axial slice shown first (voxel index z, from 0); `None`: the middle one.
    pub slice: Option<usize>,
}

/// Parameters of the `segmentation` widget.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentationParams {
    /// Id of a sample dataset (`static/data/datasets.json`) that has a reference mask.
    pub dataset: String,
    /// Window preset applied first; `None`: the viewer's automatic window.
    pub preset: Option<String>,
    /// Allowed tools, names of [`SEGMENTATION_TOOLS`] in its order.
    pub tools: Vec<String>,
    /// The reference's label the student's mask is compared with.
    pub reference_label: u8,
    /// Axial slice shown first (voxel index z, from 0); `None`: the middle one.
    pub slice: Option<usize>,
    /// The grading, if any.
    pub check: Option<SegmentationCheck>,
}

impl SegmentationParams {
    /// Whether the student may use `tool` (a name of [`SEGMENTATION_TOOLS`]).
    pub fn allows(&self, tool: &str) -> bool {
        self.tools.iter().any(|t| t == tool)
    }
}

/// The grading of a `segmentation` exercise: the Dice against the reference label must reach a target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentationCheck {
    /// Key of the saved result (unique in the lesson, like quiz ids).
    pub id: String,
    /// The lowest Dice that passes, in `[0, 1]`.
    pub target_dice: f64,
}

impl SegmentationCheck {
    /// The check as a numeric quiz whose answer is the Dice: correct from `target_dice` to 1 (a Dice is never above 1).
    pub fn quiz(&self) -> crate::Quiz {
        crate::Quiz {
            id: self.id.clone(),
            question: String::new(),
            explanation: String::new(),
            kind: crate::QuizKind::Numeric {
                answer: (1.0 + self.target_dice) / 2.0,
                tolerance: (1.0 - self.target_dice) / 2.0,
                unit: None,
            },
        }
    }
}

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

/// Parameters of the `window-level` widget.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WindowLevelParams {
    /// Preset applied first.
    pub preset: String,
    /// Preset buttons shown, in order.
    pub presets: Vec<String>,
    /// Whether the histogram is drawn.
    pub histogram: bool,
}

/// Looks up a preset's (centre, width).
pub fn window_preset(name: &str) -> Option<(f32, f32)> {
    WINDOW_PRESETS.iter().find(|(n, _, _)| *n == name).map(|&(_, c, w)| (c, w))
}

#[cfg(feature = "render")]
pub use check::check_widget;

#[cfg(feature = "render")]
mod check {
    use super::*;

    fn preset_names() -> String {
        WINDOW_PRESETS.iter().map(|(n, _, _)| format!("\"{n}\"")).collect::<Vec<_>>().join(", ")
    }

    fn check_preset(name: &str, field: &str) -> Result<String, String> {
        if window_preset(name).is_some() {
            Ok(name.to_string())
        } else {
            Err(format!("`{field}`: unknown preset \"{name}\"; use one of {}", preset_names()))
        }
    }

    /// Checks a widget's parameters (the exercise block's TOML without `widget` and `caption`).
    pub fn check_widget(widget: &str, params: &toml::Table) -> Result<WidgetParams, String> {
        match widget {
            "window-level" => {
                let mut p = WindowLevelParams {
                    preset: "soft-tissue".into(),
                    presets: WINDOW_PRESETS.iter().map(|(n, _, _)| n.to_string()).collect(),
                    histogram: true,
                };
                for (key, value) in params {
                    match (key.as_str(), value) {
                        ("preset", toml::Value::String(s)) => p.preset = check_preset(s, "preset")?,
                        ("presets", toml::Value::Array(items)) => {
                            p.presets = items
                                .iter()
                                .map(|v| match v {
                                    toml::Value::String(s) => check_preset(s, "presets"),
                                    other => Err(format!("`presets`: expected preset names as strings, found {other}")),
                                })
                                .collect::<Result<_, _>>()?;
                            if p.presets.is_empty() {
                                return Err("`presets` is empty; list at least one preset or leave the key out".into());
                            }
                        }
                        ("histogram", toml::Value::Boolean(b)) => p.histogram = *b,
                        ("preset" | "presets" | "histogram", other) => {
                            return Err(format!("`{key}` has the wrong type ({}); expected {}", other.type_str(), WIDGETS[0].params))
                        }
                        _ => return Err(format!("unknown parameter `{key}` for widget `window-level`; it takes {}", WIDGETS[0].params)),
                    }
                }
                Ok(WidgetParams::WindowLevel(p))
            }
            "feature-table" => check_feature_table(params).map(WidgetParams::FeatureTable),
            "image-viewer" => check_image_viewer(params).map(WidgetParams::ImageViewer),
            "segmentation" => check_segmentation(params).map(WidgetParams::Segmentation),
            other => {
                let known = WIDGETS.iter().map(|w| format!("`{}`", w.name)).collect::<Vec<_>>().join(", ");
                Err(format!("unknown widget `{other}`; the widgets that exist are {known}"))
            }
        }
    }

    /// Refuses keys not in `known`, naming the widget and what it takes.
    fn known_keys(params: &toml::Table, known: &[&str], info: &WidgetInfo) -> Result<(), String> {
        match params.keys().find(|k| !known.contains(&k.as_str())) {
            Some(key) => Err(format!("unknown parameter `{key}` for widget `{}`; it takes {}", info.name, info.params)),
            None => Ok(()),
        }
    }

    fn quoted_list<'a>(names: impl Iterator<Item = &'a str>) -> String {
        names.map(|n| format!("\"{n}\"")).collect::<Vec<_>>().join(", ")
    }

    /// `dataset`: required, an id of `static/data/datasets.json`.
    fn check_dataset(params: &toml::Table) -> Result<String, String> {
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
    fn check_optional_preset(params: &toml::Table) -> Result<Option<String>, String> {
        match params.get("preset") {
            None => Ok(None),
            Some(toml::Value::String(s)) => check_preset(s.trim(), "preset").map(Some),
            Some(other) => Err(format!("`preset` has the wrong type ({}); expected a string, one of {}", other.type_str(), preset_names())),
        }
    }

    /// `slice`: optional, an axial voxel index from 0.
    fn check_slice(params: &toml::Table) -> Result<Option<usize>, String> {
        match params.get("slice") {
            None => Ok(None),
            Some(toml::Value::Integer(i)) => usize::try_from(*i)
                .map(Some)
                .map_err(|_| format!("`slice` must be an axial voxel index, 0 or more (the readout's z), not {i}")),
            Some(other) => Err(format!("`slice` must be a whole number (the axial voxel index z, from 0), not {other}")),
        }
    }

    fn check_id(id: &str) -> Result<String, String> {
        let id = id.trim();
        if !id.is_empty() && id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') {
            Ok(id.to_string())
        } else {
            Err("`id` must be lowercase letters, digits and dashes (saved answers are keyed by it)".into())
        }
    }

    fn check_image_viewer(params: &toml::Table) -> Result<ImageViewerParams, String> {
        known_keys(params, &["dataset", "preset", "mask", "slice"], &WIDGETS[2])?;
        let dataset = check_dataset(params)?;
        let mask = match params.get("mask") {
            None => true,
            Some(toml::Value::Boolean(b)) => *b,
            Some(other) => return Err(format!("`mask` has the wrong type ({}); expected true or false", other.type_str())),
        };
        Ok(ImageViewerParams { dataset, preset: check_optional_preset(params)?, mask, slice: check_slice(params)? })
    }

    fn check_segmentation(params: &toml::Table) -> Result<SegmentationParams, String> {
        known_keys(params, &["dataset", "preset", "tools", "reference_label", "slice", "id", "target_dice"], &WIDGETS[3])?;
        let dataset = check_dataset(params)?;
        let labels = dataset_labels(&dataset).unwrap_or_default();
        if labels.is_empty() {
            return Err(format!("`dataset`: the sample \"{dataset}\" has no reference mask to compare a segmentation with"));
        }
        let tools = match params.get("tools") {
            None => SEGMENTATION_TOOLS.iter().map(|t| t.to_string()).collect(),
            Some(toml::Value::Array(items)) => {
                let mut names = Vec::new();
                for item in items {
                    match item {
                        toml::Value::String(t) if SEGMENTATION_TOOLS.contains(&t.trim()) => names.push(t.trim().to_string()),
                        toml::Value::String(t) => {
                            return Err(format!(
                                "`tools`: there is no tool \"{t}\"; use some of {}",
                                quoted_list(SEGMENTATION_TOOLS.iter().copied())
                            ))
                        }
                        other => return Err(format!("`tools`: expected tool names as strings, found {other}")),
                    }
                }
                if names.is_empty() {
                    return Err("`tools` is empty; list at least one tool or leave the key out (all tools)".into());
                }
                // In the panel's order, each once.
                SEGMENTATION_TOOLS.iter().filter(|t| names.iter().any(|n| n == *t)).map(|t| t.to_string()).collect()
            }
            Some(other) => return Err(format!("`tools` has the wrong type ({}); expected a list of tool names", other.type_str())),
        };
        let reference_label = match params.get("reference_label") {
            None => 1,
            Some(toml::Value::Integer(i)) => u8::try_from(*i)
                .ok()
                .filter(|l| *l > 0)
                .ok_or_else(|| format!("`reference_label` must be a label value from 1 to 255, not {i}"))?,
            Some(other) => return Err(format!("`reference_label` must be a whole number (a label value), not {other}")),
        };
        if !labels.contains(&reference_label) {
            let list = labels.iter().map(u8::to_string).collect::<Vec<_>>().join(", ");
            return Err(format!("`reference_label`: the mask of \"{dataset}\" has no label {reference_label}; its labels are {list}"));
        }
        let id = match params.get("id") {
            None => None,
            Some(toml::Value::String(s)) => Some(check_id(s)?),
            Some(other) => return Err(format!("`id` has the wrong type ({}); expected a string", other.type_str())),
        };
        let target = match params.get("target_dice") {
            None => None,
            Some(toml::Value::Float(x)) if (0.0..=1.0).contains(x) => Some(*x),
            Some(toml::Value::Integer(i)) if (0..=1).contains(i) => Some(*i as f64),
            Some(other) => return Err(format!("`target_dice` must be a number from 0 to 1 (e.g. 0.7), not {other}")),
        };
        let check = match (id, target) {
            (Some(id), Some(target_dice)) => Some(SegmentationCheck { id, target_dice }),
            (None, None) => None,
            (Some(_), None) => return Err("`target_dice` is missing: a graded segmentation needs the Dice to reach (e.g. 0.7)".into()),
            (None, Some(_)) => return Err("`id` is missing: a graded segmentation needs one (saved results are keyed by it)".into()),
        };
        Ok(SegmentationParams {
            dataset,
            preset: check_optional_preset(params)?,
            tools,
            reference_label,
            slice: check_slice(params)?,
            check,
        })
    }

    fn is_code(s: &str) -> bool {
        s.len() == 4 && s.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    }

    fn check_feature_table(params: &toml::Table) -> Result<FeatureTableParams, String> {
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
                    return Err(
                        "give `question` (the student types the value) or `expected` (the computed value is checked), or both".into()
                    );
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

    #[cfg(test)]
    mod tests {
        use super::*;

        fn table(s: &str) -> toml::Table {
            s.parse().expect("test TOML")
        }

        fn window_level(s: &str) -> WindowLevelParams {
            match check_widget("window-level", &table(s)) {
                Ok(WidgetParams::WindowLevel(p)) => p,
                other => panic!("{other:?}"),
            }
        }

        fn feature_table(s: &str) -> Result<FeatureTableParams, String> {
            check_widget("feature-table", &table(s)).map(|p| match p {
                WidgetParams::FeatureTable(p) => p,
                other => panic!("{other:?}"),
            })
        }

        #[test]
        fn window_level_defaults_and_overrides() {
            let p = window_level("");
            assert_eq!(p.preset, "soft-tissue");
            assert_eq!(p.presets.len(), WINDOW_PRESETS.len());
            let p = window_level("preset = \"lung\"\npresets = [\"lung\", \"bone\"]\nhistogram = false");
            assert_eq!((p.preset.as_str(), p.presets.len(), p.histogram), ("lung", 2, false));
        }

        #[test]
        fn bad_parameters_name_the_field() {
            let e = check_widget("window-level", &table("preset = \"liver\"")).unwrap_err();
            assert!(e.contains("`preset`") && e.contains("liver") && e.contains("\"lung\""), "{e}");
            let e = check_widget("window-level", &table("zoom = 2")).unwrap_err();
            assert!(e.contains("unknown parameter `zoom`"), "{e}");
            let e = check_widget("window-level", &table("histogram = \"yes\"")).unwrap_err();
            assert!(e.contains("wrong type"), "{e}");
            let e = check_widget("volume-render", &table("")).unwrap_err();
            assert!(e.contains("unknown widget `volume-render`") && e.contains("`window-level`") && e.contains("`feature-table`"), "{e}");
            assert!(e.contains("`image-viewer`") && e.contains("`segmentation`"), "{e}");
        }

        fn image_viewer(s: &str) -> Result<ImageViewerParams, String> {
            check_widget("image-viewer", &table(s)).map(|p| match p {
                WidgetParams::ImageViewer(p) => p,
                other => panic!("{other:?}"),
            })
        }

        fn segmentation(s: &str) -> Result<SegmentationParams, String> {
            check_widget("segmentation", &table(s)).map(|p| match p {
                WidgetParams::Segmentation(p) => p,
                other => panic!("{other:?}"),
            })
        }

        #[test]
        fn image_viewer_defaults_and_overrides() {
            let p = image_viewer("dataset = \"ibsi-ct-phantom\"").unwrap();
            assert_eq!(p, ImageViewerParams { dataset: "ibsi-ct-phantom".into(), preset: None, mask: true, slice: None });
            let p = image_viewer("dataset = \"ibsi-ct-phantom\"\npreset = \"lung\"\nmask = false\nslice = 27").unwrap();
            assert_eq!((p.preset.as_deref(), p.mask, p.slice), (Some("lung"), false, Some(27)));
            assert_eq!(WidgetParams::ImageViewer(p).graded_id(), None);
        }

        #[test]
        fn image_viewer_authoring_errors_name_the_field() {
            let cases = [
                ("", "`dataset` is missing"),
                ("dataset = \"lung1\"", "no sample dataset \"lung1\""),
                ("dataset = 1", "`dataset` has the wrong type"),
                ("dataset = \"ibsi-ct-phantom\"\npreset = \"liver\"", "`preset`: unknown preset \"liver\""),
                ("dataset = \"ibsi-ct-phantom\"\npreset = 3", "`preset` has the wrong type"),
                ("dataset = \"ibsi-ct-phantom\"\nmask = \"yes\"", "`mask` has the wrong type"),
                ("dataset = \"ibsi-ct-phantom\"\nslice = -1", "`slice` must be an axial voxel index"),
                ("dataset = \"ibsi-ct-phantom\"\nslice = 2.5", "`slice` must be a whole number"),
                ("dataset = \"ibsi-ct-phantom\"\ntools = [\"brush\"]", "unknown parameter `tools` for widget `image-viewer`"),
            ];
            for (toml, want) in cases {
                let e = image_viewer(toml).unwrap_err();
                assert!(e.contains(want), "{toml:?}: {e}");
            }
        }

        #[test]
        fn segmentation_defaults_tools_and_grading() {
            let p = segmentation("dataset = \"ibsi-ct-phantom\"").unwrap();
            assert_eq!(p.tools, SEGMENTATION_TOOLS.iter().map(|t| t.to_string()).collect::<Vec<_>>());
            assert_eq!((p.reference_label, p.slice, p.preset.as_deref(), p.check.is_none()), (1, None, None, true));
            assert!(p.allows("largest-component") && p.allows("otsu"));
            // Tools come back in the panel's order, once each.
            let p = segmentation(
                "dataset = \"ibsi-ct-phantom\"\npreset = \"lung\"\ntools = [\"fill-holes\", \"threshold\", \"fill-holes\"]\nslice = 27\nid = \"my-gtv\"\ntarget_dice = 0.7",
            )
            .unwrap();
            assert_eq!(p.tools, ["threshold", "fill-holes"]);
            assert!(!p.allows("brush"));
            assert_eq!((p.preset.as_deref(), p.slice), (Some("lung"), Some(27)));
            let check = p.check.clone().unwrap();
            assert_eq!(check, SegmentationCheck { id: "my-gtv".into(), target_dice: 0.7 });
            assert_eq!(WidgetParams::Segmentation(p).graded_id(), Some("my-gtv"));
            // Graded as a numeric quiz: any Dice from the target to 1 passes.
            let quiz = check.quiz();
            let grade = |d: f64| quiz.grade(&crate::Response::Numeric(d)).unwrap().correct;
            assert!(grade(0.7) && grade(0.83) && grade(1.0));
            assert!(!grade(0.699) && !grade(0.0));
            let zero = SegmentationCheck { id: "a".into(), target_dice: 1.0 }.quiz();
            assert!(zero.grade(&crate::Response::Numeric(1.0)).unwrap().correct);
            assert!(!zero.grade(&crate::Response::Numeric(0.999)).unwrap().correct);
        }

        #[test]
        fn segmentation_authoring_errors_name_the_field() {
            let ct = "dataset = \"ibsi-ct-phantom\"\n";
            let cases = [
                ("".to_string(), "`dataset` is missing"),
                ("dataset = \"ct\"".into(), "no sample dataset \"ct\""),
                (format!("{ct}tools = [\"scissors\"]"), "`tools`: there is no tool \"scissors\""),
                (format!("{ct}tools = []"), "`tools` is empty"),
                (format!("{ct}tools = \"brush\""), "`tools` has the wrong type"),
                (format!("{ct}tools = [1]"), "`tools`: expected tool names"),
                (format!("{ct}reference_label = 2"), "`reference_label`: the mask of \"ibsi-ct-phantom\" has no label 2"),
                (format!("{ct}reference_label = 0"), "`reference_label` must be a label value"),
                (format!("{ct}reference_label = 300"), "`reference_label` must be a label value"),
                (format!("{ct}reference_label = \"GTV-1\""), "`reference_label` must be a whole number"),
                (format!("{ct}preset = \"abdomen\""), "`preset`: unknown preset"),
                (format!("{ct}slice = \"27\""), "`slice` must be a whole number"),
                (format!("{ct}id = \"a\""), "`target_dice` is missing"),
                (format!("{ct}target_dice = 0.7"), "`id` is missing"),
                (format!("{ct}id = \"My GTV\"\ntarget_dice = 0.7"), "`id` must be lowercase"),
                (format!("{ct}id = \"a\"\ntarget_dice = 1.5"), "`target_dice` must be a number from 0 to 1"),
                (format!("{ct}id = \"a\"\ntarget_dice = -0.1"), "`target_dice` must be a number from 0 to 1"),
                (format!("{ct}id = \"a\"\ntarget_dice = \"0.7\""), "`target_dice` must be a number from 0 to 1"),
                (format!("{ct}mask = true"), "unknown parameter `mask` for widget `segmentation`"),
            ];
            for (toml, want) in cases {
                let e = segmentation(&toml).unwrap_err();
                assert!(e.contains(want), "{toml:?}: {e}");
            }
        }

        #[test]
        fn dataset_labels_come_from_the_list() {
            assert_eq!(dataset_labels("ibsi-ct-phantom"), Some(vec![1]));
            assert_eq!(dataset_labels("nope"), None);
        }

        #[test]
        fn feature_configs_are_the_engines_built_ins() {
            let engine: Vec<&str> = radlearn_engine::config::BUILTINS.iter().map(|b| b.0).collect();
            assert_eq!(FEATURE_CONFIGS, engine.as_slice());
        }

        #[test]
        fn sample_datasets_are_listed() {
            let ids = dataset_ids();
            assert!(ids.contains(&"ibsi-digital-phantom".to_string()) && ids.contains(&"ibsi-ct-phantom".to_string()), "{ids:?}");
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
    }
}
