//! The segmentation panel's view: the tools card (threshold, region growing, brush and eraser, clean-up, export),
//! the comparison with the reference and the ROI statistics, and what follows the edits (keyboard undo and redo,
//! the live threshold preview, the measures a moment after the last edit).

use std::sync::Arc;
use std::time::Duration;

use leptos::prelude::*;
use radlearn_engine::image::mask::{fill_holes, largest_component, Connectivity};
use radlearn_engine::io::nifti::{self, WriteType};
use radlearn_engine::lab::segment::threshold;
use wasm_bindgen::JsCast;

use super::histogram::{histogram_svg, num};
use super::measures::{BinMode, Comparison, RoiSummary, MAX_BINS};
use super::state::{parse_number, SegmentState, SegmentTools};
use crate::labs::viewer::{Tool, STUDENT_COLOUR};
use crate::platform;
use crate::strings::segment_ui;

/// Pause after the last change before the preview and the measures are computed again.
const DEBOUNCE: Duration = Duration::from_millis(200);

/// Runs `f` `DEBOUNCE` after the last time this is called with the same `counter`.
fn debounced(counter: StoredValue<u64>, f: impl FnOnce() + 'static) {
    let n = counter.get_value().wrapping_add(1);
    counter.set_value(n);
    set_timeout(
        move || {
            if counter.try_get_value() == Some(n) {
                f()
            }
        },
        DEBOUNCE,
    );
}

fn is_text_field(ev: &web_sys::KeyboardEvent) -> bool {
    ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok()).is_some_and(|e| {
        let tag = e.tag_name();
        tag.eq_ignore_ascii_case("input") || tag.eq_ignore_ascii_case("textarea")
    })
}

fn input_value(ev: &leptos::ev::Event) -> String {
    event_target_value(ev)
}

/// " HU" for an image in Hounsfield units, else nothing.
fn unit_of(s: SegmentState) -> &'static str {
    if s.volume.with_value(|v| v.meta.units.as_deref() == Some("HU")) {
        " HU"
    } else {
        ""
    }
}

/// The measures of the student's mask: the comparison (and whether it is being computed) and the ROI summary.
#[derive(Clone, Copy)]
struct Measures {
    comparison: RwSignal<Option<Result<Comparison, String>>>,
    comparing: RwSignal<bool>,
    summary: RwSignal<Option<Result<RoiSummary, String>>>,
}

impl Measures {
    /// Measures that follow the edits, the reference and the discretisation, a moment after the last change.
    fn follow(s: SegmentState) -> Self {
        let measures = Measures { comparison: RwSignal::new(None), comparing: RwSignal::new(false), summary: RwSignal::new(None) };
        let counter = StoredValue::new(0u64);
        Effect::new(move |_| {
            s.revision.track();
            s.reference.track();
            s.reference_label.track();
            s.bins.mode.track();
            s.bins.number.track();
            s.bins.size.track();
            measures.comparing.set(true);
            debounced(counter, move || {
                measures.comparison.try_set(s.compare());
                measures.summary.try_set(s.summary());
                measures.comparing.try_set(false);
            });
        });
        measures
    }
}

/// Keyboard undo and redo, except in text fields (which have their own).
fn undo_keys(s: SegmentState) {
    let handle = window_event_listener(leptos::ev::keydown, move |ev| {
        if !(ev.ctrl_key() || ev.meta_key()) || is_text_field(&ev) {
            return;
        }
        match ev.key().as_str() {
            "z" | "Z" if ev.shift_key() => s.redo(),
            "z" | "Z" => s.undo(),
            "y" | "Y" => s.redo(),
            _ => return,
        }
        ev.prevent_default();
    });
    on_cleanup(move || handle.remove());
}

/// Live preview of the threshold range while it is being set.
fn live_preview(s: SegmentState) {
    let counter = StoredValue::new(0u64);
    Effect::new(move |_| {
        let (lo, hi, on) = (s.threshold.lo.get(), s.threshold.hi.get(), s.threshold.previewing.get());
        if !on {
            s.preview.set(None);
            return;
        }
        debounced(counter, move || {
            if let Some(v) = s.volume() {
                s.preview.try_set(Some(Arc::new(threshold(&v, lo, hi))));
            }
        });
    });
}

