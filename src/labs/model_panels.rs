//! The Model Lab's panels: a cohort (synthetic, generated in the worker, or a feature table imported as CSV), a
//! supervised bench (models, cross-validation with the leaky switch, ROC, confusion matrix, calibration,
//! importances, nested CV, learning curve) and an unsupervised view (PCA, k-means, correlations). The page
//! (`pages::models`) and the `model-lab` / `pca-explorer` exercises are made of these panels.
//!
//! The UI computes nothing: the engine (`radlearn_engine::ml::cohort`, `ml`) runs in the worker (`crate::worker`), and
//! the plots are the engine's SVG (`radlearn_engine::ml::plot`), shown as they will be exported.

use std::borrow::Cow;
use std::rc::Rc;
use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use radlearn_engine::ml::cohort::CohortSpec;
use radlearn_engine::ml::eval::{tuning_grid, CvOptions, CvReport, Hyper, LearningPoint, NestedReport};
use radlearn_engine::ml::model::{scale_gamma, Kernel, ModelKind, ModelSpec, Penalty};
use radlearn_engine::ml::plot::{self, Curve};
use radlearn_engine::ml::{table, Dataset};
use radlearn_engine::radiomics::export;
use wasm_bindgen::JsCast;

use crate::platform;
use crate::strings::model_ui;
use crate::worker::client::{JobError, JobId, OnProgress, WorkerClient};
use crate::worker::protocol::{Analysis, Evaluation, Exploration, ExploreSettings, Request, Response};

/// The share of cases held out by a train/test split.
const HOLDOUT_FRACTION: f64 = 0.3;

/// What the worker is doing.
#[derive(Debug, Clone, PartialEq)]
enum Phase {
    Idle,
    Starting,
    Running { done: u32, total: u32, step: String },
}

/// Runs the Model Lab's jobs in the worker, one at a time, showing their progress, error and Stop. Stop
/// terminates the worker (the next job starts a new one): every request carries all it needs.
#[derive(Clone, Copy)]
pub struct Runner {
    phase: RwSignal<Phase>,
    error: RwSignal<Option<String>>,
    stopped: RwSignal<bool>,
    client: StoredValue<WorkerClient, LocalStorage>,
}

impl Runner {
    pub fn new() -> Self {
        Runner {
            phase: RwSignal::new(Phase::Idle),
            error: RwSignal::new(None),
            stopped: RwSignal::new(false),
            client: StoredValue::new_local(WorkerClient::new()),
        }
    }

    fn busy(self) -> bool {
        self.phase.get() != Phase::Idle
    }

    /// Runs the request `request` builds for a new job from `input` (which it may borrow, e.g. a dataset sent
    /// without a copy); `on_done` receives the worker's answer.
    fn run<T: 'static>(
        self,
        input: T,
        request: impl for<'x> FnOnce(&'x T, JobId) -> Request<'x> + 'static,
        on_done: impl FnOnce(Response) + 'static,
    ) {
        let Some(client) = self.client.try_with_value(Clone::clone) else { return };
        self.error.set(None);
        self.stopped.set(false);
        self.phase.set(Phase::Starting);
        let progress: OnProgress = Rc::new(move |p| self.phase.set(Phase::Running { done: p.done, total: p.total, step: p.step }));
        spawn_local(async move {
            let outcome = client.run(|job| vec![request(&input, job)], Some(progress), None).await;
            match outcome {
                // Stopped: `stop` has shown it; or replaced by a newer job, which shows its own state.
                Err(JobError::Cancelled) => {}
                Err(JobError::Failed(message)) => {
                    self.phase.try_set(Phase::Idle);
                    self.error.try_set(Some(message));
                }
                Ok(response) => {
                    self.phase.try_set(Phase::Idle);
                    on_done(response);
                }
            }
        });
    }

    fn stop(self) {
        if let Some(client) = self.client.try_with_value(Clone::clone) {
            client.stop();
        }
        self.phase.set(Phase::Idle);
        self.stopped.set(true);
    }
}

impl Default for Runner {
    fn default() -> Self {
        Runner::new()
    }
}

/// The runner's progress bar with Stop, its error and its "stopped" note.
#[component]
fn RunnerStatus(runner: Runner, #[prop(into)] testid: String) -> impl IntoView {
    let m = model_ui();
    let (progress_id, stop_id) = (format!("{testid}-progress"), format!("{testid}-stop"));
    let status = move || match runner.phase.get() {
        Phase::Idle => None,
        phase => {
            let (value, max, text) = match phase {
                Phase::Running { done, total, step } if total > 0 => {
                    let what = match step.as_str() {
                        "lesions" => m.step_lesions,
                        "folds" => m.step_folds,
                        _ => m.step_other,
                    };
                    (done as f64, total as f64, format!("{what}: {} {} {total}", (done + 1).min(total), m.of))
                }
                _ => (0.0, 1.0, m.starting.to_string()),
            };
            Some(view! {
                <div class="feature-progress" data-testid=progress_id.clone() role="status">
                    <progress max=max value=value></progress>
                    <span class="feature-progress-text">{text}</span>
                    <button type="button" class="secondary" data-testid=stop_id.clone() on:click=move |_| runner.stop()>{m.stop}</button>
                    <p class="muted small">{m.responsive}</p>
                </div>
            })
        }
    };
    let stopped_id = format!("{testid}-stopped");
    let error_id = format!("{testid}-error");
    view! {
        {status}
        {move || runner.stopped.get().then(|| view! { <p class="feature-stopped" role="status" data-testid=stopped_id.clone()>{m.stopped}</p> })}
        {move || runner.error.get().map(|e| view! {
            <div class="widget-error" role="alert" data-testid=error_id.clone()><p>{m.failed}</p><p class="muted">{e}</p></div>
        })}
    }
}

