//! Opening images in the Image Lab: the sample datasets shipped under `data/`, and the student's own files turned
//! into a volume and a label mask with the engine's byte-level readers. Plain Rust with no browser API: the page
//! hands over file names and bytes, and gets back values or one plain-words error per file.

use radlearn_engine::dicom::{self, DicomFile, RtStruct};
use radlearn_engine::load::{self, Format};
use radlearn_engine::view::{check_mask_grid, labels_from_volume, merge_masks};
use radlearn_engine::{nifti, nrrd, LabelMap, LoadOptions, Volume};
use serde::{Deserialize, Serialize};

/// The sample datasets' list, embedded at build time (the files themselves are downloaded when opened).
const DATASETS_JSON: &str = include_str!("../static/data/datasets.json");

/// One sample dataset of `static/data/datasets.json`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Dataset {
    pub id: String,
    pub title: String,
    pub description: String,
    /// File name of the image, in `data/<id>/`.
    pub image: String,
    /// File name of the mask, in `data/<id>/`.
    #[serde(default)]
    pub mask: Option<String>,
    /// Intensity units when the file does not say (e.g. "HU" for a CT stored as NIfTI).
    #[serde(default)]
    pub units: Option<String>,
    #[serde(default)]
    pub labels: Vec<LabelName>,
    pub licence: String,
    pub licence_url: String,
    pub attribution: String,
    pub image_bytes: u64,
    #[serde(default)]
    pub mask_bytes: u64,
}

/// The name of one label value of a dataset's mask.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct LabelName {
    pub value: u8,
    pub name: String,
}

#[derive(Deserialize)]
struct DatasetList {
    datasets: Vec<Dataset>,
}

impl Dataset {
    /// URL of a file of this dataset, relative to the page.
    pub fn url(&self, file: &str) -> String {
        format!("data/{}/{}", self.id, file)
    }

    /// Label names as the engine takes them.
    pub fn label_names(&self) -> Vec<(u8, String)> {
        self.labels.iter().map(|l| (l.value, l.name.clone())).collect()
    }

    /// Bytes to download to open it.
    /// The URLs of its files (image, then mask if any), relative to the page.
    pub fn urls(&self) -> Vec<String> {
        std::iter::once(&self.image).chain(self.mask.as_ref()).map(|f| self.url(f)).collect()
    }

    pub fn total_bytes(&self) -> u64 {
        self.image_bytes + self.mask_bytes
    }
}

/// The sample datasets; an error if the embedded list is malformed (a build problem, shown in the page).
pub fn datasets() -> Result<Vec<Dataset>, String> {
    serde_json::from_str::<DatasetList>(DATASETS_JSON)
        .map(|l| l.datasets)
        .map_err(|e| format!("the list of sample images is damaged ({e})"))
}

/// An image open in the lab.
#[derive(Debug, Clone)]
pub struct OpenImage {
    /// What the student opened: a dataset title, a file name, "12 DICOM files".
    pub name: String,
    pub volume: Volume,
}

/// Why one file (or the set of files) could not be used, in plain words.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileProblem {
    pub file: String,
    pub message: String,
}

impl FileProblem {
    fn new(file: impl Into<String>, message: impl std::fmt::Display) -> Self {
        FileProblem { file: file.into(), message: message.to_string() }
    }
}

/// The result of opening the student's files: an image, maybe a mask (an RTSTRUCT in the same folder), notes on
/// files that were skipped, and warnings.
#[derive(Debug, Clone)]
pub struct Opened {
    pub image: OpenImage,
    pub mask: Option<LabelMap>,
    pub skipped: Vec<FileProblem>,
    pub notes: Vec<String>,
}

fn lower(name: &str) -> String {
    name.to_ascii_lowercase()
}

fn base_name(name: &str) -> &str {
    name.rsplit('/').next().unwrap_or(name)
}

/// Files that are never images and are skipped silently in a folder: hidden files, DICOMDIR, text.
fn is_clutter(name: &str) -> bool {
    let b = lower(base_name(name));
    b.starts_with('.')
        || b == "dicomdir"
        || b == "thumbs.db"
        || [".txt", ".md", ".json", ".csv", ".xml", ".html", ".pdf"].iter().any(|e| b.ends_with(e))
}

/// Opens an image from the student's files: one NIfTI, NRRD, PNG or JPEG file; a header and its data file
/// (`.hdr` + `.img`, `.nhdr` + data); or the files of one DICOM series (an RTSTRUCT among them becomes the mask).
pub fn open_image(files: &[(String, Vec<u8>)], opts: &LoadOptions) -> Result<Opened, Vec<FileProblem>> {
    open_image_with_progress(files, opts, &mut |_, _| {})
}

