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

const FONT: &str = "system-ui, sans-serif";
const TEXT: &str = "#1a1a1a";
const GRID: &str = "#d9d9d9";
const AXIS: &str = "#4d4d4d";
const TITLE_PX: f64 = 20.0;
const LABEL_PX: f64 = 16.0;
const TICK_PX: f64 = 14.0;
const LINE_PX: f64 = 3.0;
/// The longest bar-chart label, in characters (longer names are abbreviated, in full in a tooltip).
const BAR_NAME_CHARS: usize = 32;

/// Escapes text for XML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Control characters are not allowed in XML 1.0.
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\t' | '\r') => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// `text` shortened to `max` characters, with an ellipsis.
fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let mut s: String = text.chars().take(max.saturating_sub(1)).collect();
        s.push('…');
        s
    }
}

/// `text` in at most `max` characters for a label: kept whole when it fits; otherwise, when it ends with a short
/// parenthesised code (a feature table's "Name, aggregation (CODE.AGG)"), its start, an ellipsis and the code, so that
/// labels stay told apart; else truncated. Drawn with the full text as a tooltip ([`Svg::label`]).
fn abbreviate(text: &str, max: usize) -> String {
    let n = text.chars().count();
    if n <= max {
        return text.to_string();
    }
    if let Some(open) = text.rfind(" (").filter(|_| text.ends_with(')')) {
        let code = &text[open + 1..];
        let code_len = code.chars().count();
        if code_len + 6 <= max {
            let head: String = text[..open].chars().take(max - code_len - 2).collect();
            return format!("{}… {code}", head.trim_end());
        }
    }
    truncate(text, max)
}

/// The approximate width in px of `text` at `size` px (an average glyph is about 0.58 em wide).
fn text_width(text: &str, size: f64) -> f64 {
    text.chars().count() as f64 * size * 0.58
}

/// Evenly spaced "nice" tick values (steps of 1, 2, 2.5 or 5 times a power of ten) covering `lo..=hi` with about
/// `target` intervals; the first and last ticks enclose the range. Non-finite or empty ranges give ticks of 0..1.
pub fn nice_ticks(lo: f64, hi: f64, target: usize) -> Vec<f64> {
    let (lo, hi) = match (lo.is_finite(), hi.is_finite()) {
        (true, true) if hi > lo => (lo, hi),
        (true, true) if lo == hi => {
            let pad = if lo == 0.0 { 1.0 } else { lo.abs() * 0.1 };
            (lo - pad, hi + pad)
        }
        _ => (0.0, 1.0),
    };
    let raw = (hi - lo) / target.max(1) as f64;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0].iter().map(|m| m * magnitude).find(|s| *s >= raw * 0.999).unwrap_or(10.0 * magnitude);
    let first = (lo / step).floor();
    let last = (hi / step).ceil();
    let n = ((last - first) as usize).min(1000);
    (0..=n).map(|i| clean((first + i as f64) * step)).collect()
}

/// Removes floating-point noise from a tick (0.30000000000000004 to 0.3) and negative zero.
fn clean(v: f64) -> f64 {
    let r = (v * 1e9).round() / 1e9;
    if r == 0.0 {
        0.0
    } else {
        r
    }
}

/// The number of decimals that shows the ticks `step` apart exactly.
fn decimals(ticks: &[f64]) -> usize {
    let step = match ticks {
        [a, b, ..] => (b - a).abs(),
        _ => 1.0,
    };
    (0..6).find(|&d| ((step * 10f64.powi(d as i32)).round() - step * 10f64.powi(d as i32)).abs() < 1e-6).unwrap_or(6)
}

fn fmt_tick(v: f64, decimals: usize) -> String {
    let s = format!("{v:.decimals$}");
    // Typographic minus sign.
    if let Some(rest) = s.strip_prefix('-') {
        format!("−{rest}")
    } else {
        s
    }
}

/// A value for tooltips: 3 significant digits or so.
fn fmt_value(v: f64) -> String {
    if !v.is_finite() {
        return "not a number".to_string();
    }
    let a = v.abs();
    if a != 0.0 && !(1e-3..1e5).contains(&a) {
        format!("{v:.3e}")
    } else if a >= 100.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.3}")
    }
}

/// The SVG being built.
struct Svg {
    out: String,
}

impl Svg {
    fn new(width: f64, height: f64, title: &str, desc: &str) -> Svg {
        let mut out = String::with_capacity(4096);
        let _ = write!(
            out,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width:.0} {height:.0}\" width=\"{width:.0}\" height=\"{height:.0}\" role=\"img\" font-family=\"{FONT}\" font-size=\"{TICK_PX}\" fill=\"{TEXT}\">\n<title>{}</title>\n<desc>{}</desc>\n<rect class=\"plot-bg\" width=\"{width:.0}\" height=\"{height:.0}\" fill=\"#ffffff\"/>\n",
            escape(title),
            escape(desc)
        );
        if !title.is_empty() {
            let _ = writeln!(
                out,
                "<text x=\"{:.1}\" y=\"30\" text-anchor=\"middle\" font-size=\"{TITLE_PX}\" font-weight=\"600\">{}</text>",
                width / 2.0,
                escape(title)
            );
        }
        Svg { out }
    }

    fn raw(&mut self, s: &str) {
        self.out.push_str(s);
    }

    fn text(&mut self, x: f64, y: f64, size: f64, anchor: &str, extra: &str, text: &str) {
        let _ = writeln!(
            self.out,
            "<text x=\"{x:.1}\" y=\"{y:.1}\" font-size=\"{size}\" text-anchor=\"{anchor}\"{extra}>{}</text>",
            escape(text)
        );
    }

    /// A label shown as `shown` (abbreviated), with `full` as its tooltip when they differ.
    fn label(&mut self, x: f64, y: f64, size: f64, anchor: &str, extra: &str, (shown, full): (&str, &str)) {
        if shown == full {
            return self.text(x, y, size, anchor, extra, shown);
        }
        let _ = writeln!(
            self.out,
            "<text x=\"{x:.1}\" y=\"{y:.1}\" font-size=\"{size}\" text-anchor=\"{anchor}\"{extra}><title>{}</title>{}</text>",
            escape(full),
            escape(shown)
        );
    }

    fn line(&mut self, a: (f64, f64), b: (f64, f64), stroke: &str, width: f64, extra: &str) {
        // Grid and axis lines carry a class, so that the page's dark theme can recolour them.
        let class = match stroke {
            GRID => " class=\"plot-grid\"",
            AXIS => " class=\"plot-axis\"",
            _ => "",
        };
        let _ = writeln!(
            self.out,
            "<line{class} x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"{stroke}\" stroke-width=\"{width}\"{extra}/>",
            a.0, a.1, b.0, b.1
        );
    }

    fn polyline(&mut self, points: &[(f64, f64)], stroke: &str, extra: &str) {
        if points.is_empty() {
            return;
        }
        let mut p = String::with_capacity(points.len() * 12);
        for (x, y) in points {
            let _ = write!(p, "{x:.1},{y:.1} ");
        }
        let _ = writeln!(
            self.out,
            "<polyline points=\"{}\" fill=\"none\" stroke=\"{stroke}\" stroke-width=\"{LINE_PX}\" stroke-linejoin=\"round\" stroke-linecap=\"round\"{extra}/>",
            p.trim_end()
        );
    }

    fn finish(mut self) -> String {
        self.out.push_str("</svg>\n");
        self.out
    }
}

