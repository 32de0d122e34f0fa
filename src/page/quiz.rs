//! A graded question: single choice, multiple choice or numeric. Grading is
//! `radlearn_course::Quiz::grade`; every answer is saved at once.
//!
//! What the student sees follows `radlearn_course::progress::QuizState`: after a wrong answer a hint (the author's,
//! or a generic one) and a "Show the answer" button; the worked explanation, which often holds the answer, only once
//! the quiz is solved or the student gave up. Choices are shown in the student's own order
//! (`Quiz::choice_order`), while answers keep the author's indices.

use leptos::prelude::*;
use radlearn_course::progress::QuizState;
use radlearn_course::{parse_number, Choice, Grade, Quiz, QuizKind, Response};

use crate::page::store::use_store;
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
    let (saved, student) = store
        .progress
        .with_untracked(|p| (p.lessons.get(&lesson).and_then(|l| l.quizzes.get(&quiz.id)).cloned(), p.student.clone().unwrap_or_default()));
    let selected = RwSignal::new(match saved.as_ref().map(|r| &r.response) {
        Some(Response::Single(i)) => vec![*i],
        Some(Response::Multiple(v)) => v.clone(),
        _ => vec![],
    });
    let text = RwSignal::new(match saved.as_ref().map(|r| &r.response) {
        Some(Response::Numeric(x)) => x.to_string(),
        _ => String::new(),
    });
    let result: RwSignal<Option<Result<Grade, String>>> =
        RwSignal::new(saved.as_ref().map(|r| quiz.grade(&r.response).map_err(|e| e.to_string())));
    let input_error = RwSignal::new(None::<&'static str>);
    let state = {
        let (lesson, id) = (lesson.clone(), quiz.id.clone());
        Memo::new(move |_| store.progress.with(|p| p.quiz_state(&lesson, &id)))
    };

    let quiz_id = quiz.id.clone();
    let kind = quiz.kind.clone();
    let q_for_check = quiz.clone();
    let lesson_for_check = lesson.clone();
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
            store.record(&lesson_for_check, &quiz_id, response, g.correct);
        }
        result.set(Some(graded.map_err(|e| e.to_string())));
    };

    let name = format!("quiz-{}", quiz.id);
    let multiple = matches!(quiz.kind, QuizKind::Multiple { .. });
    let gave_up = Signal::derive(move || matches!(state.get(), QuizState::GaveUp { .. }));
    let body = match &quiz.kind {
        QuizKind::Single { choices } | QuizKind::Multiple { choices } => {
            let items = quiz
                .choice_order(&student, &lesson)
                .into_iter()
                .filter_map(|i| choices.get(i).map(|c| (i, c.clone())))
                .map(|(i, c)| choice_view(i, c, &name, multiple, selected, result, gave_up))
                .collect_view();
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

    let status = verdict(result, state);
    let help = help(lesson.clone(), &quiz, state);

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
                <div aria-live="polite">{status}{help}</div>
            </form>
        </section>
    }
}

/// The verdict of the last answer, with the attempts so far.
fn verdict(result: RwSignal<Option<Result<Grade, String>>>, state: Memo<QuizState>) -> impl Fn() -> Option<AnyView> + Send + Sync {
    let t = ui();
    move || {
        result.get().map(|r| match r {
            Ok(g) => {
                let correct = g.correct;
                let (cls, label) = if correct { ("result correct", t.correct) } else { ("result incorrect", t.incorrect) };
                let detail = move || {
                    let (attempts, first_try) = match state.get() {
                        QuizState::Unanswered => (0, false),
                        QuizState::Trying { attempts } | QuizState::GaveUp { attempts } => (attempts, false),
                        QuizState::Solved { first_try, attempts } => (attempts, first_try),
                    };
                    let first = if first_try && correct { format!(" · {}", t.first_try) } else { String::new() };
                    format!(" · {}{first}", t.attempts.count(attempts as usize))
                };
                view! {
                    <div class=cls data-testid="quiz-result" data-correct=correct.to_string()>
                        <p class="verdict"><span aria-hidden="true">{if correct { "✓ " } else { "✗ " }}</span>{label}
                            <span class="attempts" data-testid="quiz-attempts">{detail}</span></p>
                    </div>
                }
                .into_any()
            }
            Err(e) => view! { <div class="result incorrect" data-testid="quiz-result"><p>{e}</p></div> }.into_any(),
        })
    }
}

