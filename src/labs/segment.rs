//! The Image Lab's segmentation, comparison and ROI statistics panels: the student draws a mask of their own on the
//! image grid (threshold range with a live preview, Otsu, region growing from a clicked seed, brush and eraser, fill
//! holes, largest piece, undo and redo), compares it with the reference mask (Dice, HD95, volumes), reads the
//! statistics and the histogram of the region under a discretisation they choose, and downloads the mask as NIfTI.
//!
//! The student's mask lives in an `Arc<LabelMap>` signal that the viewer draws over the reference. Edits change it
//! in place (`Arc::make_mut`: no copy while nobody else holds it), so a brush stroke paints incrementally into the
//! slice; each edit is one [`History`] step (a whole stroke is one step). Measures follow the edits after a short
//! pause, never on every mouse move. All computing is the engine's.

use std::sync::Arc;
use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;
use radlearn_engine::image::mask::{fill_holes, largest_component, Connectivity};
use radlearn_engine::io::nifti::{self, WriteType};
use radlearn_engine::lab::metrics::{dice, hausdorff95, roi_stats, RoiStats};
use radlearn_engine::lab::segment::{limit_to_ball, otsu_threshold, paint, region_grow, threshold, History, OTSU_BINS};
use radlearn_engine::radiomics::preprocess::{discretise, BinCount, BinWidth, Discretisation};
use radlearn_engine::{LabelMap, Volume};
use wasm_bindgen::JsCast;

use crate::labs::viewer::{EditEvent, EditPhase, Editing, Tool, STUDENT_COLOUR};
use crate::platform;
use crate::strings::segment_ui;

/// Pause after the last change before the preview and the measures are computed again.
const DEBOUNCE: Duration = Duration::from_millis(200);
/// Most histogram bars drawn.
const MAX_BINS: u32 = 1000;

/// A brush or eraser stroke in progress: the mask before it (for one undo step) and the last voxel painted.
struct Stroke {
    before: Vec<u8>,
    last: [usize; 3],
    /// The voxel axis across the slice the stroke paints in.
    normal_axis: usize,
    label: u8,
}

/// How the histogram's bins are chosen.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum BinMode {
    Number,
    Size,
}

/// Dice, HD95 and volumes of the student's mask against the reference.
#[derive(Clone, Debug, PartialEq)]
struct Comparison {
    dice: f64,
    /// `None` when a mask is empty (no surface).
    hd95: Option<f64>,
    student_ml: f64,
    reference_ml: f64,
}

/// Statistics and histogram of the region of interest.
#[derive(Clone, Debug, PartialEq)]
struct RoiSummary {
    of_student: bool,
    stats: RoiStats,
    /// Voxels per bin, the lower edge of the first bin and the bin width; or why there is no histogram.
    histogram: Result<(Vec<usize>, f64, f64), String>,
}

/// A label of the reference as a 0/1 mask (holding the reference keeps its address unique for the cache).
#[derive(Clone)]
struct BinaryReference {
    from: Arc<LabelMap>,
    label: u8,
    mask: Arc<LabelMap>,
    count: usize,
}

/// The tools the panel offers: all of them in the Image Lab, those an exercise allows in a lesson.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SegmentTools {
    pub threshold: bool,
    pub otsu: bool,
    pub region_growing: bool,
    pub brush: bool,
    pub eraser: bool,
    pub fill_holes: bool,
    pub largest_component: bool,
}

impl SegmentTools {
    pub const ALL: SegmentTools = SegmentTools {
        threshold: true,
        otsu: true,
        region_growing: true,
        brush: true,
        eraser: true,
        fill_holes: true,
        largest_component: true,
    };

    /// The tools named as in `radlearn_course::widgets::SEGMENTATION_TOOLS`.
    pub fn from_names(names: &[String]) -> Self {
        let has = |n: &str| names.iter().any(|x| x == n);
        SegmentTools {
            threshold: has("threshold"),
            otsu: has("otsu"),
            region_growing: has("region-growing"),
            brush: has("brush"),
            eraser: has("eraser"),
            fill_holes: has("fill-holes"),
            largest_component: has("largest-component"),
        }
    }
}

impl Default for SegmentTools {
    fn default() -> Self {
        Self::ALL
    }
}

