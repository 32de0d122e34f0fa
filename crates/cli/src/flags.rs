//! Value parsers for the numeric flags: a value out of range (or not a number) is refused by clap with a message
//! that names the flag as typed (`--site-label-correlation`) and gives the range, e.g.
//! `invalid value '-1' for '--signal <SIGNAL>': should be between 0 and 3`. Negative numbers reach these parsers
//! (`allow_negative_numbers` on every numeric flag) so that `--signal -1` gets the range, not "unexpected argument".
//!
//! clap's own `value_parser!(u64).range(..)` covers integers only and words its message as Rust ranges (`10..=2000`);
//! these say the range in words, the same for whole numbers and decimals.

/// A closure clap can use as a value parser.
pub trait Parser<T>: Fn(&str) -> Result<T, String> + Clone + Send + Sync + 'static {}
impl<T, F: Fn(&str) -> Result<T, String> + Clone + Send + Sync + 'static> Parser<T> for F {}

fn number(s: &str, range: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err(format!("`{s}` is not a number; it should be {range}")),
    }
}

/// A number from `lo` to `hi`, both included.
pub fn between(lo: f64, hi: f64) -> impl Parser<f64> {
    move |s: &str| {
        let range = format!("between {lo} and {hi}");
        let v = number(s, &range)?;
        if (lo..=hi).contains(&v) {
            Ok(v)
        } else {
            Err(format!("should be {range}, but is {v}"))
        }
    }
}

/// A number strictly between `lo` and `hi`.
pub fn strictly_between(lo: f64, hi: f64) -> impl Parser<f64> {
    move |s: &str| {
        let range = format!("between {lo} and {hi}, both excluded");
        let v = number(s, &range)?;
        if v > lo && v < hi {
            Ok(v)
        } else {
            Err(format!("should be {range}, but is {v}"))
        }
    }
}

/// A number greater than 0.
pub fn positive() -> impl Parser<f64> {
    move |s: &str| {
        let range = "a number greater than 0";
        let v = number(s, range)?;
        if v > 0.0 {
            Ok(v)
        } else {
            Err(format!("should be {range}, but is {v}"))
        }
    }
}

/// Any finite number (negative ones included).
pub fn finite() -> impl Parser<f64> {
    move |s: &str| number(s, "a finite number")
}

/// A whole number from `lo` to `hi`, both included.
pub fn whole(lo: u64, hi: u64) -> impl Parser<u64> {
    move |s: &str| {
        let range = if hi == u64::MAX { format!("a whole number of at least {lo}") } else { format!("a whole number from {lo} to {hi}") };
        match s.trim().parse::<u64>() {
            Ok(v) if (lo..=hi).contains(&v) => Ok(v),
            Ok(v) => Err(format!("should be {range}, but is {v}")),
            // Negative, fractional or too large: say the range the same way.
            Err(_) if s.trim().parse::<f64>().is_ok() => Err(format!("should be {range}, but is {}", s.trim())),
            Err(_) => Err(format!("`{s}` is not a number; it should be {range}")),
        }
    }
}

/// A whole number from `lo` to `hi` as a `usize`.
pub fn count(lo: usize, hi: usize) -> impl Parser<usize> {
    let inner = whole(lo as u64, hi as u64);
    move |s: &str| inner(s).map(|v| usize::try_from(v).unwrap_or(usize::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_said_in_words() {
        assert_eq!(between(0.0, 3.0)("1.5"), Ok(1.5));
        assert_eq!(between(0.0, 3.0)("-1"), Err("should be between 0 and 3, but is -1".to_string()));
        assert_eq!(between(0.0, 3.0)("abc"), Err("`abc` is not a number; it should be between 0 and 3".to_string()));
        assert_eq!(between(0.0, 3.0)("NaN"), Err("`NaN` is not a number; it should be between 0 and 3".to_string()));
        assert_eq!(strictly_between(0.0, 1.0)("1"), Err("should be between 0 and 1, both excluded, but is 1".to_string()));
        assert_eq!(positive()("0"), Err("should be a number greater than 0, but is 0".to_string()));
        assert_eq!(finite()("-0.25"), Ok(-0.25));
        assert_eq!(count(10, 2000)("-1"), Err("should be a whole number from 10 to 2000, but is -1".to_string()));
        assert_eq!(count(10, 2000)("2.5"), Err("should be a whole number from 10 to 2000, but is 2.5".to_string()));
        assert_eq!(count(1, usize::MAX)("0"), Err("should be a whole number of at least 1, but is 0".to_string()));
        assert_eq!(whole(0, u64::MAX)("-3"), Err("should be a whole number of at least 0, but is -3".to_string()));
        assert_eq!(count(10, 2000)("10"), Ok(10));
    }
}
