//! Series: decoded slices (and the frames of multi-frame files) sorted along the slice normal, checked and stacked
//! into a volume; sets of files read together.

use std::collections::BTreeMap;

use super::rtstruct::RtStruct;
use super::{read_file, DicomFile};
use crate::image::volume::{Geometry, Meta, Volume};
use crate::io::error::{LoadError, LoadOptions};

/// One decoded image: a slice, or the frames of a multi-frame file (enhanced CT/MR/PET, RT Dose, NM...), which
/// [`volume_from_slices`] sorts and checks like the slices of a series.
#[derive(Debug, Clone)]
pub struct Slice {
    pub series_uid: String,
    pub frame_of_reference: Option<String>,
    pub position: [f64; 3],
    /// Row direction then column direction (ImageOrientationPatient).
    pub orientation: [f64; 6],
    /// Spacing between columns (x) and rows (y).
    pub pixel_spacing: [f64; 2],
    pub rows: usize,
    pub columns: usize,
    pub slice_thickness: Option<f64>,
    pub instance_number: Option<i64>,
    /// Rescale slope and intercept (of the first frame, when frames have their own).
    pub rescale: (f64, f64),
    pub modality: Option<String>,
    /// Units of the rescaled values: HU for CT, Gy for an RT Dose in grays.
    pub units: Option<String>,
    pub series_description: Option<String>,
    pub identifying: Vec<&'static str>,
    /// A multi-frame file: the position of each frame in `data`, in order (empty for a single image, which lies
    /// at `position`).
    pub frame_positions: Vec<[f64; 3]>,
    /// What the reader guessed or left out (e.g. a slice spacing guessed for frames without positions).
    pub warnings: Vec<String>,
    /// Rescaled values, row by row (frame after frame for a multi-frame file); the luminance of a colour image.
    pub data: Vec<f32>,
    /// A colour image's colours for display, in the order of `data` (empty for a grey-level image).
    pub rgb: Vec<[u8; 3]>,
}

pub(super) fn cross(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]]
}

fn dot(a: [f64; 3], b: [f64; 3]) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

fn meta_of(s: &Slice, warnings: Vec<String>) -> Meta {
    Meta {
        format: "DICOM".into(),
        modality: s.modality.clone(),
        units: s.units.clone(),
        rescale: Some(s.rescale),
        series_description: s.series_description.clone(),
        series_uid: Some(s.series_uid.clone()),
        description: None,
        warnings,
        rgb: None,
    }
}

fn phi_warning(names: &[&str]) -> Option<String> {
    (!names.is_empty()).then(|| {
        format!(
            "the DICOM data still carries patient-identifying tags ({}); RadLearn is for anonymized data: anonymize it before sharing",
            names.join(", ")
        )
    })
}

