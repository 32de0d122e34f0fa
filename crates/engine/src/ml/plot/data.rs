//! The plots of data: scatter, heatmap, lines and bars.

use super::*;

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
