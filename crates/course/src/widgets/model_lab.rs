//! The `model-lab` widget: a model cross-validated on a synthetic cohort, optionally graded by nested cross-validation.

use radlearn_spec::cohort::CohortSpec;
use radlearn_spec::model::ModelKind;
use serde::{Deserialize, Serialize};

#[cfg(feature = "render")]
use super::params::{boolean, check_cohort, check_id, known_keys, quoted_list, string, whole, COHORT_KEYS};
#[cfg(feature = "render")]
use super::WIDGETS;

/// Parameters of the `model-lab` widget: one model evaluated by stratified k-fold cross-validation on a synthetic cohort.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelLabParams {
    /// The cohort (the author's: the student changes the model and its evaluation, not the data).
    pub cohort: CohortSpec,
    /// The model chosen first, one of `models`.
    pub model: ModelKind,
    /// The models the student may pick from, in the order of [`ModelKind::ALL`].
    pub models: Vec<ModelKind>,
    /// Number of cross-validation folds, from 2 to 10 (each class has at least this many cases).
    pub folds: u32,
    /// Feature selection chosen first: keep the `k` best features (fitted inside each training fold, or on all cases
    /// with the leaky switch on); `None`: all features. A `k` above the number of features keeps them all.
    pub select: Option<u32>,
    /// Whether the "leaky" switch is shown: fit the scaler and the feature selection on all cases before the folds.
    pub leaky: bool,
    /// The grading, if any.
    pub check: Option<ModelCheck>,
}

impl ModelLabParams {
    /// Whether the student may pick `model`.
    pub fn allows(&self, model: ModelKind) -> bool {
        self.models.contains(&model)
    }
}

/// The grading of a `model-lab` exercise: the AUC estimated by nested cross-validation (the model's hyperparameter
/// tuned inside each outer training fold) must reach a target. The app grades the student's first nested run, once:
/// plain cross-validations are practice, since keeping the best of many runs is itself an optimistic choice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelCheck {
    /// Key of the saved result (unique in the lesson, like quiz ids).
    pub id: String,
    /// The lowest nested cross-validation AUC that passes, in `[0, 1]`.
    pub target_auc: f64,
    /// Whether only honest runs count: a run with the leaky switch on is not graded.
    pub honest: bool,
}

impl ModelCheck {
    /// Whether a run counts for grading: any run if the check is not `honest`, otherwise only runs without leakage.
    pub fn counts(&self, leaky: bool) -> bool {
        !(self.honest && leaky)
    }

    /// The check as a numeric quiz whose answer is the nested cross-validation AUC: correct from `target_auc` to 1.
    /// Grade only the runs that [`ModelCheck::counts`].
    pub fn quiz(&self) -> crate::Quiz {
        super::numeric_quiz(&self.id, (1.0 + self.target_auc) / 2.0, (1.0 - self.target_auc) / 2.0)
    }
}

