//! The `image-viewer` widget: the Image Lab's viewer on a sample dataset.

use serde::{Deserialize, Serialize};

#[cfg(feature = "render")]
use super::params::{check_dataset, check_optional_preset, check_slice, known_keys};
#[cfg(feature = "render")]
use super::WIDGETS;

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

/// Checks the parameters of `image-viewer`.
#[cfg(feature = "render")]
pub(super) fn check(params: &toml::Table) -> Result<ImageViewerParams, String> {
    known_keys(params, &["dataset", "preset", "mask", "slice"], &WIDGETS[2])?;
    let dataset = check_dataset(params)?;
    let mask = match params.get("mask") {
        None => true,
        Some(toml::Value::Boolean(b)) => *b,
        Some(other) => return Err(format!("`mask` has the wrong type ({}); expected true or false", other.type_str())),
    };
    Ok(ImageViewerParams { dataset, preset: check_optional_preset(params)?, mask, slice: check_slice(params)? })
}

#[cfg(all(test, feature = "render"))]
mod tests {
    use super::*;
    use crate::widgets::{params::test_support::checked, WidgetParams};

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

    fn image_viewer(s: &str) -> Result<ImageViewerParams, String> {
        checked("image-viewer", s, |p| if let WidgetParams::ImageViewer(p) = p { Some(p) } else { None })
    }
}
