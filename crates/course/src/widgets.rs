//! The registry of exercise widgets that lessons can embed with an `exercise` block.
//!
//! The registry lives here, not in the app, so that `radlearn lessons check` validates
//! parameters natively with the same rules the browser uses. Each widget's parameters are
//! checked once into a typed value; the app only ever sees the checked form.

use radlearn_engine::ml::cohort::CohortSpec;
use radlearn_engine::ml::model::ModelKind;
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
    WidgetInfo {
        name: "model-lab",
        summary: "The Model Lab's supervised bench on a synthetic cohort generated in the browser: a model evaluated by \
                  stratified k-fold cross-validation (ROC, AUC with its interval, confusion matrix, calibration), with \
                  feature selection inside each fold and a \"leaky\" switch that fits it on all cases instead; optionally \
                  graded (cross-validated AUC at least a target), saved like a quiz answer.",
        params: "cases = <10..2000, default 100>; seed = <whole number, default 1>; signal = <0..3, default 1>; \
                 sites = <1..4, default 3>; site_label_correlation = <0..1, default 0>; site_effect = <0..3, default 1>; \
                 prevalence = <between 0 and 1, default 0.5>; model = \"logistic\"|\"svm-linear\"|\"svm-rbf\"|\"tree\"|\
                 \"forest\"|\"knn\"|\"naive-bayes\" (default \"logistic\"); models = [..] (the models offered, default: all); \
                 folds = <2..10, default 5>; select = <k: keep the k best features inside each fold>; leaky = true|false \
                 (show the leaky switch, default true); and to grade: id = \"..\", target_auc = <0..1>, honest = true|false \
                 (default true: only a run without the leaky switch counts); caption = \"..\"",
    },
    WidgetInfo {
        name: "pca-explorer",
        summary: "The Model Lab's unsupervised view of a synthetic cohort: the PCA scatter coloured by label or by site, \
                  explained variance, k-means clusters and the feature correlation heatmap; optionally a graded question \
                  on a quantity the widget computes.",
        params: "cases, seed, signal, sites, site_label_correlation, site_effect, prevalence (the cohort, as for \
                 `model-lab`); color = \"label\"|\"site\" (default \"label\"); clusters = <k of k-means, 2..8, default 2>; \
                 standardise = true|false (default true); and to grade: id = \"..\", question = \"..\", \
                 quantity = \"pc1-variance\"|\"pc2-variance\"|\"pc12-variance\"|\"kmeans-site-ari\"|\"kmeans-label-ari\" \
                 (the student types it), tolerance = <number, default 0.02>; caption = \"..\"",
    },
];

/// What a `pca-explorer` exercise can colour its scatter by.
pub const PCA_COLORS: &[&str] = &["label", "site"];

/// The quantities a `pca-explorer` question can ask for. Variances are fractions of the total (from 0 to 1) explained
/// by the first, the second, and the first two principal components; an ARI is the adjusted Rand index between the
/// k-means clusters and the sites or the labels (1: the same partition, about 0: unrelated).
pub const PCA_QUANTITIES: &[&str] = &["pc1-variance", "pc2-variance", "pc12-variance", "kmeans-site-ari", "kmeans-label-ari"];

/// The tools a `segmentation` exercise can allow, in the order the panel shows them.
pub const SEGMENTATION_TOOLS: &[&str] = &["threshold", "otsu", "region-growing", "brush", "eraser", "fill-holes", "largest-component"];

/// The built-in feature configurations of `radlearn_engine::radiomics::config::BUILTINS` (a test keeps both lists equal).
pub const FEATURE_CONFIGS: &[&str] = &["default", "ibsi-A", "ibsi-B", "ibsi-C", "ibsi-D", "ibsi-E", "digital-phantom"];

/// Ids of the sample datasets under `static/data` (empty if the list cannot be read).
pub fn dataset_ids() -> Vec<String> {
    crate::datasets::datasets().map(|l| l.into_iter().map(|d| d.id).collect()).unwrap_or_default()
}

