//! What the three views share: the cursor, the window, each view's zoom and pan, the drag tool, the view last
//! used and the pixel under the pointer; and the moves that change them.

use leptos::html::Canvas;
use leptos::prelude::*;
use radlearn_engine::image::view::{auto_window, Placement, Plane, SliceLayout, ViewTransform};
use radlearn_engine::Volume;

use super::input::canvas_size;
use super::{Editing, Tool};

/// The viewer's state: a `Copy` handle of signals and the image's fixed layouts.
#[derive(Clone, Copy)]
pub(super) struct ViewState {
    /// How each plane (axial, coronal, sagittal) shows the volume.
    pub(super) layouts: [SliceLayout; 3],
    /// The voxel at the crosshair.
    pub(super) cursor: RwSignal<[usize; 3]>,
    /// The window's centre and width.
    pub(super) window: RwSignal<(f32, f32)>,
    pub(super) transforms: [RwSignal<ViewTransform>; 3],
    pub(super) tool: RwSignal<Tool>,
    /// The view last clicked or focused: the one "Save the view as PNG" saves.
    pub(super) active_view: RwSignal<usize>,
    /// The view and pixel under the pointer; its voxel follows the slice when the wheel changes it.
    pub(super) hover: RwSignal<Option<(usize, usize, usize)>>,
    pub(super) canvases: [NodeRef<Canvas>; 3],
    pub(super) editing: Option<Editing>,
    /// The cursor and window shown first and on Reset, and the automatic window.
    centre_voxel: [usize; 3],
    start_window: (f32, f32),
    pub(super) auto_window: (f32, f32),
    /// How much the window changes per CSS pixel of a right-button drag.
    pub(super) wl_per_pixel: f64,
}

impl ViewState {
    pub(super) fn new(volume: &Volume, editing: Option<Editing>, initial_window: Option<(f32, f32)>, initial_slice: Option<usize>) -> Self {
        let layouts = SliceLayout::all(&volume.geometry);
        let dims = volume.geometry.dims;
        let mut centre_voxel = dims.map(|d| d / 2);
        if let (Some(s), Some(axial)) = (initial_slice, layouts.iter().find(|l| l.plane == Plane::Axial)) {
            let a = axial.normal_axis;
            centre_voxel[a] = s.min(dims[a].saturating_sub(1));
        }
        let auto = auto_window(volume);
        let auto_window = (auto.centre(), auto.width());
        let start_window = initial_window.unwrap_or(auto_window);
        let (lo, hi) = volume.range().unwrap_or((0.0, 1.0));
        ViewState {
            layouts,
            cursor: RwSignal::new(centre_voxel),
            window: RwSignal::new(start_window),
            transforms: [
                RwSignal::new(ViewTransform::default()),
                RwSignal::new(ViewTransform::default()),
                RwSignal::new(ViewTransform::default()),
            ],
            tool: editing.map(|e| e.tool).unwrap_or_else(|| RwSignal::new(Tool::Crosshair)),
            active_view: RwSignal::new(0usize),
            hover: RwSignal::new(None),
            canvases: [NodeRef::new(), NodeRef::new(), NodeRef::new()],
            editing,
            centre_voxel,
            start_window,
            auto_window,
            wl_per_pixel: f64::from((hi - lo).max(1e-3)) / 500.0,
        }
    }

    pub(super) fn set_window(self, c: f32, w: f32) {
        if c.is_finite() && w.is_finite() {
            self.window.set((c, w.max(1e-3)));
        }
    }

    /// Moves view `i`'s slice by `delta`, within the volume.
    pub(super) fn step_slice(self, i: usize, delta: i64) {
        let a = self.layouts[i].normal_axis;
        let n = self.layouts[i].depth as i64;
        self.cursor.update(|c| c[a] = (c[a] as i64 + delta).clamp(0, (n - 1).max(0)) as usize);
    }

    /// Zooms view `i` by `factor` about the canvas point `at` (its centre if `None`).
    pub(super) fn zoom_view(self, i: usize, at: Option<[f64; 2]>, factor: f64) {
        let Some(el) = self.canvases[i].get_untracked() else { return };
        let size = canvas_size(&el);
        let at = at.unwrap_or([size[0] / 2.0, size[1] / 2.0]);
        self.transforms[i].update(|t| *t = t.zoom_at(size, &self.layouts[i], at, factor));
    }

    pub(super) fn zoom_all(self, factor: f64) {
        for i in 0..3 {
            self.zoom_view(i, None, factor)
        }
    }

    /// The slice pixel (column, row) under the canvas point `p` of view `i`.
    pub(super) fn pixel_at(self, i: usize, el: &web_sys::HtmlCanvasElement, p: [f64; 2]) -> Option<(usize, usize)> {
        Placement::new(canvas_size(el), &self.layouts[i], self.transforms[i].get_untracked()).pixel_at(&self.layouts[i], p)
    }

    /// The voxel under the canvas point `p` of view `i`.
    pub(super) fn voxel_at(self, i: usize, el: &web_sys::HtmlCanvasElement, p: [f64; 2]) -> Option<[usize; 3]> {
        let (col, row) = self.pixel_at(i, el, p)?;
        let (_, _, slice) = self.layouts[i].pixel(self.cursor.get_untracked());
        self.layouts[i].voxel(col, row, slice)
    }

    /// Back to the first cursor and window, unzoomed.
    pub(super) fn reset(self) {
        for tr in self.transforms {
            tr.set(ViewTransform::default());
        }
        self.cursor.set(self.centre_voxel);
        self.window.set(self.start_window);
    }
}
