//! Opening images, the one way every front end does it: the browser's worker, the `radlearn` command line and the
//! benchmarks hand over file names and bytes and get back an image with its masks, or one plain-words problem per
//! file. Every format the engine reads; a header and its data file (`.hdr` + `.img`, `.nhdr` + data); the files of
//! a DICOM series, whose RTSTRUCTs are rasterised on it; a mask from a label image ([`crate::image::mask::labels_from_volume`],
//! the one rule for labels) or from an RTSTRUCT. Each file's format is sniffed once.

use std::fmt;

use crate::image::mask::{check_mask_grid, labels_from_volume, merge_masks};
use crate::image::volume::{LabelMap, Volume};
use crate::io::dicom::{self, DicomFile, RtStruct};
use crate::io::error::LoadOptions;
use crate::io::load::{self, Format};
use crate::{io::nifti, io::nrrd};
use serde::{Deserialize, Serialize};

/// One file handed over by its name (a path or a base name; only the base name is shown) and bytes.
pub type NamedBytes<'a> = (&'a str, &'a [u8]);

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
    pub fn new(file: impl Into<String>, message: impl fmt::Display) -> Self {
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

/// Opens an image from the student's files: one NIfTI, NRRD, DICOM, PNG or JPEG file; a header and its data file
/// (`.hdr` + `.img`, `.nhdr` + data); or the files of one DICOM series (an RTSTRUCT among them becomes the mask).
/// `progress(done, total)` is called as the files of a DICOM series are read.
pub fn open_files(files: &[NamedBytes], opts: &LoadOptions, progress: &mut dyn FnMut(usize, usize)) -> Result<Opened, Vec<FileProblem>> {
    let files: Vec<NamedBytes> = files.iter().copied().filter(|(n, _)| files.len() == 1 || !is_clutter(n)).collect();
    if files.is_empty() {
        return Err(vec![FileProblem::new("", "no image file was given; pick an image file or the files of a DICOM series")]);
    }
    // Detached headers.
    if files.len() == 2 {
        let find = |ext: &str| files.iter().find(|(n, _)| lower(n).ends_with(ext));
        if let (Some(&(hdr, head)), Some(&(_, img))) = (find(".hdr"), find(".img")) {
            return nifti::read_pair(head, img, opts).map(|v| opened(hdr, v)).map_err(|e| vec![FileProblem::new(hdr, e)]);
        }
        // A detached NRRD header: named .nhdr, or any NRRD whose header names a data file.
        let detached =
            |(n, b): &&NamedBytes| lower(n).ends_with(".nhdr") || nrrd::parse_header(b).is_ok_and(|(h, _)| h.data_file.is_some());
        if let Some(&(hdr, head)) = files.iter().find(detached) {
            if let Some(&(_, data)) = files.iter().find(|(n, _)| *n != hdr) {
                return nrrd::read_detached(head, data, opts).map(|v| opened(hdr, v)).map_err(|e| vec![FileProblem::new(hdr, e)]);
            }
        }
    }
    let sniffed: Vec<(&str, &[u8], Option<Format>)> = files.iter().map(|&(n, b)| (n, b, load::sniff(b, n))).collect();
    if !sniffed.iter().any(|f| f.2 == Some(Format::Dicom)) {
        return match sniffed.as_slice() {
            [(name, _, None)] => Err(vec![FileProblem::new(*name, crate::LoadError::UnknownFormat { name: name.to_string() })]),
            [(name, bytes, Some(format))] => {
                load::read_as(bytes, *format, opts).map(|v| opened(name, v)).map_err(|e| vec![FileProblem::new(*name, e)])
            }
            _ => Err(vec![FileProblem::new(
                format!("{} files", files.len()),
                "several files were given but none is DICOM; open one NIfTI, NRRD or PNG image at a time (and its mask with “Open a mask…”)",
            )]),
        };
    }
    open_dicom(&sniffed, opts, progress)
}

fn opened(name: &str, mut volume: Volume) -> Opened {
    let mut notes = volume.meta.warnings.clone();
    // A NIfTI or NRRD does not say that it holds CT numbers: recognise them, so the image opens in HU with the
    // soft-tissue window (`view::auto_window`), as the same image does as a sample. The student can change it.
    if volume.meta.units.is_none() {
        if let Some(e) = crate::image::window::looks_like_ct(&volume.data) {
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
    files: &[(&str, &[u8], Option<Format>)],
    opts: &LoadOptions,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Opened, Vec<FileProblem>> {
    let mut slices = Vec::new();
    let mut structures: Vec<(&str, RtStruct)> = Vec::new();
    let mut skipped = Vec::new();
    let mut used = 0u64;
    for (k, &(name, bytes, format)) in files.iter().enumerate() {
        progress(k, files.len());
        if format != Some(Format::Dicom) {
            skipped.push(FileProblem::new(name, "not a DICOM file; skipped while reading the DICOM series"));
            continue;
        }
        let budget = LoadOptions::with_max_bytes(opts.max_bytes.saturating_sub(used));
        match dicom::read_file(bytes, &budget) {
            Ok(DicomFile::Image(s)) => {
                used = used.saturating_add(s.data.len() as u64 * 8);
                slices.push(*s);
            }
            Ok(DicomFile::RtStruct(r)) => structures.push((name, *r)),
            Err(e) => skipped.push(FileProblem::new(name, e)),
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
    let name = if n == 1 { base_name(files[0].0).to_string() } else { format!("DICOM series, {n} slices") };
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
    let problem = |e: &dyn fmt::Display| FileProblem::new(name, e);
    let volume = match load::sniff(bytes, name) {
        Some(Format::Dicom) => {
            let rt = dicom::read_rtstruct(bytes, opts).map_err(|e| problem(&e))?;
            let (mask, problems) = rasterise_all(&rt, image).map_err(|p| {
                let message = p.iter().map(|p| format!("{}: {}", p.file, p.message)).collect::<Vec<_>>().join("; ");
                problem(&message)
            })?;
            return Ok((mask, problems.into_iter().map(|p| format!("{}: {}", p.file, p.message)).collect()));
        }
        Some(format) => load::read_as(bytes, format, opts).map_err(|e| problem(&e))?,
        None => return Err(problem(&crate::LoadError::UnknownFormat { name: name.to_string() })),
    };
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

/// Decodes a sample dataset's image and mask (as [`open_mask`] does, with the dataset's label `names`); `units` are
/// the image's when its file gives none (e.g. "HU" for a CT stored as NIfTI). An error names the image file; a
/// mask that cannot be used is reported in [`DecodedSample::mask_problem`] and the image still opens.
pub fn open_sample(
    (image_name, image): NamedBytes,
    units: Option<&str>,
    mask: Option<NamedBytes>,
    names: &[(u8, String)],
    opts: &LoadOptions,
) -> Result<DecodedSample, FileProblem> {
    let mut volume = load::load(image, image_name, opts).map_err(|e| FileProblem::new(image_name, e))?;
    if volume.meta.units.is_none() {
        volume.meta.units = units.map(str::to_string);
    }
    let (mask, notes, mask_problem) = match mask.map(|(name, bytes)| open_mask(name, bytes, &volume, names, opts)) {
        None => (None, Vec::new(), None),
        Some(Ok((m, notes))) => (Some(m), notes, None),
        Some(Err(p)) => (None, Vec::new(), Some(p)),
    };
    Ok(DecodedSample { volume, mask, notes, mask_problem })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Test code: a panic is a failed test.
mod tests {
    use super::*;
    use crate::image::volume::Geometry;
    use crate::io::nifti::WriteType;

    fn nifti(data: Vec<f32>) -> Vec<u8> {
        let v = Volume::new(Geometry::new([4, 3, 2], [1.0, 1.0, 2.0]), data).unwrap();
        nifti::write(&v, WriteType::F32, true).unwrap()
    }

    #[test]
    fn one_file_opens_with_a_float_mask_under_the_one_label_rule() {
        let image = nifti((0..24).map(|i| i as f32).collect());
        let opened = open_files(&[("dir/scan.nii.gz", &image)], &LoadOptions::default(), &mut |_, _| {}).unwrap();
        assert_eq!(opened.image.name, "scan.nii.gz");
        assert_eq!(opened.image.volume.geometry.dims, [4, 3, 2]);
        // A mask saved as floats after a resampling: 1.0004 is label 1 (the browser and the command line agree).
        let mut labels = vec![0.0; 24];
        labels[7] = 1.0004;
        labels[8] = 2.0;
        let (mask, notes) =
            open_mask("mask.nii.gz", &nifti(labels.clone()), &opened.image.volume, &[(2, "GTV".into())], &LoadOptions::default()).unwrap();
        assert_eq!((mask.data[7], mask.data[8]), (1, 2));
        assert_eq!(mask.names, vec![(1, "Label 1".to_string()), (2, "GTV".to_string())]);
        assert!(notes.is_empty(), "{notes:?}");
        labels[13] = 0.5;
        let e = open_mask("prob.nii.gz", &nifti(labels), &opened.image.volume, &[], &LoadOptions::default()).unwrap_err();
        assert_eq!(e.file, "prob.nii.gz");
        assert!(e.message.contains("voxel (1, 0, 1) holds the value 0.5"), "{}", e.message);
        let empty = open_mask("empty.nii.gz", &nifti(vec![0.0; 24]), &opened.image.volume, &[], &LoadOptions::default()).unwrap();
        assert!(empty.1.iter().any(|n| n.contains("empty")), "{:?}", empty.1);
    }

    #[test]
    fn what_cannot_be_opened_is_named_per_file() {
        let opts = LoadOptions::default();
        assert_eq!(open_files(&[], &opts, &mut |_, _| {}).unwrap_err()[0].file, "");
        let e = open_files(&[("notes.bin", b"hello, this is not an image")], &opts, &mut |_, _| {}).unwrap_err();
        assert_eq!((e.len(), e[0].file.as_str()), (1, "notes.bin"));
        assert!(e[0].message.contains("not an image format"), "{}", e[0].message);
        let image = nifti(vec![0.0; 24]);
        let e = open_files(&[("a.nii.gz", &image), ("b.nii.gz", &image)], &opts, &mut |_, _| {}).unwrap_err();
        assert!(e[0].message.contains("none is DICOM"), "{}", e[0].message);
        let v = open_files(&[("a.nii.gz", &image)], &opts, &mut |_, _| {}).unwrap().image.volume;
        let other = Volume::new(Geometry::new([2, 2, 2], [1.0; 3]), vec![0.0; 8]).unwrap();
        let small = nifti::write(&other, WriteType::U8, false).unwrap();
        let e = open_mask("small.nii", &small, &v, &[], &opts).unwrap_err();
        assert!(e.message.contains("2 x 2 x 2 voxels but the image has 4 x 3 x 2"), "{}", e.message);
    }

    #[test]
    fn a_sample_takes_its_units_and_reports_a_bad_mask_without_losing_the_image() {
        let image = nifti(vec![-1000.0; 24]);
        let bad = nifti(vec![0.25; 24]);
        let names = [(1, "GTV".to_string())];
        let s = open_sample(("ct.nii.gz", &image), Some("HU"), Some(("mask.nii.gz", &bad)), &names, &LoadOptions::default()).unwrap();
        assert_eq!(s.volume.meta.units.as_deref(), Some("HU"));
        assert!(s.mask.is_none());
        assert_eq!(s.mask_problem.unwrap().file, "mask.nii.gz");
        let e = open_sample(("ct.nii.gz", b"nope"), None, None, &names, &LoadOptions::default()).err().unwrap();
        assert_eq!(e.file, "ct.nii.gz");
    }
}
