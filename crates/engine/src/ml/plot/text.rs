//! The plots' look (font, colours of text and axes, sizes) and their words and numbers: escaping, truncation, tick values.

pub(super) const FONT: &str = "system-ui, sans-serif";

pub(super) const TEXT: &str = "#1a1a1a";

pub(super) const GRID: &str = "#d9d9d9";

pub(super) const AXIS: &str = "#4d4d4d";

pub(super) const TITLE_PX: f64 = 20.0;

pub(super) const LABEL_PX: f64 = 16.0;

pub(super) const TICK_PX: f64 = 14.0;

pub(super) const LINE_PX: f64 = 3.0;

/// The longest bar-chart label, in characters (longer names are abbreviated, in full in a tooltip).
pub(super) const BAR_NAME_CHARS: usize = 32;

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
pub(super) fn truncate(text: &str, max: usize) -> String {
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
pub(super) fn abbreviate(text: &str, max: usize) -> String {
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
pub(super) fn text_width(text: &str, size: f64) -> f64 {
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
pub(super) fn clean(v: f64) -> f64 {
    let r = (v * 1e9).round() / 1e9;
    if r == 0.0 {
        0.0
    } else {
        r
    }
}

/// The number of decimals that shows the ticks `step` apart exactly.
pub(super) fn decimals(ticks: &[f64]) -> usize {
    let step = match ticks {
        [a, b, ..] => (b - a).abs(),
        _ => 1.0,
    };
    (0..6).find(|&d| ((step * 10f64.powi(d as i32)).round() - step * 10f64.powi(d as i32)).abs() < 1e-6).unwrap_or(6)
}

pub(super) fn fmt_tick(v: f64, decimals: usize) -> String {
    let s = format!("{v:.decimals$}");
    // Typographic minus sign.
    if let Some(rest) = s.strip_prefix('-') {
        format!("−{rest}")
    } else {
        s
    }
}

/// A value for tooltips: 3 significant digits or so.
pub(super) fn fmt_value(v: f64) -> String {
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