/// The segmentation state of one image: a `Copy` handle of signals.
#[derive(Clone, Copy)]
pub struct SegmentState {
    volume: StoredValue<Arc<Volume>>,
    tool: RwSignal<Tool>,
    mask: RwSignal<Option<Arc<LabelMap>>>,
    preview: RwSignal<Option<Arc<LabelMap>>>,
    /// The reference mask (the page's mask panel) and whether it is drawn as an outline.
    reference: RwSignal<Option<Arc<LabelMap>>>,
    reference_outline: RwSignal<bool>,
    /// Whether the reference was switched to an outline already.
    outlined: StoredValue<bool>,
    reference_label: RwSignal<u8>,
    /// The reference's chosen label as a 0/1 mask, with its voxel count, for the reference and label it was made from.
    reference_cache: StoredValue<Option<BinaryReference>>,
    history: StoredValue<History>,
    stroke: StoredValue<Option<Stroke>>,
    /// Voxels of the student's mask after the last finished edit.
    count: RwSignal<usize>,
    /// Undo and redo steps available.
    steps: RwSignal<(usize, usize)>,
    /// Incremented by every finished edit: the measures follow it.
    revision: RwSignal<u64>,
    busy: RwSignal<bool>,
    error: RwSignal<Option<String>>,
    lo: RwSignal<f32>,
    hi: RwSignal<f32>,
    previewing: RwSignal<bool>,
    tolerance: RwSignal<Option<f32>>,
    connectivity: RwSignal<Connectivity>,
    within_threshold: RwSignal<bool>,
    max_distance: RwSignal<Option<f64>>,
    add: RwSignal<bool>,
    brush_mm: RwSignal<f64>,
    bin_mode: RwSignal<BinMode>,
    bin_number: RwSignal<u32>,
    bin_size: RwSignal<f64>,
}

