//! The plots of a classifier's evaluation: ROC curves, the confusion matrix, calibration.

use super::*;

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
