//! The Image Lab (`#/lab`): open a sample dataset (downloaded from this site when opened, with progress) or the
//! student's own files (read in the browser, never uploaded), then look at them in the multiplanar viewer with a
//! mask overlay, segment them ([`SegmentPanel`]: the student's own mask, compared with the reference) and compute
//! features.

use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use radlearn_engine::image::mask::label_counts;
use radlearn_engine::image::view::LabelStyle;
use radlearn_engine::io::error::human_bytes;
use radlearn_engine::{LabelMap, Volume};
use wasm_bindgen::JsCast;

use crate::labs::features::{FeaturePanel, FeatureRoi, FeatureSource};
use crate::labs::segment::{SegmentPanel, SegmentState};
use crate::labs::viewer::{OutlineToggle, OverlaySettings, Viewer};
use crate::platform::{self, PickedFile};
use crate::strings::{sentence, ui};
use crate::worker::client::WorkerClient;
use crate::worker::decoder::Cancelled;
use crate::worker::protocol::NamedBytes;
use radlearn_course::datasets::{self, Dataset};
use radlearn_engine::io::open::FileProblem;

/// What the lab is busy with.
#[derive(Debug, Clone, PartialEq)]
enum Busy {
    Idle,
    Downloading {
        what: String,
        received: u64,
        total: Option<u64>,
    },
    Reading {
        what: String,
        done: usize,
        total: usize,
    },
    /// Decoding in the worker; `(done, total)` files of a series read so far, when known.
    Decoding(String, Option<(u32, u32)>),
}

/// An image on show, and where it came from.
#[derive(Clone)]
struct Shown {
    name: String,
    volume: Arc<Volume>,
    source: Option<Dataset>,
    /// The files it was read from, as they are (shared, never copied): the feature worker decodes them itself.
    files: Arc<Vec<NamedBytes>>,
    /// Tells this image apart from the others shown on this page (the feature worker receives each image once).
    key: u64,
}

/// The file the mask on show was read from, if any (an RTSTRUCT of a DICOM series has none of its own).
#[derive(Clone)]
struct MaskFile {
    /// The mask read from `file`: the file is only used while this mask is the one on show.
    mask: Arc<LabelMap>,
    file: Arc<NamedBytes>,
}

/// The lab's state: a `Copy` handle of signals.
#[derive(Clone, Copy)]
struct LabState {
    shown: RwSignal<Option<Shown>>,
    overlay: OverlaySettings,
    busy: RwSignal<Busy>,
    /// Incremented by every new request and by Cancel: a task whose number is no longer current stops.
    generation: RwSignal<u64>,
    /// Problems with the student's own files, shown under the file pickers.
    problems: RwSignal<Vec<FileProblem>>,
    /// A sample that could not be downloaded or read, shown under the samples.
    sample_problem: RwSignal<Option<FileProblem>>,
    notes: RwSignal<Vec<String>>,
    mask_problem: RwSignal<Option<FileProblem>>,
    /// The file of the mask on show, for the feature worker.
    mask_file: RwSignal<Option<MaskFile>>,
    open_panel: RwSignal<bool>,
    /// Decodes images in a worker (started on first use, terminated by Cancel).
    decoder: StoredValue<WorkerClient, LocalStorage>,
}

impl LabState {
    fn new() -> Self {
        LabState {
            shown: RwSignal::new(None),
            overlay: OverlaySettings::new(),
            busy: RwSignal::new(Busy::Idle),
            generation: RwSignal::new(0),
            problems: RwSignal::new(Vec::new()),
            sample_problem: RwSignal::new(None),
            notes: RwSignal::new(Vec::new()),
            mask_problem: RwSignal::new(None),
            mask_file: RwSignal::new(None),
            open_panel: RwSignal::new(true),
            decoder: StoredValue::new_local(WorkerClient::new()),
        }
    }