/// The label values of a sample dataset's mask: `None` if there is no such dataset, an empty list if it has no mask.
pub fn dataset_labels(id: &str) -> Option<Vec<u8>> {
    let d = crate::datasets::dataset(id)?;
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
    ModelLab(ModelLabParams),
    PcaExplorer(PcaExplorerParams),
}

impl WidgetParams {
    /// The id under which the widget saves a graded answer (it shares the lesson's quiz ids), if it is graded.
    pub fn graded_id(&self) -> Option<&str> {
        match self {
            WidgetParams::FeatureTable(p) => p.check.as_ref().map(|c| c.id.as_str()),
            WidgetParams::Segmentation(p) => p.check.as_ref().map(|c| c.id.as_str()),
            WidgetParams::ModelLab(p) => p.check.as_ref().map(|c| c.id.as_str()),
            WidgetParams::PcaExplorer(p) => p.check.as_ref().map(|c| c.id.as_str()),
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
            hint: String::new(),
            shuffle: false,
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

/// Parameters of the `model-lab` widget: one model evaluated by stratified k-fold cross-validation on a synthetic cohort.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelLabParams {
    /// The cohort (the author's: the student changes the model and its evaluation, not the data).
    pub cohort: CohortSpec,
    /// The model chosen first, one of `models`.
    pub model: ModelKind,
    /// The models the student may pick from, in the order of [`ModelKind::ALL`].
    pub models: Vec<ModelKind>,
    /// Number of cross-validation folds, from 2 to 10 (each class has at least this many cases).
    pub folds: u32,
    /// Feature selection chosen first: keep the `k` best features (fitted inside each training fold, or on all cases
    /// with the leaky switch on); `None`: all features. A `k` above the number of features keeps them all.
    pub select: Option<u32>,
    /// Whether the "leaky" switch is shown: fit the scaler and the feature selection on all cases before the folds.
    pub leaky: bool,
    /// The grading, if any.
    pub check: Option<ModelCheck>,
}

impl ModelLabParams {
    /// Whether the student may pick `model`.
    pub fn allows(&self, model: ModelKind) -> bool {
        self.models.contains(&model)
    }
}

/// The grading of a `model-lab` exercise: the AUC estimated by nested cross-validation (the model's hyperparameter
/// tuned inside each outer training fold) must reach a target. The app grades the student's first nested run, once:
/// plain cross-validations are practice, since keeping the best of many runs is itself an optimistic choice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelCheck {
    /// Key of the saved result (unique in the lesson, like quiz ids).
    pub id: String,
    /// The lowest nested cross-validation AUC that passes, in `[0, 1]`.
    pub target_auc: f64,
    /// Whether only honest runs count: a run with the leaky switch on is not graded.
    pub honest: bool,
}

impl ModelCheck {
    /// Whether a run counts for grading: any run if the check is not `honest`, otherwise only runs without leakage.
    pub fn counts(&self, leaky: bool) -> bool {
        !(self.honest && leaky)
    }

    /// The check as a numeric quiz whose answer is the nested cross-validation AUC: correct from `target_auc` to 1.
    /// Grade only the runs that [`ModelCheck::counts`].
    pub fn quiz(&self) -> crate::Quiz {
        crate::Quiz {
            id: self.id.clone(),
            question: String::new(),
            explanation: String::new(),
            hint: String::new(),
            shuffle: false,
            kind: crate::QuizKind::Numeric { answer: (1.0 + self.target_auc) / 2.0, tolerance: (1.0 - self.target_auc) / 2.0, unit: None },
        }
    }
}

/// Parameters of the `pca-explorer` widget: PCA, k-means and feature correlations of a synthetic cohort.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PcaExplorerParams {
    /// The cohort.
    pub cohort: CohortSpec,
    /// What colours the scatter first, a name of [`PCA_COLORS`].
    pub color: String,
    /// Number of k-means clusters chosen first, from 2 to 8.
    pub clusters: u32,
    /// Whether the features are standardised (z-scores) before PCA and k-means.
    pub standardise: bool,
    /// A graded question, if any.
    pub check: Option<PcaCheck>,
}