/// [`open_image`], calling `progress(done, total)` as the files of a DICOM series are read.
pub fn open_image_with_progress(
    files: &[(String, Vec<u8>)],
    opts: &LoadOptions,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Opened, Vec<FileProblem>> {
    let files: Vec<&(String, Vec<u8>)> = files.iter().filter(|(n, _)| files.len() == 1 || !is_clutter(n)).collect();
    if files.is_empty() {
        return Err(vec![FileProblem::new("", "no image file was given; pick an image file or the files of a DICOM series")]);
    }
    // Detached headers.
    if files.len() == 2 {
        let find = |ext: &str| files.iter().find(|(n, _)| lower(n).ends_with(ext));
        if let (Some(hdr), Some(img)) = (find(".hdr"), find(".img")) {
            return nifti::read_pair(&hdr.1, &img.1, opts).map(|v| opened(&hdr.0, v)).map_err(|e| vec![FileProblem::new(hdr.0.clone(), e)]);
        }
        if let Some(hdr) = find(".nhdr") {
            let data = files.iter().find(|(n, _)| n != &hdr.0).map(|f| &f.1);
            if let Some(data) = data {
                return nrrd::read_detached(&hdr.1, data, opts)
                    .map(|v| opened(&hdr.0, v))
                    .map_err(|e| vec![FileProblem::new(hdr.0.clone(), e)]);
            }
        }
    }
    let dicom_count = files.iter().filter(|f| load::sniff(&f.1, &f.0) == Some(Format::Dicom)).count();
    if dicom_count == 0 {
        if let [(name, bytes)] = files.as_slice() {
            return load::load(bytes, name, opts).map(|v| opened(name, v)).map_err(|e| vec![FileProblem::new(name.clone(), e)]);
        }
        return Err(vec![FileProblem::new(
            format!("{} files", files.len()),
            "several files were given but none is DICOM; open one NIfTI, NRRD or PNG image at a time (and its mask with “Open a mask…”)",
        )]);
    }
    open_dicom(&files, opts, progress)
}

fn opened(name: &str, mut volume: Volume) -> Opened {
    let mut notes = volume.meta.warnings.clone();
    // A NIfTI or NRRD does not say that it holds CT numbers: recognise them, so the image opens in HU with the
    // soft-tissue window (`view::auto_window`), as the same image does as a sample. The student can change it.
    if volume.meta.units.is_none() {
        if let Some(e) = radlearn_engine::window::looks_like_ct(&volume.data) {
            volume.meta.units = Some("HU".into());
            notes.push(format!(
                "This looks like CT in HU (Hounsfield units): most values are whole numbers, air peaks near {:.0} and the highest value is {:.0}. It is shown with the soft-tissue window (centre 40, width 400); choose another preset or type a window to change it.",
                e.air_peak, e.max
            ));
        }
    }
    Opened { image: OpenImage { name: base_name(name).to_string(), volume }, mask: None, skipped: Vec::new(), notes }
}

fn open_dicom(
    files: &[&(String, Vec<u8>)],
    opts: &LoadOptions,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Opened, Vec<FileProblem>> {
    let mut slices = Vec::new();
    let mut structures: Vec<(String, RtStruct)> = Vec::new();
    let mut skipped = Vec::new();
    let mut used = 0u64;
    for (k, (name, bytes)) in files.iter().enumerate() {
        progress(k, files.len());
        if load::sniff(bytes, name) != Some(Format::Dicom) {
            skipped.push(FileProblem::new(name.clone(), "not a DICOM file; skipped while reading the DICOM series"));
            continue;
        }
        let budget = LoadOptions::with_max_bytes(opts.max_bytes.saturating_sub(used));
        match dicom::read_file(bytes, &budget) {
            Ok(DicomFile::Image(s)) => {
                used = used.saturating_add(s.data.len() as u64 * 8);
                slices.push(*s);
            }
            Ok(DicomFile::RtStruct(r)) => structures.push((name.clone(), *r)),
            Err(e) => skipped.push(FileProblem::new(name.clone(), e)),
        }
    }
    let n = slices.len();
    if n == 0 {
        if skipped.is_empty() {
            skipped.push(FileProblem::new(
                format!("{} DICOM files", files.len()),
                "none of them holds an image (only structure sets); add the image series, then open the RTSTRUCT as a mask",
            ));
        }
        return Err(skipped);
    }
    let volume = match dicom::volume_from_slices(slices) {
        Ok(v) => v,
        Err(e) => {
            skipped.push(FileProblem::new(format!("the DICOM series ({n} files)"), e));
            return Err(skipped);
        }
    };
    let mut notes = volume.meta.warnings.clone();
    let mut mask = None;
    for (name, rt) in &structures {
        match rasterise_all(rt, &volume) {
            Ok((m, problems)) => {
                mask = mask.or(Some(m));
                notes.extend(problems.into_iter().map(|p| format!("{name}: {}: {}", p.file, p.message)));
            }
            Err(problems) => skipped.extend(problems.into_iter().map(|p| FileProblem::new(format!("{name} ({})", p.file), p.message))),
        }
    }
    let name = if n == 1 { base_name(&files[0].0).to_string() } else { format!("DICOM series, {n} slices") };
    Ok(Opened { image: OpenImage { name, volume }, mask, skipped, notes })
}

/// Every ROI of a structure set rasterised on the image and merged into one label map; ROIs that fail are
/// reported by name. An error if none can be drawn.
fn rasterise_all(rt: &RtStruct, image: &Volume) -> Result<(LabelMap, Vec<FileProblem>), Vec<FileProblem>> {
    let mut masks = Vec::new();
    let mut problems = Vec::new();
    for roi in &rt.rois {
        if roi.contours.is_empty() {
            problems.push(FileProblem::new(roi.name.clone(), "this ROI has no contour; skipped"));
            continue;
        }
        match rt.rasterise(&roi.name, image) {
            Ok(m) => masks.push(m),
            Err(e) => problems.push(FileProblem::new(roi.name.clone(), e)),
        }
    }
    match merge_masks(&masks) {
        Ok(m) => Ok((m, problems)),
        Err(_) if problems.is_empty() => Err(vec![FileProblem::new("RTSTRUCT", "this structure set holds no contour to draw")]),
        Err(_) => Err(problems),
    }
}

/// A mask for an open image, from one file: a NIfTI or NRRD label image on the same grid, or a DICOM RTSTRUCT
/// whose contours are drawn on the image's grid. Returns the mask and warnings.
pub fn open_mask(
    name: &str,
    bytes: &[u8],
    image: &Volume,
    names: &[(u8, String)],
    opts: &LoadOptions,
) -> Result<(LabelMap, Vec<String>), FileProblem> {
    let problem = |e: &dyn std::fmt::Display| FileProblem::new(name, e);
    if load::sniff(bytes, name) == Some(Format::Dicom) {
        let rt = dicom::read_rtstruct(bytes, opts).map_err(|e| problem(&e))?;
        let (mask, problems) = rasterise_all(&rt, image).map_err(|p| {
            let message = p.iter().map(|p| format!("{}: {}", p.file, p.message)).collect::<Vec<_>>().join("; ");
            problem(&message)
        })?;
        return Ok((mask, problems.into_iter().map(|p| format!("{}: {}", p.file, p.message)).collect()));
    }
    let volume = load::load(bytes, name, opts).map_err(|e| problem(&e))?;
    let warning = check_mask_grid(&image.geometry, &volume.geometry).map_err(|e| problem(&e))?;
    let mask = labels_from_volume(&volume, names).map_err(|e| problem(&e))?;
    let mut notes: Vec<String> = warning.into_iter().collect();
    if mask.names.is_empty() {
        notes.push(format!("{}: the mask is empty (every voxel is 0)", base_name(name)));
    }
    Ok((mask, notes))
}

/// A sample dataset decoded from its downloaded bytes.
pub struct DecodedSample {
    /// The image, with the dataset's units when the file has none.
    pub volume: Volume,
    /// The mask with the dataset's label names; `None` without a mask or when it could not be used.
    pub mask: Option<LabelMap>,
    /// Notes on the mask's grid.
    pub notes: Vec<String>,
    /// Why the mask could not be used (the image still opens).
    pub mask_problem: Option<FileProblem>,
}

/// Decodes a sample's image and mask files (name and bytes); an error names the image file.
pub fn decode_sample(d: &Dataset, image: &[u8], mask: Option<(&str, &[u8])>, opts: &LoadOptions) -> Result<DecodedSample, FileProblem> {
    let mut volume = load::load(image, &d.image, opts).map_err(|e| FileProblem::new(d.image.clone(), e))?;
    if volume.meta.units.is_none() {
        volume.meta.units = d.units.clone();
    }
    let mut notes = Vec::new();
    let mut mask_problem = None;
    let mask = mask.and_then(|(name, bytes)| {
        let checked = load::load(bytes, name, opts).map_err(|e| e.to_string()).and_then(|m| {
            let warning = check_mask_grid(&volume.geometry, &m.geometry).map_err(|e| e.to_string())?;
            notes.extend(warning);
            labels_from_volume(&m, &d.label_names()).map_err(|e| e.to_string())
        });
        checked.map_err(|e| mask_problem = Some(FileProblem::new(name, e))).ok()
    });
    Ok(DecodedSample { volume, mask, notes, mask_problem })
}
