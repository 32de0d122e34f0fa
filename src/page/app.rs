//! The app shell: header, hash router, progress notices and footer.

use leptos::prelude::*;

use crate::page::lab_host::{LabHost, LabView};
use crate::page::route::Route;
use crate::page::store::Store;
use crate::page::{about::About, index::Index, lesson::LessonPage, not_found::NotFound};
use crate::platform;
use crate::strings::ui;

/// Root component.
#[component]
pub fn App() -> impl IntoView {
    let store = Store::load();
    provide_context(store);
    // Once the first page is up, fetch the labs module at low priority: it then opens at once, and offline too.
    set_timeout(crate::page::lab_host::prefetch, std::time::Duration::from_secs(3));
    let route = RwSignal::new(Route::parse(&platform::current_hash()));
    let handle = window_event_listener(leptos::ev::hashchange, move |_| {
        route.set(Route::parse(&platform::current_hash()));
    });
    on_cleanup(move || handle.remove());

    let page = move || match route.get() {
        Route::Index => view! { <Index/> }.into_any(),
        Route::About => view! { <About/> }.into_any(),
        // Both labs live in the labs module (see `crate::labs`), fetched the first time one is opened.
        Route::Lab => view! { <LabHost view=LabView::ImageLab/> }.into_any(),
        Route::Models => view! { <LabHost view=LabView::ModelLab/> }.into_any(),
        Route::Lesson { slug, anchor } => view! { <LessonPage slug=slug anchor=anchor/> }.into_any(),
        Route::NotFound(path) => view! { <NotFound path=path/> }.into_any(),
    };
    let t = ui();
    let current =
        move |r: Route| move || if std::mem::discriminant(&route.get()) == std::mem::discriminant(&r) { Some("page") } else { None };

    view! {
        <a class="skip-link" href="#main" on:click=|ev| { ev.prevent_default(); platform::scroll_to(Some("main")); }>{t.skip_to_content}</a>
        <header class="site-header">
            <nav class="site-nav" aria-label=t.main_nav>
                <a class="brand" href="#/">
                    <svg class="logo" viewBox="0 0 32 32" aria-hidden="true"><rect x="3" y="3" width="26" height="26" rx="6"/><circle cx="16" cy="16" r="7"/><path d="M16 9v14M9 16h14"/></svg>
                    <span>{t.app_name}</span>
                </a>
                <a href="#/" aria-current=current(Route::Index)>{t.nav_course}</a>
                <a href="#/lab" aria-current=current(Route::Lab)>{t.nav_lab}</a>
                <a href="#/models" aria-current=current(Route::Models)>{t.nav_models}</a>
                <a href="#/about" aria-current=current(Route::About)>{t.nav_about}</a>
            </nav>
        </header>
        <NoticeBar/>
        <main id="main" tabindex="-1">{page}</main>
        <footer class="site-footer"><p>{t.footer}" · "<a href="#/about">{t.nav_about}</a></p></footer>
    }
}

/// Shows what happened to saved progress, with a way to download what was set aside.
#[component]
fn NoticeBar() -> impl IntoView {
    let store = crate::page::store::use_store();
    let t = ui();
    move || {
        store.notice.get().map(|n| {
            let backup = n.backup.clone();
            view! {
                <div class="notice" class:error=n.is_error role="status" data-testid="progress-notice">
                    <p>{n.message.clone()}</p>
                    <div class="notice-actions">
                        {backup.map(|text| view! {
                            <button type="button" on:click=move |_| {
                                let _ = platform::download(&format!("radlearn-progress-backup-{}.json", platform::today()), "application/json", &text);
                            }>{t.download_backup}</button>
                        })}
                        <button type="button" class="secondary" on:click=move |_| store.notice.set(None)>{t.dismiss}</button>
                    </div>
                </div>
            }
        })
    }
}