/// A graded question of the `pca-explorer` widget: the student types a quantity that the widget computes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PcaCheck {
    /// Key of the saved answer (unique in the lesson, like quiz ids).
    pub id: String,
    /// The question shown to the student (plain text).
    pub question: String,
    /// The quantity asked for, a name of [`PCA_QUANTITIES`], computed with the exercise's `standardise` and `clusters`.
    pub quantity: String,
    /// Absolute tolerance.
    pub tolerance: f64,
}

impl PcaCheck {
    /// The question as a numeric quiz, given the value the widget computed on the cohort.
    pub fn quiz(&self, computed: f64) -> crate::Quiz {
        crate::Quiz {
            id: self.id.clone(),
            question: String::new(),
            explanation: String::new(),
            hint: String::new(),
            shuffle: false,
            kind: crate::QuizKind::Numeric { answer: computed, tolerance: self.tolerance, unit: None },
        }
    }
}

#[cfg(feature = "render")]
pub use check::check_widget;

#[cfg(feature = "render")]
mod check {
    use super::*;
    use radlearn_engine::ml::cohort::{MAX_CASES, MAX_SIGNAL, MAX_SITES, MAX_SITE_EFFECT, MIN_CASES};

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
            "model-lab" => check_model_lab(params).map(WidgetParams::ModelLab),
            "pca-explorer" => check_pca_explorer(params).map(WidgetParams::PcaExplorer),
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

    /// The keys of the cohort settings, shared by `model-lab` and `pca-explorer`.
    const COHORT_KEYS: &[&str] = &["cases", "seed", "signal", "sites", "site_label_correlation", "site_effect", "prevalence"];

    /// An optional whole number from `lo` to `hi`.
    fn whole(params: &toml::Table, key: &str, lo: i64, hi: i64, default: i64) -> Result<i64, String> {
        match params.get(key) {
            None => Ok(default),
            Some(toml::Value::Integer(i)) if (lo..=hi).contains(i) => Ok(*i),
            Some(other) => Err(format!("`{key}` must be a whole number from {lo} to {hi} (default {default}), not {other}")),
        }
    }

