//! The Image Lab's state (a `Copy` handle of signals) and how a sample, the student's files or a mask are opened
//! into it, decoded in the worker.

use std::sync::Arc;

use leptos::prelude::*;
use radlearn_course::datasets::Dataset;
use radlearn_engine::image::view::LabelStyle;
use radlearn_engine::io::open::FileProblem;
use radlearn_engine::{LabelMap, Volume};

use crate::labs::viewer::OverlaySettings;
use crate::platform::{self, PickedFile};
use crate::strings::ui;
use crate::worker::client::WorkerClient;
use crate::worker::decoder::Cancelled;
use crate::worker::protocol::NamedBytes;

/// What the lab is busy with.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Busy {
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
pub(super) struct Shown {
    pub(super) name: String,
    pub(super) volume: Arc<Volume>,
    pub(super) source: Option<Dataset>,
    /// The files it was read from, as they are (shared, never copied): the feature worker decodes them itself.
    pub(super) files: Arc<Vec<NamedBytes>>,
    /// Tells this image apart from the others shown on this page (the feature worker receives each image once).
    pub(super) key: u64,
}

/// The file the mask on show was read from, if any (an RTSTRUCT of a DICOM series has none of its own).
#[derive(Clone)]
pub(super) struct MaskFile {
    /// The mask read from `file`: the file is only used while this mask is the one on show.
    pub(super) mask: Arc<LabelMap>,
    pub(super) file: Arc<NamedBytes>,
}

/// The lab's state: a `Copy` handle of signals.
#[derive(Clone, Copy)]
pub(super) struct LabState {
    pub(super) shown: RwSignal<Option<Shown>>,
    pub(super) overlay: OverlaySettings,
    pub(super) busy: RwSignal<Busy>,
    /// Incremented by every new request and by Cancel: a task whose number is no longer current stops.
    pub(super) generation: RwSignal<u64>,
    /// Problems with the student's own files, shown under the file pickers.
    pub(super) problems: RwSignal<Vec<FileProblem>>,
    /// A sample that could not be downloaded or read, shown under the samples.
    pub(super) sample_problem: RwSignal<Option<FileProblem>>,
    pub(super) notes: RwSignal<Vec<String>>,
    pub(super) mask_problem: RwSignal<Option<FileProblem>>,
    /// The file of the mask on show, for the feature worker.
    pub(super) mask_file: RwSignal<Option<MaskFile>>,
    pub(super) open_panel: RwSignal<bool>,
    /// Decodes images in a worker (started on first use, terminated by Cancel).
    pub(super) decoder: StoredValue<WorkerClient, LocalStorage>,
}

impl LabState {
    pub(super) fn new() -> Self {
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
    pub(super) fn decoder(self) -> Option<WorkerClient> {
        self.decoder.try_with_value(Clone::clone)
    }

    /// Shows that the worker decodes `what`, with the files of a series read so far, for request `g`.
    pub(super) fn decoding(self, g: u64, what: String) -> crate::worker::client::OnProgress {
        self.busy.set(Busy::Decoding(what.clone(), None));
        crate::worker::decoder::on_files(move |done, total| {
            if self.current(g) {
                self.busy.set(Busy::Decoding(what.clone(), Some((done, total))));
            }
        })
    }

    /// Starts a new request: cancels any running one and clears old messages; returns its number.
    pub(super) fn begin(self) -> u64 {
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
    pub(super) fn current(self, g: u64) -> bool {
        self.generation.try_get_untracked() == Some(g)
    }

    /// Stops what is running: a download stops at its next chunk, a decoding terminates the worker.
    pub(super) fn cancel(self) {
        if let Some(d) = self.decoder() {
            d.stop();
        }
        self.generation.update(|g| *g = g.wrapping_add(1));
        self.busy.set(Busy::Idle);
    }

    /// Shows an image read from `files`, with a mask (and the file it was read from, if any).
    pub(super) fn show(
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
    pub(super) fn set_mask(self, mask: Option<Arc<LabelMap>>, file: Option<NamedBytes>) {
        self.overlay.style.set(LabelStyle::default());
        self.mask_file.set(mask.clone().zip(file).map(|(mask, file)| MaskFile { mask, file: Arc::new(file) }));
        self.overlay.mask.set(mask);
    }
}

/// Downloads a sample dataset with progress, then decodes it.
pub(super) async fn open_sample(lab: LabState, g: u64, d: Dataset) {
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
pub(super) async fn open_files(lab: LabState, g: u64, files: Vec<PickedFile>) {
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
pub(super) async fn open_mask(lab: LabState, file: PickedFile) {
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
