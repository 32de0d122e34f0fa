//! The Image Lab's tools, as pure computation: segmentation (threshold, Otsu, region growing, brush, undo/redo) and
//! the measures that compare a student's mask with a reference.

pub mod metrics;
pub mod segment;
