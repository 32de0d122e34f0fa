//! The region's histogram as SVG, with labelled axes.

use leptos::prelude::*;

use crate::strings::segment_ui;

/// A number for display: `digits` decimals, or the "not available" dash.
pub(super) fn num(v: f64, digits: usize) -> String {
    if v.is_finite() {
        format!("{v:.digits$}")
    } else {
        segment_ui().not_available.to_string()
    }
}

/// Tick values for an axis over `[lo, hi]`: about six round numbers (the plots' `nice_ticks`), those inside the range.
fn ticks(lo: f64, hi: f64) -> Vec<f64> {
    let slack = (hi - lo).abs() * 1e-9;
    radlearn_engine::ml::plot::nice_ticks(lo, hi, 6).into_iter().filter(|t| *t >= lo - slack && *t <= hi + slack).collect()
}

/// A histogram as SVG bars with labelled axes.
pub(super) fn histogram_svg(counts: &[usize], min: f64, width: f64, unit: &str) -> impl IntoView {
    let t = segment_ui();
    let (w, h) = (600.0, 300.0);
    let (left, right, top, bottom) = (84.0, 18.0, 14.0, 58.0);
    let (pw, ph) = (w - left - right, h - top - bottom);
    let width = if width > 0.0 && width.is_finite() { width } else { 1.0 };
    let lo = min;
    let hi = min + width * counts.len().max(1) as f64;
    let ymax = counts.iter().copied().max().unwrap_or(0).max(1) as f64;
    let x = move |v: f64| left + (v - lo) / (hi - lo) * pw;
    let y = move |c: f64| top + ph - c / ymax * ph;
    let bars = counts
        .iter()
        .enumerate()
        .filter(|(_, &c)| c > 0)
        .map(|(k, &c)| {
            let x0 = x(lo + width * k as f64);
            let x1 = x(lo + width * (k + 1) as f64);
            let bw = (x1 - x0 - if x1 - x0 > 3.0 { 1.0 } else { 0.0 }).max(0.5);
            let y0 = y(c as f64);
            view! {
                <rect class="hist-bar" x=format!("{x0:.2}") y=format!("{y0:.2}") width=format!("{bw:.2}") height=format!("{:.2}", top + ph - y0)>
                    <title>{format!("{} … {}{unit}: {c}", num(lo + width * k as f64, 1), num(lo + width * (k + 1) as f64, 1))}</title>
                </rect>
            }
        })
        .collect_view();
    let xticks = ticks(lo, hi)
        .into_iter()
        .map(|v| {
            let px = x(v);
            view! {
                <line class="hist-tick" x1=px x2=px y1=top + ph y2=top + ph + 5.0></line>
                <text class="hist-label" x=px y=top + ph + 22.0 text-anchor="middle">{format!("{v}")}</text>
            }
        })
        .collect_view();
    let yticks = ticks(0.0, ymax)
        .into_iter()
        .map(|c| {
            let py = y(c);
            view! {
                <line class="hist-grid" x1=left x2=left + pw y1=py y2=py></line>
                <text class="hist-label" x=left - 8.0 y=py + 5.0 text-anchor="end">{format!("{c}")}</text>
            }
        })
        .collect_view();
    let xlabel = format!("{}{}", t.intensity, if unit.is_empty() { String::new() } else { format!(" ({})", unit.trim()) });
    view! {
        <svg class="histogram" viewBox=format!("0 0 {w} {h}") role="img" aria-label=t.histogram_label data-testid="roi-histogram"
            data-bins=counts.len().to_string()>
            {yticks}
            {bars}
            <line class="hist-axis" x1=left x2=left + pw y1=top + ph y2=top + ph></line>
            <line class="hist-axis" x1=left x2=left y1=top y2=top + ph></line>
            {xticks}
            <text class="hist-title" x=left + pw / 2.0 y=h - 8.0 text-anchor="middle">{xlabel}</text>
            <text class="hist-title" x=18.0 y=top + ph / 2.0 text-anchor="middle" transform=format!("rotate(-90 18 {})", top + ph / 2.0)>{t.voxels}</text>
        </svg>
    }
}
