//! The pieces every Model Lab panel is made of: the panel's frame, a number field and a plot with its downloads.

use leptos::prelude::*;

use crate::platform;
use crate::strings::model_ui;

/// A panel: a titled section.
#[component]
pub(super) fn Panel(
    /// The section's classes.
    #[prop(into)]
    class: String,
    #[prop(into)] testid: String,
    title: &'static str,
    children: Children,
) -> impl IntoView {
    view! {
        <section class=class data-testid=testid aria-label=title>
            <h2>{title}</h2>
            {children()}
        </section>
    }
}

/// A number input bound to a signal; `integer` rounds what the student types.
#[component]
pub(super) fn NumberField(
    #[prop(into)] label: String,
    value: RwSignal<f64>,
    min: f64,
    max: f64,
    step: f64,
    #[prop(into)] testid: String,
    #[prop(optional, into)] disabled: Signal<bool>,
) -> impl IntoView {
    view! {
        <label class="ml-field">
            <span>{label}</span>
            <input type="number" min=min max=max step=step data-testid=testid
                prop:value=move || value.get().to_string() prop:disabled=move || disabled.get()
                on:change=move |ev| {
                    if let Ok(v) = event_target_value(&ev).trim().parse::<f64>() {
                        let v = if step >= 1.0 { v.round() } else { v };
                        value.set(v.clamp(min, max));
                    } else {
                        value.notify();
                    }
                }/>
        </label>
    }
}

/// A plot (the engine's SVG) with its SVG and PNG downloads.
#[component]
pub(super) fn PlotFigure(
    /// The SVG text.
    svg: String,
    /// The file name without extension.
    #[prop(into)]
    name: String,
    #[prop(into)] testid: String,
) -> impl IntoView {
    let m = model_ui();
    let (svg_text, png_svg) = (svg.clone(), svg.clone());
    let (svg_name, png_name) = (format!("{name}.svg"), format!("{name}.png"));
    view! {
        <div class="ml-plot" data-testid=testid>
            <div class="ml-plot-svg" inner_html=svg></div>
            <div class="ml-plot-actions">
                <button type="button" class="link" on:click=move |_| { let _ = platform::download(&svg_name, "image/svg+xml", &svg_text); }>{m.download_svg}</button>
                <button type="button" class="link" on:click=move |_| platform::download_svg_as_png(&png_svg, &png_name)>{m.download_png}</button>
            </div>
        </div>
    }
}
