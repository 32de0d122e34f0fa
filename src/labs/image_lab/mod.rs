//! The Image Lab (`#/lab`): open a sample dataset (downloaded from this site when opened, with progress) or the
//! student's own files (read in the browser, never uploaded), then look at them in the multiplanar viewer with a
//! mask overlay, segment them ([`SegmentPanel`]: the student's own mask, compared with the reference) and compute
//! features.
//!
//! The files: `state.rs` (the lab's state; opening a sample, files or a mask), `panels.rs` (the mask panel and the
//! features of the image on show), `offline.rs` (keeping a sample for offline use).

mod offline;
mod panels;
mod state;

use leptos::prelude::*;
use leptos::task::spawn_local;
use radlearn_course::datasets::{self, Dataset};
use radlearn_engine::io::error::human_bytes;
use radlearn_engine::io::open::FileProblem;
use wasm_bindgen::JsCast;

use crate::labs::segment::{SegmentPanel, SegmentState};
use crate::labs::viewer::Viewer;
use crate::platform::{self, PickedFile};
use crate::strings::{sentence, ui};

use self::offline::KeepOffline;
use self::panels::{FeaturesCard, MaskPanel};
use self::state::{open_files, open_sample, Busy, LabState};

pub(super) fn input_of(ev: &leptos::ev::Event) -> Option<web_sys::HtmlInputElement> {
    ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
}

/// The Image Lab page.
#[component]
pub fn Lab() -> impl IntoView {
    platform::set_title("Image Lab — RadLearn");
    let t = ui();
    let lab = LabState::new();
    // Leaving the page stops a decoding in progress (the worker ends with the page's decoder).
    on_cleanup(move || {
        if let Some(d) = lab.decoder() {
            d.stop();
        }
    });
    // Start the decoding worker once the page is drawn: its wasm downloads and compiles while the student picks
    // an image, so the first open does not wait for it.
    platform::after_render(move || {
        if let Some(d) = lab.decoder() {
            d.warm();
        }
    });
    view! {
        <article class="lab" class:has-image=move || lab.shown.with(|s| s.is_some()) data-testid="lab">
            <header class="lab-header">
                <div>
                    <h1>{t.lab_title}</h1>
                    <p class="muted lab-intro">{t.lab_intro}</p>
                </div>
                {move || lab.shown.with(|s| s.is_some()).then(|| view! {
                    <button type="button" class="secondary" aria-expanded=move || lab.open_panel.get().to_string()
                        data-testid="toggle-open" on:click=move |_| lab.open_panel.update(|o| *o = !*o)>
                        {move || if lab.open_panel.get() { t.lab_hide_open } else { t.lab_open_other }}
                    </button>
                })}
            </header>
            <BusyBar lab=lab/>
            <OpenPanel lab=lab/>
            <Notes lab=lab/>
            <ImageOnShow lab=lab/>
        </article>
    }
}

/// What the lab is busy with, with its progress and Cancel.
#[component]
fn BusyBar(lab: LabState) -> impl IntoView {
    let t = ui();
    move || {
        let b = lab.busy.get();
        let (text, value, max) = match &b {
            Busy::Idle => return None,
            Busy::Downloading { what, received, total } => (
                match total {
                    Some(t_) => format!("{} {what}: {} {} {}", t.lab_downloading, human_bytes(*received), t.lab_of, human_bytes(*t_)),
                    None => format!("{} {what}: {}", t.lab_downloading, human_bytes(*received)),
                },
                Some(*received as f64),
                total.map(|t| t as f64),
            ),
            Busy::Reading { what, done, total } => {
                (format!("{} {what} ({} {} {})", t.lab_reading, done + 1, t.lab_of, total), Some(*done as f64), Some(*total as f64))
            }
            Busy::Decoding(what, None) => (format!("{} {what}…", t.lab_decoding), None, None),
            &Busy::Decoding(ref what, Some((done, total))) => (
                format!("{} {what} ({} {} {total})…", t.lab_decoding, (done + 1).min(total), t.lab_of),
                Some(f64::from(done)),
                Some(f64::from(total)),
            ),
        };
        let bar = match (value, max) {
            (Some(v), Some(m)) if m > 0.0 => view! { <progress max=m value=v></progress> }.into_any(),
            _ => view! { <progress></progress> }.into_any(),
        };
        Some(view! {
            <div class="lab-progress" role="status" data-testid="lab-progress">
                <p>{text}</p>
                {bar}
                <button type="button" class="secondary" on:click=move |_| lab.cancel()>{t.lab_cancel}</button>
            </div>
        })
    }
}

