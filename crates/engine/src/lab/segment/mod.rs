//! Segmentation tools of the Image Lab: intensity thresholds (fixed, and Otsu's method), region growing from a seed,
//! a round brush in one slice, and undo/redo of mask edits. Measures of masks (Dice, surface distances, ROI
//! statistics) are in [`crate::lab::metrics`]; components, holes and morphology in [`crate::image::mask`].
//!
//! Every function checks its input and returns a [`SegmentError`] or a documented empty result, never a panic: an
//! image or mask whose data does not match its grid, a mask on another grid than the image (compared within a
//! hundredth of a voxel, as [`crate::radiomics`] does), a seed or brush centre outside the grid, NaN parameters.
//! Non-finite intensities never join a region.
//!
//! Hand-written: each tool is a few dozen lines on the engine's own types and must run sequentially in the browser.
//!
//! # Example: a brush stroke that can be undone
//! ```
//! use radlearn_engine::{Geometry, LabelMap};
//! use radlearn_engine::lab::segment::{paint, History, Recorded};
//! let mut mask = LabelMap::empty(Geometry::new([32, 32, 4], [0.8, 0.8, 3.0]));
//! let mut history = History::default();
//! let before = mask.data.clone(); // when the mouse goes down
//! paint(&mut mask, [10, 10, 2], 2.0, 1, 2).expect("inside the grid");
//! paint(&mut mask, [12, 10, 2], 2.0, 1, 2).expect("inside the grid");
//! assert_eq!(history.record(&before, &mask.data), Ok(Recorded::Recorded)); // when it goes up
//! assert!(history.undo(&mut mask));
//! assert_eq!(mask.count(), 0);
//! ```

use std::collections::VecDeque;
use std::fmt;
use std::mem::size_of;

use crate::image::histogram::Histogram;
use crate::image::mask::Connectivity;
use crate::image::volume::{Geometry, LabelMap, Volume};

mod edit;
mod grow;
mod otsu;

pub use edit::*;
pub use grow::*;
pub use otsu::*;

