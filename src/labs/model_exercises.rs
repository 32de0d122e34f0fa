//! The `model-lab` and `pca-explorer` exercises: the Model Lab's panels on a synthetic cohort fixed by the lesson.
//! The student generates the cohort (in the worker, with progress), then works with it. A graded `model-lab` grades
//! the first nested cross-validation of the student's pipeline, once, and saves it like a quiz answer: plain
//! cross-validations are practice (keeping the best of many runs is the tuning trap lesson 7 warns about), and only
//! runs without the leaky switch count when the check is honest. A graded `pca-explorer` checks a number the student
//! reads off the plots.

use leptos::prelude::*;
use radlearn_course::widgets::{ModelCheck, ModelLabParams, PcaCheck, PcaExplorerParams};
use radlearn_course::Response;

use super::model_lab::{Cohort, CohortPanel, ExploreOutcome, ExplorePanel, RunOutcome, SupervisedPanel};
use crate::page::store::use_store;
use crate::strings::model_ui;

/// The saved answer of `id` in `lesson`, if any.
fn saved(lesson: &str, id: &str) -> Option<(Response, bool)> {
    let store = use_store();
    store.progress.with_untracked(|p| p.lessons.get(lesson).and_then(|l| l.quizzes.get(id)).map(|r| (r.response.clone(), r.correct)))
}

