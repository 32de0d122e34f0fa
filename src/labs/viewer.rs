//! The multiplanar viewer of the Image Lab: axial, coronal and sagittal slices of a volume with a linked
//! crosshair, window/level, zoom and pan, a readout under the pointer and a label overlay.
//!
//! The engine (`radlearn_engine::image::view`) extracts each slice and composes its RGBA pixels into buffers this
//! component keeps between frames; the pixels go into an `ImageData` on a detached canvas at the slice's own
//! resolution, which is drawn scaled (pixel spacing respected, no smoothing) onto the visible canvas.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::Arc;

use leptos::html::Canvas;
use leptos::prelude::*;
use radlearn_engine::image::view::{
    auto_window, blend_overlay, compose, compose_colour, LabelStyle, Overlay, Placement, Plane, SliceLayout, ViewTransform,
};
use radlearn_engine::image::window::{Preset, Window};
use radlearn_engine::{LabelMap, Volume};
use wasm_bindgen::{Clamped, JsCast};

use crate::platform;
use crate::strings::ui;

/// The mask shown over the image and how it is drawn; the page's mask panel edits it too.
#[derive(Clone, Copy)]
pub struct OverlaySettings {
    pub mask: RwSignal<Option<Arc<LabelMap>>>,
    /// Fill opacity, 0 to 1.
    pub opacity: RwSignal<f32>,
    pub outline: RwSignal<bool>,
    /// Colours and which labels are shown.
    pub style: RwSignal<LabelStyle>,
}

impl OverlaySettings {
    pub fn new() -> Self {
        OverlaySettings {
            mask: RwSignal::new(None),
            opacity: RwSignal::new(0.45),
            outline: RwSignal::new(false),
            style: RwSignal::new(LabelStyle::default()),
        }
    }
}

impl Default for OverlaySettings {
    fn default() -> Self {
        Self::new()
    }
}

/// What a left-button drag does.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Tool {
    Crosshair,
    Window,
    Pan,
    /// Region growing from the clicked voxel (the segmentation panel does the work).
    Seed,
    /// Paint the student's mask.
    Brush,
    /// Erase from the student's mask.
    Erase,
}

impl Tool {
    /// True for the tools whose clicks and drags go to the segmentation panel.
    pub fn edits(self) -> bool {
        matches!(self, Tool::Seed | Tool::Brush | Tool::Erase)
    }
}

/// Where an edit gesture is.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum EditPhase {
    /// The button went down.
    Start,
    /// The pointer moved with the button down.
    Move,
    /// The button went up (or the gesture was cancelled).
    End,
}

/// A click or drag of an editing tool in one of the views.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct EditEvent {
    pub phase: EditPhase,
    pub tool: Tool,
    /// The voxel under the pointer, `None` off the slice.
    pub voxel: Option<[usize; 3]>,
    /// The voxel axis across the view's slices (2 for an axial view of an axial acquisition): the slice a brush
    /// paints in.
    pub normal_axis: usize,
}

/// The student's mask drawn over the reference, and the editing tools of the segmentation panel.
#[derive(Clone, Copy)]
pub struct Editing {
    /// What a left-button drag does; the viewer's toolbar and the segmentation panel both set it.
    pub tool: RwSignal<Tool>,
    /// The student's mask, drawn in [`STUDENT_COLOUR`].
    pub mask: RwSignal<Option<Arc<LabelMap>>>,
    /// A mask shown instead of the student's while a tool is being set up (a threshold range), in
    /// [`PREVIEW_COLOUR`].
    pub preview: RwSignal<Option<Arc<LabelMap>>>,
    /// Called for every click and drag of an editing tool.
    pub on_edit: Callback<EditEvent>,
    /// Radius of the brush and the eraser in mm, drawn as a circle under the pointer.
    pub brush_mm: RwSignal<f64>,
}

/// Colour of the student's mask (label 1): green, apart from the reference's palette.
pub const STUDENT_COLOUR: [u8; 3] = [34, 211, 102];
/// Colour of a preview: amber.
pub const PREVIEW_COLOUR: [u8; 3] = [255, 183, 3];