/// Checks the parameters of `model-lab`.
#[cfg(feature = "render")]
pub(super) fn check(params: &toml::Table) -> Result<ModelLabParams, String> {
    let keys = ["model", "models", "folds", "select", "leaky", "id", "target_auc", "honest"];
    known_keys(params, &[COHORT_KEYS, &keys].concat(), &WIDGETS[4])?;
    let cohort = check_cohort(params)?;
    let parse = |key: &str, m: &str| {
        m.parse::<ModelKind>().map_err(|_| format!("`{key}`: there is no model \"{m}\"; use one of {}", ModelKind::id_list()))
    };
    let models: Vec<ModelKind> = match params.get("models") {
        None => ModelKind::ALL.to_vec(),
        Some(toml::Value::Array(items)) => {
            let mut kinds = Vec::new();
            for item in items {
                match item {
                    toml::Value::String(m) => kinds.push(parse("models", m)?),
                    other => return Err(format!("`models`: expected model names as strings, found {other}")),
                }
            }
            if kinds.is_empty() {
                return Err("`models` is empty; list at least one model or leave the key out (all models)".into());
            }
            // In the Model Lab's order, each once.
            ModelKind::ALL.into_iter().filter(|k| kinds.contains(k)).collect()
        }
        Some(other) => return Err(format!("`models` has the wrong type ({}); expected a list of model names", other.type_str())),
    };
    let model = match string(params, "model") {
        Ok(Some(m)) => match parse("model", &m)? {
            k if models.contains(&k) => k,
            k => {
                let offered: Vec<&str> = models.iter().map(|m| m.id()).collect();
                return Err(format!(
                    "`model`: \"{k}\" is not among `models`; add it there or choose one of {}",
                    quoted_list(offered.into_iter())
                ));
            }
        },
        Ok(None) if models.contains(&ModelKind::Logistic) => ModelKind::Logistic,
        Ok(None) => models[0],
        Err(_) => return Err(format!("`model` has the wrong type; expected a string, one of {}", ModelKind::id_list())),
    };
    let folds = whole(params, "folds", 2, 10, 5)? as u32;
    let rarer = (cohort.cases as f64 * cohort.prevalence.min(1.0 - cohort.prevalence)).floor();
    if rarer < f64::from(folds) {
        return Err(format!(
            "`folds`: stratified {folds}-fold cross-validation needs at least {folds} cases of each class, but {} cases with \
             prevalence {} have only about {rarer} of the rarer class; use more `cases`, a `prevalence` nearer 0.5 or fewer `folds`",
            cohort.cases, cohort.prevalence
        ));
    }
    let select = match params.get("select") {
        None => None,
        Some(toml::Value::Integer(k)) if (1..=i64::from(u32::MAX)).contains(k) => Some(*k as u32),
        Some(other) => return Err(format!("`select` must be a whole number of features to keep, 1 or more (e.g. 10), not {other}")),
    };
    let leaky = boolean(params, "leaky", true)?;
    let id = string(params, "id")?.map(|s| check_id(&s)).transpose()?;
    let target = match params.get("target_auc") {
        None => None,
        Some(toml::Value::Float(x)) if (0.0..=1.0).contains(x) => Some(*x),
        Some(toml::Value::Integer(i)) if (0..=1).contains(i) => Some(*i as f64),
        Some(other) => return Err(format!("`target_auc` must be a number from 0 to 1 (e.g. 0.8), not {other}")),
    };
    let honest = boolean(params, "honest", true)?;
    let check = match (id, target) {
        (Some(id), Some(target_auc)) => Some(ModelCheck { id, target_auc, honest }),
        (None, None) if params.contains_key("honest") => {
            return Err("`honest` needs `id` and `target_auc`: it says which runs of a graded exercise count".into())
        }
        (None, None) => None,
        (Some(_), None) => {
            return Err("`target_auc` is missing: a graded model needs the nested cross-validation AUC to reach (e.g. 0.8)".into())
        }
        (None, Some(_)) => return Err("`id` is missing: a graded model needs one (saved results are keyed by it)".into()),
    };
    Ok(ModelLabParams { cohort, model, models, folds, select, leaky, check })
}

#[cfg(all(test, feature = "render"))]
mod tests {
    use super::*;
    use crate::widgets::{params::test_support::checked, WidgetParams};

    #[test]
    fn model_lab_defaults_and_overrides() {
        let p = model_lab("").unwrap();
        assert_eq!(
            p,
            ModelLabParams {
                cohort: CohortSpec::default(),
                model: ModelKind::Logistic,
                models: ModelKind::ALL.to_vec(),
                folds: 5,
                select: None,
                leaky: true,
                check: None,
            }
        );
        // The engine's defaults: one set of cohort parameters for lessons, the Model Lab and the command line.
        assert_eq!(
            p.cohort,
            CohortSpec { cases: 100, seed: 1, signal: 1.0, sites: 3, site_label_correlation: 0.0, site_effect: 1.0, prevalence: 0.5 }
        );
        assert_eq!(WidgetParams::ModelLab(p).graded_id(), None);
        let p = model_lab(
            "cases = 60\nseed = 7\nsignal = 0\nsites = 2\nsite_label_correlation = 0.5\nsite_effect = 2\nprevalence = 0.3\n\
             models = [\"knn\", \"logistic\", \"knn\"]\nfolds = 3\nselect = 10\nleaky = false",
        )
        .unwrap();
        assert_eq!(
            p.cohort,
            CohortSpec { cases: 60, seed: 7, signal: 0.0, sites: 2, site_label_correlation: 0.5, site_effect: 2.0, prevalence: 0.3 }
        );
        // Models come back in the Model Lab's order, once each; the first model is logistic when it is offered.
        assert_eq!(p.models, [ModelKind::Logistic, ModelKind::Knn]);
        assert_eq!((p.model, p.folds, p.select, p.leaky), (ModelKind::Logistic, 3, Some(10), false));
        assert!(p.allows(ModelKind::Knn) && !p.allows(ModelKind::Forest));
        // Without logistic among the models, the first one offered.
        assert_eq!(model_lab("models = [\"tree\", \"forest\"]").unwrap().model, ModelKind::Tree);
        assert_eq!(model_lab("model = \"forest\"\nmodels = [\"tree\", \"forest\"]").unwrap().model, ModelKind::Forest);
    }

