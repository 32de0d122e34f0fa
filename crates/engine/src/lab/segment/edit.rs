//! The brush and eraser, and undo/redo as a `History` of compact diffs.

use super::*;

/// Brush: sets to `label` every voxel of the slice through `centre` across voxel axis `normal_axis` (2 for a slice of
/// fixed z, 1 of fixed y, 0 of fixed x: the axis a view scrolls along) whose centre lies within `radius_mm`
/// of the centre voxel's, distances measured in millimetres with the grid spacing (so the disk is round on screen
/// even with anisotropic voxels). The centre voxel is always painted, so a radius below half a voxel paints one
/// voxel. Erasing is painting with label 0. The disk is clipped to the grid.
///
/// Returns the number of voxels whose label changed. Errors: data that does not match its grid, an invalid geometry,
/// a centre outside the grid, a radius that is negative, infinite or NaN. The mask is unchanged on error.
pub fn paint(mask: &mut LabelMap, centre: [usize; 3], radius_mm: f64, label: u8, normal_axis: usize) -> Result<usize, SegmentError> {
    check_data("mask", &mask.geometry, mask.data.len())?;
    mask.geometry.validate().map_err(|reason| SegmentError::BadGeometry { what: "mask", reason })?;
    if !(radius_mm.is_finite() && radius_mm >= 0.0) {
        return Err(SegmentError::InvalidParameter {
            name: "brush radius",
            reason: format!("the radius must be a finite number of millimetres, zero or more, but is {radius_mm}"),
        });
    }
    let dims = mask.geometry.dims;
    if mask.geometry.index(centre[0], centre[1], centre[2]).is_none() {
        return Err(SegmentError::OutsideGrid { what: "brush centre", voxel: centre, dims });
    }
    let spacing = mask.geometry.spacing;
    let [u, v] = match normal_axis {
        0 => [1, 2],
        1 => [0, 2],
        2 => [0, 1],
        _ => {
            return Err(SegmentError::InvalidParameter {
                name: "normal axis",
                reason: format!("a slice is across voxel axis 0, 1 or 2, not {normal_axis}"),
            })
        }
    };
    // Reach in voxels along an axis; the spacing is positive and finite (validated), the cast is clamped to the grid.
    let reach = |a: usize| (radius_mm / spacing[a]).floor().min(dims[a] as f64) as usize;
    let range = |a: usize| centre[a].saturating_sub(reach(a))..=centre[a].saturating_add(reach(a)).min(dims[a] - 1);
    let limit = radius_mm * radius_mm + 1e-9;
    let mut changed = 0;
    for pv in range(v) {
        let dv = (pv as f64 - centre[v] as f64) * spacing[v];
        for pu in range(u) {
            let du = (pu as f64 - centre[u] as f64) * spacing[u];
            if du * du + dv * dv > limit {
                continue;
            }
            let mut p = centre;
            p[u] = pu;
            p[v] = pv;
            if let Some(i) = mask.geometry.index(p[0], p[1], p[2]) {
                if mask.data[i] != label {
                    mask.data[i] = label;
                    changed += 1;
                }
            }
        }
    }
    Ok(changed)
}

/// Default number of undo steps kept by a [`History`].
pub const DEFAULT_UNDO_STEPS: usize = 50;

/// Default memory bound of a [`History`]: 64 MiB of stored edits.
pub const DEFAULT_UNDO_BYTES: usize = 64 << 20;

/// What [`History::record`] did with an edit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    /// The edit changed no voxel: nothing was stored and the redo steps are kept.
    Unchanged,
    /// The edit can be undone.
    Recorded,
    /// The edit is larger than the memory bound (or undo is disabled with 0 steps): it cannot be undone, and the
    /// older steps were dropped since they no longer apply to the mask as it is.
    Dropped,
}

/// Consecutive voxels that all changed from `old` to `new`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Run {
    pub(super) start: usize,
    pub(super) len: u32,
    pub(super) old: u8,
    pub(super) new: u8,
}

/// The voxels one edit changed, in the smaller of two forms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Diff {
    /// Sparse: runs of equal changes (a brush stroke, a region).
    Runs(Vec<Run>),
    /// Dense: the values before and after over the span from the first to the last changed voxel (scattered
    /// changes, e.g. a noisy threshold).
    Span { start: usize, old: Vec<u8>, new: Vec<u8> },
}

