//! The Model Lab (`#/models`): a cohort (synthetic, generated and measured in the worker, or an imported feature
//! table), then models evaluated honestly (supervised) or a look at the data's structure (unsupervised). The
//! cohort is kept for the session (app context), so a student can read a lesson and come back to it.
//!
//! The page and the `model-lab` / `pca-explorer` exercises are made of the same panels: `cohort` (a synthetic
//! cohort generated in the worker, or a feature table imported as CSV), `supervised` (models, cross-validation with
//! the leaky switch, nested CV, learning curve; their plots in `results`) and `explore` (PCA, k-means,
//! correlations), each running its jobs through a `runner::Runner`; `fields` holds the pieces they share. The UI
//! computes nothing: the engine (`radlearn_engine::ml::cohort`, `ml`) runs in the worker (`crate::worker`), and
//! the plots are the engine's SVG (`radlearn_engine::ml::plot`), shown as they will be exported.

mod cohort;
mod explore;
mod fields;
mod results;
mod runner;
mod supervised;

use leptos::prelude::*;
use radlearn_engine::ml::cohort::CohortSpec;

pub use self::cohort::{Cohort, CohortPanel};
pub use self::explore::{ExploreOutcome, ExplorePanel};
pub use self::runner::Runner;
pub use self::supervised::{RunOutcome, SupervisedPanel};
use crate::platform;
use crate::strings::model_ui;

/// The Model Lab page.
#[component]
pub fn Models() -> impl IntoView {
    platform::set_title("Model Lab — RadLearn");
    let m = model_ui();
    let cohort = use_context::<Cohort>().unwrap_or_default();
    let tab = RwSignal::new("supervised");
    let tab_button = move |id: &'static str, label: &'static str| {
        view! {
            <button type="button" role="tab" id=format!("tab-{id}") data-testid=format!("tab-{id}")
                aria-selected=move || (tab.get() == id).to_string() aria-controls=format!("panel-{id}")
                class:active=move || tab.get() == id on:click=move |_| tab.set(id)>{label}</button>
        }
    };
    view! {
        <article class="model-lab" data-testid="model-lab">
            <h1>{m.title}</h1>
            <p class="lead">{m.intro}</p>
            <CohortPanel cohort=cohort spec=CohortSpec::default()/>
            <div class="ml-tabs" role="tablist" aria-label=m.title>
                {tab_button("supervised", m.tab_supervised)}
                {tab_button("unsupervised", m.tab_unsupervised)}
            </div>
            <div id="panel-supervised" role="tabpanel" aria-labelledby="tab-supervised" hidden=move || tab.get() != "supervised">
                <SupervisedPanel cohort=cohort/>
            </div>
            <div id="panel-unsupervised" role="tabpanel" aria-labelledby="tab-unsupervised" hidden=move || tab.get() != "unsupervised">
                <ExplorePanel cohort=cohort color="site"/>
            </div>
        </article>
    }
}