    #[test]
    fn model_lab_grading_counts_only_honest_runs() {
        let p = model_lab("signal = 1\nid = \"honest-auc\"\ntarget_auc = 0.8").unwrap();
        let check = p.check.clone().unwrap();
        assert_eq!(check, ModelCheck { id: "honest-auc".into(), target_auc: 0.8, honest: true });
        assert_eq!(WidgetParams::ModelLab(p).graded_id(), Some("honest-auc"));
        assert!(check.counts(false) && !check.counts(true), "an honest check ignores leaky runs");
        // Graded as a numeric quiz: any AUC from the target to 1 passes.
        let quiz = check.quiz();
        let grade = |auc: f64| quiz.grade(&crate::Response::Numeric(auc)).unwrap().correct;
        assert!(grade(0.8) && grade(0.87) && grade(1.0));
        assert!(!grade(0.799) && !grade(0.5));
        let any = model_lab("id = \"any-auc\"\ntarget_auc = 1\nhonest = false").unwrap().check.unwrap();
        assert!(any.counts(true) && any.counts(false));
        assert_eq!(any.target_auc, 1.0);
    }

    #[test]
    fn model_lab_authoring_errors_name_the_field() {
        let cases = [
            ("cases = 5", "`cases` must be a whole number from 10 to 2000"),
            ("cases = 2001", "`cases` must be a whole number from 10 to 2000"),
            ("cases = 100.5", "`cases` must be a whole number"),
            ("seed = -1", "`seed` must be a whole number from 0"),
            ("signal = 3.5", "`signal` must be a number from 0 to 3"),
            ("signal = \"strong\"", "`signal` must be a number from 0 to 3"),
            ("sites = 0", "`sites` must be a whole number from 1 to 4"),
            ("sites = 5", "`sites` must be a whole number from 1 to 4"),
            ("site_label_correlation = 1.2", "`site_label_correlation` must be a number from 0 to 1"),
            ("sites = 1\nsite_label_correlation = 0.5", "`site_label_correlation` needs at least 2 `sites`"),
            ("site_effect = -0.5", "`site_effect` must be a number from 0 to 3"),
            ("prevalence = 0", "`prevalence` must be a number strictly between 0 and 1"),
            ("prevalence = 1", "`prevalence` must be a number strictly between 0 and 1"),
            ("prevalence = nan", "`prevalence` must be a number strictly between 0 and 1"),
            ("model = \"lasso\"", "`model`: there is no model \"lasso\""),
            ("model = 1", "`model` has the wrong type"),
            ("model = \"svm-rbf\"\nmodels = [\"logistic\"]", "`model`: \"svm-rbf\" is not among `models`"),
            ("models = [\"deep\"]", "`models`: there is no model \"deep\""),
            ("models = []", "`models` is empty"),
            ("models = \"knn\"", "`models` has the wrong type"),
            ("models = [3]", "`models`: expected model names"),
            ("folds = 1", "`folds` must be a whole number from 2 to 10"),
            ("folds = 11", "`folds` must be a whole number from 2 to 10"),
            ("cases = 20\nprevalence = 0.1\nfolds = 5", "`folds`: stratified 5-fold cross-validation needs at least 5 cases of each class"),
            ("select = 0", "`select` must be a whole number of features to keep"),
            ("select = \"all\"", "`select` must be a whole number of features to keep"),
            ("leaky = \"no\"", "`leaky` has the wrong type"),
            ("id = \"a\"", "`target_auc` is missing"),
            ("target_auc = 0.8", "`id` is missing"),
            ("honest = true", "`honest` needs `id` and `target_auc`"),
            ("id = \"Best AUC\"\ntarget_auc = 0.8", "`id` must be lowercase"),
            ("id = \"a\"\ntarget_auc = 1.5", "`target_auc` must be a number from 0 to 1"),
            ("id = \"a\"\ntarget_auc = \"0.8\"", "`target_auc` must be a number from 0 to 1"),
            ("id = \"a\"\ntarget_auc = 0.8\nhonest = 1", "`honest` has the wrong type"),
            ("dataset = \"ibsi-ct-phantom\"", "unknown parameter `dataset` for widget `model-lab`"),
            ("color = \"site\"", "unknown parameter `color` for widget `model-lab`"),
        ];
        for (toml, want) in cases {
            let e = model_lab(toml).unwrap_err();
            assert!(e.contains(want), "{toml:?}: {e}");
        }
    }

    fn model_lab(s: &str) -> Result<ModelLabParams, String> {
        checked("model-lab", s, |p| if let WidgetParams::ModelLab(p) = p { Some(p) } else { None })
    }
}
