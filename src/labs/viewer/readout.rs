//! The readout under the views: the value, voxel and world position under the pointer (or at the crosshair), and
//! the region of the mask it is in.

use std::sync::Arc;

use leptos::prelude::*;
use radlearn_engine::Volume;

use super::state::ViewState;
use super::OverlaySettings;
use crate::strings::ui;

/// A value for the readout: whole numbers as such, others with three decimals.
fn format_value(v: f32, hu: bool) -> String {
    let unit = if hu { " HU" } else { "" };
    if v.fract() == 0.0 || hu {
        format!("{v:.0}{unit}")
    } else {
        format!("{v:.3}{unit}")
    }
}

/// The readout line.
#[component]
pub(super) fn Readout(v: ViewState, volume: Arc<Volume>, overlay: OverlaySettings, hu: bool) -> impl IntoView {
    let t = ui();
    let (layouts, cursor, hover) = (v.layouts, v.cursor, v.hover);
    let readout = move || {
        let c = cursor.get();
        let under = hover.get().and_then(|(i, col, row)| layouts[i].voxel(col, row, layouts[i].pixel(c).2));
        let (what, v) = match under {
            Some(v) => (t.lab_pointer, v),
            None => (t.lab_crosshair, c),
        };
        let value = volume.get(v[0], v[1], v[2]).map(|x| format_value(x, hu)).unwrap_or_default();
        let w = volume.geometry.voxel_to_world(v.map(|x| x as f64));
        let region = overlay.mask.with(|m| {
            m.as_ref().and_then(|m| {
                let l = volume.geometry.index(v[0], v[1], v[2]).and_then(|i| m.data.get(i).copied()).filter(|&l| l != 0)?;
                Some(m.names.iter().find(|(k, _)| *k == l).map(|(_, n)| n.clone()).unwrap_or_else(|| format!("{} {l}", t.lab_label)))
            })
        });
        let region = region.map(|r| format!(" · {} {r}", t.lab_inside)).unwrap_or_default();
        format!(
            "{what}: {value} · {} ({}, {}, {}) · {} ({:.1}, {:.1}, {:.1}) mm{region}",
            t.lab_voxel, v[0], v[1], v[2], t.lab_world, w[0], w[1], w[2]
        )
    };
    view! { <p class="readout lab-readout" data-testid="readout" aria-live="off">{readout}</p> }
}
