//! Synthetic images generated from a seed, so lessons can show realistic numbers without
//! shipping patient data.

use ndarray::Array2;

/// Typical CT numbers (HU) used by [`chest_slice`].
pub mod hu {
    pub const AIR: f32 = -1000.0;
    pub const LUNG: f32 = -850.0;
    pub const FAT: f32 = -100.0;
    pub const SOFT_TISSUE: f32 = 40.0;
    pub const BLOOD: f32 = 45.0;
    pub const TUMOUR: f32 = 25.0;
    pub const TRABECULAR_BONE: f32 = 250.0;
    pub const CORTICAL_BONE: f32 = 900.0;
}

/// A deterministic pseudo-random stream (SplitMix64). Hand-written: a few lines, no dependency,
/// and the same numbers on every platform, which the lessons' numbers rely on.
struct SplitMix(u64);

impl SplitMix {
    fn next_f32(&mut self) -> f32 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 40) as f32 / (1u64 << 24) as f32
    }
    /// Approximately standard normal (Irwin–Hall with 4 terms, rescaled).
    fn gauss(&mut self) -> f32 {
        let s: f32 = (0..4).map(|_| self.next_f32()).sum();
        (s - 2.0) * (3.0f32).sqrt()
    }
}

fn inside(u: f32, v: f32, cu: f32, cv: f32, ru: f32, rv: f32) -> bool {
    let (du, dv) = ((u - cu) / ru, (v - cv) / rv);
    du * du + dv * dv <= 1.0
}

/// An axial CT-like chest slice of `size` x `size` pixels in HU: air, a body with a fat layer,
/// two lungs with vessels, the heart, a spine and ribs in bone, and a small tumour in the right
/// lung (image left, as radiologists display it). Noise has a standard deviation of about 12 HU.
/// Row 0 is anterior.
pub fn chest_slice(size: usize) -> Array2<f32> {
    let mut rng = SplitMix(0x5EED_0FC7);
    let n = size.max(1) as f32;
    Array2::from_shape_fn((size, size), |(row, col)| {
        let u = (col as f32 + 0.5) / n * 2.0 - 1.0;
        let v = (row as f32 + 0.5) / n * 2.0 - 1.0;
        let noise = rng.gauss() * 12.0;
        let value = if !inside(u, v, 0.0, 0.0, 0.9, 0.66) {
            return hu::AIR + noise;
        } else if !inside(u, v, 0.0, 0.0, 0.84, 0.6) {
            hu::FAT
        } else if inside(u, v, -0.44, -0.12, 0.07, 0.07) && !inside(u, v, -0.44, -0.12, 0.0, 0.0) {
            // Tumour with a lobulated edge.
            let angle = (v + 0.12).atan2(u + 0.44);
            let r = ((u + 0.44).powi(2) + (v + 0.12).powi(2)).sqrt();
            if r < 0.055 + 0.012 * (5.0 * angle).sin() {
                hu::TUMOUR
            } else {
                hu::LUNG
            }
        } else if inside(u, v, 0.0, 0.47, 0.1, 0.09) {
            if inside(u, v, 0.0, 0.47, 0.075, 0.065) {
                hu::TRABECULAR_BONE
            } else {
                hu::CORTICAL_BONE
            }
        } else if inside(u, v, 0.0, 0.35, 0.035, 0.035) {
            hu::SOFT_TISSUE - 20.0 // spinal canal
        } else if inside(u, v, 0.0, -0.56, 0.05, 0.03) {
            hu::CORTICAL_BONE * 0.7 // sternum
        } else if inside(u, v, 0.07, 0.02, 0.22, 0.24) {
            if inside(u, v, 0.05, -0.02, 0.1, 0.1) {
                hu::BLOOD + 15.0
            } else {
                hu::BLOOD
            }
        } else if inside(u, v, -0.43, 0.0, 0.3, 0.43) || inside(u, v, 0.45, 0.0, 0.28, 0.43) {
            // Vessels: small bright dots in the lungs.
            let vessel = [(-0.35, -0.1), (-0.3, 0.15), (-0.5, 0.2), (0.35, -0.15), (0.4, 0.18), (0.55, 0.05), (-0.55, -0.25)]
                .iter()
                .any(|&(cu, cv)| inside(u, v, cu, cv, 0.018, 0.018));
            if vessel {
                hu::BLOOD
            } else {
                hu::LUNG
            }
        } else {
            // Ribs: small bony ellipses just inside the fat layer.
            let angle = v.atan2(u);
            let near_edge = !inside(u, v, 0.0, 0.0, 0.78, 0.54);
            let rib = near_edge && ((angle * 7.0).sin() > 0.8);
            if rib {
                hu::CORTICAL_BONE * 0.8
            } else if inside(u, v, 0.0, 0.0, 0.8, 0.56) {
                hu::SOFT_TISSUE
            } else {
                hu::SOFT_TISSUE + 10.0 // muscle
            }
        };
        value + noise
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_plausible() {
        let a = chest_slice(96);
        assert_eq!(a, chest_slice(96), "same seed, same image");
        let corner = a[[0, 0]];
        assert!((corner - hu::AIR).abs() < 60.0, "corner is air: {corner}");
        // Centre of the right lung (image left).
        let lung = a[[48, 48 - 20]];
        assert!((lung - hu::LUNG).abs() < 60.0 || (lung - hu::BLOOD).abs() < 60.0, "lung or vessel: {lung}");
        let spine = a[[(0.735 * 96.0) as usize, 48]];
        assert!(spine > 150.0, "spine is bone: {spine}");
        let mean = a.iter().sum::<f32>() / a.len() as f32;
        assert!(mean > -900.0 && mean < -200.0, "mostly air and lung: {mean}");
    }
}