/// A number input bound to a signal; `integer` rounds what the student types.
#[component]
fn NumberField(
    #[prop(into)] label: String,
    value: RwSignal<f64>,
    min: f64,
    max: f64,
    step: f64,
    #[prop(into)] testid: String,
    #[prop(optional, into)] disabled: Signal<bool>,
) -> impl IntoView {
    view! {
        <label class="ml-field">
            <span>{label}</span>
            <input type="number" min=min max=max step=step data-testid=testid
                prop:value=move || value.get().to_string() prop:disabled=move || disabled.get()
                on:change=move |ev| {
                    if let Ok(v) = event_target_value(&ev).trim().parse::<f64>() {
                        let v = if step >= 1.0 { v.round() } else { v };
                        value.set(v.clamp(min, max));
                    } else {
                        value.notify();
                    }
                }/>
        </label>
    }
}

/// A plot (the engine's SVG) with its SVG and PNG downloads.
#[component]
fn PlotFigure(
    /// The SVG text.
    svg: String,
    /// The file name without extension.
    #[prop(into)]
    name: String,
    #[prop(into)] testid: String,
) -> impl IntoView {
    let m = model_ui();
    let (svg_text, png_svg) = (svg.clone(), svg.clone());
    let (svg_name, png_name) = (format!("{name}.svg"), format!("{name}.png"));
    view! {
        <div class="ml-plot" data-testid=testid>
            <div class="ml-plot-svg" inner_html=svg></div>
            <div class="ml-plot-actions">
                <button type="button" class="link" on:click=move |_| { let _ = platform::download(&svg_name, "image/svg+xml", &svg_text); }>{m.download_svg}</button>
                <button type="button" class="link" on:click=move |_| platform::download_svg_as_png(&png_svg, &png_name)>{m.download_png}</button>
            </div>
        </div>
    }
}

/// The dataset in use, shared by the panels of a page or an exercise.
#[derive(Clone, Copy)]
pub struct Cohort {
    pub dataset: RwSignal<Option<Arc<Dataset>>>,
    /// Where it came from, in words (e.g. "Synthetic cohort, seed 1" or a file name).
    pub source: RwSignal<String>,
}

impl Cohort {
    pub fn new() -> Self {
        Cohort { dataset: RwSignal::new(None), source: RwSignal::new(String::new()) }
    }
}

impl Default for Cohort {
    fn default() -> Self {
        Cohort::new()
    }
}

fn class_counts(ds: &Dataset) -> (usize, usize) {
    let pos = ds.y.iter().filter(|&&y| y).count();
    (ds.len() - pos, pos)
}

fn distinct(values: &[String]) -> Vec<String> {
    let mut v: Vec<String> = values.to_vec();
    v.sort();
    v.dedup();
    v
}

