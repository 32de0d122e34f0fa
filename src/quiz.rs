//! A graded question: single choice, multiple choice or numeric. Grading is
//! `radlearn_course::Quiz::grade`; every answer is saved at once.

use leptos::prelude::*;
use radlearn_course::{parse_number, Choice, Grade, Quiz, QuizKind, Response};

use crate::store::use_store;
use crate::strings::ui;

/// One quiz of a lesson.
#[component]
pub fn QuizView(
    /// Slug of the lesson, for saving.
    lesson: String,
    /// The compiled quiz.
    quiz: Quiz,
) -> impl IntoView {
    let t = ui();
    let store = use_store();
    let saved = store.progress.with_untracked(|p| p.lessons.get(&lesson).and_then(|l| l.quizzes.get(&quiz.id)).cloned());
    let selected = RwSignal::new(match saved.as_ref().map(|r| &r.response) {
        Some(Response::Single(i)) => vec![*i],
        Some(Response::Multiple(v)) => v.clone(),
        _ => vec![],
    });
    let text = RwSignal::new(match saved.as_ref().map(|r| &r.response) {
        Some(Response::Numeric(x)) => x.to_string(),
        _ => String::new(),
    });
    let attempts = RwSignal::new(saved.as_ref().map_or(0, |r| r.attempts));
    let result: RwSignal<Option<Result<Grade, String>>> =
        RwSignal::new(saved.as_ref().map(|r| quiz.grade(&r.response).map_err(|e| e.to_string())));
    let input_error = RwSignal::new(None::<&'static str>);

    let quiz_id = quiz.id.clone();
    let kind = quiz.kind.clone();
    let q_for_check = quiz.clone();
    let check = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let response = match &kind {
            QuizKind::Single { .. } => match selected.get_untracked().first() {
                Some(&i) => Response::Single(i),
                None => return input_error.set(Some(t.pick_one)),
            },
            QuizKind::Multiple { .. } => {
                let v = selected.get_untracked();
                if v.is_empty() {
                    return input_error.set(Some(t.pick_all));
                }
                Response::Multiple(v)
            }
            QuizKind::Numeric { .. } => match parse_number(&text.get_untracked()) {
                Some(x) => Response::Numeric(x),
                None => return input_error.set(Some(t.not_a_number)),
            },
        };
        input_error.set(None);
        let graded = q_for_check.grade(&response);
        if let Ok(g) = &graded {
            store.record(&lesson, &quiz_id, response, g.correct);
            attempts.update(|a| *a += 1);
        }
        result.set(Some(graded.map_err(|e| e.to_string())));
    };

    let name = format!("quiz-{}", quiz.id);
    let multiple = matches!(quiz.kind, QuizKind::Multiple { .. });
    let body = match &quiz.kind {
        QuizKind::Single { choices } | QuizKind::Multiple { choices } => {
            let items =
                choices.iter().enumerate().map(|(i, c)| choice_view(i, c.clone(), &name, multiple, selected, result)).collect_view();
            view! {
                <p class="quiz-hint">{if multiple { t.pick_all } else { t.pick_one }}</p>
                <ul class="choices">{items}</ul>
            }
            .into_any()
        }
        QuizKind::Numeric { unit, .. } => {
            let id = format!("{name}-input");
            view! {
                <div class="numeric">
                    <label for=id.clone()>{t.your_answer}</label>
                    <input id=id type="text" inputmode="decimal" autocomplete="off" prop:value=move || text.get()
                        on:input=move |ev| { text.set(event_target_value(&ev)); result.set(None); }/>
                    {unit.clone().map(|u| view! { <span class="unit">{u}</span> })}
                </div>
            }
            .into_any()
        }
    };

    let explanation = quiz.explanation.clone();
    let status = move || {
        result.get().map(|r| match r {
            Ok(g) => {
                let (cls, label) = if g.correct { ("result correct", t.correct) } else { ("result incorrect", t.incorrect) };
                let expl = explanation.clone();
                view! {
                    <div class=cls data-testid="quiz-result" data-correct=g.correct.to_string()>
                        <p class="verdict"><span aria-hidden="true">{if g.correct { "✓ " } else { "✗ " }}</span>{label}
                            <span class="attempts">{move || format!(" · {} {}", attempts.get(), t.attempts)}</span></p>
                        {(!expl.is_empty()).then(|| view! {
                            <div class="explanation"><h4>{t.explanation}</h4><div inner_html=expl></div></div>
                        })}
                    </div>
                }
                .into_any()
            }
            Err(e) => view! { <div class="result incorrect" data-testid="quiz-result"><p>{e}</p></div> }.into_any(),
        })
    };

    view! {
        <section class="quiz" data-testid=format!("quiz-{}", quiz.id) aria-labelledby=format!("{name}-q")>
            <form on:submit=check novalidate>
                <fieldset>
                    <legend id=format!("{name}-q") class="question">
                        <span class="quiz-label">{t.question}</span>
                        <span inner_html=quiz.question.clone()></span>
                    </legend>
                    {body}
                </fieldset>
                <div class="quiz-actions">
                    <button type="submit">{t.check_answer}</button>
                    {move || input_error.get().map(|e| view! { <p class="input-error" role="alert">{e}</p> })}
                </div>
                <div aria-live="polite">{status}</div>
            </form>
        </section>
    }
}

fn choice_view(
    i: usize,
    c: Choice,
    name: &str,
    multiple: bool,
    selected: RwSignal<Vec<usize>>,
    result: RwSignal<Option<Result<Grade, String>>>,
) -> impl IntoView {
    let id = format!("{name}-{i}");
    let is_selected = move || selected.with(|s| s.contains(&i));
    let on_change = move |_| {
        selected.update(|s| {
            if multiple {
                if let Some(p) = s.iter().position(|&k| k == i) {
                    s.remove(p);
                } else {
                    s.push(i);
                }
            } else {
                *s = vec![i];
            }
        });
        result.set(None);
    };
    // After grading, chosen options show whether they were right and their feedback.
    let graded = move || result.with(|r| matches!(r, Some(Ok(g)) if g.chosen.contains(&i)));
    let correct = c.correct;
    let feedback = c.feedback.clone();
    view! {
        <li class="choice" class:chosen-correct=move || graded() && correct class:chosen-wrong=move || graded() && !correct>
            <input type=if multiple { "checkbox" } else { "radio" } id=id.clone() name=name.to_string()
                prop:checked=is_selected on:change=on_change/>
            <label for=id inner_html=c.text.clone()></label>
            {move || (graded() && !feedback.is_empty()).then(|| {
                let f = feedback.clone();
                view! { <div class="feedback" inner_html=f></div> }
            })}
        </li>
    }
}
