//! The supervised panel: models, hyperparameters and the evaluation settings; cross-validation (or a train/test
//! split), nested cross-validation and a learning curve, run in the worker. Their results are in `results`.

use std::borrow::Cow;
use std::sync::Arc;

use leptos::prelude::*;
use radlearn_engine::ml::eval::{tuning_grid, CvOptions, Hyper, LearningPoint, NestedReport};
use radlearn_engine::ml::model::{scale_gamma, Kernel, ModelKind, ModelSpec, Penalty};
use radlearn_engine::ml::Dataset;

use super::cohort::Cohort;
use super::fields::{NumberField, Panel};
use super::results::{CvResults, LearningResults, NestedResults, Run};
use super::runner::{Runner, RunnerStatus};
use crate::strings::model_ui;
use crate::worker::protocol::{Analysis, Evaluation, Request, Response};

/// The share of cases held out by a train/test split.
const HOLDOUT_FRACTION: f64 = 0.3;

/// What a finished cross-validation or nested cross-validation reports to its host (an exercise grades it).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RunOutcome {
    pub auc: f64,
    pub leaky: bool,
    /// A train/test split, not a cross-validation.
    pub holdout: bool,
    /// Nested cross-validation (the model's hyperparameter tuned inside each outer fold): `auc` is its estimate.
    pub nested: bool,
}

/// The model and its hyperparameters as the form holds them.
#[derive(Clone, Copy)]
struct ModelSettings {
    kind: RwSignal<ModelKind>,
    c: RwSignal<f64>,
    /// "l2", "l1" or "elastic-net".
    penalty: RwSignal<String>,
    l1_ratio: RwSignal<f64>,
    gamma: RwSignal<f64>,
    max_depth: RwSignal<f64>,
    min_leaf: RwSignal<f64>,
    trees: RwSignal<f64>,
    k: RwSignal<f64>,
}

impl ModelSettings {
    fn new(kind: ModelKind) -> Self {
        ModelSettings {
            kind: RwSignal::new(kind),
            c: RwSignal::new(1.0),
            penalty: RwSignal::new("l2".to_string()),
            l1_ratio: RwSignal::new(0.5),
            gamma: RwSignal::new(0.01),
            max_depth: RwSignal::new(4.0),
            min_leaf: RwSignal::new(3.0),
            trees: RwSignal::new(100.0),
            k: RwSignal::new(7.0),
        }
    }

    /// The model the form describes (not yet checked).
    fn spec(self) -> ModelSpec {
        let c = self.c.get_untracked();
        let max_depth = self.max_depth.get_untracked() as usize;
        match self.kind.get_untracked() {
            ModelKind::Logistic => ModelSpec::Logistic {
                c,
                penalty: match self.penalty.get_untracked().as_str() {
                    "l1" => Penalty::L1,
                    "elastic-net" => Penalty::ElasticNet { l1_ratio: self.l1_ratio.get_untracked() },
                    _ => Penalty::L2,
                },
            },
            ModelKind::SvmLinear => ModelSpec::Svm { c, kernel: Kernel::Linear },
            ModelKind::SvmRbf => ModelSpec::Svm { c, kernel: Kernel::Rbf { gamma: self.gamma.get_untracked() } },
            ModelKind::Tree => ModelSpec::Tree { max_depth, min_samples_leaf: self.min_leaf.get_untracked() as usize },
            ModelKind::Forest => ModelSpec::Forest { trees: self.trees.get_untracked() as usize, max_depth },
            ModelKind::Knn => ModelSpec::Knn { k: self.k.get_untracked() as usize },
            ModelKind::NaiveBayes => ModelSpec::NaiveBayes,
        }
    }
}

/// How the model is evaluated, as the form holds it.
#[derive(Clone, Copy)]
struct CvSettings {
    folds: RwSignal<f64>,
    seed: RwSignal<f64>,
    standardise: RwSignal<bool>,
    select_on: RwSignal<bool>,
    select_k: RwSignal<f64>,
    leaky: RwSignal<bool>,
    /// One train/test split rather than k folds.
    holdout: RwSignal<bool>,
}

impl CvSettings {
    fn new(folds: usize, select: Option<usize>) -> Self {
        CvSettings {
            folds: RwSignal::new(folds as f64),
            seed: RwSignal::new(1.0),
            standardise: RwSignal::new(true),
            select_on: RwSignal::new(select.is_some()),
            select_k: RwSignal::new(select.unwrap_or(10) as f64),
            leaky: RwSignal::new(false),
            holdout: RwSignal::new(false),
        }
    }

