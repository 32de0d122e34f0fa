//! Fixed-width intensity histograms, as drawn in lessons and the Image Lab.

/// Counts of values in `bins` equal-width bins over `[min, max)`; the last bin includes `max`.
#[derive(Debug, Clone, PartialEq)]
pub struct Histogram {
    pub min: f32,
    pub max: f32,
    pub counts: Vec<u64>,
    /// Values below `min`.
    pub below: u64,
    /// Values above `max`.
    pub above: u64,
    /// NaN values, which belong to no bin.
    pub nan: u64,
}

impl Histogram {
    /// Builds a histogram. `None` if the range is empty or not finite, or `bins` is 0.
    pub fn new(values: &[f32], min: f32, max: f32, bins: usize) -> Option<Self> {
        if bins == 0 || !(min.is_finite() && max.is_finite() && max > min) {
            return None;
        }
        let mut h = Histogram { min, max, counts: vec![0; bins], below: 0, above: 0, nan: 0 };
        let scale = bins as f64 / (f64::from(max) - f64::from(min));
        for &v in values {
            if v.is_nan() {
                h.nan += 1;
            } else if v < min {
                h.below += 1;
            } else if v > max {
                h.above += 1;
            } else {
                let k = ((f64::from(v) - f64::from(min)) * scale) as usize;
                h.counts[k.min(bins - 1)] += 1;
            }
        }
        Some(h)
    }

    /// Width of one bin.
    pub fn bin_width(&self) -> f32 {
        (self.max - self.min) / self.counts.len() as f32
    }

    /// Lower edge of bin `k`.
    pub fn bin_start(&self, k: usize) -> f32 {
        self.min + self.bin_width() * k as f32
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Test code: a panic is a failed test.
mod tests {
    use super::*;

    #[test]
    fn counts_by_hand() {
        let h = Histogram::new(&[-1.0, 0.0, 0.5, 1.0, 1.5, 2.0, 9.0, f32::NAN], 0.0, 2.0, 4).unwrap();
        // bins [0,0.5) [0.5,1) [1,1.5) [1.5,2]
        assert_eq!(h.counts, vec![1, 1, 1, 2]);
        assert_eq!((h.below, h.above, h.nan), (1, 1, 1));
        assert_eq!(h.bin_width(), 0.5);
        assert_eq!(h.bin_start(3), 1.5);
    }

    #[test]
    fn bad_ranges_are_refused() {
        assert!(Histogram::new(&[1.0], 1.0, 1.0, 4).is_none());
        assert!(Histogram::new(&[1.0], 0.0, 1.0, 0).is_none());
        assert!(Histogram::new(&[1.0], f32::NEG_INFINITY, 1.0, 4).is_none());
    }
}
