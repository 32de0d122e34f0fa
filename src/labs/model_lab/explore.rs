//! The unsupervised panel: PCA scatter coloured by label, site or cluster; explained variance; k-means;
//! correlations and redundancy, computed in the worker.

use std::borrow::Cow;
use std::sync::Arc;

use leptos::prelude::*;
use radlearn_engine::ml::plot;
use radlearn_engine::ml::{table, Dataset};

use super::cohort::{distinct, Cohort};
use super::fields::{NumberField, Panel, PlotFigure};
use super::runner::{Runner, RunnerStatus};
use crate::strings::model_ui;
use crate::worker::protocol::{Exploration, ExploreSettings, Request, Response};

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
    let result: ExploreResult = RwSignal::new(None);
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

    view! {
        <Panel class="ml-panel" testid="explore-panel" title=m.explore_title>
            {controls}
            <div class="ml-results" data-testid="explore-results">
                <PcaScatter result=result color=color/>
                <ExploreDetails result=result cohort=cohort redundancy=redundancy editable=editable/>
            </div>
        </Panel>
    }
}

/// What an exploration found, with the dataset it explored.
type ExploreResult = RwSignal<Option<(Arc<Exploration>, Arc<Dataset>)>>;

/// The cases on the first two principal components, coloured by label, site or cluster.
#[component]
fn PcaScatter(result: ExploreResult, color: RwSignal<String>) -> impl IntoView {
    let m = model_ui();
    move || {
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
    }
}

/// The explained variance and agreement of clusters, the scree plot, the correlation heatmap and the features a
/// redundancy threshold keeps (which an editable view may keep as the cohort).
#[component]
fn ExploreDetails(result: ExploreResult, cohort: Cohort, redundancy: RwSignal<f64>, editable: bool) -> impl IntoView {
    let m = model_ui();
    move || {
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
    }
}
