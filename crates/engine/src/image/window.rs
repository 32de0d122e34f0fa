//! Window/level: mapping a range of intensities (e.g. Hounsfield units) to display grey levels.

/// A display window: intensities in `[centre - width/2, centre + width/2]` map linearly to
/// 0..=255; below is black, above is white.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Window {
    centre: f32,
    width: f32,
}

/// Why a window cannot be built.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum WindowError {
    /// Width must be a positive, finite number.
    Width(f32),
    /// Centre must be finite.
    Centre(f32),
}

impl std::fmt::Display for WindowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WindowError::Width(w) => write!(f, "window width should be a positive number, but is {w}"),
            WindowError::Centre(c) => write!(f, "window centre should be a finite number, but is {c}"),
        }
    }
}

impl std::error::Error for WindowError {}

impl Window {
    /// Checks and builds a window.
    pub fn new(centre: f32, width: f32) -> Result<Self, WindowError> {
        if !(width.is_finite() && width > 0.0) {
            return Err(WindowError::Width(width));
        }
        if !centre.is_finite() {
            return Err(WindowError::Centre(centre));
        }
        Ok(Window { centre, width })
    }

    pub fn centre(&self) -> f32 {
        self.centre
    }

    pub fn width(&self) -> f32 {
        self.width
    }

    /// Lowest and highest intensity shown as a grey level other than pure black/white.
    pub fn bounds(&self) -> (f32, f32) {
        (self.centre - self.width / 2.0, self.centre + self.width / 2.0)
    }

    /// Grey level of one intensity. NaN shows as black.
    pub fn grey(&self, v: f32) -> u8 {
        let (lo, _) = self.bounds();
        let t = (v - lo) / self.width;
        if t.is_nan() {
            return 0;
        }
        // `as u8` saturates; the clamp makes the intent explicit.
        (t.clamp(0.0, 1.0) * 255.0).round() as u8
    }

    /// Grey levels of many intensities.
    pub fn to_u8(&self, values: &[f32]) -> Vec<u8> {
        values.iter().map(|&v| self.grey(v)).collect()
    }

    /// Writes opaque RGBA pixels (for a canvas `ImageData`) into `out`, which must hold
    /// `4 * values.len()` bytes; returns `false` otherwise.
    pub fn to_rgba(&self, values: &[f32], out: &mut [u8]) -> bool {
        if out.len() != values.len() * 4 {
            return false;
        }
        for (px, &v) in out.chunks_exact_mut(4).zip(values) {
            let g = self.grey(v);
            px.copy_from_slice(&[g, g, g, 255]);
        }
        true
    }
}

/// Named CT display windows (centre and width in HU), as commonly used in radiology.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preset {
    /// Centre -600, width 1500.
    Lung,
    /// Centre 50, width 350.
    Mediastinum,
    /// Centre 40, width 400.
    SoftTissue,
    /// Centre 400, width 1800.
    Bone,
    /// Centre 40, width 80.
    Brain,
}

impl Preset {
    pub const ALL: [Preset; 5] = [Preset::Lung, Preset::Mediastinum, Preset::SoftTissue, Preset::Bone, Preset::Brain];

    /// Centre and width in HU.
    pub fn centre_width(self) -> (f32, f32) {
        match self {
            Preset::Lung => (-600.0, 1500.0),
            Preset::Mediastinum => (50.0, 350.0),
            Preset::SoftTissue => (40.0, 400.0),
            Preset::Bone => (400.0, 1800.0),
            Preset::Brain => (40.0, 80.0),
        }
    }

    /// The window.
    pub fn window(self) -> Window {
        let (centre, width) = self.centre_width();
        Window { centre, width }
    }

    pub fn name(self) -> &'static str {
        match self {
            Preset::Lung => "lung",
            Preset::Mediastinum => "mediastinum",
            Preset::SoftTissue => "soft tissue",
            Preset::Bone => "bone",
            Preset::Brain => "brain",
        }
    }

    /// The preset with this name (case-insensitive; "soft-tissue" and "soft_tissue" also work).
    pub fn from_name(name: &str) -> Option<Preset> {
        let n = name.trim().to_ascii_lowercase().replace(['-', '_'], " ");
        Preset::ALL.into_iter().find(|p| p.name() == n)
    }
}