/// One undo step: the changes, and the number of voxels of the mask they apply to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Edit {
    pub(super) len: usize,
    pub(super) diff: Diff,
}

/// Calls `f` on each run of changed voxels, in order.
pub(super) fn for_each_run(before: &[u8], after: &[u8], mut f: impl FnMut(Run)) {
    let mut cur: Option<Run> = None;
    for (i, (&o, &n)) in before.iter().zip(after).enumerate() {
        if o == n {
            if let Some(r) = cur.take() {
                f(r);
            }
            continue;
        }
        match &mut cur {
            Some(r) if r.old == o && r.new == n && r.len < u32::MAX => r.len += 1,
            _ => {
                if let Some(r) = cur.replace(Run { start: i, len: 1, old: o, new: n }) {
                    f(r);
                }
            }
        }
    }
    if let Some(r) = cur {
        f(r);
    }
}

impl Edit {
    /// The changes from `before` to `after` (same length), `None` if there are none.
    pub(super) fn new(before: &[u8], after: &[u8]) -> Option<Edit> {
        let (mut runs, mut first, mut last) = (0usize, None, 0usize);
        for_each_run(before, after, |r| {
            runs += 1;
            first.get_or_insert(r.start);
            last = r.start + r.len as usize - 1;
        });
        let first = first?;
        let span = last - first + 1;
        let diff = if runs.saturating_mul(size_of::<Run>()) <= span.saturating_mul(2) {
            let mut v = Vec::with_capacity(runs);
            for_each_run(before, after, |r| v.push(r));
            Diff::Runs(v)
        } else {
            Diff::Span { start: first, old: before[first..=last].to_vec(), new: after[first..=last].to_vec() }
        };
        Some(Edit { len: before.len(), diff })
    }

    /// Memory held by the edit.
    pub(super) fn bytes(&self) -> usize {
        size_of::<Edit>()
            + match &self.diff {
                Diff::Runs(r) => r.len() * size_of::<Run>(),
                Diff::Span { old, new, .. } => old.len() + new.len(),
            }
    }

    /// Writes the edit's values after (`forward`) or before it into `data`, if every changed voxel holds the value on
    /// the other side; otherwise leaves `data` unchanged and returns false.
    pub(super) fn replay(&self, data: &mut [u8], forward: bool) -> bool {
        if data.len() != self.len {
            return false;
        }
        // (value expected now, value to write) for a voxel that changed from o to n.
        let pick = |o: u8, n: u8| if forward { (o, n) } else { (n, o) };
        match &self.diff {
            Diff::Runs(runs) => {
                let ok = runs.iter().all(|r| {
                    let (from, _) = pick(r.old, r.new);
                    data.get(r.start..r.start + r.len as usize).is_some_and(|s| s.iter().all(|&v| v == from))
                });
                if ok {
                    for r in runs {
                        let (_, to) = pick(r.old, r.new);
                        data[r.start..r.start + r.len as usize].fill(to);
                    }
                }
                ok
            }
            Diff::Span { start, old, new } => {
                let Some(slice) = data.get_mut(*start..*start + old.len()) else {
                    return false;
                };
                let ok = slice.iter().zip(old.iter().zip(new)).all(|(&v, (&o, &n))| o == n || v == pick(o, n).0);
                if ok {
                    for (v, (&o, &n)) in slice.iter_mut().zip(old.iter().zip(new)) {
                        if o != n {
                            *v = pick(o, n).1;
                        }
                    }
                }
                ok
            }
        }
    }
}

/// Undo and redo of mask edits. Each step stores only what changed (runs of changed voxels, or the changed span when
/// changes are scattered, whichever is smaller), so a brush stroke on a 512 x 512 x 60 CT costs bytes, not the 15 MB
/// of the mask. At most `max_steps` steps and about `max_bytes` of memory are kept; the oldest steps go first.
///
/// Record an edit with [`History::record`] (the mask's data before and after, e.g. a copy taken when a brush stroke
/// starts) or make one with [`History::apply`]. A new edit clears the redo steps. When a mask is loaded or replaced
/// by other means, call [`History::clear`]: a step whose voxels no longer hold the values it left is never applied
/// (undo and redo then return false and clear the history), so the mask is never corrupted.
#[derive(Debug, Clone)]
pub struct History {
    pub(super) undo: VecDeque<Edit>,
    pub(super) redo: Vec<Edit>,
    pub(super) max_steps: usize,
    pub(super) max_bytes: usize,
    pub(super) bytes: usize,
}

