//! The multiplanar viewer of the Image Lab: axial, coronal and sagittal slices of a volume with a linked
//! crosshair, window/level, zoom and pan, a readout under the pointer and a label overlay.
//!
//! The engine (`radlearn_engine::image::view`) extracts each slice and composes its RGBA pixels into buffers this
//! component keeps between frames; the pixels go into an `ImageData` on a detached canvas at the slice's own
//! resolution, which is drawn scaled (pixel spacing respected, no smoothing) onto the visible canvas.

//!
//! The files: `state.rs` (what the three views share: cursor, window, zoom and pan, the tool, the pointer),
//! `draw.rs` (a frame drawn onto a canvas, one render effect per view), `input.rs` (a view's canvas with its
//! pointer, wheel and keyboard), `toolbar.rs` (window presets and values, drag tools, zoom) and `readout.rs` (the
//! value and position under the pointer).

mod draw;
mod input;
mod readout;
mod state;
mod toolbar;

use std::cell::Cell;
use std::rc::Rc;
use std::sync::Arc;

use leptos::prelude::*;
use radlearn_engine::image::view::LabelStyle;
use radlearn_engine::{LabelMap, Volume};

use self::draw::render_views;
use self::input::PlaneView;
use self::readout::Readout;
use self::state::ViewState;
use self::toolbar::{DragTools, WindowBar, ZoomBar};
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

/// A checkbox that draws the overlay's mask as an outline rather than filled.
#[component]
pub fn OutlineToggle(overlay: OverlaySettings, #[prop(into)] testid: String, label: &'static str) -> impl IntoView {
    view! {
        <label>
            <input type="checkbox" data-testid=testid prop:checked=move || overlay.outline.get()
                on:change=move |_| overlay.outline.update(|o| *o = !*o)/>
            " "{label}
        </label>
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
    let v = ViewState::new(&volume, editing, initial_window, initial_slice);
    let hu = volume.meta.units.as_deref() == Some("HU");
    let resized = RwSignal::new(0u32);
    let handle = window_event_listener(leptos::ev::resize, move |_| resized.update(|n| *n = n.wrapping_add(1)));
    on_cleanup(move || handle.remove());

    // Each view's last drawing time, on its canvas (`data-render-ms`), and the slowest, on the viewer, for the
    // benchmarks.
    let plane_ms = [RwSignal::new(0.0f64), RwSignal::new(0.0f64), RwSignal::new(0.0f64)];
    let render_ms = RwSignal::new(0.0f64);
    render_views(&volume, v, overlay, resized, plane_ms, render_ms);

    // A flat image (one slice, e.g. a PNG) has nothing to show across its thickness: only the views with an area.
    let mut shown: Vec<usize> = (0..3).filter(|&i| v.layouts[i].width > 1 && v.layouts[i].height > 1).collect();
    if shown.is_empty() {
        shown.push(0);
    }
    let single = shown.len() == 1;
    // One drag at a time, over all views.
    let drag: Rc<Cell<Option<input::Drag>>> = Rc::new(Cell::new(None));
    let views = shown.into_iter().map(|i| view! { <PlaneView v=v i=i drag=drag.clone() render_ms=plane_ms[i]/> }).collect_view();

    view! {
        <section class="viewer" class:compact=compact data-testid="viewer" aria-label=t.lab_viewer
            data-render-ms=move || format!("{:.2}", render_ms.get())>
            <WindowBar v=v hu=hu/>
            <div class="viewer-toolbar">
                <DragTools v=v/>
                <ZoomBar v=v/>
            </div>
            <div class="views" class:single=single>{views}</div>
            <Readout v=v volume=volume overlay=overlay hu=hu/>
            <p class="muted lab-help">{t.lab_help}</p>
        </section>
    }
}
