//! The registry of exercise widgets that lessons can embed with an `exercise` block: one module per widget with its
//! parameters, their checks and tests; [`params`] holds the TOML readers they share.
//!
//! The registry lives here, not in the app, so that `radlearn lessons check` validates
//! parameters natively with the same rules the browser uses. Each widget's parameters are
//! checked once into a typed value; the app only ever sees the checked form.

use serde::{Deserialize, Serialize};

mod feature_table;
mod image_viewer;
mod model_lab;
#[cfg(feature = "render")]
mod params;
mod pca_explorer;
mod segmentation;
mod window_level;

pub use feature_table::{FeatureCheck, FeatureTableParams, FEATURE_CONFIGS};
pub use image_viewer::ImageViewerParams;
pub use model_lab::{ModelCheck, ModelLabParams};
pub use pca_explorer::{PcaCheck, PcaExplorerParams, PCA_COLORS, PCA_QUANTITIES};
pub use segmentation::{SegmentationCheck, SegmentationParams, SEGMENTATION_TOOLS};
pub use window_level::{window_preset, WindowLevelParams, WINDOW_PRESETS};

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

/// A graded widget's check as a numeric quiz (no text of its own, the widget shows it): `answer ± tolerance` passes.
fn numeric_quiz(id: &str, answer: f64, tolerance: f64) -> crate::Quiz {
    crate::Quiz {
        id: id.to_string(),
        question: String::new(),
        explanation: String::new(),
        hint: String::new(),
        shuffle: false,
        kind: crate::QuizKind::Numeric { answer, tolerance, unit: None },
    }
}

/// Checks a widget's parameters (the exercise block's TOML without `widget` and `caption`).
#[cfg(feature = "render")]
pub fn check_widget(widget: &str, params: &toml::Table) -> Result<WidgetParams, String> {
    match widget {
        "window-level" => window_level::check(params).map(WidgetParams::WindowLevel),
        "feature-table" => feature_table::check(params).map(WidgetParams::FeatureTable),
        "image-viewer" => image_viewer::check(params).map(WidgetParams::ImageViewer),
        "segmentation" => segmentation::check(params).map(WidgetParams::Segmentation),
        "model-lab" => model_lab::check(params).map(WidgetParams::ModelLab),
        "pca-explorer" => pca_explorer::check(params).map(WidgetParams::PcaExplorer),
        other => {
            let known = WIDGETS.iter().map(|w| format!("`{}`", w.name)).collect::<Vec<_>>().join(", ");
            Err(format!("unknown widget `{other}`; the widgets that exist are {known}"))
        }
    }
}

#[cfg(all(test, feature = "render"))]
mod tests {
    use super::*;

    #[test]
    fn dataset_labels_come_from_the_list() {
        assert_eq!(dataset_labels("ibsi-ct-phantom"), Some(vec![1]));
        assert_eq!(dataset_labels("nope"), None);
    }

    #[test]
    fn sample_datasets_are_listed() {
        let ids = dataset_ids();
        assert!(ids.contains(&"ibsi-digital-phantom".to_string()) && ids.contains(&"ibsi-ct-phantom".to_string()), "{ids:?}");
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