fn layer_style(colour: [u8; 3]) -> LabelStyle {
    let mut style = LabelStyle::default();
    style.colours[1..].fill(colour);
    style
}

#[derive(Clone, Copy)]
struct Drag {
    tool: Tool,
    last: [f64; 2],
    pointer: i32,
}

/// Buffers reused from frame to frame: no allocation per pixel, and none per frame once sizes settle.
#[derive(Default)]
struct Buffers {
    values: Vec<f32>,
    /// The slice's display colours, for a colour image.
    colours: Vec<[u8; 3]>,
    labels: Vec<u8>,
    layer_labels: Vec<u8>,
    rgba: Vec<u8>,
    offscreen: Option<web_sys::HtmlCanvasElement>,
}

fn context(canvas: &web_sys::HtmlCanvasElement) -> Result<web_sys::CanvasRenderingContext2d, String> {
    canvas
        .get_context("2d")
        .map_err(|_| "the browser refused a 2D canvas")?
        .ok_or("no 2D canvas")?
        .dyn_into()
        .map_err(|_| "unexpected canvas context".to_string())
}

/// Resizes the canvas's drawing buffer to its displayed size in device pixels; returns that size.
fn fit_canvas(el: &web_sys::HtmlCanvasElement) -> [f64; 2] {
    let dpr = platform::device_pixel_ratio();
    let w = ((f64::from(el.client_width().max(1))) * dpr).round().max(1.0) as u32;
    let h = ((f64::from(el.client_height().max(1))) * dpr).round().max(1.0) as u32;
    if el.width() != w {
        el.set_width(w);
    }
    if el.height() != h {
        el.set_height(h);
    }
    [f64::from(w), f64::from(h)]
}

/// A pointer position in the canvas's device pixels.
fn canvas_point(el: &web_sys::HtmlCanvasElement, ev: &web_sys::MouseEvent) -> [f64; 2] {
    let sx = f64::from(el.width()) / f64::from(el.client_width().max(1));
    let sy = f64::from(el.height()) / f64::from(el.client_height().max(1));
    [f64::from(ev.offset_x()) * sx, f64::from(ev.offset_y()) * sy]
}

fn canvas_size(el: &web_sys::HtmlCanvasElement) -> [f64; 2] {
    [f64::from(el.width()), f64::from(el.height())]
}

struct Frame<'a> {
    volume: &'a Volume,
    mask: Option<&'a LabelMap>,
    layout: &'a SliceLayout,
    cursor: [usize; 3],
    window: Window,
    style: &'a LabelStyle,
    opacity: f32,
    outline: bool,
    transform: ViewTransform,
    /// The student's mask (or a preview) over the reference, with its style.
    layer: Option<(&'a LabelMap, &'a LabelStyle)>,
    /// The brush under the pointer: its pixel (column, row) and radius in mm.
    brush: Option<((usize, usize), f64)>,
}

