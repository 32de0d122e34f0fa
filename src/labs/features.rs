//! The feature panel: radiomics features of an image's ROI, computed in the feature worker ([`crate::worker`]) while
//! the page stays responsive, shown by family with CSV/JSON export; and the `feature-table` exercise widget, the
//! panel on a sample dataset with an optional graded question.

use std::borrow::Cow;
use std::rc::Rc;
use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use radlearn_course::widgets::{FeatureCheck, FeatureTableParams};
use radlearn_course::{parse_number, Grade, Quiz, QuizKind, Response};
use radlearn_engine::radiomics::config::BUILTINS;
use radlearn_engine::radiomics::export;
use radlearn_engine::radiomics::features::catalogue;
use radlearn_engine::LabelMap;

use crate::page::store::use_store;
use crate::platform;
use crate::strings::{features_ui, ui};
use crate::worker::client::{JobError, OnProgress, WorkerClient};
use crate::worker::protocol::{Computed, ConfigSpec, MaskData, NamedBytes, Request, Response as WorkerResponse, Row};
use radlearn_course::datasets::{self, Dataset};

/// What the panel computes features of.
#[derive(Clone)]
pub enum FeatureSource {
    /// A sample dataset under `data/` (image and mask files), downloaded when the student first computes.
    Dataset(Dataset),
    /// An image's original files (sent to the worker as they are) and a region of interest on its grid.
    Files {
        /// Identifies the image, so that a worker receives it once (change it when the image changes).
        key: String,
        /// Names the exported files (`radlearn-features-<stem>-<config>.csv`); empty: after the first file.
        stem: String,
        files: Arc<Vec<NamedBytes>>,
        roi: FeatureRoi,
    },
}

/// The region of interest of [`FeatureSource::Files`].
#[derive(Clone)]
pub enum FeatureRoi {
    /// A mask file as opened (a label image on the image's grid, or an RTSTRUCT drawn on it by the worker) and the
    /// label to use (`None`: the mask's only one).
    File { file: Arc<NamedBytes>, label: Option<u8> },
    /// A label map on the image's grid (an RTSTRUCT already drawn, the student's segmentation): only the voxels of
    /// `label` (`None`: every non-zero voxel) are sent, as the box around them.
    Labels { mask: Arc<LabelMap>, label: Option<u8> },
}

impl FeatureSource {
    fn key(&self) -> String {
        match self {
            FeatureSource::Dataset(d) => format!("dataset:{}", d.id),
            FeatureSource::Files { key, .. } => format!("files:{key}"),
        }
    }

    /// The image and the region of interest (kind and label), to tell when the student picks another one.
    fn region_key(&self) -> String {
        match self {
            FeatureSource::Files { roi: FeatureRoi::File { label, .. }, .. } => format!("{} file {label:?}", self.key()),
            FeatureSource::Files { roi: FeatureRoi::Labels { label, .. }, .. } => format!("{} labels {label:?}", self.key()),
            FeatureSource::Dataset(_) => self.key(),
        }
    }

    fn file_stem(&self) -> String {
        match self {
            FeatureSource::Dataset(d) => d.id.clone(),
            FeatureSource::Files { stem, .. } if !stem.is_empty() => stem.clone(),
            FeatureSource::Files { files, .. } => {
                let name = files.first().map(|f| f.name.rsplit('/').next().unwrap_or(&f.name).to_string()).unwrap_or_default();
                let stem: String =
                    name.split('.').next().unwrap_or("").chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').collect();
                if stem.is_empty() {
                    "image".into()
                } else {
                    stem
                }
            }
        }
    }
}

/// What the panel is doing.
#[derive(Debug, Clone, PartialEq)]
enum Phase {
    Idle,
    Downloading { received: u64, total: Option<u64> },
    Starting,
    Running { done: u32, total: u32, family: String },
}

/// A finished extraction, as shown.
#[derive(Debug, Clone, PartialEq)]
struct Shown {
    computed: Computed,
    seconds: f64,
    config: String,
    stem: String,
}

/// The one-line description of a feature code (the engine's catalogue).
fn describe(feature_code: &str) -> Option<&'static str> {
    catalogue::describe(feature_code)
}

/// The family's description and the link to the lesson that teaches it, when this course has that lesson.
fn family_about(family_code: &str) -> Option<(&'static str, Option<(String, String)>)> {
    let info = catalogue::family_info(family_code)?;
    let lesson = crate::page::content::course()
        .lessons
        .iter()
        .find(|l| l.slug == info.lesson)
        .map(|l| (crate::page::route::Route::Lesson { slug: l.slug.clone(), anchor: None }.href(), l.title.clone()));
    Some((info.description, lesson))
}

