//! Cubic B-spline interpolation (IBSI "tricubic spline", used by configuration E of the CT phantom).
//!
//! A cubic spline through the samples `s[k]` is `f(x) = Σ_k c[k] β³(x - k)`, where `β³` is the centred cubic
//! B-spline. Unlike cubic convolution (Keys), the coefficients `c` are not the samples: they solve
//! `s[k] = (c[k-1] + 4 c[k] + c[k+1]) / 6`, which a pair of first-order recursive filters (one causal, one
//! anti-causal) with the pole `z = √3 - 2` inverts exactly ("prefiltering"). The image is extended by mirror
//! symmetry about its first and last samples, the usual boundary for splines, so a constant image stays constant.
//! In three dimensions the spline is the tensor product: prefilter along x, y and z in turn, then evaluate with
//! the separable weights `β³(x - i) β³(y - j) β³(z - k)` on the 4 x 4 x 4 coefficients around the point.
//!
//! Hand-written rather than taken from a crate: it is a few dozen lines that follow the textbook definition (the
//! course explains it next to nearest, linear and cubic convolution), it must share the IBSI centred grid and the
//! separable passes of [`crate::radiomics::preprocess`], and it has to build for wasm32 with no dependency.

/// The pole of the cubic B-spline prefilter, `√3 - 2`.
const POLE: f64 = -0.267_949_192_431_122_7;

/// The centred cubic B-spline `β³(t)`.
pub fn bspline3(t: f64) -> f64 {
    let t = t.abs();
    if t < 1.0 {
        2.0 / 3.0 - t * t + 0.5 * t * t * t
    } else if t < 2.0 {
        let u = 2.0 - t;
        u * u * u / 6.0
    } else {
        0.0
    }
}

/// Index `k` of an infinite line mirrored about samples 0 and `n - 1` (whole-sample symmetry, period `2n - 2`).
fn mirror(k: i64, n: usize) -> usize {
    if n <= 1 {
        return 0;
    }
    let period = 2 * (n as i64 - 1);
    let m = k.rem_euclid(period);
    (if m < n as i64 { m } else { period - m }) as usize
}

/// Source indices and weights of the spline at coordinate `x` (in source voxels) along an axis of `n` samples.
pub fn weights(n: usize, x: f64) -> Vec<(usize, f64)> {
    let f = x.floor();
    (-1..=2).map(|d| (mirror(f as i64 + d, n), bspline3(x - (f + d as f64)))).collect()
}

/// Turns samples into spline coefficients along one line, in place (mirror boundary).
fn prefilter_line(c: &mut [f64]) {
    let n = c.len();
    if n < 2 {
        return;
    }
    let z = POLE;
    // Overall gain (1 - z)(1 - 1/z) = 6.
    for v in c.iter_mut() {
        *v *= 6.0;
    }
    // Causal initialisation: c+[0] = Σ_k z^|k| s[k] over the mirrored line. Far-away terms vanish (|z|^24 < 1e-13),
    // so long lines use a truncated sum; short lines the exact sum over one period.
    let horizon = 24;
    if n > horizon {
        let mut zk = 1.0;
        let mut sum = 0.0;
        for &v in c.iter().take(horizon) {
            sum += zk * v;
            zk *= z;
        }
        c[0] = sum;
    } else {
        let zn = z.powi(n as i32 - 1);
        let z2n = zn * zn;
        let mut sum = c[0] + zn * c[n - 1];
        let (mut zk, mut zr) = (z, zn * zn / z);
        for &v in &c[1..n - 1] {
            sum += (zk + zr) * v;
            zk *= z;
            zr /= z;
        }
        c[0] = sum / (1.0 - z2n);
    }
    for k in 1..n {
        c[k] += z * c[k - 1];
    }
    // Anti-causal initialisation for the mirror boundary, then the backward recursion.
    c[n - 1] = (z / (z * z - 1.0)) * (c[n - 1] + z * c[n - 2]);
    for k in (0..n - 1).rev() {
        c[k] = z * (c[k + 1] - c[k]);
    }
}

