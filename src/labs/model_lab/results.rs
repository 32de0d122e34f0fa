//! What the supervised panel's runs found: the last cross-validation (ROC, confusion matrix with its cases,
//! calibration, importances, the runs so far), the nested cross-validation and the learning curve.

use std::sync::Arc;

use leptos::prelude::*;
use radlearn_engine::ml::eval::{Confusion, CvReport, Hyper, LearningPoint, NestedReport};
use radlearn_engine::ml::plot::{self, Curve};
use radlearn_engine::ml::{table, Dataset};
use radlearn_engine::radiomics::export;
use wasm_bindgen::JsCast;

use super::fields::PlotFigure;
use crate::strings::model_ui;

/// A finished cross-validation, kept to compare runs.
#[derive(Clone, PartialEq)]
pub(super) struct Run {
    pub(super) number: usize,
    pub(super) model: String,
    pub(super) leaky: bool,
    /// One train/test split rather than k folds.
    pub(super) holdout: bool,
    pub(super) select: Option<usize>,
    pub(super) report: Arc<CvReport>,
    pub(super) dataset: Arc<Dataset>,
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

/// The confusion matrix's cell (its `data-cell`) an event happened in, if any.
fn cell_at(target: Option<web_sys::EventTarget>) -> Option<String> {
    target
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .and_then(|e| e.closest("[data-cell]").ok().flatten())
        .and_then(|e| e.get_attribute("data-cell"))
}

/// The last run's results (plots, metrics, the cases of a clicked confusion cell) and the table of all runs.
#[component]
pub(super) fn CvResults(runs: RwSignal<Vec<Run>>, selected_cell: RwSignal<Option<String>>) -> impl IntoView {
    let m = model_ui();
    move || {
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
        let on_cell = move |ev: leptos::ev::MouseEvent| {
            let cell = cell_at(ev.target());
            if cell.is_some() {
                selected_cell.set(cell);
            }
        };
        let on_cell_key = move |ev: leptos::ev::KeyboardEvent| {
            if ev.key() == "Enter" || ev.key() == " " {
                let cell = cell_at(ev.target());
                if cell.is_some() {
                    ev.prevent_default();
                    selected_cell.set(cell);
                }
            }
        };
        let leak_note = run.leaky.then(|| view! { <p class="ml-warning" role="note" data-testid="cv-leaky-note">{m.leaky_note}</p> });
        let selected_note =
            run.select.map(|k| view! { <p class="muted small">{format!("{} {k} {}", m.selected_note_a, m.selected_note_b)}</p> });
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
                        <dl class="ml-metrics" data-testid="cv-metrics">{metrics(cm)}</dl>
                        <ConfusionCases confusion=report.confusion.clone() scores=report.scores.clone() dataset=ds selected_cell=selected_cell/>
                    </div>
                    <PlotFigure svg=calibration_svg name="radlearn-calibration" testid="plot-calibration"/>
                    {importance_svg.map(|svg| view! { <PlotFigure svg=svg name="radlearn-importances" testid="plot-importances"/> })}
                </div>
                <h3>{m.runs}</h3>
                <div class="table-scroll"><table class="feature-table" data-testid="cv-runs">
                    <thead><tr><th scope="col">"#"</th><th scope="col">{m.model}</th><th scope="col">{m.leaky_short}</th><th scope="col" class="num">"AUC"</th><th scope="col" class="num">{m.ci}</th></tr></thead>
                    <tbody>{history(&all)}</tbody>
                </table></div>
            </div>
        })
    }
}

/// The threshold metrics of a confusion matrix, as `<dt>`/`<dd>` pairs.
fn metrics(cm: &Confusion) -> impl IntoView {
    let m = model_ui();
    let metrics = [
        (m.accuracy, cm.accuracy()),
        (m.sensitivity, cm.sensitivity()),
        (m.specificity, cm.specificity()),
        (m.precision, cm.precision()),
        (m.f1, cm.f1()),
    ];
    metrics
        .iter()
        .map(|(name, v)| view! { <div><dt>{*name}</dt><dd>{export::display(*v).map(|_| format!("{v:.3}")).unwrap_or_else(|| "—".into())}</dd></div> })
        .collect_view()
}

/// The runs so far, newest first, as table rows.
fn history(all: &[Run]) -> impl IntoView {
    let m = model_ui();
    all.iter()
        .rev()
        .map(|r| {
            let ci = r.report.auc_ci;
            view! { <tr data-leaky=r.leaky.to_string()><td>{r.number}</td><td>{r.model.clone()}</td><td>{if r.leaky { m.yes } else { m.no }}</td>
                <td class="num">{format!("{:.3}", r.report.auc)}</td><td class="num">{format!("{:.3} – {:.3}", ci[0], ci[1])}</td></tr> }
        })
        .collect_view()
}

/// The cases of the selected confusion cell: id, truth, site and score.
#[component]
fn ConfusionCases(confusion: Confusion, scores: Vec<f64>, dataset: Arc<Dataset>, selected_cell: RwSignal<Option<String>>) -> impl IntoView {
    let m = model_ui();
    move || {
        let cell = selected_cell.get()?;
        let (indices, title) = match cell.as_str() {
            "tp" => (&confusion.tp, m.cell_tp),
            "fp" => (&confusion.fp, m.cell_fp),
            "tn" => (&confusion.tn, m.cell_tn),
            "fn" => (&confusion.fn_, m.cell_fn),
            _ => return None,
        };
        let ds = &dataset;
        let site = ds.meta_column("site");
        let rows = indices
            .iter()
            .map(|&i| {
                let id = ds.ids.get(i).cloned().unwrap_or_default();
                let class = if ds.y.get(i).copied().unwrap_or(false) { &ds.classes[1] } else { &ds.classes[0] };
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
    }
}

/// The nested cross-validation's estimate, the naive best and the AUC over the tuned hyperparameter's grid.
#[component]
pub(super) fn NestedResults(nested: RwSignal<Option<(NestedReport, Hyper, Vec<f64>)>>) -> impl IntoView {
    let m = model_ui();
    move || {
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
    }
}

/// The learning curve: training and test AUC by training-set size.
#[component]
pub(super) fn LearningResults(learning: RwSignal<Option<Vec<LearningPoint>>>) -> impl IntoView {
    let m = model_ui();
    move || {
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
    }
}