/// The built-in configurations with their descriptions.
fn configs() -> Vec<(&'static str, String)> {
    BUILTINS.iter().map(|b| (b.name, b.description.to_string())).collect()
}

/// A downloaded sample: its id, image files and mask file.
type Downloaded = (String, Arc<Vec<NamedBytes>>, NamedBytes);

/// The panel's state: a `Copy` handle.
#[derive(Clone, Copy)]
struct Panel {
    phase: RwSignal<Phase>,
    shown: RwSignal<Option<Shown>>,
    error: RwSignal<Option<String>>,
    stopped: RwSignal<bool>,
    config: RwSignal<String>,
    /// The current computation (its download, then its worker job); a computation that is no longer current shows
    /// nothing.
    run: StoredValue<u64>,
    /// The worker; it keeps the last image it decoded (keyed by [`FeatureSource::key`]).
    client: StoredValue<WorkerClient, LocalStorage>,
    /// Downloaded sample files: (dataset id, image files, mask file).
    cache: StoredValue<Option<Downloaded>, LocalStorage>,
    started: StoredValue<f64>,
    stem: StoredValue<String>,
    on_done: StoredValue<Option<Callback<Computed>>>,
}

impl Panel {
    fn current(self, run: u64) -> bool {
        self.run.try_get_value() == Some(run)
    }

    fn fail(self, message: String) {
        self.error.set(Some(message));
        self.phase.set(Phase::Idle);
    }

    fn stop(self) {
        self.run.update_value(|r| *r += 1);
        if let Some(client) = self.client.try_with_value(Clone::clone) {
            client.stop();
        }
        self.phase.set(Phase::Idle);
        self.stopped.set(true);
    }

    fn done(self, result: Computed) {
        let seconds = (platform::now_ms() - self.started.get_value()) / 1000.0;
        self.phase.set(Phase::Idle);
        if let Some(cb) = self.on_done.get_value() {
            cb.run(result.clone());
        }
        self.shown.set(Some(Shown { computed: result, seconds, config: self.config.get_untracked(), stem: self.stem.get_value() }));
    }

    /// The image files and the mask of `source`, downloading a sample dataset once.
    async fn inputs(self, run: u64, source: &FeatureSource) -> Result<(Arc<Vec<NamedBytes>>, MaskData, Option<u8>), String> {
        match source {
            FeatureSource::Files { files, roi: FeatureRoi::File { file, label }, .. } => {
                Ok((files.clone(), MaskData::File(file.as_ref().clone()), *label))
            }
            FeatureSource::Files { files, roi: FeatureRoi::Labels { mask, label }, .. } => {
                let mask = MaskData::from_labels(mask, *label).ok_or_else(|| features_ui().empty_roi.to_string())?;
                Ok((files.clone(), mask, *label))
            }
            FeatureSource::Dataset(d) => {
                if let Some((_, files, mask)) = self.cache.with_value(|c| c.clone().filter(|c| c.0 == d.id)) {
                    return Ok((files, MaskData::File(mask), None));
                }
                let mask_name = d.mask.clone().ok_or_else(|| format!("the sample “{}” has no mask", d.title))?;
                let total = Some(d.total_bytes());
                let cancelled = move || !self.current(run);
                self.phase.set(Phase::Downloading { received: 0, total });
                let progress = |offset: u64| {
                    move |received: u64, _: Option<u64>| self.phase.set(Phase::Downloading { received: offset + received, total })
                };
                let image = platform::fetch_bytes(&d.url(&d.image), Some(d.image_bytes), progress(0), cancelled).await?;
                let mask = platform::fetch_bytes(&d.url(&mask_name), Some(d.mask_bytes), progress(d.image_bytes), cancelled).await?;
                let files = Arc::new(vec![NamedBytes { name: d.image.clone(), bytes: image }]);
                let mask = NamedBytes { name: mask_name, bytes: mask };
                self.cache.set_value(Some((d.id.clone(), files.clone(), mask.clone())));
                Ok((files, MaskData::File(mask), None))
            }
        }
    }

