//! Lesson 7's graded `model-lab` exercise (`honest-auc`), computed natively on the lesson's own cohort: the grade is
//! a nested cross-validation estimate, so the honest route reaches the target, and keeping the best of many plain
//! cross-validated runs is no longer what is graded.

use std::ops::ControlFlow;

use radlearn_course::compile::compile_course;
use radlearn_course::widgets::{ModelLabParams, WidgetParams};
use radlearn_course::Block;
use radlearn_engine::cohort::{self, CohortSpec};
use radlearn_engine::ml::eval::{cross_validate, nested_cv, tuning_grid, CvOptions};
use radlearn_engine::ml::model::ModelSpec;
use radlearn_engine::ml::Dataset;

fn go() -> impl FnMut(usize, usize) -> ControlFlow<()> {
    |_, _| ControlFlow::Continue(())
}

/// The exercise's parameters, from the shipped lesson.
fn exercise(id: &str) -> ModelLabParams {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let course = compile_course(&root, "lessons").expect("the lessons compile");
    course
        .lessons
        .iter()
        .flat_map(|l| &l.blocks)
        .find_map(|b| match b {
            Block::Exercise(x) => match &x.params {
                Ok(WidgetParams::ModelLab(p)) if p.check.as_ref().is_some_and(|c| c.id == id) => Some(p.clone()),
                _ => None,
            },
            _ => None,
        })
        .expect("the graded exercise is in a lesson")
}

fn cohort_of(p: &ModelLabParams) -> Dataset {
    let c = &p.cohort;
    let spec = CohortSpec {
        cases: c.cases as usize,
        seed: c.seed,
        prevalence: c.prevalence,
        signal: c.signal,
        sites: c.sites as usize,
        site_label_correlation: c.site_label_correlation,
        site_effect: c.site_effect,
    };
    cohort::generate(&spec, &cohort::extraction_config(), &mut go()).expect("the lesson's cohort generates")
}

#[test]
fn explore_numbers() {
    let p = exercise("honest-auc");
    let t = std::time::Instant::now();
    let ds = cohort_of(&p);
    eprintln!("cohort: {} cases x {} features in {:?}", ds.len(), ds.feature_names.len(), t.elapsed());
    for kind in &p.models {
        let spec = ModelSpec::default_for(kind).unwrap();
        for select in [None, Some(5), Some(10), Some(20)] {
            let opts = CvOptions { folds: p.folds as usize, select, bootstrap: 0, ..CvOptions::default() };
            let t = std::time::Instant::now();
            let plain = cross_validate(&ds, &spec, &opts, &mut go()).unwrap().auc;
            let nested = tuning_grid(&spec).map(|(h, g)| nested_cv(&ds, &spec, h, &g, &opts, &mut go()).unwrap());
            eprintln!(
                "{kind:12} select {select:?}: plain {plain:.3} nested {:?} naive-best {:?} chosen {:?} ({:?})",
                nested.as_ref().map(|n| (n.auc * 1000.0).round() / 1000.0),
                nested.as_ref().map(|n| (n.naive_best * 1000.0).round() / 1000.0),
                nested.as_ref().map(|n| n.chosen.clone()),
                t.elapsed()
            );
        }
    }
}