    fn options(self) -> CvOptions {
        CvOptions {
            folds: self.folds.get_untracked() as usize,
            seed: self.seed.get_untracked() as u64,
            standardise: self.standardise.get_untracked(),
            select: self.select_on.get_untracked().then(|| self.select_k.get_untracked() as usize),
            leaky: self.leaky.get_untracked(),
            ..CvOptions::default()
        }
    }
}

/// The panel's state: its settings, its runner and what the runs found.
#[derive(Clone, Copy)]
struct Bench {
    cohort: Cohort,
    runner: Runner,
    model: ModelSettings,
    cv: CvSettings,
    runs: RwSignal<Vec<Run>>,
    nested: RwSignal<Option<(NestedReport, Hyper, Vec<f64>)>>,
    learning: RwSignal<Option<Vec<LearningPoint>>>,
    /// The confusion matrix's cell whose cases are listed ("tp", "fp", "tn" or "fn").
    selected_cell: RwSignal<Option<String>>,
    on_run: Option<Callback<RunOutcome>>,
}

impl Bench {
    /// The dataset, the checked model and the options of a new job; a model that does not check is shown as the
    /// runner's error.
    fn prepare(self) -> Option<(Arc<Dataset>, ModelSpec, CvOptions)> {
        let ds = self.cohort.dataset.get_untracked()?;
        let spec = self.model.spec();
        if let Err(e) = spec.clone().check() {
            self.runner.error.set(Some(e.to_string()));
            return None;
        }
        Some((ds, spec, self.cv.options()))
    }

    /// Runs `analysis` of the model on the dataset; `on_done` receives the worker's evaluation.
    fn evaluate(self, ds: Arc<Dataset>, spec: ModelSpec, opts: CvOptions, analysis: Analysis, on_done: impl FnOnce(Evaluation) + 'static) {
        self.runner.run(
            ds,
            move |ds, job| Request::Evaluate { job, dataset: Cow::Borrowed(&**ds), model: spec, options: opts, analysis },
            move |response| {
                if let Response::Evaluated { result, .. } = response {
                    on_done(*result);
                }
            },
        );
    }

    fn report(self, outcome: RunOutcome) {
        if let Some(cb) = self.on_run {
            cb.run(outcome);
        }
    }

    fn cross_validate(self) {
        let Some((ds, spec, opts)) = self.prepare() else { return };
        let model = spec.label().to_string();
        let split = self.cv.holdout.get_untracked();
        let analysis = if split { Analysis::Holdout { test_fraction: HOLDOUT_FRACTION } } else { Analysis::CrossValidation };
        let (leak, sel) = (opts.leaky, opts.select);
        let ds2 = ds.clone();
        self.evaluate(ds, spec, opts, analysis, move |result| {
            let Evaluation::CrossValidation(report) = result else { return };
            let outcome = RunOutcome { auc: report.auc, leaky: leak, holdout: split, nested: false };
            self.runs.update(|r| {
                let number = r.last().map(|l| l.number + 1).unwrap_or(1);
                r.push(Run { number, model, leaky: leak, holdout: split, select: sel, report: Arc::new(report), dataset: ds2 })
            });
            self.selected_cell.set(None);
            self.report(outcome);
        });
    }

    fn nested_cv(self) {
        let Some((ds, spec, opts)) = self.prepare() else { return };
        let Some((hyper, grid)) = tuning_grid(&spec) else { return };
        let analysis = Analysis::Nested { hyper, grid: grid.clone() };
        let leak = opts.leaky;
        self.evaluate(ds, spec, opts, analysis, move |result| {
            let Evaluation::Nested(report) = result else { return };
            let outcome = RunOutcome { auc: report.auc, leaky: leak, holdout: false, nested: true };
            self.nested.set(Some((report, hyper, grid)));
            self.report(outcome);
        });
    }

    fn learning_curve(self) {
        let Some((ds, spec, opts)) = self.prepare() else { return };
        let analysis = Analysis::LearningCurve { fractions: vec![0.1, 0.2, 0.35, 0.5, 0.75, 1.0] };
        self.evaluate(ds, spec, opts, analysis, move |result| {
            let Evaluation::LearningCurve(points) = result else { return };
            self.learning.set(Some(points));
        });
    }

    /// A new dataset: earlier results are of another cohort, and the RBF width starts at scikit-learn's "scale"
    /// (1 / features on standardised data), rounded to 3 significant digits for the form.
    fn follow_dataset(self) {
        let (cohort, gamma) = (self.cohort, self.model.gamma);
        Effect::new(move |previous: Option<usize>| {
            let now = cohort.dataset.with(|d| d.as_ref().map(|d| Arc::as_ptr(d) as usize).unwrap_or(0));
            if let Some(p) = cohort.dataset.with(|d| d.as_ref().map(|d| d.feature_names.len())) {
                let g = scale_gamma(p);
                let digits = 10f64.powi(2 - g.log10().floor() as i32);
                gamma.set((g * digits).round() / digits);
            }
            if previous.is_some_and(|p| p != now) {
                self.runs.set(Vec::new());
                self.nested.set(None);
                self.learning.set(None);
                self.selected_cell.set(None);
            }
            now
        });
    }
}