/// Builds a volume from decoded slices of one series (or the frames of a multi-frame file): checks they agree, sorts
/// them along the slice normal and refuses missing or unevenly spaced slices.
pub fn volume_from_slices(slices: Vec<Slice>) -> Result<Volume, LoadError> {
    let Some(first) = slices.first() else { return Err(LoadError::Empty) };
    let mut series: Vec<String> = slices.iter().map(|s| s.series_uid.clone()).collect();
    series.sort();
    series.dedup();
    if series.len() > 1 {
        return Err(LoadError::MixedSeries { series });
    }
    let (rows, columns, orientation, spacing) = (first.rows, first.columns, first.orientation, first.pixel_spacing);
    for s in &slices {
        if s.rows != rows || s.columns != columns {
            return Err(LoadError::Invalid(format!(
                "DICOM slices of one series have different sizes ({}x{} and {}x{})",
                columns, rows, s.columns, s.rows
            )));
        }
        if s.orientation.iter().zip(&orientation).any(|(a, b)| (a - b).abs() > 1e-4) {
            return Err(LoadError::Invalid("DICOM slices of one series have different orientations (a localizer mixed in?)".into()));
        }
        if s.pixel_spacing.iter().zip(&spacing).any(|(a, b)| (a - b).abs() > 1e-4) {
            return Err(LoadError::Invalid("DICOM slices of one series have different pixel spacings".into()));
        }
    }
    let row_dir = [orientation[0], orientation[1], orientation[2]];
    let col_dir = [orientation[3], orientation[4], orientation[5]];
    let normal = cross(row_dir, col_dir);
    // Planes: (slice, frame, position), one per single-frame slice and one per frame of a multi-frame file.
    let n = rows.checked_mul(columns).ok_or_else(|| LoadError::Invalid(format!("the DICOM image is {columns} x {rows} pixels")))?;
    let mut planes: Vec<(usize, usize, [f64; 3])> = Vec::new();
    for (i, s) in slices.iter().enumerate() {
        let frames = s.frame_positions.len().max(1);
        if Some(s.data.len()) != n.checked_mul(frames) {
            return Err(LoadError::Invalid(format!(
                "a decoded DICOM image holds {} values for {frames} frame(s) of {columns} x {rows} pixels",
                s.data.len()
            )));
        }
        if s.frame_positions.is_empty() {
            planes.push((i, 0, s.position));
        } else {
            planes.extend(s.frame_positions.iter().enumerate().map(|(k, &p)| (i, k, p)));
        }
    }
    planes.sort_by(|a, b| dot(a.2, normal).total_cmp(&dot(b.2, normal)));
    let pos: Vec<f64> = planes.iter().map(|p| dot(p.2, normal)).collect();
    let gaps: Vec<f64> = pos.windows(2).map(|w| w[1] - w[0]).collect();
    let dz = if gaps.is_empty() {
        slices[planes[0].0].slice_thickness.unwrap_or(1.0)
    } else {
        let mut sorted = gaps.clone();
        sorted.sort_by(f64::total_cmp);
        sorted[sorted.len() / 2]
    };
    if let Some(i) = gaps.iter().position(|&g| g < 1e-3) {
        return Err(LoadError::Invalid(format!(
            "two DICOM slices lie at the same position ({:.2} mm along the normal); a file was given twice?",
            pos[i]
        )));
    }
    if dz <= 0.0 {
        return Err(LoadError::Invalid("the DICOM slices have no spacing".into()));
    }
    let tol = 0.01 * dz + 1e-3;
    for (i, &g) in gaps.iter().enumerate() {
        if (g - dz).abs() > tol {
            let missing = (g / dz).round() - 1.0;
            let detail = if missing >= 1.0 && (g - (missing + 1.0) * dz).abs() <= tol * (missing + 1.0) {
                format!(
                    "about {missing} slice(s) missing between {:.2} mm and {:.2} mm along the slice normal (the other slices are {dz:.2} mm apart)",
                    pos[i],
                    pos[i + 1]
                )
            } else {
                format!("uneven slice spacing: {g:.3} mm between {:.2} mm and {:.2} mm, but {dz:.3} mm elsewhere", pos[i], pos[i + 1])
            };
            return Err(LoadError::MissingSlices { detail });
        }
    }
    let mut identifying: Vec<&str> = slices.iter().flat_map(|s| s.identifying.iter().copied()).collect();
    identifying.sort();
    identifying.dedup();
    let geometry = Geometry {
        dims: [columns, rows, planes.len()],
        spacing: [spacing[0], spacing[1], dz],
        origin: planes[0].2,
        direction: [row_dir, col_dir, normal],
    };
    geometry.validate().map_err(|m| LoadError::Invalid(format!("DICOM geometry: {m}")))?;
    let mut warnings: Vec<String> = Vec::new();
    for w in slices.iter().flat_map(|s| &s.warnings) {
        if !warnings.contains(w) {
            warnings.push(w.clone());
        }
    }
    warnings.extend(phi_warning(&identifying));
    let meta = meta_of(&slices[planes[0].0], warnings);
    let mut data = Vec::new();
    data.try_reserve_exact(geometry.len()).map_err(|_| LoadError::TooLarge {
        what: "the DICOM series".into(),
        claimed: None,
        budget: 0,
    })?;
    for &(i, k, _) in &planes {
        data.extend_from_slice(&slices[i].data[k * n..(k + 1) * n]);
    }
    let mut meta = meta;
    if slices.iter().all(|s| s.rgb.len() == s.data.len()) {
        meta.rgb = Some(planes.iter().flat_map(|&(i, k, _)| slices[i].rgb[k * n..(k + 1) * n].iter().copied()).collect());
    }
    Ok(Volume { geometry, data, meta })
}