    async fn compute(self, source: FeatureSource) {
        let run = self.run.get_value() + 1;
        self.run.set_value(run);
        self.error.set(None);
        self.stopped.set(false);
        self.shown.set(None);
        self.started.set_value(platform::now_ms());
        self.stem.set_value(source.file_stem());
        let (files, mask, label) = match self.inputs(run, &source).await {
            Ok(inputs) => inputs,
            Err(e) => {
                if self.current(run) {
                    self.fail(e);
                }
                return;
            }
        };
        let Some(client) = self.client.try_with_value(Clone::clone) else { return };
        if !self.current(run) {
            return;
        }
        self.phase.set(Phase::Starting);
        let key = source.key();
        // The worker decodes an image once and keeps it for the next extractions of the same image.
        let send_image = !client.holds(&key);
        let config = ConfigSpec::Builtin(self.config.get_untracked());
        let progress: OnProgress = Rc::new(move |p| {
            if self.current(run) {
                self.phase.set(Phase::Running { done: p.done, total: p.total, family: p.step });
            }
        });
        let requests = |job| {
            let image = send_image.then(|| Request::Image { job, files: Cow::Borrowed(files.as_slice()) });
            image.into_iter().chain([Request::Extract { job, mask: Cow::Borrowed(&mask), label, config }]).collect()
        };
        let outcome = client.run(requests, Some(progress), Some(key)).await;
        if !self.current(run) {
            return;
        }
        match outcome {
            Ok(WorkerResponse::Done { result, .. }) => self.done(result),
            Ok(_) => self.fail("the worker answered something else than features".into()),
            Err(JobError::Cancelled) => {}
            Err(JobError::Failed(message)) => self.fail(message),
        }
    }
}

/// Radiomics features of `source`: configuration chooser, Compute/Stop with progress, results by family, export.
#[component]
pub fn FeaturePanel(
    /// The image and mask; `None` until the student has opened them.
    #[prop(into)]
    source: Signal<Option<FeatureSource>>,
    /// The built-in configuration chosen first.
    #[prop(default = "default".to_string(), into)]
    config: String,
    /// Whether the student may choose another configuration.
    #[prop(default = true)]
    choose_config: bool,
    /// Called with every finished extraction.
    #[prop(optional)]
    on_done: Option<Callback<Computed>>,
    /// Why there is nothing to compute while `source` is `None` (default: open an image and a mask first).
    #[prop(optional, into)]
    missing: Option<Signal<String>>,
) -> impl IntoView {
    let t = features_ui();
    let panel = Panel {
        phase: RwSignal::new(Phase::Idle),
        shown: RwSignal::new(None),
        error: RwSignal::new(None),
        stopped: RwSignal::new(false),
        config: RwSignal::new(config),
        run: StoredValue::new(0),
        client: StoredValue::new_local(WorkerClient::new()),
        cache: StoredValue::new_local(None),
        started: StoredValue::new(0.0),
        stem: StoredValue::new(String::new()),
        on_done: StoredValue::new(on_done),
    };
    let all_configs = configs();
    let descriptions = all_configs.clone();
    let description = move || {
        let c = panel.config.get();
        descriptions.iter().find(|(n, _)| *n == c).map(|(_, d)| d.clone()).unwrap_or_default()
    };
    let busy = move || panel.phase.get() != Phase::Idle;
    // Another image or region: the results shown (or being computed) are of the previous one.
    Effect::new(move |previous: Option<Option<String>>| {
        let now = source.with(|s| s.as_ref().map(FeatureSource::region_key));
        if previous.is_some_and(|p| p != now) {
            if panel.phase.get_untracked() != Phase::Idle {
                panel.stop();
            }
            panel.shown.set(None);
        }
        now
    });
    let compute = move |_| {
        if let Some(s) = source.get_untracked() {
            spawn_local(panel.compute(s));
        }
    };
    let config_select = choose_config.then(|| {
        let options = all_configs
            .iter()
            .map(|(name, _)| {
                let name = name.to_string();
                let selected = {
                    let name = name.clone();
                    move || panel.config.get() == name
                };
                view! { <option value=name.clone() selected=selected>{name.clone()}</option> }
            })
            .collect_view();
        view! {
            <label class="feature-config">{t.configuration}" "
                <select data-testid="feature-config" prop:disabled=busy
                    on:change=move |ev| { panel.config.set(event_target_value(&ev)); panel.shown.set(None); }>{options}</select>
            </label>
        }
    });
    let fixed_config =
        (!choose_config).then(|| view! { <p class="feature-config">{t.configuration}": "<code>{move || panel.config.get()}</code></p> });

    let status = move || match panel.phase.get() {
        Phase::Idle => None,
        phase => {
            let (value, max, text) = match phase {
                Phase::Downloading { received, total } => (
                    received as f64,
                    total.unwrap_or(0).max(1) as f64,
                    format!(
                        "{}: {} {} {}",
                        t.downloading,
                        radlearn_engine::io::error::human_bytes(received),
                        t.of,
                        total.map(radlearn_engine::io::error::human_bytes).unwrap_or_default()
                    ),
                ),
                Phase::Running { done, total, family } if total > 0 => (
                    done as f64,
                    total as f64,
                    format!("{}: {family} ({} {} {} {total})", t.computing, t.step, (done + 1).min(total), t.of),
                ),
                _ => (0.0, 1.0, t.starting.to_string()),
            };
            Some(view! {
                <div class="feature-progress" data-testid="feature-progress" role="status">
                    <progress max=max value=value></progress>
                    <span class="feature-progress-text">{text}</span>
                    <button type="button" class="secondary" data-testid="feature-stop" on:click=move |_| panel.stop()>{t.stop}</button>
                    <p class="muted small">{t.responsive}</p>
                </div>
            })
        }
    };

    view! {
        <section class="feature-panel" data-testid="feature-panel" aria-label=t.title>
            <div class="feature-controls">
                {config_select}
                {fixed_config}
                <button type="button" data-testid="feature-compute" on:click=compute
                    prop:disabled=move || busy() || source.with(Option::is_none)>
                    {move || if panel.shown.with(Option::is_some) { t.compute_again } else { t.compute }}
                </button>
            </div>
            <p class="feature-config-description muted" data-testid="feature-config-description">{description}</p>
            {move || source.with(Option::is_none).then(|| {
                let text = missing.map(|m| m.get()).unwrap_or_else(|| t.no_input.to_string());
                view! { <p class="muted feature-missing" data-testid="feature-missing">{text}</p> }
            })}
            {status}
            {move || panel.stopped.get().then(|| view! { <p class="feature-stopped" data-testid="feature-stopped" role="status">{t.stopped}</p> })}
            {move || panel.error.get().map(|e| view! {
                <div class="widget-error" role="alert" data-testid="feature-error"><p>{t.failed}</p><p class="muted">{e}</p></div>
            })}
            {move || panel.shown.get().map(results_view)}
        </section>
    }
}