/// Models, hyperparameters and the evaluation settings; cross-validation, nested CV and a learning curve, with
/// their plots.
#[component]
pub fn SupervisedPanel(
    cohort: Cohort,
    /// The models offered; empty: all.
    #[prop(default = Vec::new())]
    models: Vec<ModelKind>,
    /// The model chosen at first.
    #[prop(default = ModelKind::Logistic)]
    model: ModelKind,
    #[prop(default = 5)] folds: usize,
    /// Keep the k best features inside each fold.
    #[prop(default = None)]
    select: Option<usize>,
    /// Whether to offer the leaky switch.
    #[prop(default = true)]
    leaky_switch: bool,
    /// Whether to offer a single train/test split besides k-fold cross-validation.
    #[prop(default = true)]
    validation_choice: bool,
    /// Called after each cross-validation and nested cross-validation.
    #[prop(optional)]
    on_run: Option<Callback<RunOutcome>>,
) -> impl IntoView {
    let m = model_ui();
    let offered: Vec<ModelKind> = ModelKind::ALL.into_iter().filter(|k| models.is_empty() || models.contains(k)).collect();
    let first = if offered.contains(&model) { model } else { offered.first().copied().unwrap_or(ModelKind::Logistic) };
    let bench = Bench {
        cohort,
        runner: Runner::new(),
        model: ModelSettings::new(first),
        cv: CvSettings::new(folds, select),
        runs: RwSignal::new(Vec::new()),
        nested: RwSignal::new(None),
        learning: RwSignal::new(None),
        selected_cell: RwSignal::new(None),
        on_run,
    };
    bench.follow_dataset();
    let busy = Signal::derive(move || bench.runner.busy());
    let no_data = Signal::derive(move || cohort.dataset.with(Option::is_none));
    let (kind, holdout, leaky) = (bench.model.kind, bench.cv.holdout, bench.cv.leaky);

    view! {
        <Panel class="ml-panel" testid="supervised-panel" title=m.supervised_title>
            <ModelForm settings=bench.model offered=offered busy=busy/>
            <CvForm settings=bench.cv validation_choice=validation_choice busy=busy/>
            {leaky_switch.then(|| view! {
                <label class="ml-leaky" class:on=move || leaky.get()>
                    <input type="checkbox" role="switch" data-testid="cv-leaky" prop:checked=move || leaky.get()
                        on:change=move |ev| leaky.set(event_target_checked(&ev))/>
                    <span><strong>{m.leaky}</strong>" "<span class="muted small">{m.leaky_help}</span></span>
                </label>
            })}
            <div class="ml-actions">
                <button type="button" data-testid="cv-run" on:click=move |_| bench.cross_validate() prop:disabled=move || busy.get() || no_data.get()>
                    {move || if holdout.get() { m.train_and_test } else { m.cross_validate }}
                </button>
                <button type="button" class="secondary" data-testid="cv-nested" on:click=move |_| bench.nested_cv()
                    prop:disabled=move || busy.get() || no_data.get() || kind.get() == ModelKind::NaiveBayes>{m.nested}</button>
                <button type="button" class="secondary" data-testid="cv-learning" on:click=move |_| bench.learning_curve() prop:disabled=move || busy.get() || no_data.get()>{m.learning_curve}</button>
            </div>
            {move || no_data.get().then(|| view! { <p class="muted" data-testid="model-no-data">{m.no_data}</p> })}
            <RunnerStatus runner=bench.runner testid="cv"/>
            <CvResults runs=bench.runs selected_cell=bench.selected_cell/>
            <NestedResults nested=bench.nested/>
            <LearningResults learning=bench.learning/>
        </Panel>
    }
}

