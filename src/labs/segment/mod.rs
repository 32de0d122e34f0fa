//! The Image Lab's segmentation, comparison and ROI statistics panels: the student draws a mask of their own on the
//! image grid (threshold range with a live preview, Otsu, region growing from a clicked seed, brush and eraser, fill
//! holes, largest piece, undo and redo), compares it with the reference mask (Dice, HD95, volumes), reads the
//! statistics and the histogram of the region under a discretisation they choose, and downloads the mask as NIfTI.
//!
//! The student's mask lives in an `Arc<LabelMap>` signal that the viewer draws over the reference. Edits change it
//! in place (`Arc::make_mut`: no copy while nobody else holds it), so a brush stroke paints incrementally into the
//! slice; each edit is one [`History`] step (a whole stroke is one step). Measures follow the edits after a short
//! pause, never on every mouse move. All computing is the engine's.

mod histogram;
mod measures;
mod panel;
mod state;

pub use self::panel::SegmentPanel;
pub use self::state::{SegmentState, SegmentTools};