    /// The decoder (a shared handle), while the page is mounted.
    fn decoder(self) -> Option<WorkerClient> {
        self.decoder.try_with_value(Clone::clone)
    }

    /// Shows that the worker decodes `what`, with the files of a series read so far, for request `g`.
    fn decoding(self, g: u64, what: String) -> crate::worker::client::OnProgress {
        self.busy.set(Busy::Decoding(what.clone(), None));
        crate::worker::decoder::on_files(move |done, total| {
            if self.current(g) {
                self.busy.set(Busy::Decoding(what.clone(), Some((done, total))));
            }
        })
    }

    /// Starts a new request: cancels any running one and clears old messages; returns its number.
    fn begin(self) -> u64 {
        if let Some(d) = self.decoder() {
            d.stop();
        }
        let g = self.generation.get_untracked().wrapping_add(1);
        self.generation.set(g);
        self.problems.set(Vec::new());
        self.sample_problem.set(None);
        self.notes.set(Vec::new());
        self.mask_problem.set(None);
        g
    }

    /// True while request `g` is the current one (and the page is still mounted).
    fn current(self, g: u64) -> bool {
        self.generation.try_get_untracked() == Some(g)
    }

    /// Stops what is running: a download stops at its next chunk, a decoding terminates the worker.
    fn cancel(self) {
        if let Some(d) = self.decoder() {
            d.stop();
        }
        self.generation.update(|g| *g = g.wrapping_add(1));
        self.busy.set(Busy::Idle);
    }

    /// Shows an image read from `files`, with a mask (and the file it was read from, if any).
    fn show(
        self,
        name: String,
        volume: Volume,
        files: Vec<NamedBytes>,
        mask: Option<(LabelMap, Option<NamedBytes>)>,
        source: Option<Dataset>,
    ) {
        let (mask, file) = match mask {
            Some((m, f)) => (Some(Arc::new(m)), f),
            None => (None, None),
        };
        self.set_mask(mask, file);
        let key = self.generation.get_untracked();
        self.shown.set(Some(Shown { name, volume: Arc::new(volume), source, files: Arc::new(files), key }));
        self.open_panel.set(false);
    }

    /// Draws `mask` (read from `file`, if any) over the image.
    fn set_mask(self, mask: Option<Arc<LabelMap>>, file: Option<NamedBytes>) {
        self.overlay.style.set(LabelStyle::default());
        self.mask_file.set(mask.clone().zip(file).map(|(mask, file)| MaskFile { mask, file: Arc::new(file) }));
        self.overlay.mask.set(mask);
    }
}

/// Downloads a sample dataset with progress, then decodes it.
async fn open_sample(lab: LabState, g: u64, d: Dataset) {
    let total = Some(d.total_bytes());
    // The worker starts while the files download.
    let Some(decoder) = lab.decoder() else { return };
    decoder.warm();
    let progress = |offset: u64, what: String| {
        move |received: u64, _total: Option<u64>| {
            if lab.current(g) {
                lab.busy.set(Busy::Downloading { what: what.clone(), received: offset + received, total });
            }
        }
    };
    let cancelled = move || !lab.current(g);
    let fail = |file: &str, message: String| {
        if lab.current(g) {
            lab.sample_problem.set(Some(FileProblem { file: file.to_string(), message }));
            lab.busy.set(Busy::Idle);
        }
    };
    let image = match platform::fetch_bytes(&d.url(&d.image), Some(d.image_bytes), progress(0, d.title.clone()), cancelled).await {
        Ok(b) => NamedBytes { name: d.image.clone(), bytes: b },
        Err(e) => return fail(&d.image, e),
    };
    let mask = match &d.mask {
        Some(m) => match platform::fetch_bytes(&d.url(m), Some(d.mask_bytes), progress(d.image_bytes, d.title.clone()), cancelled).await {
            Ok(b) => Some(NamedBytes { name: m.clone(), bytes: b }),
            Err(e) => return fail(m, e),
        },
        None => None,
    };
    if !lab.current(g) {
        return;
    }
    lab.decoding(g, d.title.clone());
    let decoded = decoder.decode_sample(&d, &image, mask.as_ref()).await;
    if !lab.current(g) {
        return;
    }
    let s = match decoded {
        Err(Cancelled) => return,
        Ok(Ok(s)) => s,
        Ok(Err(p)) => return fail(&p.file, p.message),
    };
    if let Some(p) = s.mask_problem {
        lab.mask_problem.set(Some(p));
    }
    lab.notes.set(s.notes);
    let mask = s.mask.map(|m| (m, mask));
    lab.show(d.title.clone(), s.volume, vec![image], mask, Some(d));
    lab.busy.set(Busy::Idle);
}

