//! The SVG writer and the parts every plot shares: the frame and its axes, markers, legends, colour scales.

use super::*;

/// The SVG being built.
pub(super) struct Svg {
    pub(super) out: String,
}

impl Svg {
    pub(super) fn new(width: f64, height: f64, title: &str, desc: &str) -> Svg {
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

    pub(super) fn raw(&mut self, s: &str) {
        self.out.push_str(s);
    }

    pub(super) fn text(&mut self, x: f64, y: f64, size: f64, anchor: &str, extra: &str, text: &str) {
        let _ = writeln!(
            self.out,
            "<text x=\"{x:.1}\" y=\"{y:.1}\" font-size=\"{size}\" text-anchor=\"{anchor}\"{extra}>{}</text>",
            escape(text)
        );
    }

    /// A label shown as `shown` (abbreviated), with `full` as its tooltip when they differ.
    pub(super) fn label(&mut self, x: f64, y: f64, size: f64, anchor: &str, extra: &str, (shown, full): (&str, &str)) {
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

    pub(super) fn line(&mut self, a: (f64, f64), b: (f64, f64), stroke: &str, width: f64, extra: &str) {
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

    pub(super) fn polyline(&mut self, points: &[(f64, f64)], stroke: &str, extra: &str) {
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

    pub(super) fn finish(mut self) -> String {
        self.out.push_str("</svg>\n");
        self.out
    }
}

/// A rectangular plotting area with its data ranges.
#[derive(Clone, Copy)]
pub(super) struct Frame {
    pub(super) left: f64,
    pub(super) top: f64,
    pub(super) width: f64,
    pub(super) height: f64,
    pub(super) x: (f64, f64),
    pub(super) y: (f64, f64),
}

impl Frame {
    pub(super) fn px(&self, x: f64) -> f64 {
        let span = self.x.1 - self.x.0;
        self.left + if span > 0.0 { (x - self.x.0) / span * self.width } else { self.width / 2.0 }
    }

    pub(super) fn py(&self, y: f64) -> f64 {
        let span = self.y.1 - self.y.0;
        self.top + self.height - if span > 0.0 { (y - self.y.0) / span * self.height } else { self.height / 2.0 }
    }

    pub(super) fn point(&self, (x, y): (f64, f64)) -> (f64, f64) {
        (self.px(x), self.py(y))
    }

    pub(super) fn bottom(&self) -> f64 {
        self.top + self.height
    }

    pub(super) fn right(&self) -> f64 {
        self.left + self.width
    }
}

/// Draws the grid, the ticks and their labels, the axis labels and the frame.
pub(super) fn axes(svg: &mut Svg, f: &Frame, xticks: &[f64], yticks: &[f64], x_label: &str, y_label: &str) {
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

pub(super) fn no_data(svg: &mut Svg, f: &Frame) {
    svg.text(f.left + f.width / 2.0, f.top + f.height / 2.0, LABEL_PX, "middle", " fill=\"#666666\" data-empty=\"true\"", "no data");
}

/// A marker of shape `k` (circle, square, triangle, diamond, cycling) centred at (x, y).
pub(super) fn marker(k: usize, x: f64, y: f64, colour: &str) -> String {
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
pub(super) enum Swatch {
    /// A line segment with the series' marker; `dashed` for reference lines.
    Line { marker: Option<usize>, dashed: bool },
    /// A filled square.
    Square,
}

/// A legend below the plot, one entry per row starting at `top`; returns its height.
pub(super) fn legend(svg: &mut Svg, left: f64, top: f64, entries: &[(String, String, Swatch)]) -> f64 {
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

pub(super) fn colour(k: usize) -> &'static str {
    PALETTE[k % PALETTE.len()]
}

pub(super) fn finite(p: &(f64, f64)) -> bool {
    p.0.is_finite() && p.1.is_finite()
}

/// The range of finite values, padded by 5 % on each side; `None` if there is none.
pub(super) fn padded_range(values: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    let (lo, hi) = values.filter(|v| v.is_finite()).fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| (l.min(v), h.max(v)));
    if lo > hi {
        return None;
    }
    let pad = if hi > lo { 0.05 * (hi - lo) } else { 0.0 };
    Some((lo - pad, hi + pad))
}

/// A frame for nice ticks over `x` and `y` ranges: the frame's ranges are the ticks' ends.
pub(super) fn ticked(left: f64, top: f64, width: f64, height: f64, x: (f64, f64), y: (f64, f64)) -> (Frame, Vec<f64>, Vec<f64>) {
    let xt = nice_ticks(x.0, x.1, 6);
    let yt = nice_ticks(y.0, y.1, 5);
    let ends = |t: &[f64]| (t.first().copied().unwrap_or(0.0), t.last().copied().unwrap_or(1.0));
    (Frame { left, top, width, height, x: ends(&xt), y: ends(&yt) }, xt, yt)
}

/// The diverging colour of a correlation: Okabe–Ito blue at -1, light grey at 0, vermillion at +1; grey for NaN.
pub(super) fn diverging(v: f64) -> String {
    if !v.is_finite() {
        return "#9e9e9e".to_string();
    }
    let t = v.clamp(-1.0, 1.0);
    let (end, a) = if t < 0.0 { ((0.0, 114.0, 178.0), -t) } else { ((213.0, 94.0, 0.0), t) };
    let mid = 247.0;
    let mix = |c: f64| (mid + a * (c - mid)).round() as u8;
    format!("#{:02x}{:02x}{:02x}", mix(end.0), mix(end.1), mix(end.2))
}