/// The results: a summary, export buttons and one collapsible table per family.
fn results_view(shown: Shown) -> impl IntoView {
    let t = features_ui();
    let c = &shown.computed;
    let mut families: Vec<(String, String, Vec<Row>)> = Vec::new();
    for row in &c.rows {
        match families.last_mut() {
            Some(f) if f.1 == row.family_code => f.2.push(row.clone()),
            _ => families.push((row.family.clone(), row.family_code.clone(), vec![row.clone()])),
        }
    }
    let open = RwSignal::new(families.first().map(|f| f.1.clone()).into_iter().collect::<Vec<String>>());
    let all_codes: Vec<String> = families.iter().map(|f| f.1.clone()).collect();
    let name = format!("radlearn-features-{}-{}", shown.stem, shown.config);
    let (csv, json) = (c.csv.clone(), c.json.clone());
    let (csv_name, json_name) = (format!("{name}.csv"), format!("{name}.json"));
    // The "About" column only when some feature has a description (see `describe`).
    let with_about = c.rows.iter().any(|r| describe(&r.feature_code).is_some());
    let sections = families
        .into_iter()
        .map(|(family, code, rows)| {
            let n = rows.len();
            let code_open = code.clone();
            let code_toggle = code.clone();
            let body = rows.into_iter().map(|r| row_view(r, with_about)).collect_view();
            let about = family_about(&code).map(|(description, lesson)| {
                view! {
                    <p class="feature-family-about muted">{description}
                        {lesson.map(|(href, title)| view! { " "<a href=href>{format!("{} {title}", t.lesson_link)}</a> })}
                    </p>
                }
            });
            view! {
                <details class="feature-family" data-family=code.clone() prop:open=move || open.with(|o| o.contains(&code_open))
                    on:toggle=move |ev| {
                        let is_open = event_target::<web_sys::HtmlElement>(&ev).has_attribute("open");
                        open.update(|o| {
                            o.retain(|c| c != &code_toggle);
                            if is_open { o.push(code_toggle.clone()); }
                        });
                    }>
                    <summary><span class="family-name">{family}</span>" "<code>{code.clone()}</code><span class="muted">{format!(" · {}", t.values.count(n))}</span></summary>
                    {about}
                    <div class="table-scroll">
                        <table class="feature-table">
                            <thead><tr><th scope="col">{t.code}</th><th scope="col">{t.aggregation}</th><th scope="col">{t.feature}</th><th scope="col" class="num">{t.value}</th>{with_about.then(|| view! { <th scope="col">{t.about}</th> })}</tr></thead>
                            <tbody>{body}</tbody>
                        </table>
                    </div>
                </details>
            }
        })
        .collect_view();
    view! {
        <div class="feature-results" data-testid="feature-results">
            <p class="feature-summary" data-testid="feature-summary">
                {format!("{} {} {:.1} {} · {} {} {}", c.rows.len(), t.values_in, shown.seconds, t.seconds, c.roi_voxels, t.voxels_of_label, c.label)}
            </p>
            <div class="feature-actions">
                <button type="button" class="secondary" data-testid="feature-csv"
                    on:click=move |_| { let _ = platform::download(&csv_name, "text/csv", &csv); }>{t.download_csv}</button>
                <button type="button" class="secondary" data-testid="feature-json"
                    on:click=move |_| { let _ = platform::download(&json_name, "application/json", &json); }>{t.download_json}</button>
                <button type="button" class="link" on:click=move |_| open.set(all_codes.clone())>{t.expand_all}</button>
                <button type="button" class="link" on:click=move |_| open.set(Vec::new())>{t.collapse_all}</button>
            </div>
            {sections}
        </div>
    }
}

