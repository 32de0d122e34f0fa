//! `window-level`: window/level on a synthetic CT chest slice, with presets, a HU readout under
//! the pointer and the histogram with the window drawn over it.

use std::sync::Arc;

use leptos::prelude::*;
use ndarray::Array2;
use radlearn_course::widgets::{window_preset, WindowLevelParams};
use radlearn_engine::{image::histogram::Histogram, image::synthetic::chest_slice, image::window::Window};
use wasm_bindgen::{Clamped, JsCast};

use super::exercises::WidgetError;
use crate::strings::ui;

const SIZE: usize = 256;
const HIST_MIN: f32 = -1100.0;
const HIST_MAX: f32 = 1500.0;
const HIST_BINS: usize = 130;
const SVG_W: f32 = 520.0;
const SVG_H: f32 = 110.0;

fn draw(canvas: &web_sys::HtmlCanvasElement, image: &Array2<f32>, centre: f32, width: f32) -> Result<(), String> {
    let window = Window::new(centre, width).map_err(|e| e.to_string())?;
    let values = image.as_slice().ok_or("image is not contiguous")?;
    let mut rgba = vec![0u8; values.len() * 4];
    window.to_rgba(values, &mut rgba);
    let ctx: web_sys::CanvasRenderingContext2d = canvas
        .get_context("2d")
        .map_err(|_| "the browser refused a 2D canvas")?
        .ok_or("no 2D canvas")?
        .dyn_into()
        .map_err(|_| "unexpected canvas context")?;
    let data = web_sys::ImageData::new_with_u8_clamped_array_and_sh(Clamped(&rgba), SIZE as u32, SIZE as u32)
        .map_err(|_| "cannot build the image")?;
    ctx.put_image_data(&data, 0.0, 0.0).map_err(|_| "cannot draw the image".to_string())
}

fn x_of(hu: f32) -> f32 {
    ((hu - HIST_MIN) / (HIST_MAX - HIST_MIN) * SVG_W).clamp(0.0, SVG_W)
}