/// A rectangular plotting area with its data ranges.
#[derive(Clone, Copy)]
struct Frame {
    left: f64,
    top: f64,
    width: f64,
    height: f64,
    x: (f64, f64),
    y: (f64, f64),
}

impl Frame {
    fn px(&self, x: f64) -> f64 {
        let span = self.x.1 - self.x.0;
        self.left + if span > 0.0 { (x - self.x.0) / span * self.width } else { self.width / 2.0 }
    }

    fn py(&self, y: f64) -> f64 {
        let span = self.y.1 - self.y.0;
        self.top + self.height - if span > 0.0 { (y - self.y.0) / span * self.height } else { self.height / 2.0 }
    }

    fn point(&self, (x, y): (f64, f64)) -> (f64, f64) {
        (self.px(x), self.py(y))
    }

    fn bottom(&self) -> f64 {
        self.top + self.height
    }

    fn right(&self) -> f64 {
        self.left + self.width
    }
}

/// Draws the grid, the ticks and their labels, the axis labels and the frame.
fn axes(svg: &mut Svg, f: &Frame, xticks: &[f64], yticks: &[f64], x_label: &str, y_label: &str) {
    let (xd, yd) = (decimals(xticks), decimals(yticks));
    for &t in xticks {
        let x = f.px(t);
        svg.line((x, f.top), (x, f.bottom()), GRID, 1.0, "");
        svg.text(x, f.bottom() + 22.0, TICK_PX, "middle", "", &fmt_tick(t, xd));
    }
    for &t in yticks {
        let y = f.py(t);
        svg.line((f.left, y), (f.right(), y), GRID, 1.0, "");
        svg.text(f.left - 8.0, y + 5.0, TICK_PX, "end", "", &fmt_tick(t, yd));
    }
    let _ = writeln!(
        svg.out,
        "<rect class=\"plot-axis\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"none\" stroke=\"{AXIS}\" stroke-width=\"1.5\"/>",
        f.left, f.top, f.width, f.height
    );
    if !x_label.is_empty() {
        svg.text(f.left + f.width / 2.0, f.bottom() + 50.0, LABEL_PX, "middle", "", x_label);
    }
    if !y_label.is_empty() {
        let (x, y) = (f.left - 58.0, f.top + f.height / 2.0);
        svg.text(x, y, LABEL_PX, "middle", &format!(" transform=\"rotate(-90 {x:.1} {y:.1})\""), y_label);
    }
}

fn no_data(svg: &mut Svg, f: &Frame) {
    svg.text(f.left + f.width / 2.0, f.top + f.height / 2.0, LABEL_PX, "middle", " fill=\"#666666\" data-empty=\"true\"", "no data");
}

/// A marker of shape `k` (circle, square, triangle, diamond, cycling) centred at (x, y).
fn marker(k: usize, x: f64, y: f64, colour: &str) -> String {
    let r = 5.5;
    match k % 4 {
        0 => format!("<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"{r}\" fill=\"{colour}\" stroke=\"#ffffff\" stroke-width=\"1.5\"/>"),
        1 => format!(
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{colour}\" stroke=\"#ffffff\" stroke-width=\"1.5\"/>",
            x - r,
            y - r,
            2.0 * r,
            2.0 * r
        ),
        2 => format!(
            "<polygon points=\"{:.1},{:.1} {:.1},{:.1} {:.1},{:.1}\" fill=\"{colour}\" stroke=\"#ffffff\" stroke-width=\"1.5\"/>",
            x,
            y - r * 1.2,
            x - r * 1.1,
            y + r * 0.8,
            x + r * 1.1,
            y + r * 0.8
        ),
        _ => format!(
            "<polygon points=\"{:.1},{:.1} {:.1},{:.1} {:.1},{:.1} {:.1},{:.1}\" fill=\"{colour}\" stroke=\"#ffffff\" stroke-width=\"1.5\"/>",
            x,
            y - r * 1.3,
            x + r * 1.3,
            y,
            x,
            y + r * 1.3,
            x - r * 1.3,
            y
        ),
    }
}

/// What a legend entry shows beside its label.
#[derive(Clone, Copy)]
enum Swatch {
    /// A line segment with the series' marker; `dashed` for reference lines.
    Line { marker: Option<usize>, dashed: bool },
    /// A filled square.
    Square,
}

/// A legend below the plot, one entry per row starting at `top`; returns its height.
fn legend(svg: &mut Svg, left: f64, top: f64, entries: &[(String, String, Swatch)]) -> f64 {
    for (i, (label, colour, swatch)) in entries.iter().enumerate() {
        let y = top + 26.0 * i as f64 + 13.0;
        match swatch {
            Swatch::Line { marker: m, dashed } => {
                let dash = if *dashed { " stroke-dasharray=\"8 6\"" } else { "" };
                svg.line((left, y), (left + 36.0, y), colour, LINE_PX, dash);
                if let Some(k) = m {
                    svg.raw(&marker(*k, left + 18.0, y, colour));
                    svg.raw("\n");
                }
            }
            Swatch::Square => {
                let _ =
                    writeln!(svg.out, "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"16\" height=\"16\" fill=\"{colour}\"/>", left + 10.0, y - 8.0);
            }
        }
        svg.text(left + 46.0, y + 5.0, 15.0, "start", "", label);
    }
    26.0 * entries.len() as f64
}

fn colour(k: usize) -> &'static str {
    PALETTE[k % PALETTE.len()]
}

fn finite(p: &(f64, f64)) -> bool {
    p.0.is_finite() && p.1.is_finite()
}