fn row_view(row: Row, with_about: bool) -> impl IntoView {
    let t = features_ui();
    let value = match export::display(row.value) {
        Some(text) => view! { <span>{text}</span> }.into_any(),
        None => view! { <span class="undefined" title=t.undefined_help tabindex="0">{t.undefined}</span> }.into_any(),
    };
    let name = if row.variant.is_empty() { row.feature.clone() } else { format!("{} ({})", row.feature, row.variant) };
    let about = with_about.then(|| view! { <td class="muted feature-about">{describe(&row.feature_code)}</td> });
    let aggregation_name = catalogue::aggregation_name(&row.aggregation_code).unwrap_or_default();
    view! {
        <tr data-code=row.feature_code.clone() data-aggregation=row.aggregation_code.clone() data-variant=row.variant.clone()
            data-value=row.value.to_string()>
            <td><code>{row.feature_code.clone()}</code></td>
            <td>{(!row.aggregation_code.is_empty()).then(|| view! { <code title=aggregation_name>{row.aggregation_code.clone()}</code> })}</td>
            <td>{name}</td>
            <td class="num">{value}</td>
            {about}
        </tr>
    }
}

/// The value of the feature a check asks about.
fn checked_value(check: &FeatureCheck, c: &Computed) -> Option<f64> {
    c.rows
        .iter()
        .find(|r| r.feature_code == check.feature && check.aggregation.as_ref().is_none_or(|a| &r.aggregation_code == a))
        .map(|r| r.value)
}

fn quiz(check: &FeatureCheck, answer: f64, tolerance: f64) -> Quiz {
    Quiz {
        id: check.id.clone(),
        question: check.question.clone().unwrap_or_default(),
        explanation: String::new(),
        hint: String::new(),
        shuffle: false,
        kind: QuizKind::Numeric { answer, tolerance, unit: None },
    }
}

