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
    let bins =
        vec![bin(0.1, 0.05, 30, 0.01, 0.2), bin(0.5, 0.55, 10, 0.3, 0.8), bin(0.9, f64::NAN, 5, 0.0, 1.0), bin(0.85, 0.8, 20, 0.6, 0.9)];
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
