//! Plots as SVG text: ROC curves, confusion matrices, scatter plots, heatmaps, line plots, calibration plots and bar
//! charts, the same in the browser (inserted into the page or saved as a file) and in the command line.
//!
//! Hand-written on purpose: a few hundred lines of string building, no dependency, and exactly the same bytes on
//! every platform. Plotting crates (plotters and the like) bring font handling, several back ends and far more code
//! than these seven charts need, all of which would ship in the browser's wasm module.
//!
//! Every plot:
//! - is readable on a 1024 x 768 projector: drawn at a natural size of about 720 x 540 (`width`/`height` and a
//!   `viewBox`, so it scales; the Model Lab shows it at that size), text of 14 px or more, lines 3 px thick, long
//!   names abbreviated with the full name as a `<title>` tooltip;
//! - keeps its light colours in an exported file, while its background, grid and axes carry classes (`plot-bg`,
//!   `plot-grid`, `plot-axis`) through which the page's dark theme recolours them;
//! - uses the Okabe–Ito palette, which stays distinct with the common colour-vision deficiencies, and marker
//!   shapes as well as colours for series;
//! - has `role="img"`, a `<title>` and a `<desc>` (for screen readers), one font stack (`system-ui, sans-serif`),
//!   and only inline presentation attributes (no CSS), so an exported `.svg` file looks the same;
//! - escapes every piece of text (`<`, `&`, `>`, quotes);
//! - never panics: empty or non-finite input draws an empty frame with "no data".
//!
//! # Example
//! ```
//! use radlearn_engine::ml::plot::{roc, Curve};
//! let curve = Curve { label: "Logistic regression, AUC 0.81".into(), points: vec![(0.0, 0.0), (0.2, 0.7), (1.0, 1.0)] };
//! let svg = roc(&[curve], "Test set ROC");
//! assert!(svg.starts_with("<svg") && svg.contains("AUC 0.81") && svg.ends_with("</svg>\n"));
//! ```

use std::fmt::Write as _;

use ndarray::ArrayView2;

use crate::ml::eval::{CalibrationBin, CALIBRATION_MIN_CASES};

mod classifier;
mod data;
mod svg;
mod text;

pub use classifier::*;
pub use data::*;
use svg::*;
pub use text::*;

/// One line of a plot: its legend label and its points (x, y). Non-finite points are skipped.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Curve {
    /// The legend text.
    pub label: String,
    /// The points, in drawing order.
    pub points: Vec<(f64, f64)>,
}

/// The Okabe–Ito colours used for series, in order (blue, vermillion, bluish green, orange, reddish purple, sky
/// blue, black; yellow is left out: too pale on white).
pub const PALETTE: [&str; 7] = ["#0072B2", "#D55E00", "#009E73", "#E69F00", "#CC79A7", "#56B4E9", "#000000"];

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Test code: a panic is a failed test.
mod tests;
