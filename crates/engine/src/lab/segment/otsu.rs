//! Otsu's threshold: the one that best separates two classes of intensities.

use super::*;

/// Number of histogram bins [`otsu_threshold`] uses by default.
pub const OTSU_BINS: usize = 256;

/// Otsu's threshold on a histogram: the bin boundary that maximises the between-class variance
/// `w0 w1 (m0 - m1)^2` of the two classes of counts it separates (bin levels are the bin indices, which gives the
/// same boundary as bin centres). Values `>= t` are the upper class.
///
/// Empty bins after the best boundary do not change the classes, so the threshold is put in the middle of that gap
/// (between the upper edge of the last lower bin and the lower edge of the first upper bin): a two-valued image is
/// split half-way between its values. On ties elsewhere the lowest boundary wins. Only `counts` are used (values
/// below, above or NaN are ignored). `None` if fewer than two bins hold values.
pub fn otsu_from_histogram(h: &Histogram) -> Option<f32> {
    let bins = h.counts.len();
    if bins < 2 {
        return None;
    }
    let total: f64 = h.counts.iter().map(|&c| c as f64).sum();
    let level_sum: f64 = h.counts.iter().enumerate().map(|(k, &c)| k as f64 * c as f64).sum();
    let (mut w0, mut s0) = (0.0f64, 0.0f64);
    let mut best: Option<(f64, usize)> = None;
    for (k, &c) in h.counts.iter().enumerate().take(bins - 1) {
        w0 += c as f64;
        s0 += k as f64 * c as f64;
        let w1 = total - w0;
        if w0 <= 0.0 || w1 <= 0.0 {
            continue;
        }
        let (m0, m1) = (s0 / w0, (level_sum - s0) / w1);
        let between = w0 * w1 * (m0 - m1) * (m0 - m1);
        if best.is_none_or(|(b, _)| between > b) {
            best = Some((between, k));
        }
    }
    let (_, k) = best?;
    let next = (k + 1..bins).find(|&j| h.counts[j] > 0).unwrap_or(k + 1);
    let width = (f64::from(h.max) - f64::from(h.min)) / bins as f64;
    let edge = |j: usize| f64::from(h.min) + width * j as f64;
    Some(((edge(k + 1) + edge(next)) / 2.0) as f32)
}

/// Otsu's threshold of the finite `values`, on a histogram of `bins` equal bins over their range (see
/// [`otsu_from_histogram`] for the rule). `None` if there are fewer than two distinct finite values or `bins < 2`.
pub fn otsu_values(values: &[f32], bins: usize) -> Option<f32> {
    let (lo, hi) = finite_range(values)?;
    let h = Histogram::new(values, lo, hi, bins)?;
    otsu_from_histogram(&h)
}

/// Otsu's threshold of an image's finite intensities, or of those inside the non-zero voxels of `mask`, on a
/// histogram of `bins` bins ([`OTSU_BINS`] is the usual choice). Voxels `>= t` are the bright class, so
/// `threshold(image, t, f32::INFINITY)` segments them.
///
/// `Ok(None)` when there are fewer than two distinct finite values (nothing to separate). Errors: data that does not
/// match its grid, a mask on another grid, `bins < 2`.
pub fn otsu_threshold(image: &Volume, mask: Option<&LabelMap>, bins: usize) -> Result<Option<f32>, SegmentError> {
    check_data("image", &image.geometry, image.data.len())?;
    if bins < 2 {
        return Err(SegmentError::InvalidParameter { name: "bins", reason: format!("Otsu's method needs at least 2 bins, not {bins}") });
    }
    match mask {
        None => Ok(otsu_values(&image.data, bins)),
        Some(m) => {
            check_data("mask", &m.geometry, m.data.len())?;
            check_same_grid("image", &image.geometry, "mask", &m.geometry)?;
            let values: Vec<f32> = image.data.iter().zip(&m.data).filter(|(_, &l)| l != 0).map(|(&v, _)| v).collect();
            Ok(otsu_values(&values, bins))
        }
    }
}
