//! The synthetic cohort's parameters ([`CohortSpec`]), their ranges and their check into a [`ValidCohortSpec`].

use std::fmt;

use serde::{Deserialize, Serialize};

/// The most cases a cohort may have.
pub const MAX_CASES: usize = 2000;

/// The fewest cases a cohort may have.
pub const MIN_CASES: usize = 10;

/// The most sites (scanners) a cohort may have.
pub const MAX_SITES: usize = 4;

/// Strongest class difference (`signal`).
pub const MAX_SIGNAL: f64 = 3.0;

/// Largest scanner difference (`site_effect`).
pub const MAX_SITE_EFFECT: f64 = 3.0;

/// What cohort to make.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CohortSpec {
    /// Number of cases, [`MIN_CASES`] to [`MAX_CASES`].
    pub cases: usize,
    /// The seed: the same spec gives the same cohort.
    pub seed: u64,
    /// Fraction of malignant cases, in (0, 1); the cohort has exactly `round(cases * prevalence)` of them, and at
    /// least 2 cases of each class.
    pub prevalence: f64,
    /// Strength of the difference between the classes in the images, 0 to 3: 0 = none (the labels are independent
    /// of the images), 1 = the default (clear but overlapping).
    pub signal: f64,
    /// Number of sites (scanners), 1 to [`MAX_SITES`].
    pub sites: usize,
    /// 0 to 1: the fraction of cases sent to a site by their label (malignant to site A, benign to the others);
    /// the rest are spread evenly over the sites.
    pub site_label_correlation: f64,
    /// 0 to 3: how much the scanners differ (0 = identical scanners, 1 = the default differences of the engine's `ml::cohort::scanners`).
    pub site_effect: f64,
}

impl Default for CohortSpec {
    fn default() -> Self {
        CohortSpec { cases: 100, seed: 1, prevalence: 0.5, signal: 1.0, sites: 3, site_label_correlation: 0.0, site_effect: 1.0 }
    }
}

/// Why a cohort could not be made.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum CohortError {
    /// A field of the [`CohortSpec`] is out of range; the message names it and its value.
    Invalid(String),
    /// The progress callback asked to stop.
    Cancelled,
    /// Feature extraction failed on a case.
    Extraction {
        /// The case's id.
        case: String,
        /// What went wrong.
        message: String,
    },
}

impl fmt::Display for CohortError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CohortError::Invalid(m) => write!(f, "the cohort cannot be made: {m}"),
            CohortError::Cancelled => write!(f, "making the cohort was cancelled"),
            CohortError::Extraction { case, message } => write!(f, "feature extraction failed on {case}: {message}"),
        }
    }
}

impl std::error::Error for CohortError {}

impl CohortSpec {
    /// The number of malignant cases: `round(cases * prevalence)`.
    pub fn positives(&self) -> usize {
        ((self.cases as f64 * self.prevalence).round().max(0.0) as usize).min(self.cases)
    }

    /// Checks every field; the error names the first bad one and its value.
    pub fn check(self) -> Result<ValidCohortSpec, CohortError> {
        self.check_ranges()?;
        Ok(ValidCohortSpec(self))
    }

    fn check_ranges(&self) -> Result<(), CohortError> {
        let bad = |m: String| Err(CohortError::Invalid(m));
        if !(MIN_CASES..=MAX_CASES).contains(&self.cases) {
            return bad(format!("cases should be between {MIN_CASES} and {MAX_CASES}, but is {}", self.cases));
        }
        if !(self.prevalence.is_finite() && self.prevalence > 0.0 && self.prevalence < 1.0) {
            return bad(format!("prevalence should be between 0 and 1 (exclusive), but is {}", self.prevalence));
        }
        let k = self.positives();
        if k < 2 || self.cases - k < 2 {
            return bad(format!(
                "prevalence {} gives {k} malignant and {} benign cases out of {}; each class needs at least 2 (change the prevalence or add cases)",
                self.prevalence,
                self.cases - k,
                self.cases
            ));
        }
        if !(self.signal.is_finite() && (0.0..=MAX_SIGNAL).contains(&self.signal)) {
            return bad(format!("signal should be between 0 and {MAX_SIGNAL}, but is {}", self.signal));
        }
        if !(1..=MAX_SITES).contains(&self.sites) {
            return bad(format!("sites should be between 1 and {MAX_SITES}, but is {}", self.sites));
        }
        if !(self.site_label_correlation.is_finite() && (0.0..=1.0).contains(&self.site_label_correlation)) {
            return bad(format!("site_label_correlation should be between 0 and 1, but is {}", self.site_label_correlation));
        }
        if !(self.site_effect.is_finite() && (0.0..=MAX_SITE_EFFECT).contains(&self.site_effect)) {
            return bad(format!("site_effect should be between 0 and {MAX_SITE_EFFECT}, but is {}", self.site_effect));
        }
        Ok(())
    }
}

/// A [`CohortSpec`] whose fields are in range, made only by [`CohortSpec::check`]: what the engine's `ml::cohort::generate` takes, so that
/// it does not check again. Reads as the spec it holds (`Deref`).
#[derive(Debug, Clone, PartialEq)]
pub struct ValidCohortSpec(CohortSpec);

impl ValidCohortSpec {
    /// The checked spec.
    pub fn spec(&self) -> &CohortSpec {
        &self.0
    }
}

impl std::ops::Deref for ValidCohortSpec {
    type Target = CohortSpec;

    fn deref(&self) -> &CohortSpec {
        &self.0
    }
}