/// What the engine noted while reading the image on show.
#[component]
fn Notes(lab: LabState) -> impl IntoView {
    let t = ui();
    move || {
        let n = lab.notes.get();
        (!n.is_empty()).then(|| {
            view! {
                <div class="lab-notes" data-testid="lab-notes">
                    <p><strong>{t.lab_notes}</strong></p>
                    <ul>{n.into_iter().map(|n| view! { <li>{sentence(&n)}</li> }).collect_view()}</ul>
                </div>
            }
        })
    }
}

/// Where an image is opened: the sample datasets and the student's own files (picked, a folder, or dropped).
#[component]
fn OpenPanel(lab: LabState) -> impl IntoView {
    let t = ui();
    let (datasets, list_error) = match datasets::datasets() {
        Ok(d) => (d, None),
        Err(e) => (Vec::new(), Some(e)),
    };
    let samples = datasets.into_iter().map(|d| view! { <SampleCard lab=lab dataset=d/> }).collect_view();
    view! {
        <div class="lab-open" prop:hidden=move || !lab.open_panel.get() data-testid="lab-open">
            <section class="lab-card">
                <h2>{t.lab_samples}</h2>
                <p class="muted">{t.lab_samples_help}</p>
                {list_error.map(|e| view! { <p class="file-problems" role="alert">{e}</p> })}
                <ul class="samples">{samples}</ul>
                {move || lab.sample_problem.get().map(|p| view! {
                    <p class="file-problems" role="alert" data-testid="sample-problem"><code>{p.file}</code>": "{p.message}</p>
                })}
            </section>
            <OwnFiles lab=lab/>
        </div>
    }
}

/// A sample dataset: its description and credit, Open (downloads it) and Keep for offline use.
#[component]
fn SampleCard(lab: LabState, dataset: Dataset) -> impl IntoView {
    let t = ui();
    let d = dataset;
    let id = d.id.clone();
    let dd = d.clone();
    view! {
        <li class="sample" data-testid=format!("sample-{id}")>
            <h3>{d.title.clone()}</h3>
            <p>{d.description.clone()}</p>
            <p class="muted sample-credit">
                {d.attribution.clone()}" "{t.lab_licence}": "<a href=d.licence_url.clone() rel="license noreferrer">{d.licence.clone()}</a>"."
            </p>
            <button type="button" data-testid=format!("open-{id}") on:click=move |_| {
                let g = lab.begin();
                spawn_local(open_sample(lab, g, dd.clone()));
            }>
                {t.lab_open}<span class="muted-on-accent">{format!(" ({} {})", human_bytes(d.total_bytes()), t.lab_download)}</span>
            </button>
            " "<KeepOffline dataset=d.clone()/>
        </li>
    }
}

