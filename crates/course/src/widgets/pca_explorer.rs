//! The `pca-explorer` widget: PCA, k-means and feature correlations of a synthetic cohort, optionally with a graded question.

use radlearn_spec::cohort::CohortSpec;
use serde::{Deserialize, Serialize};

#[cfg(feature = "render")]
use super::params::{boolean, check_cohort, check_id, known_keys, one_of, quoted_list, string, whole, COHORT_KEYS};
#[cfg(feature = "render")]
use super::WIDGETS;

/// What a `pca-explorer` exercise can colour its scatter by.
pub const PCA_COLORS: &[&str] = &["label", "site"];

/// The quantities a `pca-explorer` question can ask for. Variances are fractions of the total (from 0 to 1) explained
/// by the first, the second, and the first two principal components; an ARI is the adjusted Rand index between the
/// k-means clusters and the sites or the labels (1: the same partition, about 0: unrelated).
pub const PCA_QUANTITIES: &[&str] = &["pc1-variance", "pc2-variance", "pc12-variance", "kmeans-site-ari", "kmeans-label-ari"];

/// Parameters of the `pca-explorer` widget: PCA, k-means and feature correlations of a synthetic cohort.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PcaExplorerParams {
    /// The cohort.
    pub cohort: CohortSpec,
    /// What colours the scatter first, a name of [`PCA_COLORS`].
    pub color: String,
    /// Number of k-means clusters chosen first, from 2 to 8.
    pub clusters: u32,
    /// Whether the features are standardised (z-scores) before PCA and k-means.
    pub standardise: bool,
    /// A graded question, if any.
    pub check: Option<PcaCheck>,
}

/// A graded question of the `pca-explorer` widget: the student types a quantity that the widget computes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PcaCheck {
    /// Key of the saved answer (unique in the lesson, like quiz ids).
    pub id: String,
    /// The question shown to the student (plain text).
    pub question: String,
    /// The quantity asked for, a name of [`PCA_QUANTITIES`], computed with the exercise's `standardise` and `clusters`.
    pub quantity: String,
    /// Absolute tolerance.
    pub tolerance: f64,
}

impl PcaCheck {
    /// The question as a numeric quiz, given the value the widget computed on the cohort.
    pub fn quiz(&self, computed: f64) -> crate::Quiz {
        super::numeric_quiz(&self.id, computed, self.tolerance)
    }
}

/// Checks the parameters of `pca-explorer`.
#[cfg(feature = "render")]
pub(super) fn check(params: &toml::Table) -> Result<PcaExplorerParams, String> {
    let keys = ["color", "clusters", "standardise", "id", "question", "quantity", "tolerance"];
    known_keys(params, &[COHORT_KEYS, &keys].concat(), &WIDGETS[5])?;
    let cohort = check_cohort(params)?;
    let color = one_of(params, "color", PCA_COLORS, "colouring")?.unwrap_or_else(|| "label".into());
    if color == "site" && cohort.sites == 1 {
        return Err("`color = \"site\"` with one site paints every case the same; set `sites` to 2 or more".into());
    }
    let clusters = whole(params, "clusters", 2, 8, 2)? as u32;
    let standardise = boolean(params, "standardise", true)?;
    let id = string(params, "id")?.map(|s| check_id(&s)).transpose()?;
    let question = string(params, "question")?;
    let quantity = one_of(params, "quantity", PCA_QUANTITIES, "quantity")?;
    let tolerance = match params.get("tolerance") {
        None => None,
        Some(toml::Value::Float(x)) if x.is_finite() && *x >= 0.0 => Some(*x),
        Some(toml::Value::Integer(i)) if *i >= 0 => Some(*i as f64),
        Some(other) => return Err(format!("`tolerance` must be a number, zero or positive (default 0.02), not {other}")),
    };
    let check = match (id, question, quantity) {
        (None, None, None) => {
            if tolerance.is_some() {
                return Err("`tolerance` needs `id`, `question` and `quantity`: it belongs to a graded question".into());
            }
            None
        }
        (Some(id), Some(question), Some(quantity)) => {
            if question.is_empty() {
                return Err("`question` is empty".into());
            }
            if quantity == "kmeans-site-ari" && cohort.sites == 1 {
                return Err(
                    "`quantity = \"kmeans-site-ari\"` needs at least 2 `sites`: with one site there is nothing to agree with".into()
                );
            }
            Some(PcaCheck { id, question, quantity, tolerance: tolerance.unwrap_or(0.02) })
        }
        (None, _, _) => return Err("`id` is missing: a graded question needs one (saved answers are keyed by it)".into()),
        (_, None, _) => return Err("`question` is missing: a graded question needs the text the student answers".into()),
        (_, _, None) => {
            return Err(format!("`quantity` is missing: a graded question asks for one of {}", quoted_list(PCA_QUANTITIES.iter().copied())))
        }
    };
    Ok(PcaExplorerParams { cohort, color, clusters, standardise, check })
}

