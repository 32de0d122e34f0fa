//! RadLearn's engine: pure-Rust imaging for the course, with no web dependency.
//!
//! It builds and tests natively and compiles unchanged to `wasm32-unknown-unknown`; the web
//! app and the `radlearn` command line are thin shells over it.
//!
//! - Model: [`volume::Volume`] (f32 intensities with physical geometry) and [`volume::LabelMap`].
//! - Readers, all from bytes: [`nifti`] (NIfTI-1/2, `.nii`, `.nii.gz`, `.hdr`/`.img`), [`nrrd`] (attached or
//!   detached, raw/gzip/ascii), [`dicom`] (files, series, RTSTRUCT rasterisation), [`raster`] (PNG, JPEG) and
//!   [`load()`], which sniffs the format. Every reader returns a [`error::LoadError`] whose message tells a student
//!   what to do, never panics on bad input, and checks the memory budget ([`error::LoadOptions`], 1 GiB by
//!   default) before allocating.
//! - Writing: [`nifti::write`] (images and masks, readable by nibabel).
//! - IBSI image processing: [`preprocess`] (resampling on the centred grid, mask partial-volume threshold,
//!   re-segmentation, discretisation; tricubic spline interpolation in [`spline`]); mask operations: [`mask`].
//! - Radiomics: [`features`] (every IBSI family), configurations checked once ([`config::FeatureConfig`] into
//!   [`config::ValidConfig`], built-ins for the IBSI phantoms) and the whole pipeline in [`radiomics::extract`].
//! - Display: [`window`] (window/level, named presets), [`histogram`]; feature tables as CSV and JSON: [`export`].
//!
//! # Example
//! ```
//! use radlearn_engine::{synthetic::chest_slice, window::Window, histogram::Histogram};
//! let slice = chest_slice(128);
//! let lung = Window::new(-600.0, 1500.0).expect("positive width");
//! let grey = lung.to_u8(slice.as_slice().expect("contiguous"));
//! assert_eq!(grey.len(), 128 * 128);
//! let h = Histogram::new(slice.as_slice().expect("contiguous"), -1024.0, 1500.0, 64).expect("valid range");
//! assert_eq!(h.counts.iter().sum::<u64>() + h.below + h.above, 128 * 128);
//! ```

pub mod cohort;
pub mod config;
pub mod dicom;
pub mod error;
pub mod export;
pub mod features;
pub mod histogram;
pub mod load;
pub mod mask;
pub mod metrics;
pub mod ml;
pub mod nifti;
pub mod nrrd;
pub mod open;
pub mod plot;
pub mod preprocess;
pub mod radiomics;
pub mod raster;
pub mod samples;
pub mod segment;
pub mod spline;
pub mod synthetic;
pub mod view;
pub mod volume;
pub mod window;

pub use error::{LoadError, LoadOptions};
pub use load::load;
pub use volume::{Geometry, LabelMap, Meta, Volume};
