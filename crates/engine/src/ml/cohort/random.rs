//! The random numbers: a hand-written SplitMix64 stream per case and purpose, the same natively and in wasm32.

/// SplitMix64: a few lines, no dependency, the same numbers on every platform.
pub(super) struct Rng(u64);

pub(super) const STREAM_LABEL: u64 = 1;

pub(super) const STREAM_SITE: u64 = 2;

pub(super) const STREAM_LESION: u64 = 3;

pub(super) const STREAM_BACKGROUND: u64 = 4;

pub(super) const STREAM_NOISE: u64 = 5;

pub(super) fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A well-mixed key from the seed, a stream and an index.
pub(super) fn key(seed: u64, stream: u64, index: u64) -> u64 {
    mix64(mix64(mix64(seed ^ 0x5EED_C0C0_A11B_0A7D).wrapping_add(stream.wrapping_mul(0x9E37_79B9_7F4A_7C15))).wrapping_add(index))
}

impl Rng {
    pub(super) fn new(seed: u64, stream: u64, index: usize) -> Rng {
        Rng(key(seed, stream, index as u64))
    }

    pub(super) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix64(self.0)
    }

    /// Uniform in [0, 1).
    pub(super) fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Approximately standard normal (Irwin–Hall with 4 terms, rescaled: mean 0, variance 1, within ±3.5).
    pub(super) fn gauss(&mut self) -> f64 {
        let s: f64 = (0..4).map(|_| self.uniform()).sum();
        (s - 2.0) * SQRT3
    }

    /// A random unit vector.
    pub(super) fn direction(&mut self) -> [f64; 3] {
        for _ in 0..8 {
            let v = [self.gauss(), self.gauss(), self.gauss()];
            let n = norm(v);
            if n > 1e-3 {
                return v.map(|c| c / n);
            }
        }
        [0.0, 0.0, 1.0]
    }
}

pub(super) const SQRT3: f64 = 1.732_050_807_568_877_2;

pub(super) fn norm(v: [f64; 3]) -> f64 {
    (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt()
}

pub(super) fn dot(a: [f64; 3], b: [f64; 3]) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}
