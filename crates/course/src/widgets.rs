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
pub const WIDGETS: &[WidgetInfo] = &[WidgetInfo {
    name: "window-level",
    summary: "Interactive window/level on a synthetic CT chest slice, with presets and the histogram.",
    params:
        "preset = \"lung\"|\"mediastinum\"|\"soft-tissue\"|\"bone\"|\"brain\"; presets = [..]; histogram = true|false; caption = \"..\"",
}];

/// Checked parameters of a widget.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "widget", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum WidgetParams {
    WindowLevel(WindowLevelParams),
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
            other => {
                let known = WIDGETS.iter().map(|w| format!("`{}`", w.name)).collect::<Vec<_>>().join(", ");
                Err(format!("unknown widget `{other}`; the widgets that exist are {known}"))
            }
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        fn table(s: &str) -> toml::Table {
            s.parse().expect("test TOML")
        }

        #[test]
        fn window_level_defaults_and_overrides() {
            let WidgetParams::WindowLevel(p) = check_widget("window-level", &table("")).unwrap();
            assert_eq!(p.preset, "soft-tissue");
            assert_eq!(p.presets.len(), WINDOW_PRESETS.len());
            let WidgetParams::WindowLevel(p) =
                check_widget("window-level", &table("preset = \"lung\"\npresets = [\"lung\", \"bone\"]\nhistogram = false")).unwrap();
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
            assert!(e.contains("unknown widget `volume-render`") && e.contains("`window-level`"), "{e}");
        }
    }
}