/// The `model-lab` exercise.
#[component]
pub fn ModelLabExercise(params: ModelLabParams, #[prop(into)] lesson: String) -> impl IntoView {
    let m = model_ui();
    let store = use_store();
    let cohort = Cohort::new();
    let check: StoredValue<Option<ModelCheck>> = StoredValue::new(params.check.clone());
    let lesson = StoredValue::new(lesson);
    // (AUC, passed, saved earlier)
    let verdict = RwSignal::new(params.check.as_ref().and_then(|c| match saved(&lesson.get_value(), &c.id) {
        Some((Response::Numeric(auc), correct)) => Some((auc, correct, true)),
        _ => None,
    }));
    let note = RwSignal::new(None::<&'static str>);
    let on_run = Callback::new(move |run: RunOutcome| {
        let Some(c) = check.get_value() else { return };
        if !c.counts(run.leaky) {
            note.set(Some(m.leaky_not_counted));
            return;
        }
        if run.holdout {
            note.set(Some(m.holdout_not_counted));
            return;
        }
        // Graded once: the first nested estimate is the grade, so that trying every model and keeping the best
        // cannot pass (a saved result from an earlier visit counts as that first run).
        if verdict.with_untracked(Option::is_some) {
            note.set(Some(m.graded_once));
            return;
        }
        if !run.nested {
            note.set(Some(m.practice_not_graded));
            return;
        }
        note.set(None);
        let Ok(grade) = c.quiz().grade(&Response::Numeric(run.auc)) else { return };
        store.record(&lesson.get_value(), &c.id, Response::Numeric(run.auc), grade.correct);
        verdict.set(Some((run.auc, grade.correct, false)));
    });
    let goal = params.check.as_ref().map(|c| {
        let honest = if c.honest { format!(" {}", m.honest_only) } else { String::new() };
        view! {
            <div class="ml-grade" data-testid="model-grade">
                <p><strong>{format!("{} {:.2}{honest}.", m.target_auc, c.target_auc)}</strong></p>
                <div aria-live="polite">
                    {move || verdict.get().map(|(auc, passed, was_saved)| {
                        let cls = if passed { "result correct" } else { "result incorrect" };
                        let prefix = if was_saved { format!("{}: ", m.saved) } else { format!("{}: ", m.graded_result) };
                        let mark = if passed { "✓ " } else { "✗ " };
                        let what = if passed { m.passed } else { m.below_goal };
                        view! { <p class=cls data-testid="model-grade-result" data-correct=passed.to_string()>{format!("{prefix}{mark}{what}: AUC {auc:.3}")}</p> }
                    })}
                    {move || verdict.with(Option::is_none).then(|| view! { <p class="muted">{m.run_first}</p> })}
                    {move || note.get().map(|n| view! { <p class="ml-warning" data-testid="model-grade-note">{n}</p> })}
                </div>
            </div>
        }
    });
    view! {
        <div class="ml-exercise" data-testid="model-lab-exercise">
            <CohortPanel cohort=cohort spec=params.cohort.clone() editable=false/>
            <SupervisedPanel cohort=cohort models=params.models.clone() model=params.model folds=params.folds as usize
                select=params.select.map(|k| k as usize) leaky_switch=params.leaky validation_choice=false on_run=on_run/>
            {goal}
        </div>
    }
}

/// The quantity `name` of a finished exploration (fractions, not percentages).
fn quantity(name: &str, o: &ExploreOutcome) -> Option<f64> {
    let ratio = |i: usize| o.explained_ratio.get(i).copied();
    match name {
        "pc1-variance" => ratio(0),
        "pc2-variance" => ratio(1),
        "pc12-variance" => Some(ratio(0)? + ratio(1)?),
        "kmeans-site-ari" => o.ari_site,
        "kmeans-label-ari" => Some(o.ari_label),
        _ => None,
    }
}

/// The `pca-explorer` exercise.
#[component]
pub fn PcaExplorerExercise(params: PcaExplorerParams, #[prop(into)] lesson: String) -> impl IntoView {
    let m = model_ui();
    let store = use_store();
    let cohort = Cohort::new();
    let check: StoredValue<Option<PcaCheck>> = StoredValue::new(params.check.clone());
    let lesson = StoredValue::new(lesson);
    let computed = RwSignal::new(None::<f64>);
    let answer = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    let verdict = RwSignal::new(params.check.as_ref().and_then(|c| match saved(&lesson.get_value(), &c.id) {
        Some((Response::Numeric(x), correct)) => Some((x, correct, true)),
        _ => None,
    }));
    let on_result = Callback::new(move |o: ExploreOutcome| {
        computed.set(check.with_value(|c| c.as_ref().and_then(|c| quantity(&c.quantity, &o))));
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(c) = check.get_value() else { return };
        let Some(value) = computed.get_untracked() else { return problem.set(Some(m.explore_first.to_string())) };
        let text = answer.get_untracked().trim().trim_end_matches('%').trim().replace(',', ".");
        let Ok(mut typed) = text.parse::<f64>() else { return problem.set(Some(m.not_a_number.to_string())) };
        // Variances are shown as percentages; a student who types 42 (%) means 0.42.
        if c.quantity.ends_with("variance") && typed > 1.5 {
            typed /= 100.0;
        }
        problem.set(None);
        if let Ok(g) = c.quiz(value).grade(&Response::Numeric(typed)) {
            store.record(&lesson.get_value(), &c.id, Response::Numeric(typed), g.correct);
            verdict.set(Some((typed, g.correct, false)));
        }
    };
    let question = params.check.as_ref().map(|c| {
        let q = c.question.clone();
        view! {
            <form class="ml-grade quiz" data-testid="pca-grade" on:submit=submit novalidate>
                <p class="question">{q}</p>
                <div class="numeric">
                    <label>{m.your_answer}" "
                        <input type="text" inputmode="decimal" data-testid="pca-answer" prop:value=move || answer.get()
                            on:input=move |ev| answer.set(event_target_value(&ev))/>
                    </label>
                    <button type="submit" data-testid="pca-check">{m.check}</button>
                </div>
                {move || problem.get().map(|p| view! { <p class="input-error" role="alert">{p}</p> })}
                <div aria-live="polite">{move || verdict.get().map(|(x, passed, was_saved)| {
                    let cls = if passed { "result correct" } else { "result incorrect" };
                    let prefix = if was_saved { format!("{}: ", m.saved) } else { String::new() };
                    let mark = if passed { "✓ " } else { "✗ " };
                    let what = if passed { m.passed } else { m.not_yet };
                    view! { <p class=cls data-testid="pca-grade-result" data-correct=passed.to_string()>{format!("{prefix}{mark}{what} ({x})")}</p> }
                })}</div>
            </form>
        }
    });
    view! {
        <div class="ml-exercise" data-testid="pca-explorer-exercise">
            <CohortPanel cohort=cohort spec=params.cohort.clone() editable=false/>
            <ExplorePanel cohort=cohort color=params.color.clone() clusters=params.clusters as usize standardise=params.standardise editable=false on_result=on_result/>
            {question}
        </div>
    }
}
