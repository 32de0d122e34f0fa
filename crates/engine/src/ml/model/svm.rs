//! The support vector classifier (linfa-svm) with Platt scores.

use super::*;

/// A C-SVC with linfa-svm (libsvm's dual problem; linfa's Gaussian kernel is `exp(-||x - x'||² / eps)`, so `eps
/// = 1 / gamma`), with Platt's sigmoid fitted on the training decision values by linfa's Newton method.
pub(super) fn fit_svm(x: ArrayView2<f64>, y: &[bool], c: f64, kernel: Kernel) -> Result<Inner, MlError> {
    let label = ModelSpec::Svm { c, kernel }.label();
    let fail = |message: String| MlError::Fit { model: label, message };
    let ds = linfa::Dataset::new(x.to_owned(), Array1::from(y.to_vec()));
    let params = Svm::<f64, bool>::params().pos_neg_weights(c, c).eps(1e-3);
    let params = match kernel {
        Kernel::Linear => params.linear_kernel(),
        Kernel::Rbf { gamma } => params.gaussian_kernel(1.0 / gamma),
    };
    let svm = params.fit(&ds).map_err(|e| fail(e.to_string()))?;
    let decision: Array1<f64> = x.rows().into_iter().map(|r| svm.weighted_sum(&r) - svm.rho).collect();
    let platt_params = PlattParams::<f64, ()>::default().check().map_err(|e| fail(e.to_string()))?;
    let labels = Array1::from(y.to_vec());
    let platt = platt_newton_method(decision.view(), labels.view(), &platt_params).map_err(|e| {
        fail(format!(
            "its decision values could not be turned into scores (Platt scaling: {e}), because they are all alike or \
             extreme; standardise the features (or rescale the extreme ones), or try another C"
        ))
    })?;
    Ok(match kernel {
        Kernel::Linear => {
            // The hyperplane: the decision value of each unit vector is that feature's weight.
            let p = x.ncols();
            let mut e = Array1::<f64>::zeros(p);
            let mut w = Array1::<f64>::zeros(p);
            for j in 0..p {
                e[j] = 1.0;
                w[j] = svm.weighted_sum(&e);
                e[j] = 0.0;
            }
            Inner::LinearSvm { w, b: -svm.rho, platt }
        }
        Kernel::Rbf { .. } => Inner::KernelSvm { svm: Box::new(svm), platt },
    })
}