/// Reads the student's files, then opens them as one image.
async fn open_files(lab: LabState, g: u64, files: Vec<PickedFile>) {
    let n = files.len();
    let mut loaded = Vec::with_capacity(n);
    let mut problems = Vec::new();
    for (k, f) in files.iter().enumerate() {
        lab.busy.set(Busy::Reading { what: f.name.clone(), done: k, total: n });
        match platform::read_file_bytes(&f.file).await {
            Ok(b) => loaded.push(NamedBytes { name: f.name.clone(), bytes: b }),
            Err(message) => problems.push(FileProblem { file: f.name.clone(), message }),
        }
        if !lab.current(g) {
            return;
        }
    }
    let what = if n == 1 { files.first().map(|f| f.name.clone()).unwrap_or_default() } else { format!("{n} {}", ui().lab_files) };
    if !loaded.is_empty() {
        let Some(decoder) = lab.decoder() else { return };
        let progress = lab.decoding(g, what.clone());
        let opened = decoder.open(&loaded, &what, progress).await;
        if !lab.current(g) {
            return;
        }
        match opened {
            // Superseded by a mask opened meanwhile (which terminated the worker): that request reports instead.
            Err(Cancelled) => return,
            Ok(Ok(o)) => {
                problems.extend(o.skipped);
                lab.notes.set(o.notes);
                lab.show(o.image.name, o.image.volume, loaded, o.mask.map(|m| (m, None)), None);
            }
            Ok(Err(p)) => problems.extend(p),
        }
    }
    lab.problems.set(problems);
    lab.busy.set(Busy::Idle);
}

/// Reads a mask file and draws it over the image on show.
async fn open_mask(lab: LabState, file: PickedFile) {
    let Some(shown) = lab.shown.get_untracked() else { return };
    let Some(decoder) = lab.decoder() else { return };
    let g = lab.generation.get_untracked();
    lab.mask_problem.set(None);
    lab.busy.set(Busy::Reading { what: file.name.clone(), done: 0, total: 1 });
    let bytes = match platform::read_file_bytes(&file.file).await {
        Ok(b) => b,
        Err(message) => {
            lab.mask_problem.set(Some(FileProblem { file: file.name, message }));
            lab.busy.set(Busy::Idle);
            return;
        }
    };
    if !lab.current(g) {
        return;
    }
    lab.decoding(g, file.name.clone());
    let mask_file = NamedBytes { name: file.name, bytes };
    let opened = decoder.open_mask(&shown.files, &mask_file).await;
    if !lab.current(g) {
        return;
    }
    match opened {
        Err(Cancelled) => return,
        Ok(Ok((mask, notes))) => {
            lab.set_mask(Some(Arc::new(mask)), Some(mask_file));
            lab.notes.update(|n| n.extend(notes));
        }
        Ok(Err(p)) => lab.mask_problem.set(Some(p)),
    }
    lab.busy.set(Busy::Idle);
}

fn input_of(ev: &leptos::ev::Event) -> Option<web_sys::HtmlInputElement> {
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

/// A region of interest the features can be computed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Region {
    /// A label of the mask on show (the reference).
    Reference(u8),
    /// The student's own segmentation.
    Mine,
}