/// The student's own files: picked, a folder, or dropped; and the problems with them.
#[component]
fn OwnFiles(lab: LabState) -> impl IntoView {
    let t = ui();
    let open_own = move |files: Vec<PickedFile>| {
        if files.is_empty() {
            return;
        }
        let g = lab.begin();
        spawn_local(open_files(lab, g, files));
    };
    // A drop may hold folders, read asynchronously; their files then open like picked ones.
    let on_drop = move |dropped: platform::Dropped| {
        spawn_local(async move {
            match platform::dropped_files(dropped).await {
                Ok(files) => open_own(files),
                Err(message) => lab.problems.set(vec![FileProblem { file: ui().lab_dropped_items.to_string(), message }]),
            }
        });
    };
    let dragging = RwSignal::new(false);
    // `webkitdirectory` (folder picking, in every current browser) is not an attribute the view macro knows.
    let folder_input = NodeRef::<leptos::html::Input>::new();
    Effect::new(move |_| {
        if let Some(input) = folder_input.get() {
            input.set_webkitdirectory(true);
        }
    });
    let problems_view = move || {
        let p = lab.problems.get();
        (!p.is_empty()).then(|| {
            view! {
                <div class="file-problems" role="alert" data-testid="file-problems">
                    <p><strong>{t.lab_problems}</strong></p>
                    <ul>{p.into_iter().map(|p| view! { <li><code>{p.file}</code>": "{p.message}</li> }).collect_view()}</ul>
                </div>
            }
        })
    };
    view! {
        <section class="lab-card">
            <h2>{t.lab_own_files}</h2>
            <p class="privacy" data-testid="files-stay">{t.lab_files_stay}</p>
            <div class="dropzone" class:dragging=move || dragging.get() data-testid="dropzone"
                on:dragover=move |ev| { ev.prevent_default(); dragging.set(true); }
                on:dragleave=move |_| dragging.set(false)
                on:drop=move |ev| { ev.prevent_default(); dragging.set(false); on_drop(platform::drop_items(&ev)); }>
                <p>{t.lab_drop_here}</p>
                <div class="actions">
                    <label class="button file-button">{t.lab_choose_files}
                        // No `accept` filter: DICOM files often have no extension (IM0001, UIDs), and some systems'
                        // pickers grey out every file that a filter does not list. Files are recognised by content.
                        <input type="file" multiple data-testid="pick-files"
                            on:change=move |ev| if let Some(i) = input_of(&ev) { open_own(platform::take_input_files(&i)) }/>
                    </label>
                    <label class="button secondary file-button">{t.lab_choose_folder}
                        <input type="file" node_ref=folder_input multiple data-testid="pick-folder"
                            on:change=move |ev| if let Some(i) = input_of(&ev) { open_own(platform::take_input_files(&i)) }/>
                    </label>
                </div>
                <p class="muted">{t.lab_formats}</p>
            </div>
            {problems_view}
        </section>
    }
}

/// The image on show: its name and geometry, the viewer, the mask panel, the segmentation and the features.
#[component]
fn ImageOnShow(lab: LabState) -> impl IntoView {
    let t = ui();
    move || {
        lab.shown.get().map(|s| {
            let g = &s.volume.geometry;
            let units = s.volume.meta.units.clone().map(|u| format!(" · {u}")).unwrap_or_default();
            let info = format!(
                "{} × {} × {} {} · {:.2} × {:.2} × {:.2} mm · {} · {}{units}",
                g.dims[0],
                g.dims[1],
                g.dims[2],
                t.lab_voxels.many,
                g.spacing[0],
                g.spacing[1],
                g.spacing[2],
                g.orientation_code(),
                s.volume.meta.format
            );
            let features = s.clone();
            // The student's own mask of this image (a new image starts a new one).
            let segmentation = SegmentState::new(s.volume.clone(), lab.overlay.mask, lab.overlay.outline);
            let credit = s.source.map(|d| {
                view! {
                    <p class="muted sample-credit">{t.lab_source}": "{d.attribution}" "{t.lab_licence}": "
                        <a href=d.licence_url rel="license noreferrer">{d.licence}</a>"."</p>
                }
            });
            view! {
                <div class="lab-current">
                    <h2 data-testid="image-name">{s.name.clone()}</h2>
                    <p class="muted" data-testid="image-info">{info}</p>
                    {credit}
                </div>
                <Viewer volume=s.volume.clone() overlay=lab.overlay editing=segmentation.editing()/>
                <MaskPanel lab=lab />
                <SegmentPanel state=segmentation />
                <FeaturesCard lab=lab shown=features segmentation=segmentation />
            }
        })
    }
}