/// The window/level exercise.
#[component]
pub fn WindowLevel(
    /// Checked parameters from the lesson.
    params: WindowLevelParams,
) -> impl IntoView {
    let t = ui();
    let (c0, w0) = window_preset(&params.preset).unwrap_or((40.0, 400.0));
    let centre = RwSignal::new(c0);
    let width = RwSignal::new(w0);
    let image = Arc::new(chest_slice(SIZE));
    let canvas = NodeRef::<leptos::html::Canvas>::new();
    let error = RwSignal::new(None::<String>);
    let readout = RwSignal::new(None::<(usize, usize, f32)>);

    let img = image.clone();
    Effect::new(move |_| {
        let (c, w) = (centre.get(), width.get());
        if let Some(el) = canvas.get() {
            error.set(draw(&el, &img, c, w).err());
        }
    });

    let img = image.clone();
    let on_move = move |ev: leptos::ev::MouseEvent| {
        let Some(el) = canvas.get_untracked() else { return };
        let (cw, ch) = (el.client_width().max(1) as f64, el.client_height().max(1) as f64);
        let col = (f64::from(ev.offset_x()) / cw * SIZE as f64).floor();
        let row = (f64::from(ev.offset_y()) / ch * SIZE as f64).floor();
        if (0.0..SIZE as f64).contains(&col) && (0.0..SIZE as f64).contains(&row) {
            let (r, c) = (row as usize, col as usize);
            readout.set(img.get([r, c]).map(|&v| (c, r, v)));
        }
    };

    let presets = params
        .presets
        .iter()
        .filter_map(|name| window_preset(name).map(|(c, w)| (name.clone(), c, w)))
        .map(|(name, c, w)| {
            let pressed = move || (centre.get() == c && width.get() == w).to_string();
            view! {
                <button type="button" class="preset" aria-pressed=pressed data-preset=name.clone()
                    on:click=move |_| { centre.set(c); width.set(w); }>
                    {name.clone()}<small>{format!(" W{w} L{c}")}</small>
                </button>
            }
        })
        .collect_view();

    let histogram = params.histogram.then(|| {
        let hist = image.as_slice().and_then(|v| Histogram::new(v, HIST_MIN, HIST_MAX, HIST_BINS));
        let Some(hist) = hist else { return view! { <WidgetError message="histogram unavailable".to_string()/> }.into_any() };
        let peak = hist.counts.iter().copied().max().unwrap_or(1).max(1) as f32;
        let bar_w = SVG_W / HIST_BINS as f32;
        // Square-root scale: air and lung would otherwise flatten every other peak.
        let bars: String = hist
            .counts
            .iter()
            .enumerate()
            .map(|(k, &n)| {
                let h = (n as f32 / peak).sqrt() * (SVG_H - 20.0);
                format!("M{:.1} {:.1}h{:.1}v{:.1}h{:.1}z", k as f32 * bar_w, SVG_H - 14.0 - h, bar_w * 0.9, h, -bar_w * 0.9)
            })
            .collect();
        let ticks = [-1000.0f32, -500.0, 0.0, 500.0, 1000.0, 1500.0]
            .iter()
            .map(|&v| {
                let x = x_of(v).clamp(12.0, SVG_W - 12.0);
                view! { <text x=format!("{x:.0}") y=format!("{}", SVG_H - 1.0) class="tick" text-anchor="middle">{format!("{v}")}</text> }
            })
            .collect_view();
        let win_x = move || x_of(centre.get() - width.get() / 2.0);
        let win_w = move || x_of(centre.get() + width.get() / 2.0) - win_x();
        view! {
            <svg class="histogram" viewBox=format!("0 0 {SVG_W} {SVG_H}") role="img" aria-label=t.histogram>
                <title>{t.histogram}</title>
                <defs>
                    <linearGradient id="wl-ramp" x1="0" x2="1" y1="0" y2="0">
                        <stop offset="0" stop-color="#000"/><stop offset="1" stop-color="#fff"/>
                    </linearGradient>
                </defs>
                <rect class="window-band" x=move || format!("{:.1}", win_x()) y="0" width=move || format!("{:.1}", win_w().max(1.0)) height=format!("{}", SVG_H - 14.0)/>
                <path class="bars" d=bars/>
                <rect x=move || format!("{:.1}", win_x()) y=format!("{}", SVG_H - 14.0) width=move || format!("{:.1}", win_w().max(1.0)) height="3" fill="url(#wl-ramp)"/>
                {ticks}
            </svg>
        }
        .into_any()
    });

    view! {
        <div class="window-level" data-testid="window-level">
            <div class="wl-image">
                <canvas node_ref=canvas width=SIZE height=SIZE on:mousemove=on_move on:mouseleave=move |_| readout.set(None)
                    aria-label=t.synthetic_slice role="img"></canvas>
                <p class="readout" aria-live="off">{move || match readout.get() {
                    Some((x, y, v)) => {
                        let g = Window::new(centre.get(), width.get()).map(|w| w.grey(v)).unwrap_or(0);
                        format!("x {x}, y {y}: {v:.0} HU → grey {g}")
                    }
                    None => t.cursor_hint.to_string(),
                }}</p>
            </div>
            <div class="wl-controls">
                <div class="presets" role="group" aria-label=t.presets>{presets}</div>
                <label>
                    <span>{t.window_centre}": "<output data-testid="wl-centre">{move || format!("{:.0}", centre.get())}</output>" HU"</span>
                    <input type="range" min="-1100" max="1500" step="5" prop:value=move || centre.get().to_string()
                        on:input=move |ev| if let Ok(v) = event_target_value(&ev).parse() { centre.set(v) }/>
                </label>
                <label>
                    <span>{t.window_width}": "<output data-testid="wl-width">{move || format!("{:.0}", width.get())}</output>" HU"</span>
                    <input type="range" min="1" max="3000" step="1" prop:value=move || width.get().to_string()
                        on:input=move |ev| if let Ok(v) = event_target_value(&ev).parse() { width.set(v) }/>
                </label>
                <p class="muted">{move || {
                    let (c, w) = (centre.get(), width.get());
                    format!("{}: {:.0} to {:.0} HU. {}", t.shown_range, c - w / 2.0, c + w / 2.0, t.below_black)
                }}</p>
                {histogram}
                {move || error.get().map(|e| view! { <WidgetError message=e/> })}
            </div>
        </div>
    }
}
