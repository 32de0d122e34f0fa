//! DICOM: single images, series (grouped, sorted along the slice normal, checked for gaps) and RTSTRUCT contours.
//!
//! Parsing and pixel decoding use dicom-rs (`dicom-object`, `dicom-pixeldata`). Before a file is handed to the
//! parser, [`check_lengths`] walks its element headers and refuses any element whose declared length runs past the
//! end of the file: the parser reserves and zero-fills the declared length before reading, so a damaged header
//! claiming 4 GB would otherwise allocate it. That walk is hand-written because no crate offers a length-only
//! validation pass.
//!
//! The module is split by layer, as dicom-rs splits its crates: `guard` (the length walk and the way into the parser:
//! Part 10 files, data sets without preamble, gzip), `attrs` (typed attribute access), `frames` (pixel data to
//! rescaled frames: geometry of each frame, native and colour samples), `codecs` (checks and decoders of compressed
//! frames: RLE, JPEG, JPEG 2000), `series` (slices to a volume, sets of files) and `rtstruct` (structure sets and their
//! rasterisation). This file holds what they share and the reading of one file, [`read_file`].

mod attrs;
mod codecs;
mod frames;
mod guard;
mod rtstruct;
mod series;

use dicom_core::Tag;
use dicom_dictionary_std::tags;
use dicom_object::DefaultDicomObject;

use crate::io::error::{LoadError, LoadOptions};

pub use attrs::identifying_tags;
pub use guard::{check_lengths, is_bare_dataset, is_gzipped_dicom, parse};
pub use rtstruct::{read_rtstruct, Roi, RtStruct};
pub use series::{read_all_series, read_series, read_set, volume_from_slices, DicomSet, Slice};

use attrs::text;
use frames::slice_from;
use rtstruct::rtstruct_from;

const FORMAT: &str = "DICOM";

/// Tags that identify a patient; RadLearn is for anonymized data, so their presence (with a value) is reported.
pub const IDENTIFYING_TAGS: [(Tag, &str); 12] = [
    (tags::PATIENT_NAME, "PatientName"),
    (tags::PATIENT_ID, "PatientID"),
    (tags::PATIENT_BIRTH_DATE, "PatientBirthDate"),
    (tags::PATIENT_ADDRESS, "PatientAddress"),
    (Tag(0x0010, 0x1000), "OtherPatientIDs"),
    (tags::OTHER_PATIENT_NAMES, "OtherPatientNames"),
    (tags::PATIENT_TELEPHONE_NUMBERS, "PatientTelephoneNumbers"),
    (tags::PATIENT_MOTHER_BIRTH_NAME, "PatientMotherBirthName"),
    (tags::REFERRING_PHYSICIAN_NAME, "ReferringPhysicianName"),
    (tags::INSTITUTION_NAME, "InstitutionName"),
    (tags::INSTITUTION_ADDRESS, "InstitutionAddress"),
    (tags::ACCESSION_NUMBER, "AccessionNumber"),
];

const IMPLICIT_LE: &str = "1.2.840.10008.1.2";
const EXPLICIT_LE: &str = "1.2.840.10008.1.2.1";
const EXPLICIT_BE: &str = "1.2.840.10008.1.2.2";
const DEFLATED_LE: &str = "1.2.840.10008.1.2.1.99";
const RLE_LOSSLESS: &str = "1.2.840.10008.1.2.5";
const JPEG_BASELINE: &str = "1.2.840.10008.1.2.4.50";
const JPEG_EXTENDED: &str = "1.2.840.10008.1.2.4.51";
const JPEG2000_LOSSLESS: &str = "1.2.840.10008.1.2.4.90";
const JPEG2000: &str = "1.2.840.10008.1.2.4.91";

/// What a DICOM file holds.
#[derive(Debug, Clone)]
pub enum DicomFile {
    Image(Box<Slice>),
    RtStruct(Box<RtStruct>),
}