/// Why an image's intensities look like CT numbers in Hounsfield units (see [`looks_like_ct`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CtEvidence {
    /// Centre of the densest 50 HU bin below −500: air, near −1000.
    pub air_peak: f32,
    /// The highest value (at most about 3000 for bone and contrast, a little more with metal).
    pub max: f32,
}

/// Whether `values` look like a CT in Hounsfield units, for images whose file does not say (a NIfTI, an NRRD):
/// - whole numbers (at least 99 % of the finite values: CT numbers are stored as integers);
/// - nothing above 4100 HU (12-bit CT numbers end at 3071; a little margin for extended scales), values below
///   −1100 being padding outside the scanner's field of view (−2048, −3024), which are left out;
/// - a mode near −1000 HU: among the values from −1100 to −500 HU (air, lung), the densest 50 HU bin lies between
///   −1050 and −900 HU and holds at least 1 % of the values from −1100 to 4100 HU (air around the body or in the
///   airways, which nearly every CT field of view holds).
///
/// MR and PET have no air mode at −1000 (MR intensities are arbitrary and mostly positive, PET values are not whole
/// numbers), and a CT stored without its rescale (air near 0) is rightly not taken for HU.
pub fn looks_like_ct(values: &[f32]) -> Option<CtEvidence> {
    const LOW: f32 = -1100.0;
    const HIGH: f32 = 4100.0;
    const BIN: f32 = 50.0;
    let (mut finite, mut fractional, mut inside) = (0usize, 0usize, 0usize);
    let mut max = f32::NEG_INFINITY;
    // 12 bins of 50 HU from -1100 to -500.
    let mut low = [0usize; 12];
    for &v in values {
        if !v.is_finite() {
            continue;
        }
        finite += 1;
        if v.fract() != 0.0 {
            fractional += 1;
        }
        if v < LOW {
            continue;
        }
        if v > HIGH {
            return None;
        }
        inside += 1;
        max = max.max(v);
        if v < -500.0 {
            low[(((v - LOW) / BIN) as usize).min(low.len() - 1)] += 1;
        }
    }
    if inside == 0 || fractional * 100 > finite {
        return None;
    }
    let (k, &count) = low.iter().enumerate().max_by_key(|&(k, c)| (*c, std::cmp::Reverse(k)))?;
    let air_peak = LOW + BIN * (k as f32 + 0.5);
    ((-1050.0..=-900.0).contains(&air_peak) && count * 100 >= inside).then_some(CtEvidence { air_peak, max })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Test code: a panic is a failed test.
mod tests {
    use super::*;

    #[test]
    fn presets_map_to_eight_bits() {
        let lung = Preset::Lung.window();
        assert_eq!(lung.bounds(), (-1350.0, 150.0));
        assert_eq!(lung.to_u8(&[-2000.0, -1350.0, -600.0, 150.0]), vec![0, 0, 128, 255]);
        let brain = Preset::from_name("Brain").unwrap().window();
        assert_eq!(brain.grey(20.0), 64); // (20 - 0) / 80 * 255 = 63.75
        assert_eq!(Preset::from_name("soft-tissue"), Some(Preset::SoftTissue));
        assert_eq!(Preset::from_name("liver"), None);
        for p in Preset::ALL {
            let (c, w) = p.centre_width();
            assert_eq!(Window::new(c, w).unwrap(), p.window());
        }
    }

    #[test]
    fn linear_inside_clipped_outside() {
        // Mediastinum-like window: 50 +/- 175.
        let w = Window::new(50.0, 350.0).unwrap();
        assert_eq!(w.bounds(), (-125.0, 225.0));
        assert_eq!(w.grey(-125.0), 0);
        assert_eq!(w.grey(225.0), 255);
        assert_eq!(w.grey(50.0), 128); // 0.5 * 255 = 127.5 rounds to 128
        assert_eq!(w.grey(-1000.0), 0);
        assert_eq!(w.grey(3000.0), 255);
        assert_eq!(w.grey(f32::NAN), 0);
        assert_eq!(w.grey(-125.0 + 350.0 * 0.2), 51);
    }

    #[test]
    fn invalid_windows_are_refused() {
        assert_eq!(Window::new(0.0, 0.0), Err(WindowError::Width(0.0)));
        assert!(Window::new(0.0, -5.0).is_err());
        assert!(Window::new(f32::INFINITY, 5.0).is_err());
        assert!(Window::new(0.0, f32::NAN).unwrap_err().to_string().contains("positive"));
    }

    #[test]
    fn rgba_checks_its_buffer() {
        let w = Window::new(0.0, 2.0).unwrap();
        let mut out = vec![0; 8];
        assert!(w.to_rgba(&[-1.0, 1.0], &mut out));
        assert_eq!(out, vec![0, 0, 0, 255, 255, 255, 255, 255]);
        assert!(!w.to_rgba(&[0.0], &mut out));
    }

    /// A CT-like volume: air around a body of soft tissue with some lung and bone, in whole HU.
    fn synthetic_ct(n: usize, air: f32) -> Vec<f32> {
        (0..n)
            .map(|i| match i % 10 {
                0..=2 => air + (i % 7) as f32 - 3.0,
                3 => -850.0 + (i % 50) as f32,
                4 => 1200.0 + (i % 300) as f32,
                _ => 20.0 + (i % 60) as f32,
            })
            .collect()
    }

    #[test]
    fn ct_numbers_are_recognised_on_synthetic_volumes() {
        let ct = synthetic_ct(10_000, -1010.0);
        let e = looks_like_ct(&ct).unwrap();
        assert_eq!(e.air_peak, -1025.0);
        assert!(e.max >= 1200.0 && e.max < 1500.0);
        // Padding outside the field of view (-3024) and a metal implant near 3000 HU do not change the verdict.
        let mut padded = ct.clone();
        padded.extend(std::iter::repeat(-3024.0).take(5_000));
        padded.extend(std::iter::repeat(3000.0).take(10));
        assert!(looks_like_ct(&padded).is_some());
        // Not CT: a CT stored without its rescale (air near 0, bone near 2200), values far beyond CT numbers,
        // fractional values (PET), MR-like positive intensities, a flat image, nothing at all.
        assert_eq!(looks_like_ct(&ct.iter().map(|v| v + 1024.0).collect::<Vec<_>>()), None);
        let mut beyond = ct.clone();
        beyond.push(30_000.0);
        assert_eq!(looks_like_ct(&beyond), None);
        assert_eq!(looks_like_ct(&ct.iter().map(|v| v * 0.37).collect::<Vec<_>>()), None);
        let mr: Vec<f32> = (0..10_000).map(|i| ((i * 37) % 1800) as f32).collect();
        assert_eq!(looks_like_ct(&mr), None);
        assert_eq!(looks_like_ct(&[0.0; 100]), None);
        assert_eq!(looks_like_ct(&[]), None);
        assert_eq!(looks_like_ct(&[f32::NAN, f32::INFINITY]), None);
        // Air must be a mode near -1000: a few air voxels in a large body are not enough, nor is a peak at -700.
        let mut sparse = synthetic_ct(10_000, -1010.0);
        sparse.iter_mut().enumerate().filter(|(i, _)| i % 10 < 3 && i % 400 != 0).for_each(|(_, v)| *v = 40.0);
        assert_eq!(looks_like_ct(&sparse), None);
        assert_eq!(looks_like_ct(&synthetic_ct(10_000, -700.0)), None);
    }

    #[test]
    fn the_ibsi_ct_phantom_looks_like_ct_and_the_digital_phantom_does_not() {
        let opts = crate::io::error::LoadOptions::default();
        let ct =
            crate::io::load::load(include_bytes!("../../tests/data/ibsi-ct-phantom/nifti/image/phantom.nii.gz"), "phantom.nii.gz", &opts)
                .unwrap();
        let e = looks_like_ct(&ct.data).unwrap();
        // Measured with nibabel + numpy: the densest 50 HU bin below -500 is [-1000, -950), the maximum 3065.
        assert_eq!(e.air_peak, -975.0);
        assert_eq!(e.max, 3065.0);
        let digital =
            crate::io::load::load(include_bytes!("../../tests/data/ibsi-digital-phantom/phantom.nii.gz"), "phantom.nii.gz", &opts).unwrap();
        assert_eq!(looks_like_ct(&digital.data), None);
    }
}
