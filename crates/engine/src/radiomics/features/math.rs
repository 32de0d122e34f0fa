//! Small numeric helpers shared by the families.

/// Eigenvalues of a symmetric 3x3 matrix, largest first, by cyclic Jacobi rotations. Hand-written: about thirty
/// lines, exact to rounding for the covariance matrices of morphology, where a linear algebra crate would be out of
/// proportion.
pub(crate) fn sym3_eigenvalues(m: [[f64; 3]; 3]) -> [f64; 3] {
    let mut a = m;
    for _sweep in 0..64 {
        let off = a[0][1] * a[0][1] + a[0][2] * a[0][2] + a[1][2] * a[1][2];
        let scale = a[0][0] * a[0][0] + a[1][1] * a[1][1] + a[2][2] * a[2][2];
        if off <= 1e-30 * scale.max(1e-300) {
            break;
        }
        for (p, q) in [(0, 1), (0, 2), (1, 2)] {
            if a[p][q] == 0.0 {
                continue;
            }
            let theta = (a[q][q] - a[p][p]) / (2.0 * a[p][q]);
            let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
            let t = if theta == 0.0 { 1.0 } else { t };
            let c = 1.0 / (t * t + 1.0).sqrt();
            let s = t * c;
            // a <- J^T a J with the rotation J in the (p, q) plane.
            for row in a.iter_mut() {
                let (akp, akq) = (row[p], row[q]);
                row[p] = c * akp - s * akq;
                row[q] = s * akp + c * akq;
            }
            let (rp, rq) = (a[p], a[q]);
            for k in 0..3 {
                a[p][k] = c * rp[k] - s * rq[k];
                a[q][k] = s * rp[k] + c * rq[k];
            }
        }
    }
    let mut e = [a[0][0], a[1][1], a[2][2]];
    e.sort_by(|x, y| y.total_cmp(x));
    e
}

/// Percentile `q` (0..=1) of sorted values by linear interpolation between closest ranks.
pub(crate) fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let pos = q * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

/// `-sum p log2 p` over positive `p`.
pub(crate) fn entropy(p: impl IntoIterator<Item = f64>) -> f64 {
    -p.into_iter().filter(|&v| v > 0.0).map(|v| v * v.log2()).sum::<f64>()
}

/// Surface area of an ellipsoid with semi-axes `a >= b >= c`, by the Legendre series of the IBSI manual (20 terms).
pub(crate) fn ellipsoid_area(a: f64, b: f64, c: f64) -> f64 {
    let alpha = (1.0 - (b * b) / (a * a)).max(0.0).sqrt();
    let beta = (1.0 - (c * c) / (a * a)).max(0.0).sqrt();
    let ab = alpha * beta;
    if ab == 0.0 {
        // Sphere or spheroid limit: only the nu = 0 term survives.
        return 4.0 * std::f64::consts::PI * a * b;
    }
    let x = (alpha * alpha + beta * beta) / (2.0 * ab);
    // Legendre polynomials by the three-term recurrence.
    let (mut p_prev, mut p) = (1.0, x);
    let mut sum = 1.0; // nu = 0: (ab)^0 / (1 - 0) * P0
    let mut pow = 1.0;
    for nu in 1..=20 {
        pow *= ab;
        let pn = if nu == 1 { p } else { ((2 * nu - 1) as f64 * x * p - (nu - 1) as f64 * p_prev) / nu as f64 };
        if nu >= 2 {
            p_prev = p;
            p = pn;
        }
        sum += pow / (1.0 - 4.0 * (nu * nu) as f64) * pn;
    }
    4.0 * std::f64::consts::PI * a * b * sum
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eigenvalues_of_a_known_matrix() {
        let e = sym3_eigenvalues([[2.0, 1.0, 0.0], [1.0, 2.0, 0.0], [0.0, 0.0, 5.0]]);
        assert!((e[0] - 5.0).abs() < 1e-12 && (e[1] - 3.0).abs() < 1e-12 && (e[2] - 1.0).abs() < 1e-12, "{e:?}");
    }

    #[test]
    fn sphere_area() {
        let a = ellipsoid_area(2.0, 2.0, 2.0);
        assert!((a - 16.0 * std::f64::consts::PI).abs() < 1e-9);
    }

    #[test]
    fn percentiles_interpolate() {
        assert_eq!(percentile(&[1.0, 2.0, 3.0, 4.0], 0.5), 2.5);
    }
}
