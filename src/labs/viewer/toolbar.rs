//! The viewer's toolbars: window presets and values, the drag tools, zoom, reset and saving a view.

use leptos::prelude::*;
use radlearn_engine::image::window::Preset;

use super::state::ViewState;
use super::Tool;
use crate::platform;
use crate::strings::{segment_ui, ui};

/// The window: presets, the automatic window, centre and width, and the range they show.
#[component]
pub(super) fn WindowBar(v: ViewState, hu: bool) -> impl IntoView {
    let t = ui();
    let window = v.window;
    let presets = Preset::ALL
        .into_iter()
        .map(|p| {
            let (c, w) = p.centre_width();
            let pressed = move || (window.get() == (c, w)).to_string();
            view! {
                <button type="button" class="preset" aria-pressed=pressed data-preset=p.name().replace(' ', "-")
                    title=format!("W {w} / L {c}") on:click=move |_| window.set((c, w))>
                    {p.name()}
                </button>
            }
        })
        .collect_view();
    let unit = if hu { " HU" } else { "" };
    let centre_text = move || format!("{:.0}", window.get().0);
    let width_text = move || format!("{:.0}", window.get().1);
    let on_centre = move |ev: leptos::ev::Event| {
        if let Ok(c) = event_target_value(&ev).parse::<f32>() {
            v.set_window(c, window.get_untracked().1)
        }
    };
    let on_width = move |ev: leptos::ev::Event| {
        if let Ok(w) = event_target_value(&ev).parse::<f32>() {
            if w > 0.0 {
                v.set_window(window.get_untracked().0, w)
            }
        }
    };
    view! {
        <div class="viewer-toolbar">
            <div class="presets" role="group" aria-label=t.presets>
                {presets}
                <button type="button" class="preset" data-preset="auto" on:click=move |_| window.set(v.auto_window)>
                    {t.lab_auto_window}
                </button>
            </div>
            <div class="wl-values">
                <label>
                    {t.lab_centre}" "
                    <input type="number" step="any" data-testid="wl-centre" prop:value=centre_text on:change=on_centre />
                </label>
                <label>
                    {t.lab_width}" "
                    <input type="number" step="any" min="0" data-testid="wl-width" prop:value=width_text on:change=on_width />
                </label>
                <output class="muted" data-testid="wl-range">
                    {move || {
                        let (c, w) = window.get();
                        format!("{:.0} … {:.0}{unit}", c - w / 2.0, c + w / 2.0)
                    }}
                </output>
            </div>
        </div>
    }
}

/// What a left-button drag does: crosshair, window or pan.
#[component]
pub(super) fn DragTools(v: ViewState) -> impl IntoView {
    let t = ui();
    let tool = v.tool;
    let tools = [(Tool::Crosshair, t.lab_tool_crosshair), (Tool::Window, t.lab_tool_window), (Tool::Pan, t.lab_tool_pan)]
        .into_iter()
        .map(|(k, label)| {
            view! {
                <button type="button" class="tool secondary" aria-pressed=move || (tool.get() == k).to_string()
                    data-tool=format!("{k:?}").to_lowercase() on:click=move |_| tool.set(k)>{label}</button>
            }
        })
        .collect_view();
    view! {
        <div class="tools" role="group" aria-label=t.lab_drag_tool>
            <span class="muted">{t.lab_drag_tool}</span>
            {tools}
        </div>
    }
}

/// Zoom in and out (all views), reset, and save the active view as PNG.
#[component]
pub(super) fn ZoomBar(v: ViewState) -> impl IntoView {
    let t = ui();
    let save_view = move || {
        let i = v.active_view.get_untracked();
        if let Some(el) = v.canvases.get(i).and_then(|c| c.get_untracked()) {
            let (_, _, s) = v.layouts[i].pixel(v.cursor.get_untracked());
            let name = format!("radlearn-{}-slice-{}.png", v.layouts[i].plane.name(), s + 1);
            if let Err(e) = platform::download_canvas_png(&el, &name) {
                leptos::logging::warn!("the view could not be saved: {e}");
            }
        }
    };
    view! {
        <div class="zoom" role="group" aria-label=t.lab_zoom>
            <button type="button" class="secondary" aria-label=t.lab_zoom_in data-testid="zoom-in" on:click=move |_| v.zoom_all(1.25)>"+"</button>
            <button type="button" class="secondary" aria-label=t.lab_zoom_out data-testid="zoom-out" on:click=move |_| v.zoom_all(0.8)>"−"</button>
            <button type="button" class="secondary" data-testid="reset-view" on:click=move |_| v.reset()>{t.lab_reset}</button>
            <button type="button" class="secondary" data-testid="save-view" on:click=move |_| save_view()>
                {segment_ui().export_view}
            </button>
        </div>
    }
}
