//! The `segmentation` widget: the Image Lab's segmentation task, optionally graded by the Dice.

use serde::{Deserialize, Serialize};

#[cfg(feature = "render")]
use super::params::{check_dataset, check_id, check_optional_preset, check_slice, known_keys, quoted_list};
#[cfg(feature = "render")]
use super::{dataset_labels, WIDGETS};

/// The tools a `segmentation` exercise can allow, in the order the panel shows them.
pub const SEGMENTATION_TOOLS: &[&str] = &["threshold", "otsu", "region-growing", "brush", "eraser", "fill-holes", "largest-component"];

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
        super::numeric_quiz(&self.id, (1.0 + self.target_dice) / 2.0, (1.0 - self.target_dice) / 2.0)
    }
}

/// Checks the parameters of `segmentation`.
#[cfg(feature = "render")]
pub(super) fn check(params: &toml::Table) -> Result<SegmentationParams, String> {
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
    Ok(SegmentationParams { dataset, preset: check_optional_preset(params)?, tools, reference_label, slice: check_slice(params)?, check })
}

#[cfg(all(test, feature = "render"))]
mod tests {
    use super::*;
    use crate::widgets::{params::test_support::checked, WidgetParams};

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

    fn segmentation(s: &str) -> Result<SegmentationParams, String> {
        checked("segmentation", s, |p| if let WidgetParams::Segmentation(p) = p { Some(p) } else { None })
    }
}
