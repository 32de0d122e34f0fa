//! RadLearn's engine: pure-Rust imaging for the course, with no web dependency.
//!
//! It builds and tests natively and compiles unchanged to `wasm32-unknown-unknown`; the web
//! app and the `radlearn` command line are thin shells over it. This first version holds the
//! display side of imaging — window/level, histograms and a synthetic CT slice for lessons —
//! on which the loaders, preprocessing and IBSI features will build.
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

pub mod histogram;
pub mod synthetic;
pub mod window;
