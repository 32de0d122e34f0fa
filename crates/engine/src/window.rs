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
}