/// A message with its first letter in capitals (engine messages start in lower case).
fn sentence(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

/// A number typed by the student (a decimal comma is accepted); `None` if blank or not a finite number.
fn parse_number(s: &str) -> Option<f64> {
    s.trim().replace(',', ".").parse::<f64>().ok().filter(|v| v.is_finite())
}

impl SegmentState {
    /// The state for an image; `reference` and `reference_outline` are the page's mask and its outline setting.
    pub fn new(volume: Arc<Volume>, reference: RwSignal<Option<Arc<LabelMap>>>, reference_outline: RwSignal<bool>) -> Self {
        let hu = volume.meta.units.as_deref() == Some("HU");
        let (lo, hi) = if hu {
            (-200.0, 250.0)
        } else {
            let (a, b) = volume.range().unwrap_or((0.0, 1.0));
            ((a + b) / 2.0, b)
        };
        let first_label = reference.with_untracked(|r| r.as_ref().and_then(|r| r.names.first().map(|n| n.0))).unwrap_or(1);
        SegmentState {
            volume: StoredValue::new(volume),
            tool: RwSignal::new(Tool::Crosshair),
            mask: RwSignal::new(None),
            preview: RwSignal::new(None),
            reference,
            reference_outline,
            outlined: StoredValue::new(false),
            reference_label: RwSignal::new(first_label),
            reference_cache: StoredValue::new(None),
            history: StoredValue::new(History::default()),
            stroke: StoredValue::new(None),
            count: RwSignal::new(0),
            steps: RwSignal::new((0, 0)),
            revision: RwSignal::new(0),
            busy: RwSignal::new(false),
            error: RwSignal::new(None),
            lo: RwSignal::new(lo),
            hi: RwSignal::new(hi),
            previewing: RwSignal::new(false),
            tolerance: RwSignal::new(None),
            connectivity: RwSignal::new(Connectivity::Faces),
            within_threshold: RwSignal::new(true),
            max_distance: RwSignal::new(Some(50.0)),
            add: RwSignal::new(false),
            brush_mm: RwSignal::new(3.0),
            bin_mode: RwSignal::new(BinMode::Number),
            bin_number: RwSignal::new(32),
            bin_size: RwSignal::new(25.0),
        }
    }

    /// What the viewer needs: the shared drag tool, the masks to draw and where to send clicks.
    pub fn editing(self) -> Editing {
        Editing {
            tool: self.tool,
            mask: self.mask,
            preview: self.preview,
            on_edit: Callback::new(move |e| self.on_edit(e)),
            brush_mm: self.brush_mm,
        }
    }

    fn volume(self) -> Option<Arc<Volume>> {
        self.volume.try_get_value()
    }

    /// Compares the student's mask with label `label` of the reference (an exercise fixes it).
    pub fn set_reference_label(self, label: u8) {
        self.reference_label.set(label);
    }

    /// True while a tool is running.
    pub fn busy(self) -> bool {
        self.busy.get()
    }

    /// The Dice of the student's mask against the reference's chosen label, computed now: `None` without a reference or
    /// before the first edit.
    pub fn dice_now(self) -> Option<Result<f64, String>> {
        let (reference, _) = self.reference_binary()?;
        let student = self.mask.get_untracked()?;
        Some(dice(&student, &reference).map_err(|e| sentence(&e.to_string())))
    }

    /// The student's mask (`None` before the first edit; every tool writes 0 or 1), e.g. as a region for features.
    pub fn student_mask(self) -> Signal<Option<Arc<LabelMap>>> {
        self.mask.into()
    }

    /// Voxels of the student's mask after the last finished edit (the count the panel shows).
    pub fn student_voxels(self) -> Signal<usize> {
        self.count.into()
    }

    /// Voxels of the student's mask after the last finished edit.
    fn student_count(self) -> usize {
        self.count.get()
    }

    /// Runs `f` on the student's mask (created empty on the image grid if there is none yet) and the history.
    fn edit_mask<R>(self, f: impl FnOnce(&mut LabelMap, &mut History) -> R) -> Option<R> {
        let geometry = self.volume()?.geometry.clone();
        let mut out = None;
        self.mask.try_update(|m| {
            let m = Arc::make_mut(m.get_or_insert_with(|| Arc::new(LabelMap::empty(geometry))));
            self.history.try_update_value(|h| out = Some(f(m, h)));
        })?;
        out
    }

    /// After an edit: the step counts, the measures, and the reference drawn as an outline under the student's mask.
    fn edited(self) {
        if let Some(steps) = self.history.try_with_value(|h| h.steps()) {
            self.steps.try_set(steps);
        }
        if let Some(n) = self.mask.try_with_untracked(|m| m.as_ref().map_or(0, |m| m.count())) {
            self.count.try_set(n);
        }
        self.revision.try_update(|r| *r = r.wrapping_add(1));
        self.previewing.try_set(false);
        // Once per image: the student may turn the fill back on.
        if self.reference.with_untracked(|r| r.is_some()) && self.count.get_untracked() > 0 && !self.outlined.get_value() {
            self.outlined.set_value(true);
            self.reference_outline.set(true);
        }
    }

    /// Replaces the student's mask by `data` as one undo step.
    fn replace(self, data: Vec<u8>) -> Result<(), String> {
        let r = self.edit_mask(|m, h| h.apply(m, data).map(|_| ()).map_err(|e| sentence(&e.to_string())));
        self.edited();
        r.unwrap_or(Ok(()))
    }

    fn undo(self) {
        if self.busy.get_untracked() || self.stroke.with_value(|s| s.is_some()) {
            return;
        }
        if self.edit_mask(|m, h| h.undo(m)) == Some(true) {
            self.edited();
        }
    }

    fn redo(self) {
        if self.busy.get_untracked() || self.stroke.with_value(|s| s.is_some()) {
            return;
        }
        if self.edit_mask(|m, h| h.redo(m)) == Some(true) {
            self.edited();
        }
    }

    /// Runs a tool after the browser has painted the busy state.
    fn run(self, job: impl FnOnce(Arc<Volume>) -> Result<(), String> + 'static) {
        if self.busy.get_untracked() {
            return;
        }
        self.busy.set(true);
        self.error.set(None);
        spawn_local(async move {
            platform::let_browser_paint().await;
            let Some(volume) = self.volume() else { return };
            if let Err(e) = job(volume) {
                self.error.try_set(Some(e));
            }
            self.busy.try_set(false);
        });
    }

    /// The current mask with `data` added, or `data` alone.
    fn combined(self, data: Vec<u8>) -> Vec<u8> {
        if !self.add.get_untracked() {
            return data;
        }
        self.mask.with_untracked(|m| match m {
            Some(m) if m.data.len() == data.len() => m.data.iter().zip(&data).map(|(&a, &b)| if b != 0 { b } else { a }).collect(),
            _ => data,
        })
    }

    fn apply_threshold(self) {
        let (lo, hi) = (self.lo.get_untracked(), self.hi.get_untracked());
        self.run(move |v| {
            let data = threshold(&v, lo, hi).data;
            self.replace(self.combined(data))
        });
    }

    fn otsu(self) {
        self.run(move |v| match otsu_threshold(&v, None, OTSU_BINS).map_err(|e| sentence(&e.to_string()))? {
            Some(t) => {
                let top = v.range().map_or(t, |(_, hi)| hi);
                self.lo.set(t.round());
                self.hi.set(top);
                self.previewing.set(true);
                Ok(())
            }
            None => Err("The image has a single intensity: there is nothing to separate.".into()),
        });
    }

    fn grow(self, seed: [usize; 3]) {
        let (lo, hi) = (self.lo.get_untracked(), self.hi.get_untracked());
        let tolerance = self.tolerance.get_untracked().unwrap_or(f32::INFINITY);
        let connectivity = self.connectivity.get_untracked();
        let within = self.within_threshold.get_untracked();
        let limit = self.max_distance.get_untracked();
        self.run(move |v| {
            let err = |e: radlearn_engine::lab::segment::SegmentError| sentence(&e.to_string());
            let mut allowed = match (within, limit) {
                (true, _) => Some(threshold(&v, lo, hi)),
                (false, Some(_)) => LabelMap::new(v.geometry.clone(), vec![1; v.data.len()]),
                (false, None) => None,
            };
            if let (Some(a), Some(r)) = (allowed.as_mut(), limit) {
                limit_to_ball(a, seed, r).map_err(err)?;
            }
            let grown = region_grow(&v, seed, tolerance, connectivity, allowed.as_ref()).map_err(err)?;
            self.replace(self.combined(grown.data))
        });
    }

    fn clean(self, op: fn(&LabelMap) -> LabelMap) {
        self.run(move |_| match self.mask.get_untracked() {
            Some(m) => self.replace(op(&m).data),
            None => Ok(()),
        });
    }

    fn clear(self) {
        if let Some(n) = self.mask.with_untracked(|m| m.as_ref().map(|m| m.data.len())) {
            if let Err(e) = self.replace(vec![0; n]) {
                self.error.set(Some(e));
            }
        }
    }

    /// A click or drag in a view with the seed, brush or eraser tool.
    fn on_edit(self, e: EditEvent) {
        match (e.tool, e.phase) {
            (Tool::Seed, EditPhase::Start) => {
                if let Some(v) = e.voxel {
                    self.grow(v)
                }
            }
            (Tool::Brush | Tool::Erase, EditPhase::Start) => {
                let Some(v) = e.voxel else { return };
                if self.busy.get_untracked() {
                    return;
                }
                let label = u8::from(e.tool == Tool::Brush);
                let normal_axis = e.normal_axis;
                let Some(before) = self.edit_mask(|m, _| m.data.clone()) else { return };
                self.stroke.set_value(Some(Stroke { before, last: v, normal_axis, label }));
                self.previewing.set(false);
                self.dab(v, v, normal_axis, label);
            }
            (Tool::Brush | Tool::Erase, EditPhase::Move) => {
                let Some(v) = e.voxel else { return };
                let Some((last, normal_axis, label)) = self.stroke.with_value(|s| s.as_ref().map(|s| (s.last, s.normal_axis, s.label)))
                else {
                    return;
                };
                if last != v {
                    self.dab(last, v, normal_axis, label);
                    self.stroke.update_value(|s| {
                        if let Some(s) = s {
                            s.last = v;
                        }
                    });
                }
            }
            (Tool::Brush | Tool::Erase, EditPhase::End) => {
                let Some(stroke) = self.stroke.try_update_value(|s| s.take()).flatten() else { return };
                let recorded = self.edit_mask(|m, h| h.record(&stroke.before, &m.data));
                if let Some(Err(e)) = recorded {
                    self.error.set(Some(sentence(&e.to_string())));
                }
                self.edited();
            }
            _ => {}
        }
    }

    /// Paints disks along the segment from voxel `a` to voxel `b` (the pointer can jump several voxels per event).
    fn dab(self, a: [usize; 3], b: [usize; 3], normal_axis: usize, label: u8) {
        let radius = self.brush_mm.get_untracked();
        let steps = (0..3).map(|k| a[k].abs_diff(b[k])).max().unwrap_or(0).max(1);
        self.edit_mask(|m, _| {
            for s in 0..=steps {
                let t = s as f64 / steps as f64;
                let p: [usize; 3] = std::array::from_fn(|k| (a[k] as f64 + (b[k] as f64 - a[k] as f64) * t).round() as usize);
                let _ = paint(m, p, radius, label, normal_axis);
            }
        });
    }

    /// The reference's chosen label as a 0/1 mask and its voxel count, made once per reference and label.
    fn reference_binary(self) -> Option<(Arc<LabelMap>, usize)> {
        let label = self.reference_label.get_untracked();
        let from = self.reference.get_untracked()?;
        let cached = self.reference_cache.try_with_value(|c| {
            c.as_ref().filter(|c| Arc::ptr_eq(&c.from, &from) && c.label == label).map(|c| (c.mask.clone(), c.count))
        })?;
        if cached.is_some() {
            return cached;
        }
        let mask = LabelMap {
            geometry: from.geometry.clone(),
            data: from.data.iter().map(|&v| u8::from(v == label)).collect(),
            names: Vec::new(),
        };
        let count = mask.count();
        let mask = Arc::new(mask);
        self.reference_cache.try_set_value(Some(BinaryReference { from, label, mask: mask.clone(), count }));
        Some((mask, count))
    }

    fn compare(self) -> Option<Result<Comparison, String>> {
        let (reference, nr) = self.reference_binary()?;
        let student = self.mask.get_untracked()?;
        let v = self.volume()?;
        let voxel_ml = v.geometry.spacing.iter().product::<f64>() / 1000.0;
        let ns = self.count.get_untracked();
        Some(dice(&student, &reference).map_err(|e| sentence(&e.to_string())).map(|d| Comparison {
            dice: d,
            hd95: if ns > 0 && nr > 0 { hausdorff95(&student, &reference).ok() } else { None },
            student_ml: ns as f64 * voxel_ml,
            reference_ml: nr as f64 * voxel_ml,
        }))
    }

    fn summary(self) -> Option<Result<RoiSummary, String>> {
        let v = self.volume()?;
        // Every tool writes 0 or 1, so the student's mask is its own region of interest, label 1.
        let student = self.mask.get_untracked().filter(|_| self.count.get_untracked() > 0);
        let of_student = student.is_some();
        let roi = match student {
            Some(m) => m,
            None => self.reference_binary().filter(|(_, n)| *n > 0)?.0,
        };
        let stats = match roi_stats(&v, &roi, 1) {
            Ok(s) => s,
            Err(e) => return Some(Err(sentence(&e.to_string()))),
        };
        let values: Vec<f32> = v.data.iter().zip(&roi.data).filter(|(x, &l)| l != 0 && x.is_finite()).map(|(&x, _)| x).collect();
        let ones = vec![1u8; values.len()];
        // The typed number or width is checked here, once; the message says what is wrong with it.
        let method = match self.bin_mode.get_untracked() {
            BinMode::Number => BinCount::new(i64::from(self.bin_number.get_untracked()), MAX_BINS)
                .map(Discretisation::FixedBinNumber)
                .map_err(|e| sentence(&format!("{} {e}", segment_ui().bin_number))),
            BinMode::Size => BinWidth::new(self.bin_size.get_untracked())
                .map(|width| Discretisation::FixedBinSize { width, min: None })
                .map_err(|e| sentence(&format!("{} {e}", segment_ui().bin_size))),
        };
        let histogram = method.and_then(|m| discretise(&values, &ones, m).map_err(|e| sentence(&e.to_string()))).and_then(|d| {
            if d.max_level > MAX_BINS {
                return Err(segment_ui().too_many_bins.to_string());
            }
            let mut counts = vec![0usize; d.max_level as usize];
            for &l in &d.levels {
                if let Some(c) = (l as usize).checked_sub(1).and_then(|k| counts.get_mut(k)) {
                    *c += 1;
                }
            }
            Ok((counts, d.min, d.width))
        });
        Some(Ok(RoiSummary { of_student, stats, histogram }))
    }
}

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

/// A number for display: `digits` decimals, or the "not available" dash.
fn num(v: f64, digits: usize) -> String {
    if v.is_finite() {
        format!("{v:.digits$}")
    } else {
        segment_ui().not_available.to_string()
    }
}

/// Tick values for an axis over `[lo, hi]`: about six round numbers (1, 2 or 5 times a power of ten).
fn ticks(lo: f64, hi: f64) -> Vec<f64> {
    let span = hi - lo;
    if !(span.is_finite() && span > 0.0) {
        return vec![lo];
    }
    let raw = span / 6.0;
    let p = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0].into_iter().map(|m| m * p).find(|s| *s >= raw).unwrap_or(10.0 * p);
    let first = (lo / step).ceil() * step;
    (0..=10).map(|k| first + step * k as f64).take_while(|t| *t <= hi + step * 1e-9).collect()
}