#[cfg(all(test, feature = "render"))]
mod tests {
    use super::*;
    use crate::widgets::{params::test_support::checked, WidgetParams};

    #[test]
    fn pca_explorer_defaults_overrides_and_a_graded_question() {
        let p = pca_explorer("").unwrap();
        assert_eq!(
            p,
            PcaExplorerParams { cohort: CohortSpec::default(), color: "label".into(), clusters: 2, standardise: true, check: None }
        );
        assert_eq!(WidgetParams::PcaExplorer(p).graded_id(), None);
        let p = pca_explorer(
            "cases = 200\nsite_effect = 2\nsites = 4\ncolor = \"site\"\nclusters = 4\nstandardise = false\n\
             id = \"pc1\"\nquestion = \"What fraction of the variance does PC1 explain?\"\nquantity = \"pc1-variance\"",
        )
        .unwrap();
        assert_eq!((p.cohort.cases, p.cohort.sites, p.cohort.site_effect), (200, 4, 2.0));
        assert_eq!((p.color.as_str(), p.clusters, p.standardise), ("site", 4, false));
        let check = p.check.clone().unwrap();
        assert_eq!(
            check,
            PcaCheck {
                id: "pc1".into(),
                question: "What fraction of the variance does PC1 explain?".into(),
                quantity: "pc1-variance".into(),
                tolerance: 0.02,
            }
        );
        assert_eq!(WidgetParams::PcaExplorer(p).graded_id(), Some("pc1"));
        // The computed value is the answer, within the tolerance.
        let quiz = check.quiz(0.41);
        let grade = |x: f64| quiz.grade(&crate::Response::Numeric(x)).unwrap().correct;
        assert!(grade(0.41) && grade(0.43) && grade(0.39));
        assert!(!grade(0.44) && !grade(41.0));
        let p = pca_explorer("id = \"ari\"\nquestion = \"ARI?\"\nquantity = \"kmeans-site-ari\"\ntolerance = 0.05").unwrap();
        assert_eq!(p.check.unwrap().tolerance, 0.05);
    }

    #[test]
    fn pca_explorer_authoring_errors_name_the_field() {
        let graded = "id = \"a\"\nquestion = \"How much?\"\n";
        let cases = [
            ("cases = 3".to_string(), "`cases` must be a whole number from 10 to 2000"),
            ("site_effect = 3.5".into(), "`site_effect` must be a number from 0 to 3"),
            ("color = \"scanner\"".into(), "`color`: there is no colouring \"scanner\""),
            ("color = true".into(), "`color` has the wrong type"),
            ("sites = 1\ncolor = \"site\"".into(), "set `sites` to 2 or more"),
            ("clusters = 1".into(), "`clusters` must be a whole number from 2 to 8"),
            ("clusters = 9".into(), "`clusters` must be a whole number from 2 to 8"),
            ("standardise = \"yes\"".into(), "`standardise` has the wrong type"),
            ("tolerance = 0.1".into(), "`tolerance` needs `id`, `question` and `quantity`"),
            (format!("{graded}"), "`quantity` is missing"),
            (format!("{graded}quantity = \"pc3-variance\""), "`quantity`: there is no quantity \"pc3-variance\""),
            ("question = \"?\"\nquantity = \"pc1-variance\"".into(), "`id` is missing"),
            ("id = \"a\"\nquantity = \"pc1-variance\"".into(), "`question` is missing"),
            ("id = \"a\"\nquestion = \" \"\nquantity = \"pc1-variance\"".into(), "`question` is empty"),
            ("id = \"PC 1\"\nquestion = \"?\"\nquantity = \"pc1-variance\"".into(), "`id` must be lowercase"),
            (format!("{graded}quantity = \"pc1-variance\"\ntolerance = -0.1"), "`tolerance` must be a number, zero or positive"),
            (format!("{graded}quantity = \"pc1-variance\"\ntolerance = \"2%\""), "`tolerance` must be a number, zero or positive"),
            (format!("sites = 1\n{graded}quantity = \"kmeans-site-ari\""), "`quantity = \"kmeans-site-ari\"` needs at least 2 `sites`"),
            ("model = \"logistic\"".into(), "unknown parameter `model` for widget `pca-explorer`"),
        ];
        for (toml, want) in cases {
            let e = pca_explorer(&toml).unwrap_err();
            assert!(e.contains(want), "{toml:?}: {e}");
        }
    }

    fn pca_explorer(s: &str) -> Result<PcaExplorerParams, String> {
        checked("pca-explorer", s, |p| if let WidgetParams::PcaExplorer(p) = p { Some(p) } else { None })
    }
}
