//! Unknown routes: say so, and show where to go.

use leptos::prelude::*;

use crate::page::content::course;
use crate::page::route::lesson_href;
use crate::platform;
use crate::strings::ui;

/// Page for a route that does not exist. `message` overrides the default explanation.
#[component]
pub fn NotFound(
    /// The path that was asked for.
    path: String,
    /// A more specific explanation, if any.
    #[prop(optional)]
    message: Option<String>,
) -> impl IntoView {
    let t = ui();
    platform::set_title("RadLearn — page not found");
    let links = course().lessons.iter().map(|l| view! { <li><a href=lesson_href(&l.slug)>{l.title.clone()}</a></li> }).collect_view();
    view! {
        <article class="not-found" data-testid="not-found">
            <h1>{t.not_found_title}</h1>
            <p>{message.unwrap_or_else(|| t.not_found_text.to_string())}</p>
            <p class="muted"><code>{format!("#/{path}")}</code></p>
            <ul>{links}<li><a href="#/about">{t.nav_about}</a></li></ul>
            <p><a class="button" href="#/">{t.back_to_course}</a></p>
        </article>
    }
}