/// The `feature-table` exercise: the panel on a sample dataset, and its graded question if any.
#[component]
pub fn FeatureTable(
    /// Checked parameters.
    params: FeatureTableParams,
    /// The lesson's slug, for saving answers.
    lesson: String,
) -> impl IntoView {
    let dataset = match datasets::datasets().and_then(|all| {
        all.into_iter()
            .find(|d| d.id == params.dataset)
            .ok_or_else(|| format!("the sample dataset “{}” is not in this build", params.dataset))
    }) {
        Ok(d) => d,
        Err(e) => return view! { <crate::page::exercises::WidgetError message=e/> }.into_any(),
    };
    let t = features_ui();
    let u = ui();
    let store = use_store();
    let computed: RwSignal<Option<Computed>> = RwSignal::new(None);
    let check = params.check.clone();
    let saved =
        check.as_ref().and_then(|c| store.progress.with_untracked(|p| p.lessons.get(&lesson).and_then(|l| l.quizzes.get(&c.id)).cloned()));
    let verdict: RwSignal<Option<(bool, Option<f64>)>> = RwSignal::new(saved.as_ref().map(|r| (r.correct, None)));
    let text = RwSignal::new(match saved.as_ref().map(|r| &r.response) {
        Some(Response::Numeric(x)) if check.as_ref().is_some_and(|c| c.question.is_some()) => x.to_string(),
        _ => String::new(),
    });
    let input_error = RwSignal::new(None::<String>);

    let grade = {
        let (check, lesson) = (check.clone(), lesson.clone());
        move |response: Response, computed_value: f64| -> Option<Grade> {
            let check = check.as_ref()?;
            let (answer, tolerance) = check.answer(computed_value);
            let graded = quiz(check, answer, tolerance).grade(&response).ok()?;
            store.record(&lesson, &check.id, response, graded.correct);
            Some(graded)
        }
    };
    // Without a question, the computed value itself is checked against `expected`.
    let on_done = {
        let (check, grade) = (check.clone(), grade.clone());
        Callback::new(move |c: Computed| {
            if let Some(check) = check.as_ref().filter(|c| c.question.is_none()) {
                match checked_value(check, &c) {
                    Some(v) => {
                        let g = grade(Response::Numeric(v), v);
                        verdict.set(g.map(|g| (g.correct, Some(v))));
                    }
                    None => verdict.set(None),
                }
            }
            computed.set(Some(c));
        })
    };
    let source = Signal::derive(move || Some(FeatureSource::Dataset(dataset.clone())));
    let question = check.clone().map(|check| {
        let id = format!("feature-check-{}", check.id);
        let feature_label = match &check.aggregation {
            Some(a) => format!("{} ({a})", check.feature),
            None => check.feature.clone(),
        };
        let check_for_submit = check.clone();
        let submit = move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let Some(c) = computed.get_untracked() else {
                return input_error.set(Some(t.compute_first.to_string()));
            };
            let Some(value) = checked_value(&check_for_submit, &c) else {
                return input_error.set(Some(format!("{} {}", t.feature_missing, check_for_submit.feature)));
            };
            let Some(x) = parse_number(&text.get_untracked()) else {
                return input_error.set(Some(u.not_a_number.to_string()));
            };
            input_error.set(None);
            verdict.set(grade(Response::Numeric(x), value).map(|g| (g.correct, None)));
        };
        let result = move || {
            verdict.get().map(|(correct, computed_value)| {
                let (cls, label) = if correct { ("result correct", u.correct) } else { ("result incorrect", u.incorrect) };
                let detail = computed_value.map(|v| {
                    let expected = check.expected.and_then(export::display).unwrap_or_default();
                    let shown = export::display(v).unwrap_or_else(|| t.undefined.to_string());
                    let what = if correct { t.computed_matches } else { t.computed_differs };
                    format!(" {what}: {shown} ({} {expected}).", t.expected)
                });
                view! {
                    <p class=cls data-testid="feature-check-result" data-correct=correct.to_string()>
                        <span aria-hidden="true">{if correct { "✓ " } else { "✗ " }}</span>{label}{detail}
                    </p>
                }
            })
        };
        match check.question.clone() {
            Some(q) => view! {
                <form class="feature-check quiz" on:submit=submit novalidate data-testid="feature-check">
                    <p class="question"><span class="quiz-label">{u.question}</span>" "{q}" "<code>{feature_label}</code></p>
                    <div class="numeric">
                        <label for=id.clone()>{u.your_answer}</label>
                        <input id=id type="text" inputmode="decimal" autocomplete="off" prop:value=move || text.get()
                            on:input=move |ev| { text.set(event_target_value(&ev)); verdict.set(None); }/>
                        <button type="submit">{u.check_answer}</button>
                    </div>
                    {move || input_error.get().map(|e| view! { <p class="input-error" role="alert">{e}</p> })}
                    <div aria-live="polite">{result}</div>
                </form>
            }
            .into_any(),
            None => view! {
                <div class="feature-check" data-testid="feature-check">
                    <p class="muted">{t.check_computed}": "<code>{feature_label}</code></p>
                    <div aria-live="polite">{result}</div>
                </div>
            }
            .into_any(),
        }
    });
    view! {
        <div class="feature-table-widget">
            <FeaturePanel source=source config=params.config.clone() choose_config=params.choose_config on_done=on_done/>
            {question}
        </div>
    }
    .into_any()
}
