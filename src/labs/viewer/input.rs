//! A view's canvas and what the pointer, the wheel and the keyboard do on it: move the crosshair, set the window,
//! pan and zoom, change the slice, and send the editing tools' clicks and drags to the segmentation panel.

use std::cell::Cell;
use std::rc::Rc;

use leptos::prelude::*;
use radlearn_engine::image::view::{Plane, ViewTransform};

use super::state::ViewState;
use super::{EditEvent, EditPhase, Tool};
use crate::platform;
use crate::strings::ui;

/// A drag in progress: its tool, the last pointer position and the pointer.
#[derive(Clone, Copy)]
pub(super) struct Drag {
    tool: Tool,
    last: [f64; 2],
    pointer: i32,
}

/// A pointer position in the canvas's device pixels.
pub(super) fn canvas_point(el: &web_sys::HtmlCanvasElement, ev: &web_sys::MouseEvent) -> [f64; 2] {
    let sx = f64::from(el.width()) / f64::from(el.client_width().max(1));
    let sy = f64::from(el.height()) / f64::from(el.client_height().max(1));
    [f64::from(ev.offset_x()) * sx, f64::from(ev.offset_y()) * sy]
}

pub(super) fn canvas_size(el: &web_sys::HtmlCanvasElement) -> [f64; 2] {
    [f64::from(el.width()), f64::from(el.height())]
}