/// Spline coefficients of a volume (`dims`, x fastest): the samples prefiltered along every axis with more than one
/// voxel. Interpolating the coefficients with [`weights`] gives back the samples at integer coordinates.
pub fn prefilter(data: &[f32], dims: [usize; 3]) -> Vec<f32> {
    let [nx, ny, nz] = dims;
    let mut c: Vec<f64> = data.iter().map(|&v| f64::from(v)).collect();
    if c.len() != nx * ny * nz {
        return data.to_vec();
    }
    let stride = [1, nx, nx * ny];
    let mut line = Vec::new();
    for (axis, &n) in dims.iter().enumerate() {
        if n < 2 {
            continue;
        }
        let s = stride[axis];
        // Every line along `axis` starts at an index whose coordinate along `axis` is 0.
        for start in 0..c.len() {
            if (start / s) % n != 0 {
                continue;
            }
            line.clear();
            line.extend((0..n).map(|k| c[start + k * s]));
            prefilter_line(&mut line);
            for (k, &v) in line.iter().enumerate() {
                c[start + k * s] = v;
            }
        }
    }
    c.into_iter().map(|v| v as f32).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eval(coeffs: &[f32], x: f64) -> f64 {
        weights(coeffs.len(), x).iter().map(|&(i, w)| f64::from(coeffs[i]) * w).sum()
    }

    #[test]
    fn kernel_partition_of_unity_and_values() {
        assert!((bspline3(0.0) - 2.0 / 3.0).abs() < 1e-15);
        assert!((bspline3(1.0) - 1.0 / 6.0).abs() < 1e-15);
        assert_eq!(bspline3(2.0), 0.0);
        for t in [0.0, 0.1, 0.37, 0.5, 0.99] {
            let sum: f64 = (-1..=2).map(|d| bspline3(t - f64::from(d))).sum();
            assert!((sum - 1.0).abs() < 1e-12, "{t}");
        }
        assert_eq!([-1, 0, 3, 4, 5, 7, 8].map(|k| mirror(k, 5)), [1, 0, 3, 4, 3, 1, 0]);
        assert_eq!(mirror(-3, 1), 0);
    }

    #[test]
    fn interpolates_the_samples_and_reproduces_polynomials() {
        // Short (exact initialisation) and long (truncated) lines.
        for n in [2usize, 3, 7, 40, 100] {
            let samples: Vec<f32> = (0..n).map(|k| ((k * 37 % 11) as f32 - 5.0) * 10.0).collect();
            let c = prefilter(&samples, [n, 1, 1]);
            for (k, &s) in samples.iter().enumerate() {
                assert!((eval(&c, k as f64) - f64::from(s)).abs() < 1e-3, "n {n} k {k}");
            }
        }
        // A cubic spline reproduces a straight line exactly away from the mirrored ends.
        let samples: Vec<f32> = (0..60).map(|k| 3.0 * k as f32 - 20.0).collect();
        let c = prefilter(&samples, [60, 1, 1]);
        for x in [10.25, 20.5, 33.75] {
            assert!((eval(&c, x) - (3.0 * x - 20.0)).abs() < 1e-3, "{x}");
        }
        // A constant volume stays constant everywhere, including past the edges.
        let c = prefilter(&[7.0; 24], [4, 3, 2]);
        assert!(c.iter().all(|&v| (v - 7.0).abs() < 1e-5));
        // Through the resampler: same spacing gives the image back; a finer grid follows a ramp inside the image.
        use crate::radiomics::preprocess::{resample_image, Interpolation};
        use crate::{Geometry, LoadOptions, Volume};
        let g = Geometry::new([30, 20, 10], [1.0, 1.5, 3.0]);
        let ramp = |x: f64, y: f64, z: f64| 2.0 * x - 3.0 * y + 0.5 * z;
        let data = (0..6000).map(|i| ramp((i % 30) as f64, ((i / 30) % 20) as f64, (i / 600) as f64) as f32).collect();
        let v = Volume::new(g, data).expect("6000 voxels");
        let same = resample_image(&v, [1.0, 1.5, 3.0], Interpolation::CubicSpline, false, &LoadOptions::default()).expect("resampled");
        assert!(same.data.iter().zip(&v.data).all(|(a, b)| (a - b).abs() < 1e-3));
        let fine = resample_image(&v, [0.5, 0.75, 1.5], Interpolation::CubicSpline, false, &LoadOptions::default()).expect("resampled");
        assert_eq!(fine.geometry.dims, [60, 40, 20]);
        // New voxel (i, j, k) sits at original coordinate (-0.25 + i/2, ...); check well inside the image.
        let at = |i: usize, j: usize, k: usize| f64::from(fine.data[i + 60 * (j + 40 * k)]);
        for (i, j, k) in [(20, 15, 8), (31, 20, 11), (40, 24, 9)] {
            let (x, y, z) = (-0.25 + i as f64 / 2.0, -0.25 + j as f64 / 2.0, -0.25 + k as f64 / 2.0);
            assert!((at(i, j, k) - ramp(x, y, z)).abs() < 1e-3, "({i}, {j}, {k}): {} vs {}", at(i, j, k), ramp(x, y, z));
        }
        // A mask resampled on its own grid stays the same mask.
        let m =
            crate::LabelMap::new(Geometry::new([6, 6, 6], [1.0; 3]), (0..216).map(|i| u8::from(i % 6 > 1 && (i / 6) % 6 < 4)).collect())
                .expect("mask");
        let same = crate::radiomics::preprocess::resample_mask(&m, [1.0; 3], Interpolation::CubicSpline, 0.5, &LoadOptions::default())
            .expect("resampled");
        assert_eq!(same.data, m.data);
        // Between samples the spline differs from linear interpolation: a peak overshoots the chord.
        let c = prefilter(&[0.0, 0.0, 1.0, 0.0, 0.0], [5, 1, 1]);
        assert!(eval(&c, 1.5) > 0.5);
    }
}
