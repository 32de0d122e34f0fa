//! The cohort panel: a synthetic cohort generated in the worker (with progress and Stop), or a feature table
//! imported as CSV, and a summary of what is loaded.

use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use radlearn_engine::ml::cohort::CohortSpec;
use radlearn_engine::ml::{table, Dataset};
use wasm_bindgen::JsCast;

use super::fields::{NumberField, Panel};
use super::runner::{Runner, RunnerStatus};
use crate::platform;
use crate::strings::model_ui;
use crate::worker::protocol::{Request, Response};

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

/// The distinct values, sorted.
pub(super) fn distinct(values: &[String]) -> Vec<String> {
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
    view! {
        <Panel class="ml-panel ml-cohort" testid="cohort-panel" title=m.cohort_title>
            <Generator cohort=cohort spec=spec editable=editable/>
            {editable.then(|| view! { <TableImport cohort=cohort/> })}
            <Summary cohort=cohort/>
        </Panel>
    }
}

/// The synthetic cohort's settings (editable, or fixed in one line) and its Generate button.
#[component]
fn Generator(cohort: Cohort, spec: CohortSpec, editable: bool) -> impl IntoView {
    let m = model_ui();
    let runner = Runner::new();
    let cases = RwSignal::new(spec.cases as f64);
    let seed = RwSignal::new(spec.seed as f64);
    let signal = RwSignal::new(spec.signal);
    let sites = RwSignal::new(spec.sites as f64);
    let correlation = RwSignal::new(spec.site_label_correlation);
    let site_effect = RwSignal::new(spec.site_effect);
    let prevalence = RwSignal::new(spec.prevalence);
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
    view! {
        {form}
        {fixed}
        <p class="muted small">{m.cohort_help}</p>
        <div class="ml-actions">
            <button type="button" data-testid="cohort-generate" on:click=generate prop:disabled=move || busy.get()>
                {move || if cohort.dataset.with(Option::is_some) { m.generate_again } else { m.generate }}
            </button>
        </div>
        <RunnerStatus runner=runner testid="cohort"/>
    }
}

/// Guesses the label column: one with two values named like a label, else the first with two values.
fn guess_label(columns: &[table::Column]) -> String {
    let two: Vec<&table::Column> = columns.iter().filter(|c| c.distinct == 2).collect();
    two.iter()
        .find(|c| ["label", "class", "outcome", "target", "y"].contains(&c.name.to_lowercase().as_str()))
        .or(two.first())
        .map(|c| c.name.clone())
        .unwrap_or_default()
}

/// Imports a feature table: a CSV file is previewed, the student picks the label column, then loads it.
#[component]
fn TableImport(cohort: Cohort) -> impl IntoView {
    let m = model_ui();
    let import_error = RwSignal::new(None::<String>);
    // The picked file: its name, bytes (decoded by the engine, which detects the encoding) and preview.
    let table_file = RwSignal::new(None::<(String, Arc<Vec<u8>>, table::Preview)>);
    // How the last table was read and the columns it left out, shown once it is loaded.
    let import_notes = RwSignal::new(Vec::<String>::new());
    let label_column = RwSignal::new(String::new());

    let on_file = move |ev: leptos::ev::Event| {
        let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else { return };
        let Some(picked) = platform::take_input_files(&input).into_iter().next() else { return };
        import_error.set(None);
        spawn_local(async move {
            match platform::read_file_bytes(&picked.file).await {
                Ok(bytes) => match table::preview(&bytes) {
                    Ok(preview) => {
                        label_column.set(guess_label(&preview.columns));
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
}

/// What is loaded: its source, cases by class, features and sites, and its CSV download.
#[component]
fn Summary(cohort: Cohort) -> impl IntoView {
    let m = model_ui();
    move || {
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
    }
}
