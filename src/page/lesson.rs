//! A lesson page: header with objectives, table of contents, blocks, completion, previous/next.

use leptos::prelude::*;
use radlearn_course::Block;

use crate::page::content::{self, course};
use crate::page::exercises::WidgetHost;
use crate::page::not_found::NotFound;
use crate::page::quiz::QuizView;
use crate::page::route::{lesson_href, Route};
use crate::page::store::use_store;
use crate::platform;
use crate::strings::ui;

/// The page of one lesson.
#[component]
pub fn LessonPage(
    /// Lesson slug from the route.
    slug: String,
    /// Heading to scroll to, if the link pointed at one.
    anchor: Option<String>,
) -> impl IntoView {
    let t = ui();
    let Some(lesson) = content::lesson(&slug) else {
        return view! { <NotFound path=format!("lesson/{slug}") message=format!("{} “{slug}”.", t.unknown_lesson)/> }.into_any();
    };
    platform::set_title(&format!("{} — RadLearn", lesson.meta.title));
    platform::after_render(move || platform::scroll_to(anchor.as_deref()));
    let store = use_store();
    let meta = lesson.meta.clone();
    let lessons = &course().lessons;
    let pos = course().position(&slug).unwrap_or(0);
    let prev = pos.checked_sub(1).and_then(|i| lessons.get(i)).cloned();
    let next = lessons.get(pos + 1).cloned();

    // The table of contents is a sidebar on wide screens and a collapsed list under the
    // header on phones (CSS shows one of the two). The sidebar comes after the lesson in the tab order.
    let toc_items = || {
        lesson
            .toc
            .iter()
            .map(|e| {
                let href = Route::Lesson { slug: slug.clone(), anchor: Some(e.id.clone()) }.href();
                view! { <li class=format!("toc-{}", e.level)><a href=href>{e.text.clone()}</a></li> }
            })
            .collect_view()
    };
    let toc = toc_items();
    let toc_mobile = toc_items();

    let blocks = lesson
        .blocks
        .iter()
        .cloned()
        .map(|b| match b {
            Block::Html { html } => view! { <div class="prose" inner_html=html></div> }.into_any(),
            Block::Quiz(q) => view! { <QuizView lesson=slug.clone() quiz=q/> }.into_any(),
            Block::Exercise(x) => view! { <WidgetHost exercise=x lesson=slug.clone()/> }.into_any(),
        })
        .collect_view();

    let prereqs = meta
        .prerequisites
        .iter()
        .filter_map(|p| lessons.iter().find(|l| &l.slug == p))
        .map(|l| view! { <li><a href=lesson_href(&l.slug)>{l.title.clone()}</a></li> })
        .collect_view();
    let has_prereqs = !meta.prerequisites.is_empty();
    let objectives = meta.objectives.iter().map(|o| view! { <li>{o.clone()}</li> }).collect_view();

    let slug_done = slug.clone();
    let done = Memo::new(move |_| store.progress.with(|p| p.is_completed(&slug_done)));
    let quiz_ids: Vec<String> = lesson.quizzes().map(|q| q.id.clone()).collect();
    let slug_tally = slug.clone();
    let tally = Memo::new(move |_| store.progress.with(|p| p.tally(&slug_tally, quiz_ids.iter().map(String::as_str))));
    let slug_toggle = slug.clone();
    let toggle = move |_| store.set_completed(&slug_toggle, !done.get_untracked());

    view! {
        <div class="lesson-layout">
            <article class="lesson" lang=meta.language.clone() data-testid="lesson">
                <header class="lesson-header">
                    <p class="eyebrow">{format!("{} {} · {} {}", t.lesson, pos + 1, meta.minutes, t.minutes)}</p>
                    <h1>{meta.title.clone()}</h1>
                    <p class="summary">{meta.summary.clone()}</p>
                    <div class="objectives">
                        <h2>{t.objectives}</h2>
                        <ul>{objectives}</ul>
                        {has_prereqs.then(|| view! { <h2>{t.prerequisites}</h2><ul>{prereqs}</ul> })}
                    </div>
                    <details class="toc-mobile">
                        <summary>{t.on_this_page}</summary>
                        <ol>{toc_mobile}</ol>
                    </details>
                </header>
                {blocks}
                <footer class="lesson-footer">
                    {move || (tally.get().total > 0).then(|| {
                        let tl = tally.get();
                        view! {
                            <p class="lesson-tally" data-testid="lesson-tally">
                                {format!("{}: {} / {} {} · {}", t.lesson_quizzes, tl.correct, tl.total, t.quizzes_correct, crate::page::index::tally_text(tl))}
                            </p>
                        }
                    })}
                    <button type="button" class="complete" class:done=move || done.get() aria-pressed=move || done.get().to_string()
                        on:click=toggle data-testid="mark-complete">
                        {move || if done.get() { t.marked_complete } else { t.mark_complete }}
                    </button>
                    <nav class="prev-next" aria-label=t.lessons_nav>
                        {prev.map(|p| view! { <a class="prev" rel="prev" href=lesson_href(&p.slug)><span>{t.previous}</span>{p.title}</a> })}
                        {next.map(|n| view! { <a class="next" rel="next" href=lesson_href(&n.slug)><span>{t.next}</span>{n.title}</a> })}
                    </nav>
                </footer>
            </article>
            // After the lesson in the document, so that the keyboard reaches the text before some twenty contents
            // links; the stylesheet draws it on the left.
            <nav class="toc" aria-labelledby="toc-heading">
                <h2 id="toc-heading">{t.on_this_page}</h2>
                <ol>{toc}</ol>
            </nav>
        </div>
    }
    .into_any()
}