/// ROC curves: false positive rate (x) against true positive rate (y) on the unit square, with the chance diagonal
/// dashed and a legend of the curves' labels (put the AUC and its interval in the label).
pub fn roc(curves: &[Curve], title: &str) -> String {
    let rows = curves.len() + 1;
    let (side, left, top): (f64, f64, f64) = (440.0, 90.0, 56.0);
    let width = (left + side + 40.0).max(left + 60.0 + curves.iter().map(|c| text_width(&c.label, 15.0)).fold(0.0, f64::max));
    let height = top + side + 70.0 + 26.0 * rows as f64;
    let desc = format!(
        "ROC curve{}: true positive rate against false positive rate. {}",
        if curves.len() == 1 { "" } else { "s" },
        curves.iter().map(|c| c.label.as_str()).collect::<Vec<_>>().join("; ")
    );
    let mut svg = Svg::new(width, height, title, &desc);
    let f = Frame { left, top, width: side, height: side, x: (0.0, 1.0), y: (0.0, 1.0) };
    let ticks = nice_ticks(0.0, 1.0, 5);
    axes(&mut svg, &f, &ticks, &ticks, "False positive rate (1 − specificity)", "True positive rate (sensitivity)");
    svg.line(f.point((0.0, 0.0)), f.point((1.0, 1.0)), "#767676", 2.0, " stroke-dasharray=\"8 6\"");
    let mut entries = Vec::new();
    let mut any = false;
    for (k, c) in curves.iter().enumerate() {
        let pts: Vec<(f64, f64)> =
            c.points.iter().filter(|p| finite(p)).map(|&(x, y)| f.point((x.clamp(0.0, 1.0), y.clamp(0.0, 1.0)))).collect();
        any |= !pts.is_empty();
        svg.polyline(&pts, colour(k), &format!(" data-series=\"{k}\""));
        entries.push((c.label.clone(), colour(k).to_string(), Swatch::Line { marker: None, dashed: false }));
    }
    if !any {
        no_data(&mut svg, &f);
    }
    entries.push(("Chance".to_string(), "#767676".to_string(), Swatch::Line { marker: None, dashed: true }));
    legend(&mut svg, left, f.bottom() + 66.0, &entries);
    svg.finish()
}

/// A 2 x 2 confusion matrix: `counts[actual][predicted]`, 0 = negative (`classes[0]`). Each cell is a focusable
/// `<g data-cell="tn|fp|fn|tp">` with the count and its share of the actual class, shaded by count.
pub fn confusion(counts: [[usize; 2]; 2], classes: &[String; 2], title: &str) -> String {
    let (cell, left, top) = (170.0, 200.0, 110.0);
    let width = left + 2.0 * cell + 60.0;
    let height = top + 2.0 * cell + 50.0;
    let total: usize = counts.iter().flatten().sum();
    let max = counts.iter().flatten().copied().max().unwrap_or(0).max(1);
    let desc = format!(
        "Confusion matrix of {total} cases: true negatives {}, false positives {}, false negatives {}, true positives {}.",
        counts[0][0], counts[0][1], counts[1][0], counts[1][1]
    );
    let mut svg = Svg::new(width, height, title, &desc);
    svg.text(left + cell, top - 44.0, LABEL_PX, "middle", " font-weight=\"600\"", "Predicted");
    let (x, y) = (left - 175.0, top + cell);
    svg.text(x, y, LABEL_PX, "middle", &format!(" font-weight=\"600\" transform=\"rotate(-90 {x:.1} {y:.1})\""), "Actual");
    for (k, name) in classes.iter().enumerate() {
        let short = truncate(name, 16);
        svg.label(left + cell * (k as f64 + 0.5), top - 14.0, LABEL_PX, "middle", "", (&short, name));
        svg.label(left - 12.0, top + cell * (k as f64 + 0.5) + 6.0, LABEL_PX, "end", "", (&short, name));
    }
    const CODES: [[&str; 2]; 2] = [["tn", "fp"], ["fn", "tp"]];
    const NAMES: [[&str; 2]; 2] = [["True negatives", "False positives"], ["False negatives", "True positives"]];
    for a in 0..2 {
        let row: usize = counts[a].iter().sum();
        for p in 0..2 {
            let n = counts[a][p];
            let share = if row > 0 { 100.0 * n as f64 / row as f64 } else { 0.0 };
            // From white to Okabe–Ito blue (0, 114, 178) with the count.
            let t = n as f64 / max as f64;
            let mix = |c: f64| (255.0 + t * (c - 255.0)).round() as u8;
            let fill = format!("#{:02x}{:02x}{:02x}", mix(0.0), mix(114.0), mix(178.0));
            let ink = if t > 0.5 { "#ffffff" } else { TEXT };
            let label = format!(
                "{}: actual {}, predicted {}: {n} case{} ({share:.1}% of actual {})",
                NAMES[a][p],
                classes[a],
                classes[p],
                if n == 1 { "" } else { "s" },
                classes[a]
            );
            let (x, y) = (left + cell * p as f64, top + cell * a as f64);
            let _ = writeln!(
                svg.out,
                "<g data-cell=\"{}\" tabindex=\"0\" role=\"button\" aria-label=\"{}\">\n<title>{}</title>\n<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{cell}\" height=\"{cell}\" fill=\"{fill}\" stroke=\"#ffffff\" stroke-width=\"3\"/>",
                CODES[a][p],
                escape(&label),
                escape(&label)
            );
            let cx = x + cell / 2.0;
            let extra = format!(" fill=\"{ink}\"");
            svg.text(cx, y + cell / 2.0 - 4.0, 30.0, "middle", &format!("{extra} font-weight=\"600\""), &n.to_string());
            svg.text(cx, y + cell / 2.0 + 24.0, 15.0, "middle", &extra, &format!("{share:.1}% of actual"));
            svg.text(cx, y + cell - 14.0, 14.0, "middle", &extra, &NAMES[a][p].to_lowercase());
            svg.raw("</g>\n");
        }
    }
    if total == 0 {
        svg.text(left + cell, top + 2.0 * cell + 32.0, LABEL_PX, "middle", " fill=\"#666666\" data-empty=\"true\"", "no data");
    }
    svg.finish()
}

/// The range of finite values, padded by 5 % on each side; `None` if there is none.
fn padded_range(values: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    let (lo, hi) = values.filter(|v| v.is_finite()).fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| (l.min(v), h.max(v)));
    if lo > hi {
        return None;
    }
    let pad = if hi > lo { 0.05 * (hi - lo) } else { 0.0 };
    Some((lo - pad, hi + pad))
}

/// A frame for nice ticks over `x` and `y` ranges: the frame's ranges are the ticks' ends.
fn ticked(left: f64, top: f64, width: f64, height: f64, x: (f64, f64), y: (f64, f64)) -> (Frame, Vec<f64>, Vec<f64>) {
    let xt = nice_ticks(x.0, x.1, 6);
    let yt = nice_ticks(y.0, y.1, 5);
    let ends = |t: &[f64]| (t.first().copied().unwrap_or(0.0), t.last().copied().unwrap_or(1.0));
    (Frame { left, top, width, height, x: ends(&xt), y: ends(&yt) }, xt, yt)
}