/// The reference's label: the first one of a newly opened reference.
fn follow_reference(s: SegmentState) {
    Effect::new(move |_| {
        let names: Vec<u8> = s.reference.with(|r| r.as_ref().map(|r| r.names.iter().map(|n| n.0).collect()).unwrap_or_default());
        if let Some(&first) = names.first() {
            if !names.contains(&s.reference_label.get_untracked()) {
                s.reference_label.set(first);
            }
        }
    });
}

/// The segmentation panel, with the comparison and the ROI statistics beside it.
#[component]
pub fn SegmentPanel(
    state: SegmentState,
    /// The tools offered (default: all).
    #[prop(optional)]
    tools: Option<SegmentTools>,
    /// For a lesson: no ROI statistics and no choice of the reference's label.
    #[prop(optional)]
    compact: bool,
    /// Shown under the comparison (an exercise's check).
    #[prop(optional, into)]
    check: Option<ViewFn>,
) -> impl IntoView {
    let s = state;
    let tools = tools.unwrap_or_default();
    undo_keys(s);
    live_preview(s);
    follow_reference(s);
    let measures = Measures::follow(s);
    view! {
        <div class="seg-layout" class:compact=compact>
            <ToolsCard s=s tools=tools compact=compact/>
            <div class="seg-measures">
                <ComparisonCard s=s measures=measures compact=compact check=check/>
                {(!compact).then(|| view! { <StatsCard s=s summary=measures.summary/> })}
            </div>
        </div>
    }
}

/// The tools card: the drag tools, undo and redo, the mask's size, each tool group, clean-up and export.
#[component]
fn ToolsCard(s: SegmentState, tools: SegmentTools, compact: bool) -> impl IntoView {
    let t = segment_ui();
    let voxel_ml = s.volume.with_value(|v| v.geometry.spacing.iter().product::<f64>() / 1000.0);
    let tool_button = move |k: Tool, label: &'static str, id: &'static str| {
        view! {
            <button type="button" class="tool secondary" data-testid=id aria-pressed=move || (s.tool.get() == k).to_string()
                on:click=move |_| s.tool.set(if s.tool.get_untracked() == k { Tool::Crosshair } else { k })>{label}</button>
        }
    };
    let export_mask = move |_| {
        let Some(m) = s.mask.get_untracked() else { return };
        let r = nifti::write(&m.to_volume(), WriteType::U8, true)
            .map_err(|e| e.to_string())
            .and_then(|bytes| platform::download_bytes("radlearn-mask.nii.gz", "application/gzip", &bytes));
        if let Err(e) = r {
            s.error.set(Some(format!("{}: {e}", t.export_failed)));
        }
    };
    let mask_line = move || {
        s.revision.track();
        let n = s.student_count();
        if n == 0 {
            t.empty_mask.to_string()
        } else {
            format!("{}: {n} voxels · {:.1} mL", t.your_mask, n as f64 * voxel_ml)
        }
    };

    let [r, g, b] = STUDENT_COLOUR;
    view! {
        <section class="lab-card seg-panel" data-testid="segment-panel" aria-busy=move || s.busy.get().to_string()>
            <h2>{t.title}</h2>
            {(!compact).then(|| view! { <p class="muted">{t.intro}</p> })}
            <div class="seg-row" role="group" aria-label=t.tools>
                <span class="muted">{t.tools}</span>
                {tools.region_growing.then(|| tool_button(Tool::Seed, t.seed, "tool-seed"))}
                {tools.brush.then(|| tool_button(Tool::Brush, t.brush, "tool-brush"))}
                {tools.eraser.then(|| tool_button(Tool::Erase, t.eraser, "tool-erase"))}
            </div>
            <div class="seg-row">
                <button type="button" class="secondary" data-testid="seg-undo" prop:disabled=move || s.steps.get().0 == 0
                    on:click=move |_| s.undo()>{t.undo}</button>
                <button type="button" class="secondary" data-testid="seg-redo" prop:disabled=move || s.steps.get().1 == 0
                    on:click=move |_| s.redo()>{t.redo}</button>
                <span class="muted seg-keys">{t.keys}</span>
            </div>
            <p class="seg-status" data-testid="seg-status" role="status">
                <span class="swatch" style=format!("background: rgb({r}, {g}, {b})")></span>
                <span data-testid="seg-volume">{mask_line}</span>
                {move || s.busy.get().then(|| view! { <span class="seg-busy" data-testid="seg-busy">" · "{t.working}</span> })}
            </p>
            {move || s.error.get().map(|e| view! { <p class="file-problems" role="alert" data-testid="seg-error">{e}</p> })}

            {(tools.threshold || tools.otsu || tools.region_growing).then(|| view! { <ThresholdGroup s=s tools=tools/> })}
            {tools.region_growing.then(|| view! { <GrowGroup s=s/> })}
            {(tools.brush || tools.eraser).then(|| view! { <BrushGroup s=s/> })}

            <div class="seg-row" role="group" aria-label=t.clean_up>
                {tools.fill_holes.then(|| view! {
                    <button type="button" class="secondary" data-testid="seg-fill" on:click=move |_| s.clean(|m| fill_holes(m, false))>{t.fill_holes}</button>
                })}
                {tools.largest_component.then(|| view! {
                    <button type="button" class="secondary" data-testid="seg-largest" on:click=move |_| s.clean(|m| largest_component(m, Connectivity::Faces))>{t.largest}</button>
                })}
                <button type="button" class="secondary" data-testid="seg-clear" on:click=move |_| s.clear()>{t.clear}</button>
            </div>
            <div class="seg-row">
                <button type="button" data-testid="export-mask" prop:disabled=move || { s.revision.track(); s.student_count() == 0 }
                    on:click=export_mask>{t.export_mask}</button>
            </div>
        </section>
    }
}

