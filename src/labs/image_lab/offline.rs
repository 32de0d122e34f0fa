//! Keeping a sample dataset for offline use, in the cache the service worker answers from.

use std::future::Future;

use leptos::prelude::*;
use leptos::task::spawn_local;
use radlearn_course::datasets::Dataset;
use radlearn_engine::io::error::human_bytes;

use crate::platform;
use crate::strings::ui;

/// Where a sample dataset stands for offline use.
#[derive(Debug, Clone, PartialEq)]
enum Kept {
    Checking,
    No,
    Working,
    Yes,
    Failed(String),
}

/// Shows the change `op` (keeping or removing the files) as working, then as `done` or its error.
fn change(state: RwSignal<Kept>, op: impl Future<Output = Result<(), String>> + 'static, done: Kept) {
    state.set(Kept::Working);
    spawn_local(async move {
        let next = match op.await {
            Ok(()) => done,
            Err(e) => Kept::Failed(e),
        };
        let _ = state.try_set(next);
    });
}

/// "Keep for offline use" (with the dataset's size) for a sample dataset, or, once kept, a note and "Remove": the
/// files go into the browser's cache that the service worker answers from offline (`platform::keep_offline`).
#[component]
pub(super) fn KeepOffline(dataset: Dataset) -> impl IntoView {
    let t = ui();
    let urls = dataset.urls();
    let size = human_bytes(dataset.total_bytes());
    let id = dataset.id.clone();
    let state = RwSignal::new(Kept::Checking);
    {
        let urls = urls.clone();
        spawn_local(async move {
            let kept = platform::kept_offline(&urls).await;
            let _ = state.try_update(|s| {
                if *s == Kept::Checking {
                    *s = if kept { Kept::Yes } else { Kept::No };
                }
            });
        });
    }
    let keep = {
        let urls = urls.clone();
        move |_: leptos::ev::MouseEvent| {
            let urls = urls.clone();
            change(state, async move { platform::keep_offline(&urls).await }, Kept::Yes);
        }
    };
    let remove = move |_: leptos::ev::MouseEvent| {
        let urls = urls.clone();
        change(state, async move { platform::forget_offline(&urls).await }, Kept::No);
    };
    let testid = format!("keep-{id}");
    view! {
        <span class="keep-offline" data-testid=testid data-state=move || match state.get() {
            Kept::Yes => "kept",
            Kept::Working | Kept::Checking => "working",
            _ => "not-kept",
        }>
            {move || match state.get() {
                Kept::Yes => view! {
                    <span>
                        <span class="muted">{format!("{} ({size}). ", t.lab_kept)}</span>
                        <button type="button" class="secondary" data-testid="keep-remove" on:click=remove.clone()>{t.lab_keep_remove}</button>
                    </span>
                }.into_any(),
                Kept::Working | Kept::Checking => view! { <span class="muted" role="status">{t.lab_keep_working}</span> }.into_any(),
                Kept::No | Kept::Failed(_) => view! {
                    <button type="button" class="secondary" data-testid="keep-add" on:click=keep.clone()>
                        {format!("{} ({size})", t.lab_keep)}
                    </button>
                }.into_any(),
            }}
            {move || match state.get() {
                Kept::Failed(e) => Some(view! { <span class="file-problems" role="alert">" "{e}</span> }),
                _ => None,
            }}
        </span>
    }
}