/// What follows an answer: after a wrong one, a hint and the way out; once solved or given up, the explanation (and the
/// answer of a numeric quiz given up).
fn help(lesson: String, quiz: &Quiz, state: Memo<QuizState>) -> impl Fn() -> Option<AnyView> + Send + Sync {
    let t = ui();
    let store = use_store();
    let hint = if quiz.hint.is_empty() {
        let generic = if matches!(quiz.kind, QuizKind::Numeric { .. }) { t.hint_numeric } else { t.hint_choice };
        format!("<p>{generic}</p>")
    } else {
        quiz.hint.clone()
    };
    let explanation = quiz.explanation.clone();
    let answer = match &quiz.kind {
        QuizKind::Numeric { answer, unit, .. } => Some(format!("{answer}{}", unit.as_ref().map(|u| format!(" {u}")).unwrap_or_default())),
        _ => None,
    };
    let quiz_for_give_up = quiz.id.clone();
    move || match state.get() {
        QuizState::Unanswered => None,
        QuizState::Trying { .. } => {
            let (l, q) = (lesson.clone(), quiz_for_give_up.clone());
            Some(
                view! {
                    <div class="hint" data-testid="quiz-hint">
                        <h4>{t.hint}</h4>
                        <div inner_html=hint.clone()></div>
                        <button type="button" class="secondary" data-testid="show-answer" on:click=move |_| store.give_up(&l, &q)>
                            {t.show_answer}
                        </button>
                    </div>
                }
                .into_any(),
            )
        }
        s @ (QuizState::Solved { .. } | QuizState::GaveUp { .. }) => {
            let given_up = matches!(s, QuizState::GaveUp { .. });
            let expl = explanation.clone();
            let answer = answer.clone().filter(|_| given_up);
            Some(
                view! {
                    {given_up.then(|| view! { <p class="gave-up" data-testid="quiz-gave-up">{t.gave_up_note}</p> })}
                    {answer.map(|a| view! { <p class="answer" data-testid="quiz-answer"><strong>{t.right_option}": "</strong>{a}</p> })}
                    {(!expl.is_empty()).then(|| view! {
                        <div class="explanation" data-testid="quiz-explanation"><h4>{t.explanation}</h4><div inner_html=expl></div></div>
                    })}
                }
                .into_any(),
            )
        }
    }
}

fn choice_view(
    i: usize,
    c: Choice,
    name: &str,
    multiple: bool,
    selected: RwSignal<Vec<usize>>,
    result: RwSignal<Option<Result<Grade, String>>>,
    gave_up: Signal<bool>,
) -> impl IntoView {
    let t = ui();
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
    // Once the student gave up, the right options are marked.
    let revealed = move || correct && gave_up.get();
    let feedback = c.feedback.clone();
    view! {
        <li class="choice" class:chosen-correct=move || graded() && correct class:chosen-wrong=move || graded() && !correct
            class:right-option=revealed>
            <input type=if multiple { "checkbox" } else { "radio" } id=id.clone() name=name.to_string()
                prop:checked=is_selected on:change=on_change/>
            <label for=id inner_html=c.text.clone()></label>
            {move || revealed().then(|| view! { <span class="right-tag" data-testid="right-option">{t.right_option}</span> })}
            {move || (graded() && !feedback.is_empty()).then(|| {
                let f = feedback.clone();
                view! { <div class="feedback" inner_html=f></div> }
            })}
        </li>
    }
}
