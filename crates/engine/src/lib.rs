//! RadLearn's engine: pure-Rust imaging, radiomics and machine learning for the course, with no web dependency.
//!
//! It builds and tests natively and compiles unchanged to `wasm32-unknown-unknown`; the web app and the `radlearn`
//! command line are thin shells over it. Its modules are grouped by stage, in the order data flows:
//!
//! - [`io`]: bytes in and out. Readers ([`io::nifti`], [`io::nrrd`], [`io::dicom`], [`io::raster`]), each from
//!   bytes, returning an [`io::error::LoadError`] whose message tells a student what to do, never panicking, and
//!   checking the memory budget ([`io::error::LoadOptions`]) before allocating; raw voxel samples ([`io::codec`]);
//!   format sniffing ([`io::load`]); and [`io::open`], the one way every front end opens an image with its masks.
//!   Writing: [`io::nifti::write`].
//! - [`image`]: images as data and as pictures. The model ([`image::volume`]: [`Volume`], [`LabelMap`]), masks and
//!   the one label rule ([`image::mask`]), window/level ([`image::window`]), histograms, multiplanar display
//!   ([`image::view`]), spline interpolation ([`image::spline`]) and seeded CT-like test images
//!   ([`image::synthetic`]).
//! - [`radiomics`]: IBSI features. Configurations checked once ([`radiomics::config`]), the IBSI image processing
//!   ([`radiomics::preprocess`]), every feature family ([`radiomics::features`]), the pipeline
//!   ([`radiomics::extract`]) and feature tables as CSV and JSON ([`radiomics::export`]).
//! - [`lab`]: the Image Lab's tools: segmentation ([`lab::segment`]) and its measures ([`lab::metrics`]).
//! - [`ml`]: the Model Lab: datasets and tables, models, evaluation, unsupervised views, the synthetic cohort
//!   ([`ml::cohort`]) and the plots as SVG ([`ml::plot`]).
//!
//! Where later capabilities go: image filters (IBSI chapter 2 convolutions) in `image::filters` (they map an image to
//! an image, before the radiomics pipeline); robustness tools (perturbations, ICC, ComBat) in `radiomics` beside the
//! pipeline they perturb, or `ml` for the statistics on feature tables; neural networks in `ml` (or a crate of their
//! own beside the engine); 3-D meshes for display in `image`.
//!
//! # Example
//! ```
//! use radlearn_engine::image::{histogram::Histogram, synthetic::chest_slice, window::Window};
//! let slice = chest_slice(128);
//! let lung = Window::new(-600.0, 1500.0).expect("positive width");
//! let grey = lung.to_u8(slice.as_slice().expect("contiguous"));
//! assert_eq!(grey.len(), 128 * 128);
//! let h = Histogram::new(slice.as_slice().expect("contiguous"), -1024.0, 1500.0, 64).expect("valid range");
//! assert_eq!(h.counts.iter().sum::<u64>() + h.below + h.above, 128 * 128);
//! ```

pub mod image;
pub mod io;
pub mod lab;
pub mod ml;
pub mod radiomics;

pub use image::volume::{Geometry, LabelMap, Meta, Volume};
pub use io::error::{LoadError, LoadOptions};
pub use io::load::load;