/// The threshold range (typing it previews it), Otsu and Apply.
#[component]
fn ThresholdGroup(s: SegmentState, tools: SegmentTools) -> impl IntoView {
    let t = segment_ui();
    let unit = unit_of(s);
    let on_lo = move |ev: leptos::ev::Event| {
        if let Some(v) = parse_number(&input_value(&ev)) {
            s.threshold.lo.set(v as f32);
            s.threshold.previewing.set(true);
        }
    };
    let on_hi = move |ev: leptos::ev::Event| {
        if let Some(v) = parse_number(&input_value(&ev)) {
            s.threshold.hi.set(v as f32);
            s.threshold.previewing.set(true);
        }
    };
    view! {
        <fieldset class="seg-group">
            <legend>{t.threshold}</legend>
            <div class="seg-row">
                <label>{t.from}" "<input type="number" step="any" data-testid="thr-lo" prop:value=move || s.threshold.lo.get().to_string() on:input=on_lo/></label>
                <label>{t.to}" "<input type="number" step="any" data-testid="thr-hi" prop:value=move || s.threshold.hi.get().to_string() on:input=on_hi/>{unit}</label>
            </div>
            <div class="seg-row">
                {tools.otsu.then(|| view! {
                    <button type="button" class="secondary" data-testid="thr-otsu" on:click=move |_| s.otsu()>{t.otsu}</button>
                })}
                {tools.threshold.then(|| view! {
                    <button type="button" data-testid="thr-apply" on:click=move |_| s.apply_threshold()>{t.apply_threshold}</button>
                })}
            </div>
            {move || s.threshold.previewing.get().then(|| view! { <p class="muted seg-note" data-testid="thr-preview">{t.preview_note}</p> })}
        </fieldset>
    }
}