/// View `i` (axial, coronal or sagittal): its caption with the slice number, its canvas and the patient-direction
/// labels at its edges.
#[component]
pub(super) fn PlaneView(
    v: ViewState,
    i: usize,
    /// The drag in progress, shared by the views.
    drag: Rc<Cell<Option<Drag>>>,
    /// This view's last drawing time.
    render_ms: RwSignal<f64>,
) -> impl IntoView {
    let t = ui();
    let plane = Plane::ALL[i];
    let layout = v.layouts[i];
    let canvas = v.canvases[i];
    let [left, right, top, bottom] = plane.edge_labels();
    let name = match plane {
        Plane::Axial => t.lab_axial,
        Plane::Coronal => t.lab_coronal,
        Plane::Sagittal => t.lab_sagittal,
    };
    let drag_down = drag.clone();
    let drag_move = drag.clone();
    let drag_up = drag;
    let edit = move |phase: EditPhase, kind: Tool, voxel: Option<[usize; 3]>| {
        if let Some(e) = v.editing {
            e.on_edit.run(EditEvent { phase, tool: kind, voxel, normal_axis: layout.normal_axis });
        }
    };
    let on_down = move |ev: leptos::ev::PointerEvent| {
        let Some(el) = canvas.get_untracked() else { return };
        let _ = el.focus();
        v.active_view.set(i);
        let kind = match ev.button() {
            2 => Tool::Window,
            1 => Tool::Pan,
            0 if ev.shift_key() => Tool::Pan,
            0 => v.tool.get_untracked(),
            _ => return,
        };
        ev.prevent_default();
        let p = canvas_point(&el, &ev);
        let _ = el.set_pointer_capture(ev.pointer_id());
        drag_down.set(Some(Drag { tool: kind, last: p, pointer: ev.pointer_id() }));
        if kind == Tool::Crosshair {
            if let Some(voxel) = v.voxel_at(i, &el, p) {
                v.cursor.set(voxel);
            }
        } else if kind.edits() {
            edit(EditPhase::Start, kind, v.voxel_at(i, &el, p));
        }
    };
    let on_move = move |ev: leptos::ev::PointerEvent| {
        let Some(el) = canvas.get_untracked() else { return };
        let p = canvas_point(&el, &ev);
        let under = v.pixel_at(i, &el, p).map(|(c, r)| (i, c, r));
        if v.hover.get_untracked() != under {
            v.hover.set(under);
        }
        let Some(mut d) = drag_move.get().filter(|d| d.pointer == ev.pointer_id()) else { return };
        let delta = [p[0] - d.last[0], p[1] - d.last[1]];
        d.last = p;
        drag_move.set(Some(d));
        match d.tool {
            Tool::Crosshair => {
                if let Some(voxel) = v.voxel_at(i, &el, p) {
                    v.cursor.set(voxel);
                }
            }
            Tool::Window => {
                let (c, w) = v.window.get_untracked();
                let dpr = platform::device_pixel_ratio();
                v.set_window(
                    c + (delta[1] / dpr * v.wl_per_pixel) as f32,
                    (f64::from(w) + delta[0] / dpr * v.wl_per_pixel * 2.0).max(v.wl_per_pixel) as f32,
                );
            }
            Tool::Pan => v.transforms[i].update(|t| {
                t.pan[0] += delta[0];
                t.pan[1] += delta[1];
            }),
            Tool::Brush | Tool::Erase => edit(EditPhase::Move, d.tool, v.voxel_at(i, &el, p)),
            Tool::Seed => {}
        }
    };
    let on_up = move |ev: leptos::ev::PointerEvent| {
        if let Some(el) = canvas.get_untracked() {
            let _ = el.release_pointer_capture(ev.pointer_id());
        }
        if let Some(d) = drag_up.get().filter(|d| d.pointer == ev.pointer_id()) {
            if d.tool.edits() {
                edit(EditPhase::End, d.tool, None);
            }
        }
        drag_up.set(None);
    };
    let on_wheel = move |ev: leptos::ev::WheelEvent| {
        let dy = ev.delta_y();
        if dy == 0.0 {
            return;
        }
        ev.prevent_default();
        if ev.ctrl_key() || ev.meta_key() {
            let at = canvas.get_untracked().map(|el| canvas_point(&el, &ev));
            v.zoom_view(i, at, (-dy * 0.0015).exp().clamp(0.5, 2.0));
        } else {
            v.step_slice(i, if dy > 0.0 { 1 } else { -1 });
        }
    };
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        let page = (layout.depth as i64 / 10).max(1);
        match ev.key().as_str() {
            "ArrowUp" | "ArrowRight" => v.step_slice(i, 1),
            "ArrowDown" | "ArrowLeft" => v.step_slice(i, -1),
            "PageUp" => v.step_slice(i, page),
            "PageDown" => v.step_slice(i, -page),
            "Home" => v.step_slice(i, -(layout.depth as i64)),
            "End" => v.step_slice(i, layout.depth as i64),
            "+" | "=" => v.zoom_view(i, None, 1.25),
            "-" | "_" => v.zoom_view(i, None, 0.8),
            "0" => v.transforms[i].set(ViewTransform::default()),
            _ => return,
        }
        ev.prevent_default();
    };
    let slice_text = move || {
        let (_, _, s) = layout.pixel(v.cursor.get());
        format!("{} / {}", s + 1, layout.depth)
    };
    let label = format!("{name} {}", t.lab_view_label);
    view! {
        <figure class="view" data-plane=plane.name()>
            <figcaption>
                <span class="view-name">{name}</span>
                <span class="view-slice" data-testid=format!("slice-{}", plane.name())>{t.lab_slice}" "{slice_text}</span>
            </figcaption>
            <div class="view-canvas">
                <canvas node_ref=canvas tabindex="0" role="img" aria-label=label
                    class:editing=move || v.tool.get().edits() on:focus=move |_| v.active_view.set(i)
                    data-testid=format!("view-{}", plane.name())
                    data-render-ms=move || format!("{:.2}", render_ms.get())
                    on:pointerdown=on_down on:pointermove=on_move on:pointerup=on_up.clone() on:pointercancel=on_up
                    on:pointerleave=move |_| v.hover.set(None)
                    on:contextmenu=|ev| ev.prevent_default()
                    on:wheel=on_wheel on:keydown=on_key></canvas>
                <span class="edge left" aria-hidden="true">{left.to_string()}</span>
                <span class="edge right" aria-hidden="true">{right.to_string()}</span>
                <span class="edge top" aria-hidden="true">{top.to_string()}</span>
                <span class="edge bottom" aria-hidden="true">{bottom.to_string()}</span>
            </div>
        </figure>
    }
}