impl Region {
    fn value(self) -> String {
        match self {
            Region::Reference(l) => format!("reference-{l}"),
            Region::Mine => "mine".into(),
        }
    }
}

/// Radiomics features of the image on show (the feature panel, computing in a worker that receives the image's
/// original files): of a label of the mask on show or of the student's segmentation, as the student chooses.
#[component]
fn FeaturesCard(lab: LabState, shown: Shown, segmentation: SegmentState) -> impl IntoView {
    let f = crate::strings::features_ui();
    let student = segmentation.student_mask();
    let voxels = segmentation.student_voxels();
    // The labels of the mask on show that hold voxels, with their names.
    let reference_labels = Memo::new(move |_| {
        lab.overlay.mask.with(|m| {
            m.as_ref()
                .map(|m| {
                    let counts = label_counts(m);
                    m.names.iter().filter(|(l, _)| counts[usize::from(*l)] > 0).cloned().collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    });
    let regions = Memo::new(move |_| {
        let mut r: Vec<(Region, String)> =
            reference_labels.get().into_iter().map(|(l, name)| (Region::Reference(l), format!("{name} ({})", f.reference))).collect();
        if voxels.get() > 0 {
            r.push((Region::Mine, f.my_segmentation.to_string()));
        }
        r
    });
    let chosen = RwSignal::new(None::<Region>);
    // The chosen region while it exists, else the first one.
    let region = Memo::new(move |_| {
        let c = chosen.get();
        regions.with(|r| c.filter(|c| r.iter().any(|(x, _)| x == c)).or_else(|| r.first().map(|(x, _)| *x)))
    });
    let Shown { files, key, source, .. } = shown;
    let stem = source.map(|d| d.id).unwrap_or_default();
    let key = key.to_string();
    // Derived, not memoised: the source holds the masks only while the panel reads it, so the student's edits
    // still change their mask in place.
    let source = Signal::derive(move || {
        let roi = match region.get()? {
            Region::Mine => FeatureRoi::Labels { mask: student.get()?, label: None },
            Region::Reference(l) => {
                let mask = lab.overlay.mask.get()?;
                match lab.mask_file.get() {
                    Some(m) if Arc::ptr_eq(&m.mask, &mask) => FeatureRoi::File { file: m.file, label: Some(l) },
                    _ => FeatureRoi::Labels { mask, label: Some(l) },
                }
            }
        };
        Some(FeatureSource::Files { key: key.clone(), stem: stem.clone(), files: files.clone(), roi })
    });
    let missing = Signal::derive(move || {
        let has_mask = lab.overlay.mask.with(Option::is_some);
        if has_mask && reference_labels.with(Vec::is_empty) {
            f.mask_empty.to_string()
        } else if student.with(Option::is_some) && voxels.get() == 0 {
            f.segmentation_empty.to_string()
        } else {
            f.no_roi.to_string()
        }
    });
    let chooser = move || {
        let all = regions.get();
        if all.len() < 2 {
            return all.first().map(|(_, name)| {
                view! { <p class="feature-region" data-testid="feature-region-text">{f.region}": "{name.clone()}</p> }.into_any()
            });
        }
        let options = all
            .into_iter()
            .map(|(r, name)| view! { <option value=r.value() selected=move || region.get() == Some(r)>{name}</option> })
            .collect_view();
        Some(
            view! {
                <label class="feature-region">{f.region}" "
                    <select data-testid="feature-region" on:change=move |ev| {
                        let v = event_target_value(&ev);
                        chosen.set(regions.with_untracked(|r| r.iter().map(|(x, _)| *x).find(|x| x.value() == v)));
                    }>{options}</select>
                </label>
            }
            .into_any(),
        )
    };
    view! {
        <section class="lab-card lab-features" data-testid="lab-features">
            <h2>{f.title}</h2>
            {chooser}
            <FeaturePanel source=source missing=missing />
        </section>
    }
}

/// The mask: open a file, show or hide regions, opacity and outline.
#[component]
fn MaskPanel(lab: LabState) -> impl IntoView {
    let t = ui();
    let overlay = lab.overlay;
    let regions = move || {
        overlay.mask.get().map(|m| {
            let counts = label_counts(&m);
            m.names
                .iter()
                .map(|(l, name)| {
                    let l = *l;
                    let [r, g, b] = overlay.style.with_untracked(|s| s.colours[usize::from(l)]);
                    let visible = move || overlay.style.with(|s| s.visible[usize::from(l)]);
                    view! {
                        <li>
                            <label>
                                <input type="checkbox" prop:checked=visible data-testid=format!("region-{l}")
                                    on:change=move |_| overlay.style.update(|s| s.visible[usize::from(l)] = !s.visible[usize::from(l)])/>
                                <span class="swatch" style=format!("background: rgb({r}, {g}, {b})")></span>
                                {name.clone()}
                                <span class="muted">{format!(" · {}", t.lab_voxels.count(counts[usize::from(l)]))}</span>
                            </label>
                        </li>
                    }
                })
                .collect_view()
        })
    };
    let on_opacity = move |ev: leptos::ev::Event| {
        if let Ok(v) = event_target_value(&ev).parse::<f32>() {
            overlay.opacity.set(v)
        }
    };
    view! {
        <section class="mask-panel lab-card" data-testid="mask-panel">
            <h2>{t.lab_mask}</h2>
            {move || overlay.mask.with(|m| m.is_none()).then(|| view! { <p class="muted">{t.lab_no_mask}</p> })}
            <ul class="regions" aria-label=t.lab_regions>{regions}</ul>
            <div class="mask-controls">
                <label>{t.lab_opacity}" "
                    <input type="range" min="0" max="1" step="0.05" data-testid="mask-opacity" prop:value=move || overlay.opacity.get().to_string()
                        on:input=on_opacity />
                </label>
                <OutlineToggle overlay=overlay testid="mask-outline" label=t.lab_outline/>
                <label class="button secondary file-button">{t.lab_open_mask}
                    // No `accept` filter, as for images: an RTSTRUCT may have no extension.
                    <input type="file" data-testid="pick-mask"
                        on:change=move |ev| {
                            if let Some(f) = input_of(&ev).and_then(|i| platform::take_input_files(&i).into_iter().next()) {
                                spawn_local(open_mask(lab, f));
                            }
                        }/>
                </label>
            </div>
            {move || lab.mask_problem.get().map(|p| view! {
                <p class="file-problems" role="alert" data-testid="mask-problem"><code>{p.file}</code>": "{p.message}</p>
            })}
        </section>
    }
}

/// Where a sample dataset stands for offline use.
#[derive(Debug, Clone, PartialEq)]
enum Kept {
    Checking,
    No,
    Working,
    Yes,
    Failed(String),
}

/// "Keep for offline use" (with the dataset's size) for a sample dataset, or, once kept, a note and "Remove": the
/// files go into the browser's cache that the service worker answers from offline (`platform::keep_offline`).
#[component]
fn KeepOffline(dataset: Dataset) -> impl IntoView {
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
            state.set(Kept::Working);
            spawn_local(async move {
                let next = match platform::keep_offline(&urls).await {
                    Ok(()) => Kept::Yes,
                    Err(e) => Kept::Failed(e),
                };
                let _ = state.try_set(next);
            });
        }
    };
    let remove = move |_: leptos::ev::MouseEvent| {
        let urls = urls.clone();
        state.set(Kept::Working);
        spawn_local(async move {
            let next = match platform::forget_offline(&urls).await {
                Ok(()) => Kept::No,
                Err(e) => Kept::Failed(e),
            };
            let _ = state.try_set(next);
        });
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