/// A scatter plot: one `<circle>` per finite point (with a `<title>` tooltip), coloured by `groups[i]` (an index
/// into `group_names`; missing groups count as 0), with a legend of the groups.
pub fn scatter(points: &[(f64, f64)], groups: &[usize], group_names: &[String], x_label: &str, y_label: &str, title: &str) -> String {
    let n_groups = groups.iter().copied().max().map_or(0, |g| g + 1).max(group_names.len()).min(64);
    let (left, top, w, h) = (100.0, 56.0, 560.0, 380.0);
    let height = top + h + 70.0 + 26.0 * n_groups as f64;
    let valid = points.iter().filter(|p| finite(p)).count();
    let desc = format!("Scatter plot of {valid} points: {y_label} against {x_label}, coloured by group.");
    let mut svg = Svg::new(left + w + 40.0, height, title, &desc);
    let xr = padded_range(points.iter().filter(|p| finite(p)).map(|p| p.0));
    let yr = padded_range(points.iter().filter(|p| finite(p)).map(|p| p.1));
    let (f, xt, yt) = ticked(left, top, w, h, xr.unwrap_or((0.0, 1.0)), yr.unwrap_or((0.0, 1.0)));
    axes(&mut svg, &f, &xt, &yt, x_label, y_label);
    let name = |g: usize| group_names.get(g).cloned().unwrap_or_else(|| format!("group {}", g + 1));
    for (i, p) in points.iter().enumerate().filter(|(_, p)| finite(p)) {
        let g = groups.get(i).copied().unwrap_or(0).min(63);
        let (x, y) = f.point(*p);
        let _ = writeln!(
            svg.out,
            "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"5.5\" fill=\"{}\" fill-opacity=\"0.85\" stroke=\"#ffffff\" stroke-width=\"1\"><title>{}: ({}, {})</title></circle>",
            colour(g),
            escape(&name(g)),
            fmt_value(p.0),
            fmt_value(p.1)
        );
    }
    if valid == 0 {
        no_data(&mut svg, &f);
    }
    let entries: Vec<(String, String, Swatch)> = (0..n_groups).map(|g| (name(g), colour(g).to_string(), Swatch::Square)).collect();
    legend(&mut svg, left, f.bottom() + 66.0, &entries);
    svg.finish()
}

/// The diverging colour of a correlation: Okabe–Ito blue at -1, light grey at 0, vermillion at +1; grey for NaN.
fn diverging(v: f64) -> String {
    if !v.is_finite() {
        return "#9e9e9e".to_string();
    }
    let t = v.clamp(-1.0, 1.0);
    let (end, a) = if t < 0.0 { ((0.0, 114.0, 178.0), -t) } else { ((213.0, 94.0, 0.0), t) };
    let mid = 247.0;
    let mix = |c: f64| (mid + a * (c - mid)).round() as u8;
    format!("#{:02x}{:02x}{:02x}", mix(end.0), mix(end.1), mix(end.2))
}

/// A heatmap of a matrix of values in -1..1 (e.g. correlations) with a diverging colour scale and a colour bar;
/// `names` label rows and columns (truncated; left out above 50 rows, where the cells lose their tooltips too).
pub fn heatmap(matrix: ArrayView2<f64>, names: &[String], title: &str) -> String {
    let (rows, cols) = matrix.dim();
    let labelled = rows.max(cols) <= 50;
    let cell = if labelled { (480.0 / rows.max(cols).max(1) as f64).clamp(16.0, 48.0) } else { 800.0 / rows.max(cols) as f64 };
    let label_space = if labelled { 12.0 + names.iter().map(|n| text_width(&truncate(n, 16), TICK_PX)).fold(0.0, f64::max) } else { 20.0 };
    let (left, top) = (label_space + 20.0, 56.0 + label_space);
    let (w, h) = (cell * cols as f64, cell * rows as f64);
    let width = left + w.max(120.0) + 130.0;
    let height = top + h.max(120.0) + 40.0;
    let desc = format!("Heatmap of a {rows} by {cols} matrix, from −1 (blue) through 0 (light grey) to +1 (orange-red).");
    let mut svg = Svg::new(width, height, title, &desc);
    let name = |k: usize| names.get(k).cloned().unwrap_or_else(|| format!("{}", k + 1));
    for i in 0..rows {
        for j in 0..cols {
            let v = matrix[[i, j]];
            let (x, y) = (left + cell * j as f64, top + cell * i as f64);
            let rect = format!(
                "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{:.2}\" height=\"{:.2}\" fill=\"{}\"",
                cell + 0.05,
                cell + 0.05,
                diverging(v)
            );
            if labelled {
                let _ = writeln!(svg.out, "{rect}><title>{} × {}: {}</title></rect>", escape(&name(i)), escape(&name(j)), fmt_value(v));
            } else {
                let _ = writeln!(svg.out, "{rect}/>");
            }
        }
    }
    if labelled {
        let size = TICK_PX;
        for i in 0..rows {
            svg.label(left - 6.0, top + cell * (i as f64 + 0.5) + size * 0.35, size, "end", "", (&truncate(&name(i), 16), &name(i)));
        }
        for j in 0..cols {
            let (x, y) = (left + cell * (j as f64 + 0.5) + size * 0.35, top - 6.0);
            svg.label(x, y, size, "start", &format!(" transform=\"rotate(-90 {x:.1} {y:.1})\""), (&truncate(&name(j), 16), &name(j)));
        }
    }
    if rows == 0 || cols == 0 {
        let f = Frame { left, top, width: 120.0, height: 120.0, x: (0.0, 1.0), y: (0.0, 1.0) };
        no_data(&mut svg, &f);
    }
    // The colour bar: 40 steps from +1 (top) to -1.
    let (bx, by, bh) = (left + w.max(120.0) + 30.0, top, h.clamp(120.0, 400.0));
    for s in 0..40 {
        let v = 1.0 - (s as f64 + 0.5) / 20.0;
        let _ = writeln!(
            svg.out,
            "<rect x=\"{bx:.1}\" y=\"{:.1}\" width=\"20\" height=\"{:.2}\" fill=\"{}\"/>",
            by + bh * s as f64 / 40.0,
            bh / 40.0 + 0.05,
            diverging(v)
        );
    }
    let _ = writeln!(
        svg.out,
        "<rect class=\"plot-axis\" x=\"{bx:.1}\" y=\"{by:.1}\" width=\"20\" height=\"{bh:.1}\" fill=\"none\" stroke=\"{AXIS}\"/>"
    );
    for (k, t) in [1.0, 0.5, 0.0, -0.5, -1.0].iter().enumerate() {
        let y = by + bh * k as f64 / 4.0;
        svg.line((bx + 20.0, y), (bx + 26.0, y), AXIS, 1.5, "");
        svg.text(bx + 30.0, y + 5.0, TICK_PX, "start", "", &fmt_tick(*t, 1));
    }
    svg.finish()
}