impl Default for History {
    /// [`DEFAULT_UNDO_STEPS`] steps within [`DEFAULT_UNDO_BYTES`].
    fn default() -> Self {
        History::new(DEFAULT_UNDO_STEPS, DEFAULT_UNDO_BYTES)
    }
}

impl History {
    /// A history keeping at most `max_steps` undo steps and about `max_bytes` of memory (0 steps disables undo).
    pub fn new(max_steps: usize, max_bytes: usize) -> Self {
        History { undo: VecDeque::new(), redo: Vec::new(), max_steps, max_bytes, bytes: 0 }
    }

    /// Records the edit that turned a mask's data `before` into `after`. Errors if their lengths differ.
    pub fn record(&mut self, before: &[u8], after: &[u8]) -> Result<Recorded, SegmentError> {
        if before.len() != after.len() {
            return Err(SegmentError::InvalidParameter {
                name: "edit",
                reason: format!(
                    "the mask had {} voxels before the edit and {} after; record edits of one mask only",
                    before.len(),
                    after.len()
                ),
            });
        }
        let Some(edit) = Edit::new(before, after) else {
            return Ok(Recorded::Unchanged);
        };
        let stale = self.undo.iter().any(|e| e.len != edit.len);
        for e in self.redo.drain(..) {
            self.bytes -= e.bytes();
        }
        let size = edit.bytes();
        if stale || self.max_steps == 0 || size > self.max_bytes {
            self.clear();
            if self.max_steps == 0 || size > self.max_bytes {
                return Ok(Recorded::Dropped);
            }
        }
        self.bytes += size;
        self.undo.push_back(edit);
        while self.undo.len() > self.max_steps || self.bytes > self.max_bytes {
            match self.undo.pop_front() {
                Some(e) => self.bytes -= e.bytes(),
                None => break,
            }
        }
        Ok(Recorded::Recorded)
    }

    /// Replaces the mask's data with `new_data` and records the edit. Errors (and leaves the mask unchanged) if the
    /// lengths differ.
    pub fn apply(&mut self, mask: &mut LabelMap, new_data: Vec<u8>) -> Result<Recorded, SegmentError> {
        let recorded = self.record(&mask.data, &new_data)?;
        mask.data = new_data;
        Ok(recorded)
    }

    /// Undoes the last step. False if there is none, or if the mask no longer holds what the step left (then the
    /// history is cleared and the mask is unchanged).
    pub fn undo(&mut self, mask: &mut LabelMap) -> bool {
        let Some(edit) = self.undo.pop_back() else {
            return false;
        };
        if edit.replay(&mut mask.data, false) {
            self.redo.push(edit);
            true
        } else {
            self.clear();
            false
        }
    }

    /// Redoes the last undone step. False if there is none, or if the mask no longer holds what the undo left (then
    /// the history is cleared and the mask is unchanged).
    pub fn redo(&mut self, mask: &mut LabelMap) -> bool {
        let Some(edit) = self.redo.pop() else {
            return false;
        };
        if edit.replay(&mut mask.data, true) {
            self.undo.push_back(edit);
            true
        } else {
            self.clear();
            false
        }
    }

    /// True if a step can be undone.
    pub fn can_undo(&self) -> bool {
        !self.undo.is_empty()
    }

    /// True if a step can be redone.
    pub fn can_redo(&self) -> bool {
        !self.redo.is_empty()
    }

    /// Number of steps that can be undone and redone.
    pub fn steps(&self) -> (usize, usize) {
        (self.undo.len(), self.redo.len())
    }

    /// Memory held by the stored steps, in bytes (approximate: the stored changes and one small header per step).
    pub fn memory_bytes(&self) -> usize {
        self.bytes
    }

    /// Forgets every step, e.g. when another mask is loaded.
    pub fn clear(&mut self) {
        self.undo.clear();
        self.redo.clear();
        self.bytes = 0;
    }
}
