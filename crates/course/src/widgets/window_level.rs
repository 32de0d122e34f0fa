//! The `window-level` widget: interactive window/level on a synthetic CT slice, with presets and the histogram.

use serde::{Deserialize, Serialize};

#[cfg(feature = "render")]
use super::params::check_preset;
#[cfg(feature = "render")]
use super::WIDGETS;

/// Window/level presets: (name, centre, width) in HU. Typical values; institutions vary.
pub const WINDOW_PRESETS: &[(&str, f32, f32)] =
    &[("lung", -600.0, 1500.0), ("mediastinum", 50.0, 350.0), ("soft-tissue", 40.0, 400.0), ("bone", 400.0, 1800.0), ("brain", 40.0, 80.0)];

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

/// Checks the parameters of `window-level`.
#[cfg(feature = "render")]
pub(super) fn check(params: &toml::Table) -> Result<WindowLevelParams, String> {
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
    Ok(p)
}

#[cfg(all(test, feature = "render"))]
mod tests {
    use super::*;
    use crate::widgets::params::test_support::{checked, table};
    use crate::widgets::{check_widget, WidgetParams};

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

    fn window_level(s: &str) -> WindowLevelParams {
        checked("window-level", s, |p| if let WidgetParams::WindowLevel(p) = p { Some(p) } else { None }).unwrap_or_else(|e| panic!("{e}"))
    }
}