fn draw(el: &web_sys::HtmlCanvasElement, buf: &mut Buffers, f: &Frame) -> Result<(), String> {
    let size = fit_canvas(el);
    let layout = f.layout;
    let (col, row, slice) = layout.pixel(f.cursor);
    let Buffers { values, colours, labels, layer_labels, rgba, offscreen } = buf;
    if !layout.extract(&f.volume.data, slice, values) {
        return Err("the slice is outside the image".into());
    }
    let mask = f.mask.filter(|m| m.data.len() == f.volume.data.len());
    let has_labels = mask.is_some_and(|m| layout.extract(&m.data, slice, labels));
    let overlay = has_labels.then_some(Overlay { labels, style: f.style, opacity: f.opacity, outline: f.outline });
    rgba.resize(values.len() * 4, 0);
    // The student's mask (or a preview), filled, goes under the reference so that an outlined reference stays visible.
    let layer = f.layer.filter(|(m, _)| m.data.len() == f.volume.data.len() && layout.extract(&m.data, slice, layer_labels));
    let under = if layer.is_some() { None } else { overlay.as_ref() };
    // A colour image is shown in its colours (the window applies to the luminance readout only).
    let colour = f.volume.meta.rgb.as_ref().is_some_and(|c| c.len() == f.volume.data.len() && layout.extract(c, slice, colours));
    let composed =
        if colour { compose_colour(colours, layout.width, under, rgba) } else { compose(values, layout.width, &f.window, under, rgba) };
    if !composed {
        return Err("the slice could not be composed".into());
    }
    if let Some((_, style)) = layer {
        let student = Overlay { labels: layer_labels, style, opacity: f.opacity.max(0.3), outline: false };
        blend_overlay(&student, layout.width, rgba);
        if let Some(reference) = overlay.as_ref() {
            blend_overlay(reference, layout.width, rgba);
        }
    }
    let (w, h) = (layout.width as u32, layout.height as u32);
    if offscreen.is_none() {
        *offscreen = platform::offscreen_canvas();
    }
    let off = offscreen.as_ref().ok_or("the browser refused a canvas")?;
    if off.width() != w || off.height() != h {
        off.set_width(w);
        off.set_height(h);
    }
    let image = web_sys::ImageData::new_with_u8_clamped_array_and_sh(Clamped(&rgba[..]), w, h).map_err(|_| "cannot build the image")?;
    context(off)?.put_image_data(&image, 0.0, 0.0).map_err(|_| "cannot draw the image")?;

    let ctx = context(el)?;
    ctx.set_fill_style_str("#000");
    ctx.fill_rect(0.0, 0.0, size[0], size[1]);
    ctx.set_image_smoothing_enabled(false);
    let p = Placement::new(size, layout, f.transform);
    ctx.draw_image_with_html_canvas_element_and_dw_and_dh(off, p.x, p.y, p.width, p.height).map_err(|_| "cannot draw the image")?;

    // Crosshair through the centre of the cursor's voxel, with a gap so the voxel itself stays visible.
    let [x, y] = p.to_canvas(layout, [col as f64 + 0.5, row as f64 + 0.5]);
    let dpr = platform::device_pixel_ratio();
    let gap = 6.0 * dpr;
    ctx.set_stroke_style_str("rgba(250, 204, 21, 0.85)");
    ctx.set_line_width(dpr);
    ctx.begin_path();
    for (a, b) in
        [([p.x, y], [x - gap, y]), ([x + gap, y], [p.x + p.width, y]), ([x, p.y], [x, y - gap]), ([x, y + gap], [x, p.y + p.height])]
    {
        ctx.move_to(a[0], a[1]);
        ctx.line_to(b[0], b[1]);
    }
    ctx.stroke();
    if let Some(((c, r), mm)) = f.brush {
        let [bx, by] = p.to_canvas(layout, [c as f64 + 0.5, r as f64 + 0.5]);
        let radius = (mm / layout.spacing[0].max(1e-9) * p.width / layout.width.max(1) as f64).max(2.0 * dpr);
        ctx.set_stroke_style_str("rgba(255, 255, 255, 0.9)");
        ctx.begin_path();
        if ctx.arc(bx, by, radius, 0.0, std::f64::consts::TAU).is_ok() {
            ctx.stroke();
        }
    }
    Ok(())
}

/// A value for the readout: whole numbers as such, others with three decimals.
fn format_value(v: f32, hu: bool) -> String {
    let unit = if hu { " HU" } else { "" };
    if v.fract() == 0.0 || hu {
        format!("{v:.0}{unit}")
    } else {
        format!("{v:.3}{unit}")
    }
}