/// A histogram as SVG bars with labelled axes.
fn histogram_svg(counts: &[usize], min: f64, width: f64, unit: &str) -> impl IntoView {
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

fn input_value(ev: &leptos::ev::Event) -> String {
    event_target_value(ev)
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
    let t = segment_ui();
    let s = state;
    let tools = tools.unwrap_or_default();
    let unit = if s.volume.with_value(|v| v.meta.units.as_deref() == Some("HU")) { " HU" } else { "" };
    let voxel_ml = s.volume.with_value(|v| v.geometry.spacing.iter().product::<f64>() / 1000.0);

    // Keyboard undo and redo, except in text fields (which have their own).
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

    // Live preview of the threshold range while it is being set.
    let preview_counter = StoredValue::new(0u64);
    Effect::new(move |_| {
        let (lo, hi, on) = (s.lo.get(), s.hi.get(), s.previewing.get());
        if !on {
            s.preview.set(None);
            return;
        }
        debounced(preview_counter, move || {
            if let Some(v) = s.volume() {
                s.preview.try_set(Some(Arc::new(threshold(&v, lo, hi))));
            }
        });
    });

    // The reference's label: the first one of a newly opened reference.
    Effect::new(move |_| {
        let names: Vec<u8> = s.reference.with(|r| r.as_ref().map(|r| r.names.iter().map(|n| n.0).collect()).unwrap_or_default());
        if let Some(&first) = names.first() {
            if !names.contains(&s.reference_label.get_untracked()) {
                s.reference_label.set(first);
            }
        }
    });

    // Measures, a moment after the last edit.
    let comparison = RwSignal::new(None::<Result<Comparison, String>>);
    let comparing = RwSignal::new(false);
    let summary = RwSignal::new(None::<Result<RoiSummary, String>>);
    let measure_counter = StoredValue::new(0u64);
    Effect::new(move |_| {
        s.revision.track();
        s.reference.track();
        s.reference_label.track();
        s.bin_mode.track();
        s.bin_number.track();
        s.bin_size.track();
        comparing.set(true);
        debounced(measure_counter, move || {
            comparison.try_set(s.compare());
            summary.try_set(s.summary());
            comparing.try_set(false);
        });
    });

    let tool_button = move |k: Tool, label: &'static str, id: &'static str| {
        view! {
            <button type="button" class="tool secondary" data-testid=id aria-pressed=move || (s.tool.get() == k).to_string()
                on:click=move |_| s.tool.set(if s.tool.get_untracked() == k { Tool::Crosshair } else { k })>{label}</button>
        }
    };

    let on_lo = move |ev: leptos::ev::Event| {
        if let Some(v) = parse_number(&input_value(&ev)) {
            s.lo.set(v as f32);
            s.previewing.set(true);
        }
    };
    let on_hi = move |ev: leptos::ev::Event| {
        if let Some(v) = parse_number(&input_value(&ev)) {
            s.hi.set(v as f32);
            s.previewing.set(true);
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
    let segmentation = view! {
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

            {(tools.threshold || tools.otsu || tools.region_growing).then(|| view! {
            <fieldset class="seg-group">
                <legend>{t.threshold}</legend>
                <div class="seg-row">
                    <label>{t.from}" "<input type="number" step="any" data-testid="thr-lo" prop:value=move || s.lo.get().to_string() on:input=on_lo/></label>
                    <label>{t.to}" "<input type="number" step="any" data-testid="thr-hi" prop:value=move || s.hi.get().to_string() on:input=on_hi/>{unit}</label>
                </div>
                <div class="seg-row">
                    {tools.otsu.then(|| view! {
                        <button type="button" class="secondary" data-testid="thr-otsu" on:click=move |_| s.otsu()>{t.otsu}</button>
                    })}
                    {tools.threshold.then(|| view! {
                        <button type="button" data-testid="thr-apply" on:click=move |_| s.apply_threshold()>{t.apply_threshold}</button>
                    })}
                </div>
                {move || s.previewing.get().then(|| view! { <p class="muted seg-note" data-testid="thr-preview">{t.preview_note}</p> })}
            </fieldset>
            })}

            {tools.region_growing.then(|| view! {
            <fieldset class="seg-group">
                <legend>{t.region_growing}</legend>
                <p class="muted seg-note">{t.grow_help}</p>
                <div class="seg-row">
                    <label>{t.tolerance}" "
                        <input type="number" step="any" min="0" placeholder=t.no_limit data-testid="grow-tolerance"
                            prop:value=move || s.tolerance.get().map(|v| v.to_string()).unwrap_or_default()
                            on:change=move |ev| s.tolerance.set(parse_number(&input_value(&ev)).filter(|v| *v >= 0.0).map(|v| v as f32))/>{unit}
                    </label>
                    <label>{t.connectivity}" "
                        <select data-testid="grow-connectivity" on:change=move |ev| s.connectivity.set(
                            if input_value(&ev) == "26" { Connectivity::Corners } else { Connectivity::Faces })>
                            <option value="6" selected=true>{t.faces}</option>
                            <option value="26">{t.corners}</option>
                        </select>
                    </label>
                </div>
                <div class="seg-row">
                    <label>
                        <input type="checkbox" data-testid="grow-within" prop:checked=move || s.within_threshold.get()
                            on:change=move |_| s.within_threshold.update(|w| *w = !*w)/>" "{t.within_threshold}
                    </label>
                    <label>{t.max_distance}" "
                        <input type="number" step="any" min="0" placeholder=t.no_limit data-testid="grow-distance"
                            prop:value=move || s.max_distance.get().map(|v| v.to_string()).unwrap_or_default()
                            on:change=move |ev| s.max_distance.set(parse_number(&input_value(&ev)).filter(|v| *v > 0.0))/>
                    </label>
                </div>
                <label>
                    <input type="checkbox" data-testid="grow-add" prop:checked=move || s.add.get() on:change=move |_| s.add.update(|a| *a = !*a)/>
                    " "{t.add_to_mask}
                </label>
            </fieldset>
            })}

            {(tools.brush || tools.eraser).then(|| view! {
            <fieldset class="seg-group">
                <legend>{t.brush}" / "{t.eraser}</legend>
                <label>{t.brush_size}" "
                    <input type="number" step="any" min="0" data-testid="brush-size" prop:value=move || s.brush_mm.get().to_string()
                        on:change=move |ev| if let Some(v) = parse_number(&input_value(&ev)).filter(|v| *v >= 0.0 && *v <= 200.0) { s.brush_mm.set(v) }/>
                </label>
                <p class="muted seg-note">{t.brush_help}</p>
            </fieldset>
            })}

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
    };

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

    let measures = view! {
        <div class="seg-measures">
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
            {(!compact).then(|| view! {
            <section class="lab-card" data-testid="stats-panel">
                <h2>{t.stats}</h2>
                <div class="seg-row" role="group" aria-label=t.discretisation>
                    <span class="muted">{t.discretisation}</span>
                    <select data-testid="bin-mode" on:change=move |ev| s.bin_mode.set(if input_value(&ev) == "size" { BinMode::Size } else { BinMode::Number })>
                        <option value="number" selected=true>{t.bin_number}</option>
                        <option value="size">{t.bin_size}</option>
                    </select>
                    {move || match s.bin_mode.get() {
                        BinMode::Number => view! {
                            <label><input type="number" min="1" max=MAX_BINS step="1" data-testid="bin-value" prop:value=move || s.bin_number.get().to_string()
                                on:change=move |ev| if let Some(v) = parse_number(&input_value(&ev)).filter(|v| *v >= 1.0 && *v <= f64::from(MAX_BINS)) { s.bin_number.set(v.round() as u32) }/>
                            " "{t.bins}</label>
                        }.into_any(),
                        BinMode::Size => view! {
                            <label><input type="number" min="0" step="any" data-testid="bin-value" prop:value=move || s.bin_size.get().to_string()
                                on:change=move |ev| if let Some(v) = parse_number(&input_value(&ev)).filter(|v| *v > 0.0) { s.bin_size.set(v) }/>
                            {unit}</label>
                        }.into_any(),
                    }}
                </div>
                {stats_view}
            </section>
            })}
        </div>
    };

    view! {
        <div class="seg-layout" class:compact=compact>
            {segmentation}
            {measures}
        </div>
    }
}