/// Why a segmentation tool or a measure could not run. Every message says what to do.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum SegmentError {
    /// An image or mask whose number of values does not match its grid.
    BadData { what: &'static str, len: usize, dims: [usize; 3] },
    /// An unusable grid: a zero dimension, a spacing that is not positive, a degenerate orientation.
    BadGeometry { what: &'static str, reason: String },
    /// Two grids that must be the same are not (dimensions, spacing, origin or orientation differ).
    /// `dims` are the first and second grid's dimensions; `detail` says what differs.
    GridMismatch { first: &'static str, second: &'static str, dims: [[usize; 3]; 2], detail: String },
    /// A voxel position outside the grid.
    OutsideGrid { what: &'static str, voxel: [usize; 3], dims: [usize; 3] },
    /// The seed of a region growing has a NaN or infinite intensity.
    NonFiniteSeed { seed: [usize; 3] },
    /// The seed of a region growing is outside the mask that restricts the growth.
    SeedOutsideRestriction { seed: [usize; 3] },
    /// A mask with no voxel where one is needed.
    EmptyMask { what: &'static str },
    /// A mask without any voxel of the requested label.
    NoSuchLabel { label: u8, present: Vec<u8> },
    /// A parameter out of its range.
    InvalidParameter { name: &'static str, reason: String },
}

impl fmt::Display for SegmentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SegmentError::BadData { what, len, dims } => write!(
                f,
                "the {what} holds {len} values, which does not match its grid of {} x {} x {} voxels; reload it",
                dims[0], dims[1], dims[2]
            ),
            SegmentError::BadGeometry { what, reason } => write!(f, "the {what} has an unusable geometry: {reason}"),
            SegmentError::GridMismatch { first, second, detail, .. } => {
                write!(f, "the {second} is not on the grid of the {first} ({detail}); resample it onto the {first}'s grid first")
            }
            SegmentError::OutsideGrid { what, voxel, dims } => write!(
                f,
                "the {what} ({}, {}, {}) is outside the grid of {} x {} x {} voxels; pick a voxel inside the image",
                voxel[0], voxel[1], voxel[2], dims[0], dims[1], dims[2]
            ),
            SegmentError::NonFiniteSeed { seed } => write!(
                f,
                "the seed voxel ({}, {}, {}) has no finite intensity (NaN or infinite); pick another seed",
                seed[0], seed[1], seed[2]
            ),
            SegmentError::SeedOutsideRestriction { seed } => write!(
                f,
                "the seed voxel ({}, {}, {}) is outside the region that limits the growth; pick a seed inside it",
                seed[0], seed[1], seed[2]
            ),
            SegmentError::EmptyMask { what } => write!(f, "the {what} is empty; draw or select a region first"),
            SegmentError::NoSuchLabel { label, present } if present.is_empty() => {
                write!(f, "the mask has no voxel with label {label}: it is empty; draw or select a region first")
            }
            SegmentError::NoSuchLabel { label, present } => {
                write!(f, "the mask has no voxel with label {label}; the labels present are {present:?}")
            }
            SegmentError::InvalidParameter { name, reason } => write!(f, "{name}: {reason}"),
        }
    }
}

impl std::error::Error for SegmentError {}

/// Number of voxels of a grid, `None` if it overflows.
pub(crate) fn voxel_count(dims: [usize; 3]) -> Option<usize> {
    dims[0].checked_mul(dims[1])?.checked_mul(dims[2])
}

/// Checks that `len` values fill the grid exactly; after this, `x + nx * (y + ny * z)` cannot overflow.
pub(crate) fn check_data(what: &'static str, g: &Geometry, len: usize) -> Result<(), SegmentError> {
    if voxel_count(g.dims) == Some(len) {
        Ok(())
    } else {
        Err(SegmentError::BadData { what, len, dims: g.dims })
    }
}

/// Checks that both geometries are valid and the same grid, within a hundredth of the smallest voxel side.
pub(crate) fn check_same_grid(first: &'static str, a: &Geometry, second: &'static str, b: &Geometry) -> Result<(), SegmentError> {
    a.validate().map_err(|reason| SegmentError::BadGeometry { what: first, reason })?;
    b.validate().map_err(|reason| SegmentError::BadGeometry { what: second, reason })?;
    let tol = 0.01 * a.spacing.iter().copied().fold(f64::INFINITY, f64::min);
    if a.approx_eq(b, tol) {
        Ok(())
    } else {
        let differs = |x: [f64; 3], y: [f64; 3]| (0..3).any(|k| (x[k] - y[k]).abs() > tol);
        let detail = if a.dims != b.dims {
            format!("{} x {} x {} voxels against {} x {} x {}", b.dims[0], b.dims[1], b.dims[2], a.dims[0], a.dims[1], a.dims[2])
        } else if differs(a.spacing, b.spacing) {
            format!("voxels of {:?} mm against {:?} mm", b.spacing, a.spacing)
        } else if differs(a.origin, b.origin) {
            format!("first voxel at {:?} mm against {:?} mm", b.origin, a.origin)
        } else {
            "another orientation".to_string()
        };
        Err(SegmentError::GridMismatch { first, second, dims: [a.dims, b.dims], detail })
    }
}

/// Voxels whose intensity `v` satisfies `lo <= v <= hi` get label 1, all others 0.
///
/// NaN never passes, so a NaN bound or `lo > hi` gives an empty mask; infinite intensities compare as usual (they
/// pass with an infinite bound). The mask has the image's geometry and one value per image value, so an image whose
/// data does not match its grid gives a mask that does not either (as [`crate::image::mask`] returns such masks unchanged).
pub fn threshold(image: &Volume, lo: f32, hi: f32) -> LabelMap {
    let data = image.data.iter().map(|&v| u8::from(lo <= v && v <= hi)).collect();
    LabelMap { geometry: image.geometry.clone(), data, names: Vec::new() }
}

/// Lowest and highest finite value, `None` if there is none.
pub(crate) fn finite_range(values: &[f32]) -> Option<(f32, f32)> {
    values.iter().filter(|v| v.is_finite()).fold(None, |acc, &v| match acc {
        None => Some((v, v)),
        Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Test code: a panic is a failed test.
mod tests;