/// Generates a synthetic cohort in the worker (with progress and Stop), or imports a feature table; shows what
/// is loaded.
#[component]
pub fn CohortPanel(
    cohort: Cohort,
    /// The generator's settings at first.
    spec: CohortSpec,
    /// Whether the student may change the settings and import a table (exercises fix the cohort).
    #[prop(default = true)]
    editable: bool,
) -> impl IntoView {
    let m = model_ui();
    let runner = Runner::new();
    let cases = RwSignal::new(spec.cases as f64);
    let seed = RwSignal::new(spec.seed as f64);
    let signal = RwSignal::new(spec.signal);
    let sites = RwSignal::new(spec.sites as f64);
    let correlation = RwSignal::new(spec.site_label_correlation);
    let site_effect = RwSignal::new(spec.site_effect);
    let prevalence = RwSignal::new(spec.prevalence);
    let import_error = RwSignal::new(None::<String>);
    // The picked file: its name, bytes (decoded by the engine, which detects the encoding) and preview.
    let table_file = RwSignal::new(None::<(String, Arc<Vec<u8>>, table::Preview)>);
    // How the last table was read and the columns it left out, shown once it is loaded.
    let import_notes = RwSignal::new(Vec::<String>::new());
    let label_column = RwSignal::new(String::new());
    let busy = Signal::derive(move || runner.busy());

    let generate = move |_| {
        let spec = CohortSpec {
            cases: cases.get_untracked() as usize,
            seed: seed.get_untracked() as u64,
            prevalence: prevalence.get_untracked(),
            signal: signal.get_untracked(),
            sites: sites.get_untracked() as usize,
            site_label_correlation: correlation.get_untracked(),
            site_effect: site_effect.get_untracked(),
        };
        if let Err(e) = spec.clone().check() {
            runner.error.set(Some(e.to_string()));
            return;
        }
        let source = format!("{} {}, {} {}", m.synthetic_cohort, spec.cases, m.seed_lower, spec.seed);
        runner.run(
            (),
            move |_, job| Request::Cohort { job, spec },
            move |response| {
                if let Response::Cohort { dataset, .. } = response {
                    cohort.dataset.set(Some(Arc::new(dataset)));
                    cohort.source.set(source.clone());
                }
            },
        );
    };

    let on_file = move |ev: leptos::ev::Event| {
        let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else { return };
        let Some(picked) = platform::take_input_files(&input).into_iter().next() else { return };
        import_error.set(None);
        spawn_local(async move {
            match platform::read_file_bytes(&picked.file).await {
                Ok(bytes) => match table::preview(&bytes) {
                    Ok(preview) => {
                        let columns = &preview.columns;
                        // Guess the label: a column with two values named like one, else the first with two values.
                        let two: Vec<&table::Column> = columns.iter().filter(|c| c.distinct == 2).collect();
                        let guess = two
                            .iter()
                            .find(|c| ["label", "class", "outcome", "target", "y"].contains(&c.name.to_lowercase().as_str()))
                            .or(two.first())
                            .map(|c| c.name.clone())
                            .unwrap_or_default();
                        label_column.set(guess);
                        import_notes.set(Vec::new());
                        table_file.set(Some((picked.name, Arc::new(bytes), preview)));
                    }
                    Err(e) => import_error.set(Some(format!("{}: {e}", picked.name))),
                },
                Err(e) => import_error.set(Some(format!("{}: {e}", picked.name))),
            }
        });
    };
    let load_table = move |_| {
        let Some((name, bytes, _)) = table_file.get_untracked() else { return };
        match table::read_table(bytes.as_slice(), &label_column.get_untracked()) {
            Ok(t) => {
                import_notes.set(t.notes().into_iter().map(|n| format!("{name}: {n}")).collect());
                cohort.dataset.set(Some(Arc::new(t.dataset)));
                cohort.source.set(name);
                import_error.set(None);
                table_file.set(None);
            }
            Err(e) => import_error.set(Some(format!("{name}: {e}"))),
        }
    };

    let form = editable.then(|| view! {
        <div class="ml-form" data-testid="cohort-form">
            <NumberField label=m.cases value=cases min=10.0 max=2000.0 step=1.0 testid="cohort-cases" disabled=busy/>
            <NumberField label=m.seed value=seed min=0.0 max=1e9 step=1.0 testid="cohort-seed" disabled=busy/>
            <NumberField label=m.signal value=signal min=0.0 max=3.0 step=0.1 testid="cohort-signal" disabled=busy/>
            <NumberField label=m.prevalence value=prevalence min=0.05 max=0.95 step=0.05 testid="cohort-prevalence" disabled=busy/>
            <NumberField label=m.sites value=sites min=1.0 max=4.0 step=1.0 testid="cohort-sites" disabled=busy/>
            <NumberField label=m.site_effect value=site_effect min=0.0 max=2.0 step=0.1 testid="cohort-site-effect" disabled=busy/>
            <NumberField label=m.site_label_correlation value=correlation min=0.0 max=1.0 step=0.1 testid="cohort-site-correlation" disabled=busy/>
        </div>
    });
    // In an exercise the lesson fixes the cohort: its settings in one line.
    let fixed = (!editable).then(|| {
        let text = format!(
            "{} {} · {} {} · {} {} · {} {} · {} {} · {} {} · {} {}",
            spec.cases,
            m.cases_lower.form(spec.cases),
            m.seed_lower,
            spec.seed,
            m.signal_lower,
            spec.signal,
            m.prevalence_lower,
            spec.prevalence,
            spec.sites,
            m.sites_lower,
            m.site_effect_lower,
            spec.site_effect,
            m.site_label_correlation_lower,
            spec.site_label_correlation
        );
        view! { <p class="ml-fixed" data-testid="cohort-fixed">{text}</p> }
    });
    let generator = view! {
        {form}
        {fixed}
        <p class="muted small">{m.cohort_help}</p>
        <div class="ml-actions">
            <button type="button" data-testid="cohort-generate" on:click=generate prop:disabled=move || busy.get()>
                {move || if cohort.dataset.with(Option::is_some) { m.generate_again } else { m.generate }}
            </button>
        </div>
        <RunnerStatus runner=runner testid="cohort"/>
    };

    let import = editable.then(|| {
        let label_options = move || {
            table_file.with(|t| {
                t.as_ref().map(|(_, _, preview)| {
                    preview
                        .columns
                        .iter()
                        .map(|c| {
                            let name = c.name.clone();
                            let selected = {
                                let name = name.clone();
                                move || label_column.get() == name
                            };
                            let text = format!("{} ({} {})", c.name, c.distinct, m.distinct_values);
                            view! { <option value=name selected=selected>{text}</option> }
                        })
                        .collect_view()
                })
            })
        };
        view! {
            <details class="ml-import" data-testid="cohort-import">
                <summary>{m.import_title}</summary>
                <p class="muted small">{m.import_help}</p>
                <input type="file" accept=".csv,text/csv" data-testid="cohort-file" on:change=on_file/>
                {move || table_file.with(|t| t.as_ref().map(|(name, _, preview)| {
                    let n = preview.columns.len();
                    view! { <p class="small" data-testid="cohort-import-format">{format!("{name}: {n} {} · {}", m.columns, preview.format)}</p> }
                }))}
                {move || table_file.with(Option::is_some).then(|| view! {
                    <label class="ml-field"><span>{m.label_column}</span>
                        <select data-testid="cohort-label" on:change=move |ev| label_column.set(event_target_value(&ev))>{label_options}</select>
                    </label>
                    <button type="button" data-testid="cohort-load" on:click=load_table>{m.load_table}</button>
                })}
                {move || import_error.get().map(|e| view! { <p class="input-error" role="alert" data-testid="cohort-import-error">{e}</p> })}
                {move || import_notes.with(|notes| (!notes.is_empty()).then(|| view! {
                    <ul class="small" data-testid="cohort-import-notes">
                        {notes.iter().map(|n| view! { <li>{n.clone()}</li> }).collect_view()}
                    </ul>
                }))}
            </details>
        }
    });

    let summary = move || {
        cohort.dataset.get().map(|ds| {
            let (neg, pos) = class_counts(&ds);
            let sites = ds.meta_column("site").map(distinct).unwrap_or_default();
            let csv_name = format!("radlearn-cohort-{}.csv", platform::today());
            let ds_csv = ds.clone();
            let sites_text = (!sites.is_empty()).then(|| format!(" · {} {}", m.sites_lower, sites.join(", ")));
            view! {
                <p class="ml-summary" data-testid="cohort-summary">
                    <strong>{cohort.source.get()}</strong>": "
                    <span data-testid="cohort-cases-count">{ds.len()}</span>" "{m.cases_lower.form(ds.len())}" ("
                    {format!("{neg} {}, {pos} {}", ds.classes[0], ds.classes[1])}") · "
                    <span data-testid="cohort-features-count">{ds.feature_names.len()}</span>" "{m.features_lower}
                    {sites_text}
                    " "
                    <button type="button" class="link" data-testid="cohort-csv"
                        on:click=move |_| { let _ = platform::download(&csv_name, "text/csv", &table::to_csv(&ds_csv)); }>{m.download_csv}</button>
                </p>
            }
        })
    };

    view! {
        <section class="ml-panel ml-cohort" data-testid="cohort-panel" aria-label=m.cohort_title>
            <h2>{m.cohort_title}</h2>
            {generator}
            {import}
            {summary}
        </section>
    }
}