/// Images and structure sets read from a set of DICOM files.
#[derive(Debug, Clone)]
pub struct DicomSet {
    pub volume: Volume,
    pub rtstructs: Vec<RtStruct>,
}

/// Reads a set of DICOM files (e.g. a folder dropped by a student): image slices become one volume, RTSTRUCTs are
/// kept aside, and objects that hold no image (reports, presentation states, as PACS exports put beside a series)
/// are skipped with a warning. The memory budget covers all slices together.
pub fn read_set(files: &[&[u8]], opts: &LoadOptions) -> Result<DicomSet, LoadError> {
    let mut slices = Vec::new();
    let mut rtstructs = Vec::new();
    let mut used = 0u64;
    let mut skipped: Vec<LoadError> = Vec::new();
    for bytes in files {
        let file = match read_file(bytes, &LoadOptions::with_max_bytes(opts.max_bytes.saturating_sub(used))) {
            Err(e @ LoadError::NotAnImage { .. }) if files.len() > 1 => {
                skipped.push(e);
                continue;
            }
            other => other?,
        };
        match file {
            DicomFile::Image(s) => {
                used = used.saturating_add(s.data.len() as u64 * 8);
                opts.check_bytes(used, "the DICOM series")?;
                slices.push(*s);
            }
            DicomFile::RtStruct(r) => rtstructs.push(*r),
        }
    }
    if slices.is_empty() {
        if let Some(e) = skipped.into_iter().next() {
            return Err(e);
        }
        return Err(LoadError::Invalid("none of the DICOM files holds an image; add the image series".into()));
    }
    let mut volume = volume_from_slices(slices)?;
    if !skipped.is_empty() {
        let mut what: Vec<String> =
            skipped.iter().filter_map(|e| if let LoadError::NotAnImage { what, .. } = e { Some(what.clone()) } else { None }).collect();
        what.dedup();
        volume.meta.warnings.push(format!("{} file(s) that hold no image were left out: {}", skipped.len(), what.join("; ")));
    }
    Ok(DicomSet { volume, rtstructs })
}

/// Reads every series in a set of DICOM files, grouped by SeriesInstanceUID (e.g. a study folder), in UID order.
/// RTSTRUCTs and objects that hold no image (reports, plans...) are skipped.
pub fn read_all_series(files: &[&[u8]], opts: &LoadOptions) -> Result<Vec<Volume>, LoadError> {
    let mut groups: BTreeMap<String, Vec<Slice>> = BTreeMap::new();
    let mut used = 0u64;
    for bytes in files {
        match read_file(bytes, &LoadOptions::with_max_bytes(opts.max_bytes.saturating_sub(used))) {
            Ok(DicomFile::Image(s)) => {
                used = used.saturating_add(s.data.len() as u64 * 8);
                opts.check_bytes(used, "the DICOM series")?;
                groups.entry(s.series_uid.clone()).or_default().push(*s);
            }
            Ok(DicomFile::RtStruct(_)) | Err(LoadError::NotAnImage { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    groups.into_values().map(volume_from_slices).collect()
}

/// Reads a DICOM series (or a single image as a one-slice volume).
pub fn read_series(files: &[&[u8]], opts: &LoadOptions) -> Result<Volume, LoadError> {
    read_set(files, opts).map(|s| s.volume)
}
