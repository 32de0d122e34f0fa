//! Logistic regression: L2 with linfa-logistic, L1 and elastic net by a proximal gradient written here.

use super::*;

pub(super) fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

/// L2 logistic regression with linfa-logistic (L-BFGS). linfa minimises `Σ log-loss + alpha/2 ||w||²` (a sum over
/// cases, not a mean, and the intercept is not penalised), and scikit-learn `C Σ log-loss + ||w||²/2`: dividing
/// by `C` shows they are the same problem with `alpha = 1 / C`.
pub(super) fn fit_logistic_l2(x: ArrayView2<f64>, y: &[bool], c: f64) -> Result<Inner, MlError> {
    let ds = linfa::DatasetBase::new(x, Array1::from(y.to_vec()));
    let n = y.len() as f64;
    let model = LogisticRegression::default()
        .alpha(1.0 / c)
        // linfa's gradient is of the summed loss: 1e-6 per case is scikit-learn's default precision or better.
        .gradient_tolerance(1e-6 * n)
        .max_iterations(500)
        .fit(&ds)
        .map_err(|e| MlError::Fit { model: "Logistic regression", message: e.to_string() })?;
    // linfa labels the more frequent class as its "positive" one: turn the model round when that is `false`.
    let sign = if model.labels().pos.class { 1.0 } else { -1.0 };
    let (w, b) = (model.params() * sign, model.intercept() * sign);
    // linfa returns L-BFGS's best point even when it stopped at the iteration limit, without saying so: check the
    // gradient of the objective (C Σ log-loss + ||w||²/2, over C) at that point. 1e-3 per case is a thousand times
    // looser than the tolerance asked for, so only a fit that truly did not get there is refused.
    let z = x.dot(&w) + b;
    let r: Array1<f64> = z.iter().zip(y).map(|(&zi, &yi)| sigmoid(zi) - if yi { 1.0 } else { 0.0 }).collect();
    let grad = x.t().dot(&r) + &(&w / c);
    let norm = (grad.dot(&grad) + r.sum().powi(2)).sqrt();
    if norm.is_nan() || norm > 1e-3 * n {
        return Err(MlError::Fit {
            model: "Logistic regression",
            message: format!(
                "the solver did not converge in 500 iterations (gradient {norm:.2e}); standardise the features, or use a \
                 smaller C"
            ),
        });
    }
    Ok(Inner::Logistic { w, b })
}

/// Logistic regression with an L1 or elastic-net penalty, by accelerated proximal gradient (FISTA with restarts).
/// Written here because linfa has no L1 logistic regression (linfa-logistic is L2 only; linfa-elasticnet fits a
/// squared-error loss). The objective is scikit-learn's (`saga` solver): `C Σ log-loss + r ||w||₁ + (1 - r)/2
/// ||w||²`, divided by `C n` here so that the step size does not depend on the number of cases.
pub(super) fn fit_logistic_prox(x: ArrayView2<f64>, y: &[bool], c: f64, l1_ratio: f64) -> Result<Inner, MlError> {
    let (n, p) = x.dim();
    let nf = n as f64;
    let l1 = l1_ratio / (c * nf);
    let l2 = (1.0 - l1_ratio) / (c * nf);
    let s: Array1<f64> = y.iter().map(|&v| if v { 1.0 } else { -1.0 }).collect();
    // Lipschitz constant of the smooth part's gradient: ||[X 1]||₂² / (4 n) + l2, ||.||₂ by power iteration.
    let (mut v, mut v0) = (Array1::from_elem(p, 1.0 / ((p + 1) as f64).sqrt()), 1.0 / ((p + 1) as f64).sqrt());
    let mut sigma2 = 0.0;
    for _ in 0..50 {
        let xv = x.dot(&v) + v0;
        let (w, w0) = (x.t().dot(&xv), xv.sum());
        let norm = (w.dot(&w) + w0 * w0).sqrt();
        if norm == 0.0 {
            break;
        }
        sigma2 = norm;
        v = w / norm;
        v0 = w0 / norm;
    }
    let lipschitz = sigma2 / (4.0 * nf) + l2 + 1e-12;
    let step = 1.0 / lipschitz;
    let objective_grad = |w: &Array1<f64>, b: f64| -> (Array1<f64>, f64) {
        let z = x.dot(w) + b;
        // d/dz log(1 + exp(-s z)) = -s sigmoid(-s z)
        let r: Array1<f64> = z.iter().zip(s.iter()).map(|(&zi, &si)| -si * sigmoid(-si * zi) / nf).collect();
        (x.t().dot(&r) + &(w * l2), r.sum())
    };
    let prox = |v: f64| (v.abs() - step * l1).max(0.0) * v.signum();
    let (mut w, mut b) = (Array1::<f64>::zeros(p), 0.0);
    let (mut yw, mut yb) = (w.clone(), b);
    let mut t = 1.0_f64;
    let mut converged = false;
    for _ in 0..PROX_ITERATIONS {
        let (g, gb) = objective_grad(&yw, yb);
        let w_new: Array1<f64> = (&yw - &(&g * step)).mapv(prox);
        let b_new = yb - step * gb;
        let change = w_new.iter().zip(w.iter()).map(|(a, c)| (a - c).abs()).fold((b_new - b).abs(), f64::max);
        let scale = w_new.iter().fold(b_new.abs(), |m, v| m.max(v.abs()));
        // Restart the momentum when it points uphill (O'Donoghue and Candès).
        let uphill = (&yw - &w_new).dot(&(&w_new - &w)) + (yb - b_new) * (b_new - b) > 0.0;
        let t_new = if uphill { 1.0 } else { (1.0 + (1.0 + 4.0 * t * t).sqrt()) / 2.0 };
        let momentum = if uphill { 0.0 } else { (t - 1.0) / t_new };
        yw = &w_new + &((&w_new - &w) * momentum);
        yb = b_new + momentum * (b_new - b);
        w = w_new;
        b = b_new;
        t = t_new;
        if change <= 1e-8 * (1.0 + scale) {
            converged = true;
            break;
        }
        if !change.is_finite() {
            break;
        }
    }
    if !converged {
        let model =
            ModelSpec::Logistic { c, penalty: if l1_ratio == 1.0 { Penalty::L1 } else { Penalty::ElasticNet { l1_ratio } } }.label();
        return Err(MlError::Fit {
            model,
            message: format!(
                "the proximal gradient solver did not converge in {PROX_ITERATIONS} iterations; standardise the features, or \
                 use a smaller C"
            ),
        });
    }
    Ok(Inner::Logistic { w, b })
}

/// The most steps of the L1 / elastic-net solver.
pub(super) const PROX_ITERATIONS: usize = 20_000;