/// The model and its hyperparameters (those of the chosen model only).
#[component]
fn ModelForm(settings: ModelSettings, offered: Vec<ModelKind>, busy: Signal<bool>) -> impl IntoView {
    let m = model_ui();
    let ModelSettings { kind, c, penalty, l1_ratio, gamma, max_depth, min_leaf, trees, k } = settings;
    let model_options =
        offered.iter().map(|&k| view! { <option value=k.id() selected=move || kind.get() == k>{k.label()}</option> }).collect_view();
    let is = move |kinds: &'static [ModelKind]| Signal::derive(move || kinds.contains(&kind.get()));
    let show_c = is(&[ModelKind::Logistic, ModelKind::SvmLinear, ModelKind::SvmRbf]);
    let show_penalty = is(&[ModelKind::Logistic]);
    let show_gamma = is(&[ModelKind::SvmRbf]);
    let show_depth = is(&[ModelKind::Tree, ModelKind::Forest]);
    let show_leaf = is(&[ModelKind::Tree]);
    let show_trees = is(&[ModelKind::Forest]);
    let show_k = is(&[ModelKind::Knn]);
    view! {
        <div class="ml-form" data-testid="model-form">
            <label class="ml-field"><span>{m.model}</span>
                <select data-testid="model-kind" prop:disabled=move || busy.get() on:change=move |ev| {
                    // The options are ids of `offered`, so the parse cannot fail; an unknown value keeps the model.
                    if let Ok(k) = event_target_value(&ev).parse::<ModelKind>() {
                        kind.set(k);
                    }
                }>{model_options}</select>
            </label>
            <Show when=move || show_c.get()><NumberField label=m.c value=c min=1e-6 max=1e6 step=0.001 testid="model-c" disabled=busy/></Show>
            <Show when=move || show_penalty.get()>
                <label class="ml-field"><span>{m.penalty}</span>
                    <select data-testid="model-penalty" on:change=move |ev| penalty.set(event_target_value(&ev))>
                        <option value="l2" selected=move || penalty.get() == "l2">"L2 (ridge)"</option>
                        <option value="l1" selected=move || penalty.get() == "l1">"L1 (lasso)"</option>
                        <option value="elastic-net" selected=move || penalty.get() == "elastic-net">{m.elastic_net}</option>
                    </select>
                </label>
            </Show>
            <Show when=move || show_penalty.get() && penalty.get() == "elastic-net"><NumberField label=m.l1_ratio value=l1_ratio min=0.0 max=1.0 step=0.05 testid="model-l1-ratio" disabled=busy/></Show>
            <Show when=move || show_gamma.get()><NumberField label=m.gamma value=gamma min=1e-6 max=1e3 step=0.0001 testid="model-gamma" disabled=busy/></Show>
            <Show when=move || show_depth.get()><NumberField label=m.max_depth value=max_depth min=1.0 max=30.0 step=1.0 testid="model-depth" disabled=busy/></Show>
            <Show when=move || show_leaf.get()><NumberField label=m.min_leaf value=min_leaf min=1.0 max=50.0 step=1.0 testid="model-leaf" disabled=busy/></Show>
            <Show when=move || show_trees.get()><NumberField label=m.trees value=trees min=1.0 max=500.0 step=1.0 testid="model-trees" disabled=busy/></Show>
            <Show when=move || show_k.get()><NumberField label=m.k value=k min=1.0 max=100.0 step=1.0 testid="model-k" disabled=busy/></Show>
        </div>
    }
}

/// How the model is evaluated: k-fold or a train/test split, seed, standardising and feature selection.
#[component]
fn CvForm(settings: CvSettings, validation_choice: bool, busy: Signal<bool>) -> impl IntoView {
    let m = model_ui();
    let CvSettings { folds, seed, standardise, select_on, select_k, holdout, .. } = settings;
    view! {
        <div class="ml-form" data-testid="cv-form">
            {validation_choice.then(|| view! {
                <label class="ml-field"><span>{m.validation}</span>
                    <select data-testid="cv-validation" prop:disabled=move || busy.get()
                        on:change=move |ev| holdout.set(event_target_value(&ev) == "holdout")>
                        <option value="kfold" selected=move || !holdout.get()>{m.kfold_option}</option>
                        <option value="holdout" selected=move || holdout.get()>{m.holdout_option}</option>
                    </select>
                </label>
            })}
            <Show when=move || !holdout.get()><NumberField label=m.folds value=folds min=2.0 max=10.0 step=1.0 testid="cv-folds" disabled=busy/></Show>
            <NumberField label=m.seed value=seed min=0.0 max=1e9 step=1.0 testid="cv-seed" disabled=busy/>
            <label class="ml-check"><input type="checkbox" data-testid="cv-standardise" prop:checked=move || standardise.get()
                on:change=move |ev| standardise.set(event_target_checked(&ev))/>{m.standardise}</label>
            <label class="ml-check"><input type="checkbox" data-testid="cv-select" prop:checked=move || select_on.get()
                on:change=move |ev| select_on.set(event_target_checked(&ev))/>{m.select}</label>
            <Show when=move || select_on.get()><NumberField label=m.select_k value=select_k min=1.0 max=1000.0 step=1.0 testid="cv-select-k" disabled=busy/></Show>
        </div>
    }
}
