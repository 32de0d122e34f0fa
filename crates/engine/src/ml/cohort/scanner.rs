//! The sites' scanners: slice thickness, pixel size, noise, kernel and calibration, moved apart by `site_effect`.

use super::*;

/// A site's scanner, as [`case`] simulates it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scanner {
    /// `A` to `D`.
    pub name: String,
    /// Slice thickness and spacing in mm (contiguous slices: each voxel averages the anatomy over its thickness).
    pub slice_thickness_mm: f64,
    /// In-plane pixel size in mm.
    pub pixel_mm: f64,
    /// Standard deviation of the noise in HU.
    pub noise_hu: f64,
    /// Smoothing of the noise by the reconstruction kernel, 0 (sharp, white noise) to 1 (soft, blotchy noise).
    pub kernel_smoothing: f64,
    /// Calibration error added to every intensity, in HU.
    pub hu_offset: f64,
}

/// The sites' scanners at `site_effect = 1`: (name, slice thickness, pixel size, noise, kernel smoothing, offset).
pub(super) const SITES: [(&str, f64, f64, f64, f64, f64); MAX_SITES] = [
    ("A", 1.0, 0.70, 10.0, 0.1, 0.0),
    ("B", 2.5, 0.80, 24.0, 0.6, 12.0),
    ("C", 1.5, 0.90, 32.0, 0.0, -12.0),
    ("D", 3.0, 0.78, 18.0, 0.8, 25.0),
];

/// The scanner every site has at `site_effect = 0`.
pub(super) const REFERENCE: (f64, f64, f64, f64, f64) = (1.5, 0.8, 18.0, 0.3, 0.0);

/// The scanners of the spec's sites: [`CohortSpec::site_effect`] moves each away from a common reference scanner
/// (1.5 mm slices, 0.8 mm pixels, 18 HU noise, a little kernel smoothing, no offset).
pub fn scanners(spec: &CohortSpec) -> Vec<Scanner> {
    let e = spec.site_effect.clamp(0.0, 3.0);
    let mix = |r: f64, s: f64| r + e * (s - r);
    SITES
        .iter()
        .take(spec.sites.clamp(1, MAX_SITES))
        .map(|&(name, thick, pixel, noise, kernel, offset)| Scanner {
            name: name.to_string(),
            slice_thickness_mm: round_to(mix(REFERENCE.0, thick).clamp(0.5, 5.0), 0.1),
            pixel_mm: round_to(mix(REFERENCE.1, pixel).clamp(0.5, 1.2), 0.01),
            noise_hu: mix(REFERENCE.2, noise).clamp(2.0, 80.0),
            kernel_smoothing: mix(REFERENCE.3, kernel).clamp(0.0, 0.9),
            hu_offset: mix(REFERENCE.4, offset),
        })
        .collect()
}

pub(super) fn round_to(v: f64, step: f64) -> f64 {
    (v / step).round() * step
}
