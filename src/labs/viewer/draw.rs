//! Drawing a view: the slice composed by the engine into reused buffers, drawn scaled onto the canvas with the
//! crosshair and the brush circle; one render effect per view.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use leptos::prelude::*;
use radlearn_engine::image::view::{blend_overlay, compose, compose_colour, LabelStyle, Overlay, Placement, SliceLayout, ViewTransform};
use radlearn_engine::image::window::Window;
use radlearn_engine::{LabelMap, Volume};
use wasm_bindgen::{Clamped, JsCast};

use super::state::ViewState;
use super::{OverlaySettings, Tool, PREVIEW_COLOUR, STUDENT_COLOUR};
use crate::platform;

fn layer_style(colour: [u8; 3]) -> LabelStyle {
    let mut style = LabelStyle::default();
    style.colours[1..].fill(colour);
    style
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

/// Starts one render effect per view; each reuses its own buffers and redraws when what it shows changes (or the
/// window is resized: `resized`). Each view's drawing time goes to `plane_ms`, the slowest to `render_ms`.
pub(super) fn render_views(
    volume: &Arc<Volume>,
    v: ViewState,
    overlay: OverlaySettings,
    resized: RwSignal<u32>,
    plane_ms: [RwSignal<f64>; 3],
    render_ms: RwSignal<f64>,
) {
    let ViewState { layouts, cursor, window, transforms, tool, hover, canvases, editing, .. } = v;
    let student_style = layer_style(STUDENT_COLOUR);
    let preview_style = layer_style(PREVIEW_COLOUR);
    let frame_times: Rc<RefCell<[f64; 3]>> = Rc::new(RefCell::new([0.0; 3]));
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
}