/// Reads one DICOM file: an image slice (pixels decoded and rescaled) or an RTSTRUCT.
pub fn read_file(bytes: &[u8], opts: &LoadOptions) -> Result<DicomFile, LoadError> {
    let obj = parse(bytes, opts)?;
    let modality = text(&obj, tags::MODALITY);
    if modality.as_deref() == Some("RTSTRUCT") || obj.get(tags::STRUCTURE_SET_ROI_SEQUENCE).is_some() {
        return rtstruct_from(&obj).map(|r| DicomFile::RtStruct(Box::new(r)));
    }
    slice_from(&obj, opts).map(|s| DicomFile::Image(Box::new(s)))
}

/// Storage SOP classes of images (after "1.2.840.10008.5.1.4.1.1."), each followed by "." or the end: CR, DX/MG/IO,
/// CT, US, MR, NM, secondary capture, XA/RF, PET, enhanced PET.
const IMAGE_CLASSES: [&str; 10] = ["1.", "2.", "3.", "4.", "6.", "7.", "12.", "20", "128", "130"];

/// The refusal for a DICOM object without pixel data: what it is, from its SOP Class UID (0008,0016) or, failing
/// that, its Modality, and what to open instead.
fn not_an_image(obj: &DefaultDicomObject) -> LoadError {
    let sop = text(obj, tags::SOP_CLASS_UID).unwrap_or_else(|| obj.meta().media_storage_sop_class_uid().trim_end_matches('\0').to_string());
    let modality = text(obj, tags::MODALITY).unwrap_or_default();
    // Compared with a trailing "." so that "1." matches CR (…1.1) and its variants but not …1.104 (documents).
    let storage = |suffix: &str| sop.strip_prefix("1.2.840.10008.5.1.4.1.1.").is_some_and(|s| format!("{s}.").starts_with(suffix));
    let series = "open the image series it refers to instead";
    let (what, instead) = if sop == "1.2.840.10008.1.3.10" {
        ("a DICOMDIR, the index of a DICOM disc or folder", "open the image files it lists (in the folders beside it) instead")
    } else if storage("88.59") || modality == "KO" {
        ("a Key Object Selection (a list of chosen images)", series)
    } else if storage("88.") || modality == "SR" {
        ("a Structured Report (SR: text and measurements)", series)
    } else if storage("481.") || matches!(modality.as_str(), "RTPLAN" | "RTRECORD") {
        ("an RT Plan or treatment record (beams and doses, no image)", "open the planning CT, its RTSTRUCT or the RT Dose instead")
    } else if storage("9.") || matches!(modality.as_str(), "ECG" | "HD" | "EPS" | "RESP") {
        ("a waveform (an ECG or another signal, not an image)", "open it in a DICOM waveform viewer; RadLearn reads images")
    } else if storage("11.") || modality == "PR" {
        ("a Presentation State (display settings for other images)", series)
    } else if storage("104.") || modality == "DOC" {
        ("an encapsulated document (PDF or CDA)", "open it with a PDF or document reader; RadLearn reads images")
    } else if storage("66") || modality == "REG" {
        ("raw data or a registration (no pixels)", series)
    } else if obj.get(tags::ROWS).is_some() || obj.get(tags::IMAGE_TYPE).is_some() || IMAGE_CLASSES.iter().any(|c| storage(c)) {
        return LoadError::NotAnImage {
            what: format!(
                "an image's header without its pixel data (modality {})",
                if modality.is_empty() { "unknown" } else { &modality }
            ),
            instead: "the pixels were left out (a header-only export, or a tool that strips them): export the series again with its \
                      images"
                .into(),
        };
    } else {
        return LoadError::NotAnImage {
            what: format!(
                "an object without pixel data (SOP Class {}, modality {})",
                if sop.is_empty() { "unknown" } else { &sop },
                if modality.is_empty() { "unknown" } else { &modality }
            ),
            instead: "pick the image files of the series".into(),
        };
    };
    LoadError::NotAnImage { what: what.into(), instead: instead.into() }
}