/// The viewer. It is rebuilt when another image is opened, which resets its state.
#[component]
pub fn Viewer(
    /// The image.
    volume: Arc<Volume>,
    /// The mask and its display settings.
    overlay: OverlaySettings,
    /// The student's mask and the editing tools, when the page has a segmentation panel.
    #[prop(optional)]
    editing: Option<Editing>,
    /// The window (centre, width) shown first and on Reset; the automatic window if `None`.
    #[prop(optional_no_strip)]
    initial_window: Option<(f32, f32)>,
    /// The axial slice shown first and on Reset (voxel index across the axial view, clamped); the middle one if `None`.
    #[prop(optional_no_strip)]
    initial_slice: Option<usize>,
    /// A layout for a lesson column: a large axial view with the other two beside it.
    #[prop(optional)]
    compact: bool,
) -> impl IntoView {
    let t = ui();
    let layouts = SliceLayout::all(&volume.geometry);
    let dims = volume.geometry.dims;
    let mut centre_voxel = dims.map(|d| d / 2);
    if let (Some(s), Some(axial)) = (initial_slice, layouts.iter().find(|l| l.plane == Plane::Axial)) {
        let a = axial.normal_axis;
        centre_voxel[a] = s.min(dims[a].saturating_sub(1));
    }
    let cursor = RwSignal::new(centre_voxel);
    let auto = auto_window(&volume);
    let start_window = initial_window.unwrap_or((auto.centre(), auto.width()));
    let window = RwSignal::new(start_window);
    let transforms =
        [RwSignal::new(ViewTransform::default()), RwSignal::new(ViewTransform::default()), RwSignal::new(ViewTransform::default())];
    let tool = editing.map(|e| e.tool).unwrap_or_else(|| RwSignal::new(Tool::Crosshair));
    // The view last clicked or focused: the one "Save the view as PNG" saves.
    let active_view = RwSignal::new(0usize);
    let student_style = layer_style(STUDENT_COLOUR);
    let preview_style = layer_style(PREVIEW_COLOUR);
    // The view and pixel under the pointer; its voxel follows the slice when the wheel changes it.
    let hover = RwSignal::new(None::<(usize, usize, usize)>);
    let resized = RwSignal::new(0u32);
    let render_ms = RwSignal::new(0.0f64);
    let hu = volume.meta.units.as_deref() == Some("HU");
    let (lo, hi) = volume.range().unwrap_or((0.0, 1.0));
    let wl_per_pixel = f64::from((hi - lo).max(1e-3)) / 500.0;
    let canvases: [NodeRef<Canvas>; 3] = [NodeRef::new(), NodeRef::new(), NodeRef::new()];
    let drag: Rc<Cell<Option<Drag>>> = Rc::new(Cell::new(None));

    let handle = window_event_listener(leptos::ev::resize, move |_| resized.update(|n| *n = n.wrapping_add(1)));
    on_cleanup(move || handle.remove());

    // One render effect per plane; each reuses its own buffers.
    let frame_times: Rc<RefCell<[f64; 3]>> = Rc::new(RefCell::new([0.0; 3]));
    // Each view's last drawing time, on its canvas (`data-render-ms`), for the benchmarks.
    let plane_ms = [RwSignal::new(0.0f64), RwSignal::new(0.0f64), RwSignal::new(0.0f64)];
    for (i, layout) in layouts.into_iter().enumerate() {
        let volume = volume.clone();
        let buffers = RefCell::new(Buffers::default());
        let canvas = canvases[i];
        let transform = transforms[i];
        let frame_times = frame_times.clone();
        let (student_style, preview_style) = (student_style.clone(), preview_style.clone());
        // The brush circle of this view: changes only when the pointer moves over this view with the brush or eraser.
        let brush_here = Memo::new(move |_| {
            let e = editing?;
            let (_, c, r) = hover.get().filter(|h| h.0 == i && matches!(tool.get(), Tool::Brush | Tool::Erase))?;
            Some(((c, r), e.brush_mm.get()))
        });
        Effect::new(move |_| {
            resized.track();
            let Some(el) = canvas.get() else { return };
            let (c, w) = window.get();
            let Ok(win) = Window::new(c, w) else { return };
            let mask = overlay.mask.get();
            let opacity = overlay.opacity.get();
            let outline = overlay.outline.get();
            let cur = cursor.get();
            let tr = transform.get();
            let (layer, layer_preview) = match editing {
                Some(e) => match e.preview.get() {
                    Some(p) => (Some(p), true),
                    None => (e.mask.get(), false),
                },
                None => (None, false),
            };
            let start = platform::now_ms();
            let result = overlay.style.with(|style| {
                let frame = Frame {
                    volume: &volume,
                    mask: mask.as_deref(),
                    layout: &layout,
                    cursor: cur,
                    window: win,
                    style,
                    opacity,
                    outline,
                    transform: tr,
                    layer: layer.as_deref().map(|m| (m, if layer_preview { &preview_style } else { &student_style })),
                    brush: brush_here.get(),
                };
                draw(&el, &mut buffers.borrow_mut(), &frame)
            });
            if let Err(e) = result {
                leptos::logging::warn!("the {} view could not be drawn: {e}", layout.plane.name());
            }
            let mut times = frame_times.borrow_mut();
            times[i] = platform::now_ms() - start;
            plane_ms[i].set(times[i]);
            render_ms.set(times.iter().copied().fold(0.0, f64::max));
        });
    }

    let set_window = move |c: f32, w: f32| {
        if c.is_finite() && w.is_finite() {
            window.set((c, w.max(1e-3)));
        }
    };
    let step_slice = move |i: usize, delta: i64| {
        let a = layouts[i].normal_axis;
        let n = layouts[i].depth as i64;
        cursor.update(|c| c[a] = (c[a] as i64 + delta).clamp(0, (n - 1).max(0)) as usize);
    };
    let zoom_view = move |i: usize, at: Option<[f64; 2]>, factor: f64| {
        let Some(el) = canvases[i].get_untracked() else { return };
        let size = canvas_size(&el);
        let at = at.unwrap_or([size[0] / 2.0, size[1] / 2.0]);
        transforms[i].update(|t| *t = t.zoom_at(size, &layouts[i], at, factor));
    };
    let pixel_at = move |i: usize, el: &web_sys::HtmlCanvasElement, p: [f64; 2]| {
        Placement::new(canvas_size(el), &layouts[i], transforms[i].get_untracked()).pixel_at(&layouts[i], p)
    };
    let voxel_at = move |i: usize, el: &web_sys::HtmlCanvasElement, p: [f64; 2]| {
        let (col, row) = pixel_at(i, el, p)?;
        let (_, _, slice) = layouts[i].pixel(cursor.get_untracked());
        layouts[i].voxel(col, row, slice)
    };
    let zoom_all = move |factor: f64| {
        for i in 0..3 {
            zoom_view(i, None, factor)
        }
    };
    let reset = move || {
        for tr in transforms {
            tr.set(ViewTransform::default());
        }
        cursor.set(centre_voxel);
        window.set(start_window);
    };

    // A flat image (one slice, e.g. a PNG) has nothing to show across its thickness: only the views with an area.
    let mut shown: Vec<usize> = (0..3).filter(|&i| layouts[i].width > 1 && layouts[i].height > 1).collect();
    if shown.is_empty() {
        shown.push(0);
    }
    let single = shown.len() == 1;
    let views = Plane::ALL
        .into_iter()
        .enumerate()
        .filter(|(i, _)| shown.contains(i))
        .map(|(i, plane)| {
            let layout = layouts[i];
            let canvas = canvases[i];
            let [left, right, top, bottom] = plane.edge_labels();
            let name = match plane {
                Plane::Axial => t.lab_axial,
                Plane::Coronal => t.lab_coronal,
                Plane::Sagittal => t.lab_sagittal,
            };
            let drag_down = drag.clone();
            let drag_move = drag.clone();
            let drag_up = drag.clone();
            let edit = move |phase: EditPhase, kind: Tool, voxel: Option<[usize; 3]>| {
                if let Some(e) = editing {
                    e.on_edit.run(EditEvent { phase, tool: kind, voxel, normal_axis: layout.normal_axis });
                }
            };
            let on_down = move |ev: leptos::ev::PointerEvent| {
                let Some(el) = canvas.get_untracked() else { return };
                let _ = el.focus();
                active_view.set(i);
                let kind = match ev.button() {
                    2 => Tool::Window,
                    1 => Tool::Pan,
                    0 if ev.shift_key() => Tool::Pan,
                    0 => tool.get_untracked(),
                    _ => return,
                };
                ev.prevent_default();
                let p = canvas_point(&el, &ev);
                let _ = el.set_pointer_capture(ev.pointer_id());
                drag_down.set(Some(Drag { tool: kind, last: p, pointer: ev.pointer_id() }));
                if kind == Tool::Crosshair {
                    if let Some(v) = voxel_at(i, &el, p) {
                        cursor.set(v);
                    }
                } else if kind.edits() {
                    edit(EditPhase::Start, kind, voxel_at(i, &el, p));
                }
            };
            let on_move = move |ev: leptos::ev::PointerEvent| {
                let Some(el) = canvas.get_untracked() else { return };
                let p = canvas_point(&el, &ev);
                let under = pixel_at(i, &el, p).map(|(c, r)| (i, c, r));
                if hover.get_untracked() != under {
                    hover.set(under);
                }
                let Some(mut d) = drag_move.get().filter(|d| d.pointer == ev.pointer_id()) else { return };
                let delta = [p[0] - d.last[0], p[1] - d.last[1]];
                d.last = p;
                drag_move.set(Some(d));
                match d.tool {
                    Tool::Crosshair => {
                        if let Some(v) = voxel_at(i, &el, p) {
                            cursor.set(v);
                        }
                    }
                    Tool::Window => {
                        let (c, w) = window.get_untracked();
                        let dpr = platform::device_pixel_ratio();
                        set_window(
                            c + (delta[1] / dpr * wl_per_pixel) as f32,
                            (f64::from(w) + delta[0] / dpr * wl_per_pixel * 2.0).max(wl_per_pixel) as f32,
                        );
                    }
                    Tool::Pan => transforms[i].update(|t| {
                        t.pan[0] += delta[0];
                        t.pan[1] += delta[1];
                    }),
                    Tool::Brush | Tool::Erase => edit(EditPhase::Move, d.tool, voxel_at(i, &el, p)),
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
                    zoom_view(i, at, (-dy * 0.0015).exp().clamp(0.5, 2.0));
                } else {
                    step_slice(i, if dy > 0.0 { 1 } else { -1 });
                }
            };
            let on_key = move |ev: leptos::ev::KeyboardEvent| {
                let page = (layout.depth as i64 / 10).max(1);
                match ev.key().as_str() {
                    "ArrowUp" | "ArrowRight" => step_slice(i, 1),
                    "ArrowDown" | "ArrowLeft" => step_slice(i, -1),
                    "PageUp" => step_slice(i, page),
                    "PageDown" => step_slice(i, -page),
                    "Home" => step_slice(i, -(layout.depth as i64)),
                    "End" => step_slice(i, layout.depth as i64),
                    "+" | "=" => zoom_view(i, None, 1.25),
                    "-" | "_" => zoom_view(i, None, 0.8),
                    "0" => transforms[i].set(ViewTransform::default()),
                    _ => return,
                }
                ev.prevent_default();
            };
            let slice_text = move || {
                let (_, _, s) = layout.pixel(cursor.get());
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
                            class:editing=move || tool.get().edits() on:focus=move |_| active_view.set(i)
                            data-testid=format!("view-{}", plane.name())
                            data-render-ms=move || format!("{:.2}", plane_ms[i].get())
                            on:pointerdown=on_down on:pointermove=on_move on:pointerup=on_up.clone() on:pointercancel=on_up
                            on:pointerleave=move |_| hover.set(None)
                            on:contextmenu=|ev| ev.prevent_default()
                            on:wheel=on_wheel on:keydown=on_key></canvas>
                        <span class="edge left" aria-hidden="true">{left.to_string()}</span>
                        <span class="edge right" aria-hidden="true">{right.to_string()}</span>
                        <span class="edge top" aria-hidden="true">{top.to_string()}</span>
                        <span class="edge bottom" aria-hidden="true">{bottom.to_string()}</span>
                    </div>
                </figure>
            }
        })
        .collect_view();

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
    let tools = [(Tool::Crosshair, t.lab_tool_crosshair), (Tool::Window, t.lab_tool_window), (Tool::Pan, t.lab_tool_pan)]
        .into_iter()
        .map(|(k, label)| {
            view! {
                <button type="button" class="tool secondary" aria-pressed=move || (tool.get() == k).to_string()
                    data-tool=format!("{k:?}").to_lowercase() on:click=move |_| tool.set(k)>{label}</button>
            }
        })
        .collect_view();

    let save_view = move || {
        let i = active_view.get_untracked();
        if let Some(el) = canvases.get(i).and_then(|c| c.get_untracked()) {
            let (_, _, s) = layouts[i].pixel(cursor.get_untracked());
            let name = format!("radlearn-{}-slice-{}.png", layouts[i].plane.name(), s + 1);
            if let Err(e) = platform::download_canvas_png(&el, &name) {
                leptos::logging::warn!("the view could not be saved: {e}");
            }
        }
    };
    let vol = volume.clone();
    let readout = move || {
        let c = cursor.get();
        let under = hover.get().and_then(|(i, col, row)| layouts[i].voxel(col, row, layouts[i].pixel(c).2));
        let (what, v) = match under {
            Some(v) => (t.lab_pointer, v),
            None => (t.lab_crosshair, c),
        };
        let value = vol.get(v[0], v[1], v[2]).map(|x| format_value(x, hu)).unwrap_or_default();
        let w = vol.geometry.voxel_to_world(v.map(|x| x as f64));
        let region = overlay.mask.with(|m| {
            m.as_ref().and_then(|m| {
                let l = vol.geometry.index(v[0], v[1], v[2]).and_then(|i| m.data.get(i).copied()).filter(|&l| l != 0)?;
                Some(m.names.iter().find(|(k, _)| *k == l).map(|(_, n)| n.clone()).unwrap_or_else(|| format!("{} {l}", t.lab_label)))
            })
        });
        let region = region.map(|r| format!(" · {} {r}", t.lab_inside)).unwrap_or_default();
        format!(
            "{what}: {value} · {} ({}, {}, {}) · {} ({:.1}, {:.1}, {:.1}) mm{region}",
            t.lab_voxel, v[0], v[1], v[2], t.lab_world, w[0], w[1], w[2]
        )
    };
    let unit = if hu { " HU" } else { "" };
    let centre_text = move || format!("{:.0}", window.get().0);
    let width_text = move || format!("{:.0}", window.get().1);
    let on_centre = move |ev: leptos::ev::Event| {
        if let Ok(v) = event_target_value(&ev).parse::<f32>() {
            set_window(v, window.get_untracked().1)
        }
    };
    let on_width = move |ev: leptos::ev::Event| {
        if let Ok(v) = event_target_value(&ev).parse::<f32>() {
            if v > 0.0 {
                set_window(window.get_untracked().0, v)
            }
        }
    };

    view! {
        <section class="viewer" class:compact=compact data-testid="viewer" aria-label=t.lab_viewer
            data-render-ms=move || format!("{:.2}", render_ms.get())>
            <div class="viewer-toolbar">
                <div class="presets" role="group" aria-label=t.presets>
                    {presets}
                    <button type="button" class="preset" data-preset="auto" on:click=move |_| window.set((auto.centre(), auto.width()))>
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
            <div class="viewer-toolbar">
                <div class="tools" role="group" aria-label=t.lab_drag_tool>
                    <span class="muted">{t.lab_drag_tool}</span>
                    {tools}
                </div>
                <div class="zoom" role="group" aria-label=t.lab_zoom>
                    <button type="button" class="secondary" aria-label=t.lab_zoom_in data-testid="zoom-in" on:click=move |_| zoom_all(1.25)>"+"</button>
                    <button type="button" class="secondary" aria-label=t.lab_zoom_out data-testid="zoom-out" on:click=move |_| zoom_all(0.8)>"−"</button>
                    <button type="button" class="secondary" data-testid="reset-view" on:click=move |_| reset()>{t.lab_reset}</button>
                    <button type="button" class="secondary" data-testid="save-view" on:click=move |_| save_view()>
                        {crate::strings::segment_ui().export_view}
                    </button>
                </div>
            </div>
            <div class="views" class:single=single>{views}</div>
            <p class="readout lab-readout" data-testid="readout" aria-live="off">{readout}</p>
            <p class="muted lab-help">{t.lab_help}</p>
        </section>
    }
}