/// Line plots (learning curves, validation curves...): each series a thick line with markers (a shape per series),
/// nice ticks, a legend; `y_range` fixes the y axis (e.g. `Some((0.5, 1.0))` for AUCs), else it fits the data.
pub fn lines(series: &[Curve], x_label: &str, y_label: &str, title: &str, y_range: Option<(f64, f64)>) -> String {
    let (left, top, w, h) = (100.0, 56.0, 560.0, 360.0);
    let height = top + h + 70.0 + 26.0 * series.len() as f64;
    let desc =
        format!("Line plot of {y_label} against {x_label}: {}", series.iter().map(|c| c.label.as_str()).collect::<Vec<_>>().join("; "));
    let mut svg = Svg::new(left + w + 40.0, height, title, &desc);
    let all = || series.iter().flat_map(|c| c.points.iter()).filter(|p| finite(p));
    let xr = padded_range(all().map(|p| p.0));
    let yr = match y_range {
        Some((a, b)) if a.is_finite() && b.is_finite() && b > a => Some((a, b)),
        _ => padded_range(all().map(|p| p.1)),
    };
    let (mut f, xt, yt) = ticked(left, top, w, h, xr.unwrap_or((0.0, 1.0)), yr.unwrap_or((0.0, 1.0)));
    let yt = match y_range {
        // A fixed range keeps its ends exactly; ticks outside it are dropped.
        Some((a, b)) if a.is_finite() && b.is_finite() && b > a => {
            f.y = (a, b);
            nice_ticks(a, b, 5).into_iter().filter(|t| *t >= a - 1e-9 && *t <= b + 1e-9).collect()
        }
        _ => yt,
    };
    axes(&mut svg, &f, &xt, &yt, x_label, y_label);
    let mut any = false;
    for (k, c) in series.iter().enumerate() {
        let pts: Vec<(f64, f64)> = c.points.iter().filter(|p| finite(p)).map(|&(x, y)| f.point((x, y.clamp(f.y.0, f.y.1)))).collect();
        any |= !pts.is_empty();
        svg.polyline(&pts, colour(k), &format!(" data-series=\"{k}\""));
        for (x, y) in &pts {
            svg.raw(&marker(k, *x, *y, colour(k)));
            svg.raw("\n");
        }
    }
    if !any {
        no_data(&mut svg, &f);
    }
    let entries: Vec<(String, String, Swatch)> = series
        .iter()
        .enumerate()
        .map(|(k, c)| (c.label.clone(), colour(k).to_string(), Swatch::Line { marker: Some(k), dashed: false }))
        .collect();
    legend(&mut svg, left, f.bottom() + 66.0, &entries);
    svg.finish()
}

/// A calibration (reliability) plot of [`crate::ml::eval::calibration`]'s bins: for each bin, the mean predicted
/// probability (x) against the observed fraction of positives (y) with its 95 % interval as a vertical bar, dot size
/// by the number of cases, and the diagonal of perfect calibration dashed. Below
/// [`crate::ml::eval::CALIBRATION_MIN_CASES`] cases the plot says that a curve would mean nothing (`data-too-few`).
pub fn calibration(bins: &[CalibrationBin], title: &str) -> String {
    let (side, left, top) = (420.0, 90.0, 56.0);
    let height = top + side + 70.0 + 26.0 * 3.0;
    let valid: Vec<CalibrationBin> = bins.iter().filter(|b| b.predicted.is_finite() && b.observed.is_finite()).copied().collect();
    let cases: usize = valid.iter().map(|b| b.count).sum();
    let desc = format!(
        "Calibration plot: observed fraction of positives, with its 95% interval, against mean predicted probability in {} bins of {cases} cases.",
        valid.len()
    );
    let mut svg = Svg::new(left + side + 60.0, height, title, &desc);
    let f = Frame { left, top, width: side, height: side, x: (0.0, 1.0), y: (0.0, 1.0) };
    let ticks = nice_ticks(0.0, 1.0, 5);
    axes(&mut svg, &f, &ticks, &ticks, "Mean predicted probability", "Observed fraction of positives");
    svg.line(f.point((0.0, 0.0)), f.point((1.0, 1.0)), "#767676", 2.0, " stroke-dasharray=\"8 6\"");
    let unit = |v: f64| if v.is_finite() { v.clamp(0.0, 1.0) } else { 0.0 };
    // The intervals first, under the line and the dots.
    for b in &valid {
        let x = f.px(unit(b.predicted));
        let (y0, y1) = (f.py(unit(b.interval[0])), f.py(unit(b.interval[1])));
        let _ = writeln!(
            svg.out,
            "<g data-interval=\"true\" stroke=\"{c}\" stroke-width=\"2\" stroke-opacity=\"0.75\"><line x1=\"{x:.1}\" y1=\"{y0:.1}\" x2=\"{x:.1}\" y2=\"{y1:.1}\"/><line x1=\"{:.1}\" y1=\"{y0:.1}\" x2=\"{:.1}\" y2=\"{y0:.1}\"/><line x1=\"{:.1}\" y1=\"{y1:.1}\" x2=\"{:.1}\" y2=\"{y1:.1}\"/></g>",
            x - 6.0,
            x + 6.0,
            x - 6.0,
            x + 6.0,
            c = colour(0)
        );
    }
    let pts: Vec<(f64, f64)> = valid.iter().map(|b| f.point((unit(b.predicted), unit(b.observed)))).collect();
    svg.polyline(&pts, colour(0), "");
    let max = valid.iter().map(|b| b.count).max().unwrap_or(1).max(1) as f64;
    for (b, (x, y)) in valid.iter().zip(&pts) {
        let r = 4.0 + 8.0 * (b.count as f64 / max).sqrt();
        let _ = writeln!(
            svg.out,
            "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"{r:.1}\" fill=\"{}\" stroke=\"#ffffff\" stroke-width=\"1.5\"><title>predicted {:.2}, observed {:.2} (95% interval {:.2} to {:.2}), {} case{}</title></circle>",
            colour(0),
            b.predicted,
            b.observed,
            b.interval[0],
            b.interval[1],
            b.count,
            if b.count == 1 { "" } else { "s" }
        );
    }
    if valid.is_empty() {
        no_data(&mut svg, &f);
    } else if cases < CALIBRATION_MIN_CASES {
        // Over the plot, on a pale band so that it reads above the dots.
        let (cx, cy) = (f.left + f.width / 2.0, f.top + 44.0);
        let _ = writeln!(
            svg.out,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"58\" fill=\"#fff6dd\" stroke=\"#9a6700\" data-too-few=\"true\"/>",
            f.left + 10.0,
            cy - 26.0,
            f.width - 20.0
        );
        // Dark ink set on the text itself: the pale band stays pale in the page's dark theme.
        svg.text(
            cx,
            cy,
            LABEL_PX,
            "middle",
            &format!(" font-weight=\"600\" fill=\"{TEXT}\""),
            &format!("Too few cases for a calibration curve ({cases})"),
        );
        svg.text(
            cx,
            cy + 22.0,
            TICK_PX,
            "middle",
            &format!(" fill=\"{TEXT}\""),
            &format!("Under {CALIBRATION_MIN_CASES}, bins are too small: see their intervals"),
        );
    }
    let entries = [
        ("Model (dot size: cases per bin)".to_string(), colour(0).to_string(), Swatch::Line { marker: Some(0), dashed: false }),
        ("95% interval of each bin (Wilson)".to_string(), colour(0).to_string(), Swatch::Line { marker: None, dashed: false }),
        ("Perfect calibration".to_string(), "#767676".to_string(), Swatch::Line { marker: None, dashed: true }),
    ];
    legend(&mut svg, left, f.bottom() + 66.0, &entries);
    svg.finish()
}