/// A finished cross-validation, kept to compare runs.
#[derive(Clone, PartialEq)]
struct Run {
    number: usize,
    model: String,
    leaky: bool,
    /// One train/test split rather than k folds.
    holdout: bool,
    select: Option<usize>,
    report: Arc<CvReport>,
    dataset: Arc<Dataset>,
}

impl Run {
    fn label(&self) -> String {
        let m = model_ui();
        let ci = &self.report.auc_ci;
        let mut leak = if self.leaky { format!(" · {}", m.leaky_short) } else { String::new() };
        if self.holdout {
            leak.push_str(&format!(" · {}", m.holdout_short));
        }
        format!("#{} {}{leak}: AUC {:.3} [{:.3}, {:.3}]", self.number, self.model, self.report.auc, ci[0], ci[1])
    }
}

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
    let runner = Runner::new();
    let offered: Vec<ModelKind> = ModelKind::ALL.into_iter().filter(|k| models.is_empty() || models.contains(k)).collect();
    let kind = RwSignal::new(if offered.contains(&model) { model } else { offered.first().copied().unwrap_or(ModelKind::Logistic) });
    let c = RwSignal::new(1.0);
    let penalty = RwSignal::new("l2".to_string());
    let l1_ratio = RwSignal::new(0.5);
    let gamma = RwSignal::new(0.01);
    let max_depth = RwSignal::new(4.0);
    let min_leaf = RwSignal::new(3.0);
    let trees = RwSignal::new(100.0);
    let k = RwSignal::new(7.0);
    let folds = RwSignal::new(folds as f64);
    let seed = RwSignal::new(1.0);
    let standardise = RwSignal::new(true);
    let select_on = RwSignal::new(select.is_some());
    let select_k = RwSignal::new(select.unwrap_or(10) as f64);
    let leaky = RwSignal::new(false);
    let holdout = RwSignal::new(false);
    let runs = RwSignal::new(Vec::<Run>::new());
    let nested = RwSignal::new(None::<(NestedReport, Hyper, Vec<f64>)>);
    let learning = RwSignal::new(None::<Vec<LearningPoint>>);
    let selected_cell = RwSignal::new(None::<String>);
    let busy = Signal::derive(move || runner.busy());
    let no_data = Signal::derive(move || cohort.dataset.with(Option::is_none));

    // A new dataset: earlier results are of another cohort, and the RBF width starts at scikit-learn's "scale"
    // (1 / features on standardised data), rounded to 3 significant digits for the form.
    Effect::new(move |previous: Option<usize>| {
        let now = cohort.dataset.with(|d| d.as_ref().map(|d| Arc::as_ptr(d) as usize).unwrap_or(0));
        if let Some(p) = cohort.dataset.with(|d| d.as_ref().map(|d| d.feature_names.len())) {
            let g = scale_gamma(p);
            let digits = 10f64.powi(2 - g.log10().floor() as i32);
            gamma.set((g * digits).round() / digits);
        }
        if previous.is_some_and(|p| p != now) {
            runs.set(Vec::new());
            nested.set(None);
            learning.set(None);
            selected_cell.set(None);
        }
        now
    });

    let spec = move || -> ModelSpec {
        match kind.get_untracked() {
            ModelKind::Logistic => ModelSpec::Logistic {
                c: c.get_untracked(),
                penalty: match penalty.get_untracked().as_str() {
                    "l1" => Penalty::L1,
                    "elastic-net" => Penalty::ElasticNet { l1_ratio: l1_ratio.get_untracked() },
                    _ => Penalty::L2,
                },
            },
            ModelKind::SvmLinear => ModelSpec::Svm { c: c.get_untracked(), kernel: Kernel::Linear },
            ModelKind::SvmRbf => ModelSpec::Svm { c: c.get_untracked(), kernel: Kernel::Rbf { gamma: gamma.get_untracked() } },
            ModelKind::Tree => {
                ModelSpec::Tree { max_depth: max_depth.get_untracked() as usize, min_samples_leaf: min_leaf.get_untracked() as usize }
            }
            ModelKind::Forest => ModelSpec::Forest { trees: trees.get_untracked() as usize, max_depth: max_depth.get_untracked() as usize },
            ModelKind::Knn => ModelSpec::Knn { k: k.get_untracked() as usize },
            ModelKind::NaiveBayes => ModelSpec::NaiveBayes,
        }
    };
    let options = move || CvOptions {
        folds: folds.get_untracked() as usize,
        seed: seed.get_untracked() as u64,
        standardise: standardise.get_untracked(),
        select: select_on.get_untracked().then(|| select_k.get_untracked() as usize),
        leaky: leaky.get_untracked(),
        ..CvOptions::default()
    };
    let prepare = move || -> Option<(Arc<Dataset>, ModelSpec, CvOptions)> {
        let ds = cohort.dataset.get_untracked()?;
        let spec = spec();
        if let Err(e) = spec.check() {
            runner.error.set(Some(e.to_string()));
            return None;
        }
        Some((ds, spec, options()))
    };

    let cross_validate = move |_| {
        let Some((ds, spec, opts)) = prepare() else { return };
        let model = spec.label().to_string();
        let split = holdout.get_untracked();
        let analysis = if split { Analysis::Holdout { test_fraction: HOLDOUT_FRACTION } } else { Analysis::CrossValidation };
        let (leak, sel) = (opts.leaky, opts.select);
        let ds2 = ds.clone();
        runner.run(
            ds,
            move |ds, job| Request::Evaluate { job, dataset: Cow::Borrowed(&**ds), model: spec, options: opts, analysis },
            move |response| {
                if let Response::Evaluated { result, .. } = response {
                    let Evaluation::CrossValidation(report) = *result else { return };
                    let outcome = RunOutcome { auc: report.auc, leaky: leak, holdout: split, nested: false };
                    runs.update(|r| {
                        let number = r.last().map(|l| l.number + 1).unwrap_or(1);
                        r.push(Run {
                            number,
                            model: model.clone(),
                            leaky: leak,
                            holdout: split,
                            select: sel,
                            report: Arc::new(report),
                            dataset: ds2.clone(),
                        })
                    });
                    selected_cell.set(None);
                    if let Some(cb) = on_run {
                        cb.run(outcome);
                    }
                }
            },
        );
    };
    let nested_cv = move |_| {
        let Some((ds, spec, opts)) = prepare() else { return };
        let Some((hyper, grid)) = tuning_grid(&spec) else { return };
        let analysis = Analysis::Nested { hyper, grid: grid.clone() };
        let leak = opts.leaky;
        runner.run(
            ds,
            move |ds, job| Request::Evaluate { job, dataset: Cow::Borrowed(&**ds), model: spec, options: opts, analysis },
            move |response| {
                if let Response::Evaluated { result, .. } = response {
                    let Evaluation::Nested(report) = *result else { return };
                    let outcome = RunOutcome { auc: report.auc, leaky: leak, holdout: false, nested: true };
                    nested.set(Some((report, hyper, grid.clone())));
                    if let Some(cb) = on_run {
                        cb.run(outcome);
                    }
                }
            },
        );
    };
    let learning_curve = move |_| {
        let Some((ds, spec, opts)) = prepare() else { return };
        let analysis = Analysis::LearningCurve { fractions: vec![0.1, 0.2, 0.35, 0.5, 0.75, 1.0] };
        runner.run(
            ds,
            move |ds, job| Request::Evaluate { job, dataset: Cow::Borrowed(&**ds), model: spec, options: opts, analysis },
            move |response| {
                if let Response::Evaluated { result, .. } = response {
                    let Evaluation::LearningCurve(points) = *result else { return };
                    learning.set(Some(points));
                }
            },
        );
    };

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
    let disabled = Signal::derive(move || busy.get());

    let settings = view! {
        <div class="ml-form" data-testid="model-form">
            <label class="ml-field"><span>{m.model}</span>
                <select data-testid="model-kind" prop:disabled=move || busy.get() on:change=move |ev| {
                    // The options are ids of `offered`, so the parse cannot fail; an unknown value keeps the model.
                    if let Ok(k) = event_target_value(&ev).parse::<ModelKind>() {
                        kind.set(k);
                    }
                }>{model_options}</select>
            </label>
            <Show when=move || show_c.get()><NumberField label=m.c value=c min=1e-6 max=1e6 step=0.001 testid="model-c" disabled=disabled/></Show>
            <Show when=move || show_penalty.get()>
                <label class="ml-field"><span>{m.penalty}</span>
                    <select data-testid="model-penalty" on:change=move |ev| penalty.set(event_target_value(&ev))>
                        <option value="l2" selected=move || penalty.get() == "l2">"L2 (ridge)"</option>
                        <option value="l1" selected=move || penalty.get() == "l1">"L1 (lasso)"</option>
                        <option value="elastic-net" selected=move || penalty.get() == "elastic-net">{m.elastic_net}</option>
                    </select>
                </label>
            </Show>
            <Show when=move || show_penalty.get() && penalty.get() == "elastic-net"><NumberField label=m.l1_ratio value=l1_ratio min=0.0 max=1.0 step=0.05 testid="model-l1-ratio" disabled=disabled/></Show>
            <Show when=move || show_gamma.get()><NumberField label=m.gamma value=gamma min=1e-6 max=1e3 step=0.0001 testid="model-gamma" disabled=disabled/></Show>
            <Show when=move || show_depth.get()><NumberField label=m.max_depth value=max_depth min=1.0 max=30.0 step=1.0 testid="model-depth" disabled=disabled/></Show>
            <Show when=move || show_leaf.get()><NumberField label=m.min_leaf value=min_leaf min=1.0 max=50.0 step=1.0 testid="model-leaf" disabled=disabled/></Show>
            <Show when=move || show_trees.get()><NumberField label=m.trees value=trees min=1.0 max=500.0 step=1.0 testid="model-trees" disabled=disabled/></Show>
            <Show when=move || show_k.get()><NumberField label=m.k value=k min=1.0 max=100.0 step=1.0 testid="model-k" disabled=disabled/></Show>
        </div>
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
            <Show when=move || !holdout.get()><NumberField label=m.folds value=folds min=2.0 max=10.0 step=1.0 testid="cv-folds" disabled=disabled/></Show>
            <NumberField label=m.seed value=seed min=0.0 max=1e9 step=1.0 testid="cv-seed" disabled=disabled/>
            <label class="ml-check"><input type="checkbox" data-testid="cv-standardise" prop:checked=move || standardise.get()
                on:change=move |ev| standardise.set(event_target_checked(&ev))/>{m.standardise}</label>
            <label class="ml-check"><input type="checkbox" data-testid="cv-select" prop:checked=move || select_on.get()
                on:change=move |ev| select_on.set(event_target_checked(&ev))/>{m.select}</label>
            <Show when=move || select_on.get()><NumberField label=m.select_k value=select_k min=1.0 max=1000.0 step=1.0 testid="cv-select-k" disabled=disabled/></Show>
        </div>
        {leaky_switch.then(|| view! {
            <label class="ml-leaky" class:on=move || leaky.get()>
                <input type="checkbox" role="switch" data-testid="cv-leaky" prop:checked=move || leaky.get()
                    on:change=move |ev| leaky.set(event_target_checked(&ev))/>
                <span><strong>{m.leaky}</strong>" "<span class="muted small">{m.leaky_help}</span></span>
            </label>
        })}
        <div class="ml-actions">
            <button type="button" data-testid="cv-run" on:click=cross_validate prop:disabled=move || busy.get() || no_data.get()>
                {move || if holdout.get() { m.train_and_test } else { m.cross_validate }}
            </button>
            <button type="button" class="secondary" data-testid="cv-nested" on:click=nested_cv
                prop:disabled=move || busy.get() || no_data.get() || kind.get() == ModelKind::NaiveBayes>{m.nested}</button>
            <button type="button" class="secondary" data-testid="cv-learning" on:click=learning_curve prop:disabled=move || busy.get() || no_data.get()>{m.learning_curve}</button>
        </div>
        {move || no_data.get().then(|| view! { <p class="muted" data-testid="model-no-data">{m.no_data}</p> })}
        <RunnerStatus runner=runner testid="cv"/>
    };

    let results = move || {
        let all = runs.get();
        let run = all.last()?.clone();
        let report = run.report.clone();
        let ds = run.dataset.clone();
        let curves: Vec<Curve> = all
            .iter()
            .rev()
            .take(3)
            .map(|r| Curve { label: r.label(), points: r.report.roc.iter().map(|p| (p.fpr, p.tpr)).collect() })
            .collect();
        let roc_svg = plot::roc(&curves, m.roc_title);
        let cm = &report.confusion;
        let counts = [[cm.tn.len(), cm.fp.len()], [cm.fn_.len(), cm.tp.len()]];
        let confusion_svg = plot::confusion(counts, &ds.classes, m.confusion_title);
        let calibration_svg = plot::calibration(&report.calibration, m.calibration_title);
        let top: Vec<(String, f64)> = report.importances.iter().take(15).map(|(n, v)| (table::display_name(n), *v)).collect();
        let importance_svg = (!top.is_empty()).then(|| plot::bars(&top, m.importance_axis, m.importance_title));
        let folds_text = report.fold_auc.iter().map(|a| format!("{a:.3}")).collect::<Vec<_>>().join(", ");
        let metrics = [
            (m.accuracy, cm.accuracy()),
            (m.sensitivity, cm.sensitivity()),
            (m.specificity, cm.specificity()),
            (m.precision, cm.precision()),
            (m.f1, cm.f1()),
        ];
        let metrics_view = metrics
            .iter()
            .map(|(name, v)| view! { <div><dt>{*name}</dt><dd>{export::display(*v).map(|_| format!("{v:.3}")).unwrap_or_else(|| "—".into())}</dd></div> })
            .collect_view();
        let scores = report.scores.clone();
        let ds_cells = ds.clone();
        let cm_cells = report.confusion.clone();
        let on_cell = move |ev: leptos::ev::MouseEvent| {
            let cell = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                .and_then(|e| e.closest("[data-cell]").ok().flatten())
                .and_then(|e| e.get_attribute("data-cell"));
            if cell.is_some() {
                selected_cell.set(cell);
            }
        };
        let on_cell_key = move |ev: leptos::ev::KeyboardEvent| {
            if ev.key() == "Enter" || ev.key() == " " {
                let cell = ev
                    .target()
                    .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                    .and_then(|e| e.closest("[data-cell]").ok().flatten())
                    .and_then(|e| e.get_attribute("data-cell"));
                if cell.is_some() {
                    ev.prevent_default();
                    selected_cell.set(cell);
                }
            }
        };
        let cell_list = move || {
            let cell = selected_cell.get()?;
            let (indices, title) = match cell.as_str() {
                "tp" => (&cm_cells.tp, m.cell_tp),
                "fp" => (&cm_cells.fp, m.cell_fp),
                "tn" => (&cm_cells.tn, m.cell_tn),
                "fn" => (&cm_cells.fn_, m.cell_fn),
                _ => return None,
            };
            let site = ds_cells.meta_column("site");
            let rows = indices
                .iter()
                .map(|&i| {
                    let id = ds_cells.ids.get(i).cloned().unwrap_or_default();
                    let class = if ds_cells.y.get(i).copied().unwrap_or(false) { &ds_cells.classes[1] } else { &ds_cells.classes[0] };
                    let s = site.and_then(|s| s.get(i)).cloned().unwrap_or_default();
                    let score = scores.get(i).copied().unwrap_or(f64::NAN);
                    view! { <tr><td>{id}</td><td>{class.clone()}</td><td>{s}</td><td class="num">{format!("{score:.3}")}</td></tr> }
                })
                .collect_view();
            Some(view! {
                <div class="ml-cell-cases" data-testid="confusion-cases">
                    <h4>{format!("{title}: {}", m.cases_lower.count(indices.len()))}</h4>
                    <div class="table-scroll"><table class="feature-table">
                        <thead><tr><th scope="col">{m.case}</th><th scope="col">{m.truth}</th><th scope="col">{m.site}</th><th scope="col" class="num">{m.score}</th></tr></thead>
                        <tbody>{rows}</tbody>
                    </table></div>
                </div>
            })
        };
        let leak_note = run.leaky.then(|| view! { <p class="ml-warning" role="note" data-testid="cv-leaky-note">{m.leaky_note}</p> });
        let selected_note =
            run.select.map(|k| view! { <p class="muted small">{format!("{} {k} {}", m.selected_note_a, m.selected_note_b)}</p> });
        let history = all
            .iter()
            .rev()
            .map(|r| {
                let ci = r.report.auc_ci;
                view! { <tr data-leaky=r.leaky.to_string()><td>{r.number}</td><td>{r.model.clone()}</td><td>{if r.leaky { m.yes } else { m.no }}</td>
                    <td class="num">{format!("{:.3}", r.report.auc)}</td><td class="num">{format!("{:.3} – {:.3}", ci[0], ci[1])}</td></tr> }
            })
            .collect_view();
        Some(view! {
            <div class="ml-results" data-testid="cv-results">
                <p class="ml-headline">{if run.holdout { m.test_auc_headline } else { m.cv_auc }}" "<strong data-testid="cv-auc">{format!("{:.3}", report.auc)}</strong>
                    " "<span class="muted">{format!("(95% {} {:.3} – {:.3})", m.ci, report.auc_ci[0], report.auc_ci[1])}</span></p>
                {if run.holdout {
                    let tested = report.scores.iter().filter(|s| s.is_finite()).count();
                    view! { <p class="muted small" data-testid="cv-fold-auc">{format!("{} {}", m.holdout_note, m.cases_lower.count(tested))}</p> }.into_any()
                } else {
                    view! { <p class="muted small" data-testid="cv-fold-auc">{m.fold_aucs}": "{folds_text}</p> }.into_any()
                }}
                {leak_note}
                {selected_note}
                <div class="ml-plots">
                    <PlotFigure svg=roc_svg name="radlearn-roc" testid="plot-roc"/>
                    <div>
                        <div on:click=on_cell on:keydown=on_cell_key>
                            <PlotFigure svg=confusion_svg name="radlearn-confusion" testid="plot-confusion"/>
                        </div>
                        <p class="muted small">{m.confusion_help}</p>
                        <dl class="ml-metrics" data-testid="cv-metrics">{metrics_view}</dl>
                        {cell_list}
                    </div>
                    <PlotFigure svg=calibration_svg name="radlearn-calibration" testid="plot-calibration"/>
                    {importance_svg.map(|svg| view! { <PlotFigure svg=svg name="radlearn-importances" testid="plot-importances"/> })}
                </div>
                <h3>{m.runs}</h3>
                <div class="table-scroll"><table class="feature-table" data-testid="cv-runs">
                    <thead><tr><th scope="col">"#"</th><th scope="col">{m.model}</th><th scope="col">{m.leaky_short}</th><th scope="col" class="num">"AUC"</th><th scope="col" class="num">{m.ci}</th></tr></thead>
                    <tbody>{history}</tbody>
                </table></div>
            </div>
        })
    };

    let nested_view = move || {
        nested.get().map(|(report, hyper, grid)| {
            let name = match hyper {
                Hyper::C => "C",
                Hyper::Gamma => "gamma",
                Hyper::K => "k",
                Hyper::MaxDepth => m.max_depth,
            };
            let log = matches!(hyper, Hyper::C | Hyper::Gamma);
            let points: Vec<(f64, f64)> = grid.iter().zip(&report.grid_auc).map(|(&g, &a)| (if log { g.log10() } else { g }, a)).collect();
            let x_label = if log { format!("log10 {name}") } else { name.to_string() };
            let svg = plot::lines(&[Curve { label: m.plain_cv.into(), points }], &x_label, "AUC", m.nested_title, Some((0.4, 1.0)));
            let chosen = report.chosen.iter().map(|c| format!("{c}")).collect::<Vec<_>>().join(", ");
            view! {
                <div class="ml-results" data-testid="nested-results">
                    <h3>{m.nested_title}</h3>
                    <p class="ml-headline">{m.nested_auc}" "<strong data-testid="nested-auc">{format!("{:.3}", report.auc)}</strong>
                        " · "{m.naive_best}" "<strong data-testid="nested-naive">{format!("{:.3}", report.naive_best)}</strong></p>
                    <p class="muted small">{format!("{} {name}: {chosen}", m.chosen)}</p>
                    <p class="muted small">{m.nested_help}</p>
                    <PlotFigure svg=svg name="radlearn-nested-cv" testid="plot-nested"/>
                </div>
            }
        })
    };
    let learning_view = move || {
        learning.get().map(|points| {
            let train = Curve { label: m.train_auc.into(), points: points.iter().map(|p| (p.train_size as f64, p.train_auc)).collect() };
            let test = Curve { label: m.test_auc.into(), points: points.iter().map(|p| (p.train_size as f64, p.test_auc)).collect() };
            let svg = plot::lines(&[train, test], m.train_size, "AUC", m.learning_title, Some((0.4, 1.0)));
            view! {
                <div class="ml-results" data-testid="learning-results">
                    <h3>{m.learning_title}</h3>
                    <p class="muted small">{m.learning_help}</p>
                    <PlotFigure svg=svg name="radlearn-learning-curve" testid="plot-learning"/>
                </div>
            }
        })
    };

    view! {
        <section class="ml-panel" data-testid="supervised-panel" aria-label=m.supervised_title>
            <h2>{m.supervised_title}</h2>
            {settings}
            {results}
            {nested_view}
            {learning_view}
        </section>
    }
}