    /// An optional finite number from `lo` to `hi`, both ends included unless `open`.
    fn number_in(params: &toml::Table, key: &str, (lo, hi): (f64, f64), open: bool, default: f64) -> Result<f64, String> {
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
    fn boolean(params: &toml::Table, key: &str, default: bool) -> Result<bool, String> {
        match params.get(key) {
            None => Ok(default),
            Some(toml::Value::Boolean(b)) => Ok(*b),
            Some(other) => Err(format!("`{key}` has the wrong type ({}); expected true or false", other.type_str())),
        }
    }

    /// An optional string, trimmed.
    fn string(params: &toml::Table, key: &str) -> Result<Option<String>, String> {
        match params.get(key) {
            None => Ok(None),
            Some(toml::Value::String(s)) => Ok(Some(s.trim().to_string())),
            Some(other) => Err(format!("`{key}` has the wrong type ({}); expected a string", other.type_str())),
        }
    }

    /// An optional name among `names`.
    fn one_of(params: &toml::Table, key: &str, names: &[&str], what: &str) -> Result<Option<String>, String> {
        match string(params, key) {
            Ok(Some(s)) if names.contains(&s.as_str()) => Ok(Some(s)),
            Ok(Some(s)) => Err(format!("`{key}`: there is no {what} \"{s}\"; use one of {}", quoted_list(names.iter().copied()))),
            Ok(None) => Ok(None),
            Err(_) => Err(format!("`{key}` has the wrong type; expected a string, one of {}", quoted_list(names.iter().copied()))),
        }
    }

    /// The cohort settings of `model-lab` and `pca-explorer`.
    fn check_cohort(params: &toml::Table) -> Result<CohortSpec, String> {
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
        cohort.check().map_err(|e| format!("the cohort: {e}"))?;
        Ok(cohort)
    }

    fn check_model_lab(params: &toml::Table) -> Result<ModelLabParams, String> {
        let keys = ["model", "models", "folds", "select", "leaky", "id", "target_auc", "honest"];
        known_keys(params, &[COHORT_KEYS, &keys].concat(), &WIDGETS[4])?;
        let cohort = check_cohort(params)?;
        let parse = |key: &str, m: &str| {
            m.parse::<ModelKind>().map_err(|_| format!("`{key}`: there is no model \"{m}\"; use one of {}", ModelKind::id_list()))
        };
        let models: Vec<ModelKind> = match params.get("models") {
            None => ModelKind::ALL.to_vec(),
            Some(toml::Value::Array(items)) => {
                let mut kinds = Vec::new();
                for item in items {
                    match item {
                        toml::Value::String(m) => kinds.push(parse("models", m)?),
                        other => return Err(format!("`models`: expected model names as strings, found {other}")),
                    }
                }
                if kinds.is_empty() {
                    return Err("`models` is empty; list at least one model or leave the key out (all models)".into());
                }
                // In the Model Lab's order, each once.
                ModelKind::ALL.into_iter().filter(|k| kinds.contains(k)).collect()
            }
            Some(other) => return Err(format!("`models` has the wrong type ({}); expected a list of model names", other.type_str())),
        };
        let model = match string(params, "model") {
            Ok(Some(m)) => match parse("model", &m)? {
                k if models.contains(&k) => k,
                k => {
                    let offered: Vec<&str> = models.iter().map(|m| m.id()).collect();
                    return Err(format!(
                        "`model`: \"{k}\" is not among `models`; add it there or choose one of {}",
                        quoted_list(offered.into_iter())
                    ));
                }
            },
            Ok(None) if models.contains(&ModelKind::Logistic) => ModelKind::Logistic,
            Ok(None) => models[0],
            Err(_) => return Err(format!("`model` has the wrong type; expected a string, one of {}", ModelKind::id_list())),
        };
        let folds = whole(params, "folds", 2, 10, 5)? as u32;
        let rarer = (cohort.cases as f64 * cohort.prevalence.min(1.0 - cohort.prevalence)).floor();
        if rarer < f64::from(folds) {
            return Err(format!(
                "`folds`: stratified {folds}-fold cross-validation needs at least {folds} cases of each class, but {} cases with \
                 prevalence {} have only about {rarer} of the rarer class; use more `cases`, a `prevalence` nearer 0.5 or fewer `folds`",
                cohort.cases, cohort.prevalence
            ));
        }
        let select = match params.get("select") {
            None => None,
            Some(toml::Value::Integer(k)) if (1..=i64::from(u32::MAX)).contains(k) => Some(*k as u32),
            Some(other) => return Err(format!("`select` must be a whole number of features to keep, 1 or more (e.g. 10), not {other}")),
        };
        let leaky = boolean(params, "leaky", true)?;
        let id = string(params, "id")?.map(|s| check_id(&s)).transpose()?;
        let target = match params.get("target_auc") {
            None => None,
            Some(toml::Value::Float(x)) if (0.0..=1.0).contains(x) => Some(*x),
            Some(toml::Value::Integer(i)) if (0..=1).contains(i) => Some(*i as f64),
            Some(other) => return Err(format!("`target_auc` must be a number from 0 to 1 (e.g. 0.8), not {other}")),
        };
        let honest = boolean(params, "honest", true)?;
        let check = match (id, target) {
            (Some(id), Some(target_auc)) => Some(ModelCheck { id, target_auc, honest }),
            (None, None) if params.contains_key("honest") => {
                return Err("`honest` needs `id` and `target_auc`: it says which runs of a graded exercise count".into())
            }
            (None, None) => None,
            (Some(_), None) => {
                return Err("`target_auc` is missing: a graded model needs the nested cross-validation AUC to reach (e.g. 0.8)".into())
            }
            (None, Some(_)) => return Err("`id` is missing: a graded model needs one (saved results are keyed by it)".into()),
        };
        Ok(ModelLabParams { cohort, model, models, folds, select, leaky, check })
    }

    fn check_pca_explorer(params: &toml::Table) -> Result<PcaExplorerParams, String> {
        let keys = ["color", "clusters", "standardise", "id", "question", "quantity", "tolerance"];
        known_keys(params, &[COHORT_KEYS, &keys].concat(), &WIDGETS[5])?;
        let cohort = check_cohort(params)?;
        let color = one_of(params, "color", PCA_COLORS, "colouring")?.unwrap_or_else(|| "label".into());
        if color == "site" && cohort.sites == 1 {
            return Err("`color = \"site\"` with one site paints every case the same; set `sites` to 2 or more".into());
        }
        let clusters = whole(params, "clusters", 2, 8, 2)? as u32;
        let standardise = boolean(params, "standardise", true)?;
        let id = string(params, "id")?.map(|s| check_id(&s)).transpose()?;
        let question = string(params, "question")?;
        let quantity = one_of(params, "quantity", PCA_QUANTITIES, "quantity")?;
        let tolerance = match params.get("tolerance") {
            None => None,
            Some(toml::Value::Float(x)) if x.is_finite() && *x >= 0.0 => Some(*x),
            Some(toml::Value::Integer(i)) if *i >= 0 => Some(*i as f64),
            Some(other) => return Err(format!("`tolerance` must be a number, zero or positive (default 0.02), not {other}")),
        };
        let check = match (id, question, quantity) {
            (None, None, None) => {
                if tolerance.is_some() {
                    return Err("`tolerance` needs `id`, `question` and `quantity`: it belongs to a graded question".into());
                }
                None
            }
            (Some(id), Some(question), Some(quantity)) => {
                if question.is_empty() {
                    return Err("`question` is empty".into());
                }
                if quantity == "kmeans-site-ari" && cohort.sites == 1 {
                    return Err(
                        "`quantity = \"kmeans-site-ari\"` needs at least 2 `sites`: with one site there is nothing to agree with".into()
                    );
                }
                Some(PcaCheck { id, question, quantity, tolerance: tolerance.unwrap_or(0.02) })
            }
            (None, _, _) => return Err("`id` is missing: a graded question needs one (saved answers are keyed by it)".into()),
            (_, None, _) => return Err("`question` is missing: a graded question needs the text the student answers".into()),
            (_, _, None) => {
                return Err(format!(
                    "`quantity` is missing: a graded question asks for one of {}",
                    quoted_list(PCA_QUANTITIES.iter().copied())
                ))
            }
        };
        Ok(PcaExplorerParams { cohort, color, clusters, standardise, check })
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
            let engine: Vec<&str> = radlearn_engine::radiomics::config::BUILTINS.iter().map(|b| b.0).collect();
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

        fn model_lab(s: &str) -> Result<ModelLabParams, String> {
            check_widget("model-lab", &table(s)).map(|p| match p {
                WidgetParams::ModelLab(p) => p,
                other => panic!("{other:?}"),
            })
        }

        fn pca_explorer(s: &str) -> Result<PcaExplorerParams, String> {
            check_widget("pca-explorer", &table(s)).map(|p| match p {
                WidgetParams::PcaExplorer(p) => p,
                other => panic!("{other:?}"),
            })
        }

        #[test]
        fn model_lab_defaults_and_overrides() {
            let p = model_lab("").unwrap();
            assert_eq!(
                p,
                ModelLabParams {
                    cohort: CohortSpec::default(),
                    model: ModelKind::Logistic,
                    models: ModelKind::ALL.to_vec(),
                    folds: 5,
                    select: None,
                    leaky: true,
                    check: None,
                }
            );
            // The engine's defaults: one set of cohort parameters for lessons, the Model Lab and the command line.
            assert_eq!(
                p.cohort,
                CohortSpec { cases: 100, seed: 1, signal: 1.0, sites: 3, site_label_correlation: 0.0, site_effect: 1.0, prevalence: 0.5 }
            );
            assert_eq!(WidgetParams::ModelLab(p).graded_id(), None);
            let p = model_lab(
                "cases = 60\nseed = 7\nsignal = 0\nsites = 2\nsite_label_correlation = 0.5\nsite_effect = 2\nprevalence = 0.3\n\
                 models = [\"knn\", \"logistic\", \"knn\"]\nfolds = 3\nselect = 10\nleaky = false",
            )
            .unwrap();
            assert_eq!(
                p.cohort,
                CohortSpec { cases: 60, seed: 7, signal: 0.0, sites: 2, site_label_correlation: 0.5, site_effect: 2.0, prevalence: 0.3 }
            );
            // Models come back in the Model Lab's order, once each; the first model is logistic when it is offered.
            assert_eq!(p.models, [ModelKind::Logistic, ModelKind::Knn]);
            assert_eq!((p.model, p.folds, p.select, p.leaky), (ModelKind::Logistic, 3, Some(10), false));
            assert!(p.allows(ModelKind::Knn) && !p.allows(ModelKind::Forest));
            // Without logistic among the models, the first one offered.
            assert_eq!(model_lab("models = [\"tree\", \"forest\"]").unwrap().model, ModelKind::Tree);
            assert_eq!(model_lab("model = \"forest\"\nmodels = [\"tree\", \"forest\"]").unwrap().model, ModelKind::Forest);
        }

        #[test]
        fn model_lab_grading_counts_only_honest_runs() {
            let p = model_lab("signal = 1\nid = \"honest-auc\"\ntarget_auc = 0.8").unwrap();
            let check = p.check.clone().unwrap();
            assert_eq!(check, ModelCheck { id: "honest-auc".into(), target_auc: 0.8, honest: true });
            assert_eq!(WidgetParams::ModelLab(p).graded_id(), Some("honest-auc"));
            assert!(check.counts(false) && !check.counts(true), "an honest check ignores leaky runs");
            // Graded as a numeric quiz: any AUC from the target to 1 passes.
            let quiz = check.quiz();
            let grade = |auc: f64| quiz.grade(&crate::Response::Numeric(auc)).unwrap().correct;
            assert!(grade(0.8) && grade(0.87) && grade(1.0));
            assert!(!grade(0.799) && !grade(0.5));
            let any = model_lab("id = \"any-auc\"\ntarget_auc = 1\nhonest = false").unwrap().check.unwrap();
            assert!(any.counts(true) && any.counts(false));
            assert_eq!(any.target_auc, 1.0);
        }

        #[test]
        fn model_lab_authoring_errors_name_the_field() {
            let cases = [
                ("cases = 5", "`cases` must be a whole number from 10 to 2000"),
                ("cases = 2001", "`cases` must be a whole number from 10 to 2000"),
                ("cases = 100.5", "`cases` must be a whole number"),
                ("seed = -1", "`seed` must be a whole number from 0"),
                ("signal = 3.5", "`signal` must be a number from 0 to 3"),
                ("signal = \"strong\"", "`signal` must be a number from 0 to 3"),
                ("sites = 0", "`sites` must be a whole number from 1 to 4"),
                ("sites = 5", "`sites` must be a whole number from 1 to 4"),
                ("site_label_correlation = 1.2", "`site_label_correlation` must be a number from 0 to 1"),
                ("sites = 1\nsite_label_correlation = 0.5", "`site_label_correlation` needs at least 2 `sites`"),
                ("site_effect = -0.5", "`site_effect` must be a number from 0 to 3"),
                ("prevalence = 0", "`prevalence` must be a number strictly between 0 and 1"),
                ("prevalence = 1", "`prevalence` must be a number strictly between 0 and 1"),
                ("prevalence = nan", "`prevalence` must be a number strictly between 0 and 1"),
                ("model = \"lasso\"", "`model`: there is no model \"lasso\""),
                ("model = 1", "`model` has the wrong type"),
                ("model = \"svm-rbf\"\nmodels = [\"logistic\"]", "`model`: \"svm-rbf\" is not among `models`"),
                ("models = [\"deep\"]", "`models`: there is no model \"deep\""),
                ("models = []", "`models` is empty"),
                ("models = \"knn\"", "`models` has the wrong type"),
                ("models = [3]", "`models`: expected model names"),
                ("folds = 1", "`folds` must be a whole number from 2 to 10"),
                ("folds = 11", "`folds` must be a whole number from 2 to 10"),
                (
                    "cases = 20\nprevalence = 0.1\nfolds = 5",
                    "`folds`: stratified 5-fold cross-validation needs at least 5 cases of each class",
                ),
                ("select = 0", "`select` must be a whole number of features to keep"),
                ("select = \"all\"", "`select` must be a whole number of features to keep"),
                ("leaky = \"no\"", "`leaky` has the wrong type"),
                ("id = \"a\"", "`target_auc` is missing"),
                ("target_auc = 0.8", "`id` is missing"),
                ("honest = true", "`honest` needs `id` and `target_auc`"),
                ("id = \"Best AUC\"\ntarget_auc = 0.8", "`id` must be lowercase"),
                ("id = \"a\"\ntarget_auc = 1.5", "`target_auc` must be a number from 0 to 1"),
                ("id = \"a\"\ntarget_auc = \"0.8\"", "`target_auc` must be a number from 0 to 1"),
                ("id = \"a\"\ntarget_auc = 0.8\nhonest = 1", "`honest` has the wrong type"),
                ("dataset = \"ibsi-ct-phantom\"", "unknown parameter `dataset` for widget `model-lab`"),
                ("color = \"site\"", "unknown parameter `color` for widget `model-lab`"),
            ];
            for (toml, want) in cases {
                let e = model_lab(toml).unwrap_err();
                assert!(e.contains(want), "{toml:?}: {e}");
            }
        }

        #[test]
        fn pca_explorer_defaults_overrides_and_a_graded_question() {
            let p = pca_explorer("").unwrap();
            assert_eq!(
                p,
                PcaExplorerParams { cohort: CohortSpec::default(), color: "label".into(), clusters: 2, standardise: true, check: None }
            );
            assert_eq!(WidgetParams::PcaExplorer(p).graded_id(), None);
            let p = pca_explorer(
                "cases = 200\nsite_effect = 2\nsites = 4\ncolor = \"site\"\nclusters = 4\nstandardise = false\n\
                 id = \"pc1\"\nquestion = \"What fraction of the variance does PC1 explain?\"\nquantity = \"pc1-variance\"",
            )
            .unwrap();
            assert_eq!((p.cohort.cases, p.cohort.sites, p.cohort.site_effect), (200, 4, 2.0));
            assert_eq!((p.color.as_str(), p.clusters, p.standardise), ("site", 4, false));
            let check = p.check.clone().unwrap();
            assert_eq!(
                check,
                PcaCheck {
                    id: "pc1".into(),
                    question: "What fraction of the variance does PC1 explain?".into(),
                    quantity: "pc1-variance".into(),
                    tolerance: 0.02,
                }
            );
            assert_eq!(WidgetParams::PcaExplorer(p).graded_id(), Some("pc1"));
            // The computed value is the answer, within the tolerance.
            let quiz = check.quiz(0.41);
            let grade = |x: f64| quiz.grade(&crate::Response::Numeric(x)).unwrap().correct;
            assert!(grade(0.41) && grade(0.43) && grade(0.39));
            assert!(!grade(0.44) && !grade(41.0));
            let p = pca_explorer("id = \"ari\"\nquestion = \"ARI?\"\nquantity = \"kmeans-site-ari\"\ntolerance = 0.05").unwrap();
            assert_eq!(p.check.unwrap().tolerance, 0.05);
        }

        #[test]
        fn pca_explorer_authoring_errors_name_the_field() {
            let graded = "id = \"a\"\nquestion = \"How much?\"\n";
            let cases = [
                ("cases = 3".to_string(), "`cases` must be a whole number from 10 to 2000"),
                ("site_effect = 3.5".into(), "`site_effect` must be a number from 0 to 3"),
                ("color = \"scanner\"".into(), "`color`: there is no colouring \"scanner\""),
                ("color = true".into(), "`color` has the wrong type"),
                ("sites = 1\ncolor = \"site\"".into(), "set `sites` to 2 or more"),
                ("clusters = 1".into(), "`clusters` must be a whole number from 2 to 8"),
                ("clusters = 9".into(), "`clusters` must be a whole number from 2 to 8"),
                ("standardise = \"yes\"".into(), "`standardise` has the wrong type"),
                ("tolerance = 0.1".into(), "`tolerance` needs `id`, `question` and `quantity`"),
                (format!("{graded}"), "`quantity` is missing"),
                (format!("{graded}quantity = \"pc3-variance\""), "`quantity`: there is no quantity \"pc3-variance\""),
                ("question = \"?\"\nquantity = \"pc1-variance\"".into(), "`id` is missing"),
                ("id = \"a\"\nquantity = \"pc1-variance\"".into(), "`question` is missing"),
                ("id = \"a\"\nquestion = \" \"\nquantity = \"pc1-variance\"".into(), "`question` is empty"),
                ("id = \"PC 1\"\nquestion = \"?\"\nquantity = \"pc1-variance\"".into(), "`id` must be lowercase"),
                (format!("{graded}quantity = \"pc1-variance\"\ntolerance = -0.1"), "`tolerance` must be a number, zero or positive"),
                (format!("{graded}quantity = \"pc1-variance\"\ntolerance = \"2%\""), "`tolerance` must be a number, zero or positive"),
                (format!("sites = 1\n{graded}quantity = \"kmeans-site-ari\""), "`quantity = \"kmeans-site-ari\"` needs at least 2 `sites`"),
                ("model = \"logistic\"".into(), "unknown parameter `model` for widget `pca-explorer`"),
            ];
            for (toml, want) in cases {
                let e = pca_explorer(&toml).unwrap_err();
                assert!(e.contains(want), "{toml:?}: {e}");
            }
        }

        #[test]
        fn every_widget_is_listed_with_its_parameters() {
            for w in WIDGETS {
                assert!(check_widget(w.name, &toml::Table::new()).map_or_else(|e| !e.contains("unknown widget"), |_| true), "{}", w.name);
            }
            let e = check_widget("nope", &toml::Table::new()).unwrap_err();
            assert!(e.contains("`model-lab`") && e.contains("`pca-explorer`"), "{e}");
            for key in ["target_auc", "honest", "leaky", "select", "site_label_correlation", "prevalence"] {
                assert!(WIDGETS[4].params.contains(key), "{key}");
            }
            for key in ["color", "clusters", "standardise", "quantity", "tolerance", "pc12-variance", "kmeans-label-ari"] {
                assert!(WIDGETS[5].params.contains(key), "{key}");
            }
        }
    }
}