/// Region growing's settings: tolerance, connectivity, within the threshold, distance limit, add to the mask.
#[component]
fn GrowGroup(s: SegmentState) -> impl IntoView {
    let t = segment_ui();
    let unit = unit_of(s);
    view! {
        <fieldset class="seg-group">
            <legend>{t.region_growing}</legend>
            <p class="muted seg-note">{t.grow_help}</p>
            <div class="seg-row">
                <label>{t.tolerance}" "
                    <input type="number" step="any" min="0" placeholder=t.no_limit data-testid="grow-tolerance"
                        prop:value=move || s.grow.tolerance.get().map(|v| v.to_string()).unwrap_or_default()
                        on:change=move |ev| s.grow.tolerance.set(parse_number(&input_value(&ev)).filter(|v| *v >= 0.0).map(|v| v as f32))/>{unit}
                </label>
                <label>{t.connectivity}" "
                    <select data-testid="grow-connectivity" on:change=move |ev| s.grow.connectivity.set(
                        if input_value(&ev) == "26" { Connectivity::Corners } else { Connectivity::Faces })>
                        <option value="6" selected=true>{t.faces}</option>
                        <option value="26">{t.corners}</option>
                    </select>
                </label>
            </div>
            <div class="seg-row">
                <label>
                    <input type="checkbox" data-testid="grow-within" prop:checked=move || s.grow.within_threshold.get()
                        on:change=move |_| s.grow.within_threshold.update(|w| *w = !*w)/>" "{t.within_threshold}
                </label>
                <label>{t.max_distance}" "
                    <input type="number" step="any" min="0" placeholder=t.no_limit data-testid="grow-distance"
                        prop:value=move || s.grow.max_distance.get().map(|v| v.to_string()).unwrap_or_default()
                        on:change=move |ev| s.grow.max_distance.set(parse_number(&input_value(&ev)).filter(|v| *v > 0.0))/>
                </label>
            </div>
            <label>
                <input type="checkbox" data-testid="grow-add" prop:checked=move || s.add.get() on:change=move |_| s.add.update(|a| *a = !*a)/>
                " "{t.add_to_mask}
            </label>
        </fieldset>
    }
}

/// The brush and eraser's size.
#[component]
fn BrushGroup(s: SegmentState) -> impl IntoView {
    let t = segment_ui();
    view! {
        <fieldset class="seg-group">
            <legend>{t.brush}" / "{t.eraser}</legend>
            <label>{t.brush_size}" "
                <input type="number" step="any" min="0" data-testid="brush-size" prop:value=move || s.brush_mm.get().to_string()
                    on:change=move |ev| if let Some(v) = parse_number(&input_value(&ev)).filter(|v| *v >= 0.0 && *v <= 200.0) { s.brush_mm.set(v) }/>
            </label>
            <p class="muted seg-note">{t.brush_help}</p>
        </fieldset>
    }
}

/// The comparison with the reference: its label (in the Image Lab), Dice, HD95 and volumes, and an exercise's check.
#[component]
fn ComparisonCard(s: SegmentState, measures: Measures, compact: bool, check: Option<ViewFn>) -> impl IntoView {
    let t = segment_ui();
    let Measures { comparison, comparing, .. } = measures;
    let reference_options = move || {
        s.reference.with(|r| {
            r.as_ref().map(|r| {
                r.names
                    .iter()
                    .map(|(l, name)| {
                        let l = *l;
                        view! { <option value=l.to_string() selected=move || s.reference_label.get() == l>{name.clone()}</option> }
                    })
                    .collect_view()
            })
        })
    };
    let comparison_view = move || {
        if s.reference.with(|r| r.is_none()) {
            return view! { <p class="muted">{t.no_reference}</p> }.into_any();
        }
        let c = comparison.get();
        let busy = comparing.get();
        let cell = move |text: String| if busy { format!("{text} ({})", t.computing) } else { text };
        match c {
            Some(Ok(c)) => view! {
                <dl class="seg-metrics">
                    <div><dt>{t.dice}</dt><dd data-testid="metric-dice">{cell(num(c.dice, 3))}</dd></div>
                    <div><dt>{t.hd95}</dt><dd data-testid="metric-hd95">{cell(c.hd95.map(|h| format!("{} mm", num(h, 1))).unwrap_or_else(|| t.not_available.into()))}</dd></div>
                    <div><dt>{t.student_volume}</dt><dd data-testid="metric-student-ml">{format!("{:.1} mL", c.student_ml)}</dd></div>
                    <div><dt>{t.reference_volume}</dt><dd data-testid="metric-reference-ml">{format!("{:.1} mL", c.reference_ml)}</dd></div>
                </dl>
            }
            .into_any(),
            Some(Err(e)) => view! { <p class="file-problems" role="alert">{e}</p> }.into_any(),
            None => view! { <p class="muted">{if busy { t.computing } else { t.empty_mask }}</p> }.into_any(),
        }
    };
    view! {
        <section class="lab-card" data-testid="comparison-panel">
            <h2>{t.comparison}</h2>
            {move || (!compact && s.reference.with(|r| r.is_some())).then(|| view! {
                <label class="seg-row">{t.reference}" "
                    <select data-testid="reference-label" on:change=move |ev| {
                        if let Ok(l) = input_value(&ev).parse::<u8>() { s.reference_label.set(l) }
                    }>{reference_options}</select>
                </label>
            })}
            {comparison_view}
            {check.map(|c| c.run())}
        </section>
    }
}