/// What the unsupervised view found, for a host that grades it.
#[derive(Debug, Clone, PartialEq)]
pub struct ExploreOutcome {
    pub explained_ratio: Vec<f64>,
    pub ari_label: f64,
    pub ari_site: Option<f64>,
}

/// PCA scatter coloured by label, site or cluster; explained variance; k-means; correlations and redundancy.
#[component]
pub fn ExplorePanel(
    cohort: Cohort,
    /// "label", "site" or "cluster".
    #[prop(default = "label".to_string(), into)]
    color: String,
    #[prop(default = 2)] clusters: usize,
    #[prop(default = true)] standardise: bool,
    /// Whether the student may replace the cohort by its non-redundant features.
    #[prop(default = true)]
    editable: bool,
    #[prop(optional)] on_result: Option<Callback<ExploreOutcome>>,
) -> impl IntoView {
    let m = model_ui();
    let runner = Runner::new();
    let color = RwSignal::new(color);
    let clusters = RwSignal::new(clusters as f64);
    let standardise = RwSignal::new(standardise);
    let redundancy = RwSignal::new(0.9);
    let result = RwSignal::new(None::<(Arc<Exploration>, Arc<Dataset>)>);
    let busy = Signal::derive(move || runner.busy());
    let no_data = Signal::derive(move || cohort.dataset.with(Option::is_none));
    Effect::new(move |previous: Option<usize>| {
        let now = cohort.dataset.with(|d| d.as_ref().map(|d| Arc::as_ptr(d) as usize).unwrap_or(0));
        if previous.is_some_and(|p| p != now) {
            result.set(None);
        }
        now
    });

    let explore = move |_| {
        let Some(ds) = cohort.dataset.get_untracked() else { return };
        let settings = ExploreSettings {
            standardise: standardise.get_untracked(),
            components: 10,
            clusters: clusters.get_untracked() as usize,
            seed: 1,
            redundancy: redundancy.get_untracked(),
            heatmap_features: 40,
        };
        let ds2 = ds.clone();
        runner.run(
            ds,
            move |ds, job| Request::Explore { job, dataset: Cow::Borrowed(&**ds), settings },
            move |response| {
                if let Response::Explored { result: r, .. } = response {
                    let outcome =
                        ExploreOutcome { explained_ratio: r.pca.explained_ratio.clone(), ari_label: r.ari_label, ari_site: r.ari_site };
                    result.set(Some((Arc::from(r), ds2.clone())));
                    if let Some(cb) = on_result {
                        cb.run(outcome);
                    }
                }
            },
        );
    };

    let controls = view! {
        <div class="ml-form" data-testid="explore-form">
            <label class="ml-field"><span>{m.color_by}</span>
                <select data-testid="explore-color" on:change=move |ev| color.set(event_target_value(&ev))>
                    <option value="label" selected=move || color.get() == "label">{m.by_label}</option>
                    <option value="site" selected=move || color.get() == "site">{m.by_site}</option>
                    <option value="cluster" selected=move || color.get() == "cluster">{m.by_cluster}</option>
                </select>
            </label>
            <NumberField label=m.clusters value=clusters min=2.0 max=8.0 step=1.0 testid="explore-k" disabled=busy/>
            <NumberField label=m.redundancy value=redundancy min=0.5 max=0.999 step=0.01 testid="explore-redundancy" disabled=busy/>
            <label class="ml-check"><input type="checkbox" data-testid="explore-standardise" prop:checked=move || standardise.get()
                on:change=move |ev| standardise.set(event_target_checked(&ev))/>{m.standardise}</label>
        </div>
        <div class="ml-actions">
            <button type="button" data-testid="explore-run" on:click=explore prop:disabled=move || busy.get() || no_data.get()>{m.explore}</button>
        </div>
        {move || no_data.get().then(|| view! { <p class="muted">{m.no_data}</p> })}
        <RunnerStatus runner=runner testid="explore"/>
    };

    let scatter = move || {
        let (r, ds) = result.get()?;
        let pca = &r.pca;
        if pca.scores.ncols() < 2 {
            return Some(view! { <p class="muted">{m.too_few_components}</p> }.into_any());
        }
        let points: Vec<(f64, f64)> = pca.scores.rows().into_iter().map(|row| (row[0], row[1])).collect();
        let (groups, names): (Vec<usize>, Vec<String>) = match color.get().as_str() {
            "site" => match ds.meta_column("site") {
                Some(sites) => {
                    let names = distinct(sites);
                    (
                        sites.iter().map(|s| names.iter().position(|n| n == s).unwrap_or(0)).collect(),
                        names.iter().map(|n| format!("{} {n}", m.site)).collect(),
                    )
                }
                None => (vec![0; ds.len()], vec![m.no_site.to_string()]),
            },
            "cluster" => {
                let k = r.kmeans.labels.iter().copied().max().map(|k| k + 1).unwrap_or(1);
                (r.kmeans.labels.clone(), (1..=k).map(|i| format!("{} {i}", m.cluster)).collect())
            }
            _ => (ds.y.iter().map(|&y| usize::from(y)).collect(), ds.classes.to_vec()),
        };
        let pct = |i: usize| pca.explained_ratio.get(i).copied().unwrap_or(f64::NAN) * 100.0;
        let svg =
            plot::scatter(&points, &groups, &names, &format!("PC1 ({:.1} %)", pct(0)), &format!("PC2 ({:.1} %)", pct(1)), m.pca_title);
        Some(view! { <PlotFigure svg=svg name="radlearn-pca" testid="plot-pca"/> }.into_any())
    };
    let details = move || {
        let (r, ds) = result.get()?;
        let scree: Vec<(String, f64)> =
            r.pca.explained_ratio.iter().enumerate().map(|(i, v)| (format!("PC{}", i + 1), v * 100.0)).collect();
        let scree_svg = plot::bars(&scree, m.explained_axis, m.scree_title);
        let names: Vec<String> =
            r.heatmap.iter().map(|&i| table::display_name(ds.feature_names.get(i).map(String::as_str).unwrap_or(""))).collect();
        let heat_svg = plot::heatmap(r.correlation.view(), &names, m.heatmap_title);
        let cumulative: f64 = r.pca.explained_ratio.iter().take(2).sum();
        let ari_site = r.ari_site.map(|a| format!("{a:.3}")).unwrap_or_else(|| "—".into());
        let kept = r.kept.len();
        let total = ds.feature_names.len();
        Some(view! {
            <dl class="ml-metrics" data-testid="explore-metrics">
                <div><dt>{m.pc1}</dt><dd data-testid="explore-pc1">{format!("{:.1} %", r.pca.explained_ratio.first().copied().unwrap_or(f64::NAN) * 100.0)}</dd></div>
                <div><dt>{m.pc12}</dt><dd data-testid="explore-pc12">{format!("{:.1} %", cumulative * 100.0)}</dd></div>
                <div><dt>{m.ari_label}</dt><dd data-testid="explore-ari-label">{format!("{:.3}", r.ari_label)}</dd></div>
                <div><dt>{m.ari_site}</dt><dd data-testid="explore-ari-site">{ari_site}</dd></div>
            </dl>
            <p class="muted small">{m.ari_help}</p>
            <div class="ml-plots">
                <PlotFigure svg=scree_svg name="radlearn-scree" testid="plot-scree"/>
                <div>
                    <PlotFigure svg=heat_svg name="radlearn-correlation" testid="plot-heatmap"/>
                    <p class="muted small" data-testid="explore-redundancy-text">{format!("{kept} {} {total} {} {:.2}.", m.kept_a, m.kept_b, redundancy.get_untracked())}</p>
                    {(kept < total && editable).then(|| {
                        let (ds, columns) = (ds.clone(), r.kept.clone());
                        view! {
                            <button type="button" class="secondary" data-testid="explore-keep" on:click=move |_| {
                                let subset = ds.select_columns(&columns);
                                cohort.source.update(|s| s.push_str(&format!(" · {} {}", columns.len(), m.non_redundant)));
                                cohort.dataset.set(Some(Arc::new(subset)));
                            }>{format!("{} {kept} {}", m.keep_a, m.keep_b)}</button>
                        }
                    })}
                </div>
            </div>
        })
    };

    view! {
        <section class="ml-panel" data-testid="explore-panel" aria-label=m.explore_title>
            <h2>{m.explore_title}</h2>
            {controls}
            <div class="ml-results" data-testid="explore-results">
                {scatter}
                {details}
            </div>
        </section>
    }
}
