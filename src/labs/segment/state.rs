//! The segmentation state of one image ([`SegmentState`]) and the edits the tools make to the student's mask.

use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use radlearn_engine::image::mask::Connectivity;
use radlearn_engine::lab::segment::{limit_to_ball, otsu_threshold, paint, region_grow, threshold, History, OTSU_BINS};
use radlearn_engine::{LabelMap, Volume};

use super::measures::{BinMode, BinSettings, BinaryReference};
use crate::labs::viewer::{EditEvent, EditPhase, Editing, Tool};
use crate::platform;
use crate::strings::sentence;

/// A brush or eraser stroke in progress: the mask before it (for one undo step) and the last voxel painted.
struct Stroke {
    before: Vec<u8>,
    last: [usize; 3],
    /// The voxel axis across the slice the stroke paints in.
    normal_axis: usize,
    label: u8,
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

/// The threshold range, and whether it is previewed over the image.
#[derive(Clone, Copy)]
pub(super) struct ThresholdRange {
    pub(super) lo: RwSignal<f32>,
    pub(super) hi: RwSignal<f32>,
    pub(super) previewing: RwSignal<bool>,
}

/// Region growing's settings.
#[derive(Clone, Copy)]
pub(super) struct GrowSettings {
    /// The intensity tolerance around the seed (`None`: no limit).
    pub(super) tolerance: RwSignal<Option<f32>>,
    pub(super) connectivity: RwSignal<Connectivity>,
    /// Whether the region stays within the threshold range.
    pub(super) within_threshold: RwSignal<bool>,
    /// The largest distance from the seed in mm (`None`: no limit).
    pub(super) max_distance: RwSignal<Option<f64>>,
}

/// The segmentation state of one image: a `Copy` handle of signals.
#[derive(Clone, Copy)]
pub struct SegmentState {
    pub(super) volume: StoredValue<Arc<Volume>>,
    pub(super) tool: RwSignal<Tool>,
    pub(super) mask: RwSignal<Option<Arc<LabelMap>>>,
    pub(super) preview: RwSignal<Option<Arc<LabelMap>>>,
    /// The reference mask (the page's mask panel) and whether it is drawn as an outline.
    pub(super) reference: RwSignal<Option<Arc<LabelMap>>>,
    reference_outline: RwSignal<bool>,
    /// Whether the reference was switched to an outline already.
    outlined: StoredValue<bool>,
    pub(super) reference_label: RwSignal<u8>,
    /// The reference's chosen label as a 0/1 mask, with its voxel count, for the reference and label it was made from.
    pub(super) reference_cache: StoredValue<Option<BinaryReference>>,
    history: StoredValue<History>,
    stroke: StoredValue<Option<Stroke>>,
    /// Voxels of the student's mask after the last finished edit.
    pub(super) count: RwSignal<usize>,
    /// Undo and redo steps available.
    pub(super) steps: RwSignal<(usize, usize)>,
    /// Incremented by every finished edit: the measures follow it.
    pub(super) revision: RwSignal<u64>,
    /// True while a tool runs.
    pub(super) busy: RwSignal<bool>,
    pub(super) error: RwSignal<Option<String>>,
    /// The threshold range, and whether it is previewed over the image.
    pub(super) threshold: ThresholdRange,
    pub(super) grow: GrowSettings,
    /// Whether a threshold or a grown region is added to the mask rather than replacing it.
    pub(super) add: RwSignal<bool>,
    /// The brush and eraser radius in mm.
    pub(super) brush_mm: RwSignal<f64>,
    /// The histogram's discretisation.
    pub(super) bins: BinSettings,
}

/// A number typed by the student (a decimal comma is accepted); `None` if blank or not a finite number.
pub(super) fn parse_number(s: &str) -> Option<f64> {
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
            threshold: ThresholdRange { lo: RwSignal::new(lo), hi: RwSignal::new(hi), previewing: RwSignal::new(false) },
            grow: GrowSettings {
                tolerance: RwSignal::new(None),
                connectivity: RwSignal::new(Connectivity::Faces),
                within_threshold: RwSignal::new(true),
                max_distance: RwSignal::new(Some(50.0)),
            },
            add: RwSignal::new(false),
            brush_mm: RwSignal::new(3.0),
            bins: BinSettings { mode: RwSignal::new(BinMode::Number), number: RwSignal::new(32), size: RwSignal::new(25.0) },
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

    pub(super) fn volume(self) -> Option<Arc<Volume>> {
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

    /// The student's mask (`None` before the first edit; every tool writes 0 or 1), e.g. as a region for features.
    pub fn student_mask(self) -> Signal<Option<Arc<LabelMap>>> {
        self.mask.into()
    }

    /// Voxels of the student's mask after the last finished edit (the count the panel shows).
    pub fn student_voxels(self) -> Signal<usize> {
        self.count.into()
    }

    /// Voxels of the student's mask after the last finished edit.
    pub(super) fn student_count(self) -> usize {
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
        self.threshold.previewing.try_set(false);
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

    pub(super) fn undo(self) {
        if self.busy.get_untracked() || self.stroke.with_value(|s| s.is_some()) {
            return;
        }
        if self.edit_mask(|m, h| h.undo(m)) == Some(true) {
            self.edited();
        }
    }

    pub(super) fn redo(self) {
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

    pub(super) fn apply_threshold(self) {
        let (lo, hi) = (self.threshold.lo.get_untracked(), self.threshold.hi.get_untracked());
        self.run(move |v| {
            let data = threshold(&v, lo, hi).data;
            self.replace(self.combined(data))
        });
    }

    pub(super) fn otsu(self) {
        self.run(move |v| match otsu_threshold(&v, None, OTSU_BINS).map_err(|e| sentence(&e.to_string()))? {
            Some(t) => {
                let top = v.range().map_or(t, |(_, hi)| hi);
                self.threshold.lo.set(t.round());
                self.threshold.hi.set(top);
                self.threshold.previewing.set(true);
                Ok(())
            }
            None => Err("The image has a single intensity: there is nothing to separate.".into()),
        });
    }

    fn grow(self, seed: [usize; 3]) {
        let (lo, hi) = (self.threshold.lo.get_untracked(), self.threshold.hi.get_untracked());
        let tolerance = self.grow.tolerance.get_untracked().unwrap_or(f32::INFINITY);
        let connectivity = self.grow.connectivity.get_untracked();
        let within = self.grow.within_threshold.get_untracked();
        let limit = self.grow.max_distance.get_untracked();
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

    pub(super) fn clean(self, op: fn(&LabelMap) -> LabelMap) {
        self.run(move |_| match self.mask.get_untracked() {
            Some(m) => self.replace(op(&m).data),
            None => Ok(()),
        });
    }

    pub(super) fn clear(self) {
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
                self.threshold.previewing.set(false);
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
}