/// The ROI statistics: the discretisation, the statistics of the student's mask (or the reference's) and its histogram.
#[component]
fn StatsCard(s: SegmentState, summary: RwSignal<Option<Result<RoiSummary, String>>>) -> impl IntoView {
    let t = segment_ui();
    let unit = unit_of(s);
    let stats_view = move || match summary.get() {
        None => view! { <p class="muted">{t.stats_none}</p> }.into_any(),
        Some(Err(e)) => view! { <p class="file-problems" role="alert">{e}</p> }.into_any(),
        Some(Ok(r)) => {
            let st = &r.stats;
            let rows = [
                (t.count, st.voxels.to_string()),
                (t.volume, format!("{:.1} mL", st.volume_mm3 / 1000.0)),
                (t.mean, format!("{}{unit}", num(st.mean, 1))),
                (t.sd, format!("{}{unit}", num(st.sd, 1))),
                (t.min, format!("{}{unit}", num(st.min, 0))),
                (t.max, format!("{}{unit}", num(st.max, 0))),
                (t.median, format!("{}{unit}", num(st.median, 1))),
                (t.p10, format!("{}{unit}", num(st.p10, 1))),
                (t.p90, format!("{}{unit}", num(st.p90, 1))),
            ]
            .into_iter()
            .map(|(k, v)| view! { <div><dt>{k}</dt><dd data-testid=format!("stat-{}", k.to_lowercase())>{v}</dd></div> })
            .collect_view();
            let chart = match r.histogram {
                Ok((counts, min, width)) => {
                    let caption = format!("{} {} {}{unit}", counts.len(), t.bins_shown, num(width, 2));
                    view! {
                        <figure class="seg-histogram">
                            {histogram_svg(&counts, min, width, unit)}
                            <figcaption class="muted" data-testid="hist-caption">{caption}</figcaption>
                        </figure>
                    }
                    .into_any()
                }
                Err(e) => view! { <p class="file-problems" role="alert" data-testid="hist-error">{e}</p> }.into_any(),
            };
            view! {
                <p class="muted" data-testid="stats-of">{if r.of_student { t.stats_of_student } else { t.stats_of_reference }}</p>
                <dl class="seg-stats" data-testid="roi-stats">{rows}</dl>
                {chart}
            }
            .into_any()
        }
    };
    view! {
        <section class="lab-card" data-testid="stats-panel">
            <h2>{t.stats}</h2>
            <div class="seg-row" role="group" aria-label=t.discretisation>
                <span class="muted">{t.discretisation}</span>
                <select data-testid="bin-mode" on:change=move |ev| s.bins.mode.set(if input_value(&ev) == "size" { BinMode::Size } else { BinMode::Number })>
                    <option value="number" selected=true>{t.bin_number}</option>
                    <option value="size">{t.bin_size}</option>
                </select>
                {move || match s.bins.mode.get() {
                    BinMode::Number => view! {
                        <label><input type="number" min="1" max=MAX_BINS step="1" data-testid="bin-value" prop:value=move || s.bins.number.get().to_string()
                            on:change=move |ev| if let Some(v) = parse_number(&input_value(&ev)).filter(|v| *v >= 1.0 && *v <= f64::from(MAX_BINS)) { s.bins.number.set(v.round() as u32) }/>
                        " "{t.bins}</label>
                    }.into_any(),
                    BinMode::Size => view! {
                        <label><input type="number" min="0" step="any" data-testid="bin-value" prop:value=move || s.bins.size.get().to_string()
                            on:change=move |ev| if let Some(v) = parse_number(&input_value(&ev)).filter(|v| *v > 0.0) { s.bins.size.set(v) }/>
                        {unit}</label>
                    }.into_any(),
                }}
            </div>
            {stats_view}
        </section>
    }
}