/// Horizontal bars, one per item in the given order (e.g. feature importances or coefficients): positive values
/// to the right of zero in blue, negative ones to the left in vermillion, each with its value.
pub fn bars(items: &[(String, f64)], x_label: &str, title: &str) -> String {
    let row = 30.0;
    // Names abbreviated (full in a tooltip) and the bars narrow enough that the chart's natural width stays under
    // 760 px, so that in the Model Lab at 1024 x 768 it is drawn at full size, its labels at 14 px.
    let names: Vec<String> = items.iter().map(|(n, _)| abbreviate(n, BAR_NAME_CHARS)).collect();
    let left = 24.0 + names.iter().map(|n| text_width(n, TICK_PX)).fold(60.0, f64::max);
    let (top, w) = (56.0, 380.0);
    let h = row * items.len().max(3) as f64;
    let desc = format!(
        "Bar chart of {x_label}: {}",
        items.iter().take(20).map(|(n, v)| format!("{n} {}", fmt_value(*v))).collect::<Vec<_>>().join("; ")
    );
    let mut svg = Svg::new(left + w + 90.0, top + h + 70.0, title, &desc);
    let values = || items.iter().map(|i| i.1).filter(|v| v.is_finite());
    let lo = values().fold(0.0, f64::min);
    let hi = values().fold(0.0, f64::max);
    // Room for the value printed beyond the end of each bar.
    let span = if hi > lo { hi - lo } else { 1.0 };
    let lo = if lo < 0.0 { lo - 0.2 * span } else { lo };
    let hi = if hi > 0.0 { hi + 0.2 * span } else { hi };
    let hi = if hi > lo { hi } else { lo + 1.0 };
    let xt = nice_ticks(lo, hi, 5);
    let ends = (xt.first().copied().unwrap_or(0.0), xt.last().copied().unwrap_or(1.0));
    let f = Frame { left, top, width: w, height: h, x: ends, y: (0.0, 1.0) };
    let xd = decimals(&xt);
    for &t in &xt {
        let x = f.px(t);
        svg.line((x, f.top), (x, f.bottom()), GRID, 1.0, "");
        svg.text(x, f.bottom() + 22.0, TICK_PX, "middle", "", &fmt_tick(t, xd));
    }
    if !x_label.is_empty() {
        svg.text(left + w / 2.0, f.bottom() + 50.0, LABEL_PX, "middle", "", x_label);
    }
    let zero = f.px(0.0);
    for (k, ((_, v), name)) in items.iter().zip(&names).enumerate() {
        let y = top + row * k as f64;
        svg.label(left - 10.0, y + row / 2.0 + 5.0, TICK_PX, "end", "", (name, &items[k].0));
        if !v.is_finite() {
            svg.text(zero + 6.0, y + row / 2.0 + 5.0, TICK_PX, "start", " fill=\"#666666\"", "not a number");
            continue;
        }
        let x = f.px(*v);
        let (x0, x1) = if x < zero { (x, zero) } else { (zero, x) };
        let fill = if *v < 0.0 { PALETTE[1] } else { PALETTE[0] };
        let _ = writeln!(
            svg.out,
            "<rect x=\"{x0:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{fill}\" data-bar=\"{k}\"><title>{}: {}</title></rect>",
            y + 4.0,
            (x1 - x0).max(0.0),
            row - 8.0,
            escape(&items[k].0),
            fmt_value(*v)
        );
        let (tx, anchor) = if *v < 0.0 { (x0 - 5.0, "end") } else { (x1 + 5.0, "start") };
        svg.text(tx, y + row / 2.0 + 5.0, TICK_PX, anchor, "", &fmt_value(*v));
    }
    svg.line((zero, top), (zero, f.bottom()), AXIS, 2.0, "");
    if values().count() == 0 {
        no_data(&mut svg, &f);
    }
    svg.finish()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Test code: a panic is a failed test.
mod tests {
    use super::*;
    use ndarray::Array2;

    /// A small well-formedness check: one root element, every tag closed in order, attributes quoted, no raw `<`
    /// or stray `&` in text or attribute values. Returns the element names in document order.
    fn check_xml(svg: &str) -> Vec<String> {
        let mut stack: Vec<String> = Vec::new();
        let mut names = Vec::new();
        let mut rest = svg;
        let mut roots = 0;
        while let Some(start) = rest.find('<') {
            check_text(&rest[..start]);
            let end = rest[start..].find('>').map(|e| start + e).expect("a tag is closed with >");
            let tag = &rest[start + 1..end];
            assert!(!tag.contains('<'), "`<` inside a tag: {tag}");
            if let Some(name) = tag.strip_prefix('/') {
                assert_eq!(stack.pop().as_deref(), Some(name.trim()), "closing tag out of order");
            } else {
                let self_closing = tag.ends_with('/');
                let body = tag.trim_end_matches('/');
                let name: String = body.chars().take_while(|c| !c.is_whitespace()).collect();
                assert!(!name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'), "tag name {name:?}");
                check_attributes(&body[name.len()..]);
                if stack.is_empty() {
                    roots += 1;
                }
                names.push(name.clone());
                if !self_closing {
                    stack.push(name);
                }
            }
            rest = &rest[end + 1..];
        }
        check_text(rest);
        assert!(stack.is_empty(), "unclosed: {stack:?}");
        assert_eq!(roots, 1, "one root element");
        names
    }

    fn check_text(text: &str) {
        assert!(!text.contains('>'), "raw > in text: {text}");
        let mut parts = text.split('&');
        parts.next();
        for p in parts {
            let entity = p.split(';').next().unwrap();
            assert!(
                p.contains(';') && (["amp", "lt", "gt", "quot", "apos"].contains(&entity) || entity.starts_with('#')),
                "stray & in {text:?}"
            );
        }
    }

    fn check_attributes(attrs: &str) {
        let mut rest = attrs.trim();
        while !rest.is_empty() {
            let eq = rest.find('=').expect("attribute has =");
            let name = rest[..eq].trim();
            assert!(name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == ':'), "attribute name {name:?}");
            assert!(rest[eq + 1..].starts_with('"'), "attribute {name} is quoted");
            let close = rest[eq + 2..].find('"').expect("closing quote") + eq + 2;
            check_text(&rest[eq + 2..close]);
            rest = rest[close + 1..].trim_start();
        }
    }

    fn common(svg: &str) {
        let names = check_xml(svg);
        assert_eq!(names.first().map(String::as_str), Some("svg"));
        assert_eq!(names.get(1).map(String::as_str), Some("title"));
        assert_eq!(names.get(2).map(String::as_str), Some("desc"));
        assert!(svg.contains("role=\"img\"") && svg.contains("viewBox=\"0 0 ") && svg.contains(" width=\"") && svg.contains(" height=\""));
        assert!(svg.contains("font-family=\"system-ui, sans-serif\""));
        assert!(!svg.contains("style=") && !svg.contains("<style"), "no CSS");
        assert!(!svg.contains("NaN") && !svg.contains("inf"), "no non-finite coordinates");
        // Every font size is at least 14 px.
        for part in svg.split("font-size=\"").skip(1) {
            let size: f64 = part.split('"').next().unwrap().parse().unwrap();
            assert!(size >= 14.0, "font size {size}");
        }
    }

    fn count(svg: &str, what: &str) -> usize {
        svg.matches(what).count()
    }

    const NASTY: &str = "a<b & c>d \"q\" 'x'";

    #[test]
    fn escaping_covers_markup_characters() {
        assert_eq!(escape("a<b & c>d \"q\" 'x'"), "a&lt;b &amp; c&gt;d &quot;q&quot; &apos;x&apos;");
        let svg = roc(&[Curve { label: NASTY.into(), points: vec![(0.0, 0.0), (1.0, 1.0)] }], NASTY);
        common(&svg);
        assert!(svg.contains("a&lt;b &amp; c&gt;d"));
        assert!(!svg.contains(NASTY));
    }

    #[test]
    fn nice_ticks_are_round_and_cover_the_range() {
        assert_eq!(nice_ticks(0.0, 1.0, 5), vec![0.0, 0.2, 0.4, 0.6, 0.8, 1.0]);
        assert_eq!(nice_ticks(3.0, 97.0, 5), vec![0.0, 20.0, 40.0, 60.0, 80.0, 100.0]);
        assert_eq!(nice_ticks(-0.3, 0.45, 5), vec![-0.4, -0.2, 0.0, 0.2, 0.4, 0.6]);
        let t = nice_ticks(0.51, 0.93, 5);
        assert!(t[0] <= 0.51 && *t.last().unwrap() >= 0.93 && t.len() <= 7, "{t:?}");
        assert!(nice_ticks(5.0, 5.0, 5).len() >= 2);
        assert_eq!(nice_ticks(f64::NAN, 1.0, 5), nice_ticks(0.0, 1.0, 5));
        assert_eq!(decimals(&[0.0, 0.25, 0.5]), 2);
        assert_eq!(decimals(&[0.0, 20.0]), 0);
        assert_eq!(fmt_tick(-0.5, 1), "−0.5");
    }

    #[test]
    fn roc_draws_each_curve_the_diagonal_and_a_legend() {
        let a = Curve { label: "Logistic, AUC 0.81 [0.74, 0.88]".into(), points: vec![(0.0, 0.0), (0.1, 0.6), (0.4, 0.9), (1.0, 1.0)] };
        let b = Curve { label: "Forest".into(), points: vec![(0.0, 0.0), (f64::NAN, 0.5), (1.0, 1.0)] };
        let svg = roc(&[a, b], "ROC");
        common(&svg);
        assert_eq!(count(&svg, "<polyline"), 2);
        assert_eq!(count(&svg, "stroke-dasharray"), 2, "chance diagonal and its legend entry");
        assert!(svg.contains("AUC 0.81 [0.74, 0.88]") && svg.contains("Chance"));
        assert!(!svg.contains("no data"));
        // The point (0.1, 0.6) of a 440 px square at (90, 56): x = 134, y = 56 + 440 * 0.4 = 232.
        assert!(svg.contains("134.0,232.0"), "{svg}");
    }

    #[test]
    fn confusion_cells_are_labelled_focusable_groups() {
        let classes = ["benign".to_string(), "malignant <M>".to_string()];
        let svg = confusion([[40, 10], [5, 45]], &classes, "Confusion");
        common(&svg);
        for code in ["tn", "fp", "fn", "tp"] {
            assert_eq!(count(&svg, &format!("data-cell=\"{code}\" tabindex=\"0\" role=\"button\" aria-label=\"")), 1, "{code}");
        }
        assert!(svg.contains(">40<") && svg.contains(">45<"));
        assert!(svg.contains("80.0% of actual") && svg.contains("90.0% of actual"));
        assert!(svg.contains("malignant &lt;M&gt;"));
        assert!(svg.contains("aria-label=\"False negatives: actual malignant &lt;M&gt;, predicted benign: 5 cases (10.0% of actual"));
        // Shaded by count: the largest cell is the darkest (full blue).
        assert!(svg.contains("fill=\"#0072b2\""));
        let empty = confusion([[0, 0], [0, 0]], &classes, "None");
        common(&empty);
        assert!(empty.contains("no data"));
    }

    #[test]
    fn scatter_has_one_circle_per_finite_point_and_a_legend() {
        let points = vec![(1.0, 2.0), (2.0, 3.5), (f64::NAN, 1.0), (4.0, f64::INFINITY), (-1.0, 0.0)];
        let groups = vec![0, 1, 0, 1, 2];
        let names = vec!["Site A".to_string(), "Site <B>".to_string()];
        let svg = scatter(&points, &groups, &names, "PC 1", "PC 2", "PCA");
        common(&svg);
        assert_eq!(count(&svg, "<circle"), 3);
        assert_eq!(count(&svg, "<title>"), 1 + 3);
        assert!(svg.contains("Site &lt;B&gt;") && svg.contains("group 3"), "legend names, and a fallback for group 2");
        assert!(svg.contains(PALETTE[2]));
        let empty = scatter(&[(f64::NAN, 1.0)], &[], &[], "x", "y", "Nothing");
        common(&empty);
        assert_eq!(count(&empty, "<circle"), 0);
        assert!(empty.contains("no data"));
    }

    #[test]
    fn heatmap_colours_cells_and_labels_them_up_to_fifty() {
        let m = Array2::from_shape_vec((3, 3), vec![1.0, -0.5, 0.2, -0.5, 1.0, f64::NAN, 0.2, f64::NAN, 1.0]).unwrap();
        let names: Vec<String> = ["Q4LE", "a very long feature name indeed", "x&y"].iter().map(|s| s.to_string()).collect();
        let svg = heatmap(m.view(), &names, "Correlation");
        common(&svg);
        assert_eq!(count(&svg, "<title>"), 1 + 9 + 2, "a tooltip per cell, and the long name's row and column labels");
        assert_eq!(count(&svg, "<title>a very long feature name indeed</title>a very long fea…</text>"), 2);
        assert!(svg.contains("x&amp;y"));
        assert_eq!(diverging(1.0), "#d55e00");
        assert_eq!(diverging(-1.0), "#0072b2");
        assert_eq!(diverging(0.0), "#f7f7f7");
        assert!(svg.contains("fill=\"#9e9e9e\""), "NaN cells in grey");
        let big = Array2::from_shape_fn((100, 100), |(i, j)| if i == j { 1.0 } else { 0.1 });
        let names: Vec<String> = (0..100).map(|k| format!("f{k}")).collect();
        let svg = heatmap(big.view(), &names, "Many");
        common(&svg);
        assert_eq!(count(&svg, "<title>"), 1, "no tooltips above 50");
        assert!(!svg.contains(">f42<"), "no labels above 50");
        assert!(count(&svg, "<rect") >= 10_000);
        let empty = heatmap(Array2::<f64>::zeros((0, 0)).view(), &[], "Empty");
        common(&empty);
        assert!(empty.contains("no data"));
    }

    #[test]
    fn lines_draw_markers_and_respect_a_fixed_range() {
        let train = Curve { label: "Training".into(), points: vec![(20.0, 0.99), (40.0, 0.95), (80.0, 0.9)] };
        let test = Curve { label: "Validation".into(), points: vec![(20.0, 0.6), (40.0, 0.7), (80.0, 0.78)] };
        let svg = lines(&[train, test], "Training cases", "AUC", "Learning curve", Some((0.5, 1.0)));
        common(&svg);
        assert_eq!(count(&svg, "<polyline"), 2);
        // Markers: 3 circles for the first series, 3 squares (+1 in its legend) for the second.
        assert_eq!(count(&svg, "<circle"), 3 + 1);
        assert!(svg.contains(">0.5<") && svg.contains(">1.0<"));
        assert!(!svg.contains(">0.4<"), "no tick below the fixed range");
        let svg = lines(&[Curve { label: "x".into(), points: vec![(f64::NAN, 1.0)] }], "x", "y", "t", None);
        common(&svg);
        assert!(svg.contains("no data"));
        let svg = lines(&[], "x", "y", "t", Some((f64::NAN, 1.0)));
        common(&svg);
    }

    #[test]
    fn calibration_has_the_diagonal_intervals_and_sized_dots() {
        let bin = |predicted, observed, count, lo, hi| CalibrationBin { predicted, observed, count, interval: [lo, hi] };
        let bins = vec![
            bin(0.1, 0.05, 30, 0.01, 0.2),
            bin(0.5, 0.55, 10, 0.3, 0.8),
            bin(0.9, f64::NAN, 5, 0.0, 1.0),
            bin(0.85, 0.8, 20, 0.6, 0.9),
        ];
        let svg = calibration(&bins, "Calibration");
        common(&svg);
        assert_eq!(count(&svg, "<circle"), 3 + 1, "a dot per finite bin, and the legend's marker");
        assert_eq!(count(&svg, "data-interval"), 3, "an interval per finite bin");
        assert!(svg.contains("stroke-dasharray") && svg.contains("Perfect calibration") && svg.contains("Wilson"));
        assert!(svg.contains("r=\"12.0\""), "the fullest bin has the largest dot");
        assert!(!svg.contains("data-too-few"), "60 cases are enough");
        // The interval of the first bin spans y from 0.01 to 0.2 of a 420 px square at top 56.
        assert!(svg.contains("y1=\"471.8\"") && svg.contains("y2=\"392.0\""), "{svg}");
        let few = calibration(&bins[..2], "Few");
        common(&few);
        assert!(few.contains("data-too-few") && few.contains("Too few cases for a calibration curve (40)"));
        let empty = calibration(&[], "None");
        common(&empty);
        assert!(empty.contains("no data") && !empty.contains("data-too-few"));
    }

    #[test]
    fn bars_go_left_for_negative_values() {
        let items = vec![("Q4LE".to_string(), 0.8), ("<neg>".to_string(), -0.4), ("nan".to_string(), f64::NAN)];
        let svg = bars(&items, "Coefficient", "Coefficients");
        common(&svg);
        assert_eq!(count(&svg, "data-bar=\""), 2);
        assert!(svg.contains("&lt;neg&gt;") && svg.contains("not a number"));
        // The negative bar ends at the zero line, where the positive one starts.
        let zero = svg.split("data-bar=\"0\"").next().unwrap().rsplit("<rect x=\"").next().unwrap().split('"').next().unwrap().to_string();
        let neg = svg.split("data-bar=\"1\"").next().unwrap().rsplit("<rect x=\"").next().unwrap();
        let nx: f64 = neg.split('"').next().unwrap().parse().unwrap();
        let nw: f64 = neg.split("width=\"").nth(1).unwrap().split('"').next().unwrap().parse().unwrap();
        assert!((nx + nw - zero.parse::<f64>().unwrap()).abs() < 0.11, "{nx} + {nw} against {zero}");
        assert!(svg.contains(&format!("fill=\"{}\" data-bar=\"1\"", PALETTE[1])));
        // Long names are abbreviated, keeping their code, with the full name as a tooltip; the chart stays narrow
        // enough to be drawn at full size in the Model Lab at 1024 x 768 (see its end-to-end test).
        let long = "Grey level non-uniformity normalised, 3D: merged (OVBL.3D_MRG)".to_string();
        let svg = bars(&[(long.clone(), 0.5), ("Q4LE".into(), 0.2)], "Importance", "Importances");
        common(&svg);
        assert!(svg.contains(&format!("<title>{long}</title>Grey level non-un… (OVBL.3D_MRG)</text>")), "{svg}");
        assert!(svg.contains(">Q4LE</text>"), "short names stay whole, without a tooltip");
        let natural: f64 = svg.split("width=\"").nth(1).unwrap().split('"').next().unwrap().parse().unwrap();
        assert!(natural <= 760.0, "natural width {natural}");
        assert_eq!(abbreviate("Energy (N8CA)", 26), "Energy (N8CA)");
        assert_eq!(abbreviate("a rather long name without any code at all, really", 32).chars().count(), 32);
        let empty = bars(&[], "x", "Empty");
        common(&empty);
        assert!(empty.contains("no data"));
    }
}
