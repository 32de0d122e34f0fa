//! DICOM: single images, series (grouped, sorted along the slice normal, checked for gaps) and RTSTRUCT contours.
//!
//! Parsing and pixel decoding use dicom-rs (`dicom-object`, `dicom-pixeldata`). Before a file is handed to the
//! parser, [`check_lengths`] walks its element headers and refuses any element whose declared length runs past the
//! end of the file: the parser reserves and zero-fills the declared length before reading, so a damaged header
//! claiming 4 GB would otherwise allocate it. That walk is hand-written because no crate offers a length-only
//! validation pass.

use std::collections::BTreeMap;
use std::io::Read;

use dicom_core::dictionary::{DataDictionary, DataDictionaryEntry, VirtualVr};
use dicom_core::{Tag, VR};
use dicom_dictionary_std::{tags, StandardDataDictionary};
use dicom_object::{DefaultDicomObject, InMemDicomObject, OpenFileOptions};
use dicom_pixeldata::{ConvertOptions, ModalityLutOption, PixelDecoder};
use dicom_transfer_syntax_registry::{TransferSyntaxIndex, TransferSyntaxRegistry};

use crate::error::{LoadError, LoadOptions};
use crate::volume::{Geometry, LabelMap, Meta, Volume};

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
const EXPLICIT_BE: &str = "1.2.840.10008.1.2.2";
const DEFLATED_LE: &str = "1.2.840.10008.1.2.1.99";
const RLE_LOSSLESS: &str = "1.2.840.10008.1.2.5";
const MAX_DEPTH: usize = 32;

fn truncated(detail: &str, expected: u64, found: u64) -> LoadError {
    LoadError::Truncated { format: FORMAT, detail: detail.to_string(), expected, found }
}

fn u16_at(b: &[u8], p: usize) -> Option<u16> {
    b.get(p..p + 2).map(|s| u16::from_le_bytes([s[0], s[1]]))
}

fn u32_at(b: &[u8], p: usize) -> Option<u32> {
    b.get(p..p + 4).map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

/// Element-length walker over a little-endian data set.
struct Walker<'a> {
    b: &'a [u8],
    implicit: bool,
}

enum Stop {
    End,
    ItemDelimiter,
    SequenceDelimiter,
}

impl Walker<'_> {
    /// Walks elements from `pos` to `end` (or to a delimiter); returns where it stopped.
    fn elements(&self, mut pos: usize, end: usize, depth: usize) -> Result<(usize, Stop), LoadError> {
        if depth > MAX_DEPTH {
            return Err(LoadError::Invalid(format!("DICOM sequences are nested more than {MAX_DEPTH} levels deep")));
        }
        while pos < end {
            let (group, elem) = match (u16_at(self.b, pos), u16_at(self.b, pos + 2)) {
                (Some(g), Some(e)) if pos + 8 <= end => (g, e),
                _ => return Err(truncated("an element header is cut off", 8, (end - pos) as u64)),
            };
            if group == 0xFFFE {
                let len = u32_at(self.b, pos + 4).unwrap_or(0);
                pos += 8;
                match elem {
                    0xE00D => return Ok((pos, Stop::ItemDelimiter)),
                    0xE0DD => return Ok((pos, Stop::SequenceDelimiter)),
                    _ => {
                        // Items belong inside sequences (handled by `items`); the parser does not expect one here.
                        let _ = len;
                        return Err(LoadError::Invalid(format!("DICOM: an item tag (FFFE,{elem:04X}) appears outside a sequence")));
                    }
                }
            }
            let tag = Tag(group, elem);
            let (vr, len, header) = if self.implicit {
                let vr = match StandardDataDictionary.by_tag(tag).map(|e| e.vr()) {
                    Some(VirtualVr::Exact(v)) => Some(v),
                    _ => None,
                };
                (vr, u32_at(self.b, pos + 4).unwrap_or(0), 8)
            } else {
                let vr_bytes = [self.b[pos + 4], self.b[pos + 5]];
                let vr = std::str::from_utf8(&vr_bytes).ok().and_then(|s| s.parse::<VR>().ok());
                // The parser reads an unknown VR as UN (with a 4-byte length), so the two would disagree on where
                // the next element starts: refuse it here.
                if vr.is_none() {
                    return Err(LoadError::Invalid(format!(
                        "DICOM element ({group:04X},{elem:04X}) has an invalid value representation {:?}",
                        String::from_utf8_lossy(&vr_bytes)
                    )));
                }
                let long = matches!(
                    &vr_bytes,
                    b"OB" | b"OD" | b"OF" | b"OL" | b"OV" | b"OW" | b"SQ" | b"UC" | b"UN" | b"UR" | b"UT" | b"SV" | b"UV"
                );
                if long {
                    match u32_at(self.b, pos + 8) {
                        Some(l) if pos + 12 <= end => (vr, l, 12),
                        _ => return Err(truncated("an element header is cut off", 12, (end - pos) as u64)),
                    }
                } else {
                    (vr, u32::from(u16_at(self.b, pos + 6).unwrap_or(0)), 8)
                }
            };
            pos += header;
            let is_sq = vr == Some(VR::SQ);
            // The parser reads binary numbers value by value and would leave the stream misaligned when the length
            // is not a multiple of the value size; such an element is malformed anyway.
            let size = match vr {
                Some(VR::SS | VR::US | VR::OW) => 2,
                Some(VR::SL | VR::UL | VR::FL | VR::AT | VR::OL | VR::OF) => 4,
                Some(VR::FD | VR::SV | VR::UV | VR::OD | VR::OV) => 8,
                _ => 1,
            };
            if len != u32::MAX && len % size != 0 {
                return Err(LoadError::Invalid(format!(
                    "DICOM element ({group:04X},{elem:04X}) holds {len} bytes, not a whole number of {size}-byte values"
                )));
            }
            if len == u32::MAX {
                if tag == tags::PIXEL_DATA {
                    pos = self.fragments(pos, end)?;
                } else if vr == Some(VR::UN) && !self.implicit {
                    // Standard (CP-246: implicit VR items), but the parser we use reads such an element as raw bytes
                    // of length 0xFFFFFFFF and allocates gigabytes: refuse it before parsing.
                    return Err(LoadError::Unsupported {
                        format: FORMAT,
                        what: format!(
                            "element ({group:04X},{elem:04X}) of unknown type (UN) with undefined length; remove private tags \
                             (most anonymisers can) or re-export the file"
                        ),
                    });
                } else {
                    // A sequence.
                    let inner = Walker { b: self.b, implicit: self.implicit };
                    pos = inner.items(pos, end, depth + 1)?;
                }
            } else {
                let stop = self.skip(pos, len, end)?;
                if is_sq {
                    let (_, _) = (self.items(pos, stop, depth + 1)?, ());
                }
                pos = stop;
            }
        }
        Ok((pos, Stop::End))
    }

    fn skip(&self, pos: usize, len: u32, end: usize) -> Result<usize, LoadError> {
        let stop = pos.checked_add(len as usize).filter(|&s| s <= end);
        stop.ok_or_else(|| truncated("an element claims more bytes than the file holds", u64::from(len), (end - pos) as u64))
    }

    /// Items of a sequence, until the sequence delimiter or `end`.
    fn items(&self, mut pos: usize, end: usize, depth: usize) -> Result<usize, LoadError> {
        while pos < end {
            let (g, e, len) = match (u16_at(self.b, pos), u16_at(self.b, pos + 2), u32_at(self.b, pos + 4)) {
                (Some(g), Some(e), Some(l)) if pos + 8 <= end => (g, e, l),
                _ => return Err(truncated("a sequence item header is cut off", 8, (end - pos) as u64)),
            };
            pos += 8;
            match (g, e) {
                (0xFFFE, 0xE0DD) => return Ok(pos),
                (0xFFFE, 0xE000) => {
                    if len == u32::MAX {
                        let (p, stop) = self.elements(pos, end, depth)?;
                        if !matches!(stop, Stop::ItemDelimiter) {
                            return Err(LoadError::TruncatedStream { format: FORMAT, detail: "a sequence item has no end marker".into() });
                        }
                        pos = p;
                    } else {
                        let stop = self.skip(pos, len, end)?;
                        self.elements(pos, stop, depth)?;
                        pos = stop;
                    }
                }
                _ => return Err(LoadError::Invalid(format!("DICOM: expected a sequence item but found tag ({g:04X},{e:04X})"))),
            }
        }
        Ok(pos)
    }

    /// Fragments of encapsulated pixel data.
    fn fragments(&self, mut pos: usize, end: usize) -> Result<usize, LoadError> {
        loop {
            let (g, e, len) = match (u16_at(self.b, pos), u16_at(self.b, pos + 2), u32_at(self.b, pos + 4)) {
                (Some(g), Some(e), Some(l)) if pos + 8 <= end => (g, e, l),
                _ => return Err(truncated("the compressed pixel data is cut off", 8, (end.saturating_sub(pos)) as u64)),
            };
            pos += 8;
            match (g, e) {
                (0xFFFE, 0xE0DD) => return Ok(pos),
                (0xFFFE, 0xE000) if len != u32::MAX => pos = self.skip(pos, len, end)?,
                _ => return Err(LoadError::Invalid(format!("DICOM: bad pixel data fragment tag ({g:04X},{e:04X})"))),
            }
        }
    }
}

/// Checks the Part 10 preamble and that every element's declared length fits in the file. Returns the transfer
/// syntax UID.
pub fn check_lengths(bytes: &[u8], opts: &LoadOptions) -> Result<String, LoadError> {
    if bytes.len() < 132 {
        return Err(truncated("a DICOM file starts with a 132-byte preamble", 132, bytes.len() as u64));
    }
    if &bytes[128..132] != b"DICM" {
        return Err(LoadError::BadMagic {
            format: FORMAT,
            detail: "there is no \"DICM\" marker at byte 128 (not a DICOM Part 10 file)".into(),
        });
    }
    opts.check_bytes(bytes.len() as u64, "the DICOM file")?;
    // File meta group: explicit VR little endian, group 0002.
    let mut pos = 132;
    let mut ts = String::new();
    let walker = Walker { b: bytes, implicit: false };
    let mut group_length = None;
    let mut group_start = 0;
    while u16_at(bytes, pos) == Some(0x0002) {
        let (p, _) = walker.elements(pos, element_end(bytes, pos)?, 0)?;
        match u16_at(bytes, pos + 2) {
            Some(0x0000) => {
                group_length = u32_at(bytes, pos + 8);
                group_start = p;
            }
            Some(0x0010) => {
                let start = pos + 8;
                ts = String::from_utf8_lossy(bytes.get(start..p).unwrap_or(&[])).trim_end_matches(['\0', ' ']).to_string();
            }
            _ => {}
        }
        pos = p;
    }
    // The parser trusts the meta group length; it must agree with the elements actually present.
    if let Some(len) = group_length {
        if pos - group_start != len as usize {
            return Err(LoadError::Invalid(format!(
                "the DICOM file meta group length says {len} bytes but its elements take {}",
                pos - group_start
            )));
        }
    }
    if ts.is_empty() {
        return Err(LoadError::Invalid("the DICOM file meta information has no transfer syntax".into()));
    }
    match ts.as_str() {
        EXPLICIT_BE => {
            return Err(LoadError::Unsupported {
                format: FORMAT,
                what: "the retired transfer syntax Explicit VR Big Endian (1.2.840.10008.1.2.2)".into(),
            })
        }
        DEFLATED_LE => {
            let limit = opts.check_bytes(opts.max_bytes, "the inflated DICOM data set")?;
            let mut inflated = Vec::new();
            let rest = bytes.get(pos..).unwrap_or(&[]);
            flate2::read::DeflateDecoder::new(rest)
                .take(limit as u64 + 1)
                .read_to_end(&mut inflated)
                .map_err(|e| LoadError::Compression { format: FORMAT, detail: e.to_string() })?;
            if inflated.len() > limit {
                return Err(LoadError::TooLarge { what: "the inflated DICOM data set".into(), claimed: None, budget: opts.max_bytes });
            }
            top_level(Walker { b: &inflated, implicit: false }.elements(0, inflated.len(), 0)?)?;
        }
        _ => {
            top_level(Walker { b: bytes, implicit: ts == IMPLICIT_LE }.elements(pos, bytes.len(), 0)?)?;
        }
    }
    Ok(ts)
}

/// The data set must end at the end of the file, not at a stray delimiter.
fn top_level((_, stop): (usize, Stop)) -> Result<(), LoadError> {
    match stop {
        Stop::End => Ok(()),
        _ => Err(LoadError::Invalid("DICOM: a sequence delimiter appears outside a sequence".into())),
    }
}

/// End of the single meta element starting at `pos` (explicit VR LE).
fn element_end(b: &[u8], pos: usize) -> Result<usize, LoadError> {
    let vr = b
        .get(pos + 4..pos + 6)
        .ok_or_else(|| LoadError::TruncatedStream { format: FORMAT, detail: "the file meta information is cut off".into() })?;
    let long = matches!(vr, b"OB" | b"OD" | b"OF" | b"OL" | b"OV" | b"OW" | b"SQ" | b"UC" | b"UN" | b"UR" | b"UT");
    let (len, header) = if long { (u32_at(b, pos + 8), 12) } else { (u16_at(b, pos + 6).map(u32::from), 8) };
    let len = len.ok_or_else(|| LoadError::TruncatedStream { format: FORMAT, detail: "the file meta information is cut off".into() })?;
    if len == u32::MAX {
        return Err(LoadError::Invalid("a file meta element has an undefined length".into()));
    }
    let end = (pos + header).saturating_add(len as usize);
    if end > b.len() {
        return Err(truncated(
            "an element of the file meta information claims more bytes than the file holds",
            (header + len as usize) as u64,
            (b.len() - pos) as u64,
        ));
    }
    Ok(end)
}

/// Parses a DICOM Part 10 file from bytes after validating it.
pub fn parse(bytes: &[u8], opts: &LoadOptions) -> Result<DefaultDicomObject, LoadError> {
    let ts = check_lengths(bytes, opts)?;
    if TransferSyntaxRegistry.get(&ts).is_none() {
        return Err(LoadError::Unsupported { format: FORMAT, what: format!("the unknown transfer syntax {ts}") });
    }
    OpenFileOptions::new().from_reader(&bytes[128..]).map_err(|e| LoadError::Dicom(e.to_string()))
}

fn text(obj: &InMemDicomObject, tag: Tag) -> Option<String> {
    let e = obj.get(tag)?;
    let s = e.to_str().ok()?;
    let s = s.trim_matches(|c: char| c == '\0' || c.is_whitespace()).to_string();
    (!s.is_empty()).then_some(s)
}

fn floats(obj: &InMemDicomObject, tag: Tag) -> Option<Vec<f64>> {
    obj.get(tag)?.to_multi_float64().ok()
}

fn float(obj: &InMemDicomObject, tag: Tag) -> Option<f64> {
    floats(obj, tag)?.first().copied()
}

fn int(obj: &InMemDicomObject, tag: Tag) -> Option<i64> {
    obj.get(tag)?.to_int::<i64>().ok()
}

/// Names of the patient-identifying tags that carry a value.
pub fn identifying_tags(obj: &InMemDicomObject) -> Vec<&'static str> {
    IDENTIFYING_TAGS.iter().filter(|(t, _)| text(obj, *t).is_some()).map(|&(_, n)| n).collect()
}

/// One decoded image slice.
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
    pub rescale: (f64, f64),
    pub modality: Option<String>,
    pub series_description: Option<String>,
    pub identifying: Vec<&'static str>,
    /// Rescaled values, row by row.
    pub data: Vec<f32>,
}

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

fn slice_from(obj: &DefaultDicomObject, opts: &LoadOptions) -> Result<Slice, LoadError> {
    let missing = |what: &str| LoadError::Invalid(format!("the DICOM file has no {what}"));
    if obj.get(tags::PIXEL_DATA).is_none() {
        return Err(LoadError::Invalid(format!(
            "this DICOM file holds no image (modality {}); pick the image files of the series",
            text(obj, tags::MODALITY).unwrap_or_else(|| "unknown".into())
        )));
    }
    let rows = int(obj, tags::ROWS).ok_or_else(|| missing("Rows"))?;
    let columns = int(obj, tags::COLUMNS).ok_or_else(|| missing("Columns"))?;
    if rows < 1 || columns < 1 {
        return Err(LoadError::Invalid(format!("the DICOM image is {columns} x {rows} pixels")));
    }
    let frames = int(obj, tags::NUMBER_OF_FRAMES).unwrap_or(1);
    if frames != 1 {
        return Err(LoadError::Unsupported {
            format: FORMAT,
            what: format!("several frames ({frames}) in one file (enhanced multi-frame DICOM)"),
        });
    }
    let spp = int(obj, tags::SAMPLES_PER_PIXEL).unwrap_or(1);
    if spp != 1 {
        return Err(LoadError::Unsupported { format: FORMAT, what: format!("colour ({spp} samples per pixel) instead of grey levels") });
    }
    let bits = int(obj, tags::BITS_ALLOCATED).unwrap_or(16).clamp(1, 64) as u64;
    if !matches!(bits, 8 | 16 | 32) {
        return Err(LoadError::Unsupported {
            format: FORMAT,
            what: format!("{bits}-bit pixels (BitsAllocated {bits}; e.g. a binary segmentation): RadLearn reads 8, 16 and 32-bit images"),
        });
    }
    opts.check_voxels([columns as u64, rows as u64, 1], bits.div_ceil(8), "the DICOM image")?;
    let ts_uid = obj.meta().transfer_syntax().trim_end_matches('\0').to_string();
    let ts = TransferSyntaxRegistry.get(&ts_uid);
    match ts {
        None => return Err(LoadError::Unsupported { format: FORMAT, what: format!("the unknown transfer syntax {ts_uid}") }),
        Some(ts) if !ts.can_decode_all() => {
            return Err(LoadError::Unsupported {
                format: FORMAT,
                what: format!("the transfer syntax {} ({}), for which no pure-Rust decoder is available", ts.name(), ts.uid()),
            })
        }
        _ => {}
    }
    if ts.is_some_and(|t| t.is_encapsulated_pixel_data() && t.uid().starts_with("1.2.840.10008.1.2.4.")) {
        // JPEG decoders allocate what the JPEG stream's own header claims: check it agrees with Rows x Columns
        // (which the budget check covered) before decoding.
        let first = obj.get(tags::PIXEL_DATA).and_then(|e| e.value().fragments()).and_then(|f| f.first().cloned()).unwrap_or_default();
        if let Some((h, w)) = jpeg_frame_size(&first) {
            if (i64::from(h), i64::from(w)) != (rows, columns) {
                return Err(LoadError::Invalid(format!(
                    "the compressed image is {w} x {h} pixels but the DICOM header says {columns} x {rows}"
                )));
            }
        }
    }
    if ts.is_some_and(|t| t.uid() == RLE_LOSSLESS) {
        let first = obj.get(tags::PIXEL_DATA).and_then(|e| e.value().fragments()).and_then(|f| f.first().cloned()).unwrap_or_default();
        check_rle(&first, (rows * columns) as usize, bits.div_ceil(8) as usize)?;
    }
    if ts.is_some_and(|t| !t.is_encapsulated_pixel_data()) {
        let need = (rows * columns) as u64 * bits.div_ceil(8);
        let have = obj.get(tags::PIXEL_DATA).and_then(|e| e.header().len.get()).map_or(0, u64::from);
        if have < need {
            return Err(truncated(&format!("the pixel data should hold {columns} x {rows} pixels of {bits} bits"), need, have));
        }
    }
    let decoded = obj.decode_pixel_data().map_err(|e| {
        let name = ts.map(|t| t.name()).unwrap_or("unknown");
        LoadError::Dicom(format!("the pixel data (transfer syntax {name}, {ts_uid}) could not be decoded: {e}"))
    })?;
    let stored: Vec<f32> = decoded
        .to_vec_with_options(&ConvertOptions::new().with_modality_lut(ModalityLutOption::None))
        .map_err(|e| LoadError::Dicom(format!("pixel data: {e}")))?;
    let n = (rows * columns) as usize;
    if stored.len() < n {
        return Err(truncated("the pixel data is shorter than Rows x Columns", n as u64, stored.len() as u64));
    }
    let slope = float(obj, tags::RESCALE_SLOPE).unwrap_or(1.0);
    let intercept = float(obj, tags::RESCALE_INTERCEPT).unwrap_or(0.0);
    if !(slope.is_finite() && intercept.is_finite()) {
        return Err(LoadError::Invalid(format!("RescaleSlope/Intercept are {slope}/{intercept}")));
    }
    let data: Vec<f32> = stored[..n].iter().map(|&v| (f64::from(v) * slope + intercept) as f32).collect();
    let position = floats(obj, tags::IMAGE_POSITION_PATIENT).filter(|v| v.len() >= 3).map(|v| [v[0], v[1], v[2]]);
    let orientation = floats(obj, tags::IMAGE_ORIENTATION_PATIENT).filter(|v| v.len() >= 6).map(|v| [v[0], v[1], v[2], v[3], v[4], v[5]]);
    let pixel_spacing = floats(obj, tags::PIXEL_SPACING).filter(|v| v.len() >= 2).map(|v| [v[1], v[0]]);
    let nonfinite = |v: &[f64]| v.iter().any(|x| !x.is_finite());
    if position.is_some_and(|p| nonfinite(&p))
        || orientation.is_some_and(|o| nonfinite(&o))
        || pixel_spacing.is_some_and(|s| nonfinite(&s) || s[0] <= 0.0 || s[1] <= 0.0)
    {
        return Err(LoadError::Invalid("ImagePositionPatient, ImageOrientationPatient or PixelSpacing is not a valid number".into()));
    }
    let modality = text(obj, tags::MODALITY);
    Ok(Slice {
        series_uid: text(obj, tags::SERIES_INSTANCE_UID).unwrap_or_default(),
        frame_of_reference: text(obj, tags::FRAME_OF_REFERENCE_UID),
        position: position.unwrap_or([0.0; 3]),
        orientation: orientation.unwrap_or([1.0, 0.0, 0.0, 0.0, 1.0, 0.0]),
        pixel_spacing: pixel_spacing.unwrap_or([1.0, 1.0]),
        rows: rows as usize,
        columns: columns as usize,
        slice_thickness: float(obj, tags::SLICE_THICKNESS).filter(|t| t.is_finite() && *t > 0.0),
        instance_number: int(obj, tags::INSTANCE_NUMBER),
        rescale: (slope, intercept),
        modality,
        series_description: text(obj, tags::SERIES_DESCRIPTION),
        identifying: identifying_tags(obj),
        data,
    })
}

/// Checks an RLE Lossless frame (DICOM PS3.5 annex G) before it is decoded: the header lists one segment per byte
/// of a sample, segments lie inside the fragment, and each PackBits segment decodes to at least one byte per pixel.
/// dicom-rs's RLE decoder panics on short or malformed segments, and a panic cannot be caught in the browser, so
/// this walk (a few lines of PackBits bookkeeping, no output) runs first.
fn check_rle(frag: &[u8], pixels: usize, segments: usize) -> Result<(), LoadError> {
    let bad = |m: String| LoadError::Invalid(format!("the RLE-compressed pixel data is damaged: {m}"));
    if frag.len() < 64 {
        return Err(LoadError::TruncatedStream { format: FORMAT, detail: "the RLE header (64 bytes) is cut off".into() });
    }
    let n = u32_at(frag, 0).unwrap_or(0) as usize;
    if n != segments {
        return Err(bad(format!("{n} segments where {segments} are expected")));
    }
    let mut offsets: Vec<usize> = (0..n).map(|i| u32_at(frag, 4 + 4 * i).unwrap_or(0) as usize).collect();
    offsets.push(frag.len());
    for w in offsets.windows(2) {
        if w[0] < 64 || w[0] > w[1] {
            return Err(bad(format!("segment offsets {} and {} are out of order or inside the header", w[0], w[1])));
        }
        let Some(seg) = frag.get(w[0]..w[1]) else {
            return Err(bad(format!("a segment ({}..{}) lies outside the {} bytes of the frame", w[0], w[1], frag.len())));
        };
        let (mut i, mut out) = (0usize, 0usize);
        while out < pixels {
            let Some(&h) = seg.get(i) else {
                return Err(bad(format!("a segment decodes to {out} bytes where {pixels} are needed")));
            };
            let h = h as i8;
            if h >= 0 {
                let run = h as usize + 1;
                if i + 1 + run > seg.len() {
                    return Err(bad("a literal run goes past the end of its segment".into()));
                }
                out += run;
                i += 1 + run;
            } else if h == -128 {
                i += 1;
            } else {
                if i + 1 >= seg.len() {
                    return Err(bad("a repeat run goes past the end of its segment".into()));
                }
                out += (1 - i64::from(h)) as usize;
                i += 2;
            }
        }
    }
    Ok(())
}

/// Height and width from the first start-of-frame marker of a JPEG stream (baseline, extended, lossless, JPEG-LS),
/// if one is found. Hand-written: reading two 16-bit numbers after a marker does not justify a JPEG parser.
fn jpeg_frame_size(b: &[u8]) -> Option<(u16, u16)> {
    let mut i = 2; // after SOI
    while i + 9 <= b.len() {
        if b[i] != 0xFF {
            return None;
        }
        let marker = b[i + 1];
        let len = usize::from(u16::from_be_bytes([b[i + 2], b[i + 3]]));
        let is_sof = matches!(marker, 0xC0..=0xCF | 0xF7) && !matches!(marker, 0xC4 | 0xC8 | 0xCC);
        if is_sof {
            return Some((u16::from_be_bytes([b[i + 5], b[i + 6]]), u16::from_be_bytes([b[i + 7], b[i + 8]])));
        }
        i += 2 + len;
    }
    None
}

fn cross(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]]
}

fn dot(a: [f64; 3], b: [f64; 3]) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

fn meta_of(s: &Slice, warnings: Vec<String>) -> Meta {
    let units = (s.modality.as_deref() == Some("CT")).then(|| "HU".to_string());
    Meta {
        format: "DICOM".into(),
        modality: s.modality.clone(),
        units,
        rescale: Some(s.rescale),
        series_description: s.series_description.clone(),
        series_uid: Some(s.series_uid.clone()),
        description: None,
        warnings,
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

/// Builds a volume from decoded slices of one series: checks they agree, sorts them along the slice normal and
/// refuses missing or unevenly spaced slices.
pub fn volume_from_slices(mut slices: Vec<Slice>) -> Result<Volume, LoadError> {
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
    slices.sort_by(|a, b| dot(a.position, normal).total_cmp(&dot(b.position, normal)));
    let pos: Vec<f64> = slices.iter().map(|s| dot(s.position, normal)).collect();
    let gaps: Vec<f64> = pos.windows(2).map(|w| w[1] - w[0]).collect();
    let dz = if gaps.is_empty() {
        slices[0].slice_thickness.unwrap_or(1.0)
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
        dims: [columns, rows, slices.len()],
        spacing: [spacing[0], spacing[1], dz],
        origin: slices[0].position,
        direction: [row_dir, col_dir, normal],
    };
    geometry.validate().map_err(|m| LoadError::Invalid(format!("DICOM geometry: {m}")))?;
    let meta = meta_of(&slices[0], phi_warning(&identifying).into_iter().collect());
    let mut data = Vec::new();
    data.try_reserve_exact(geometry.len()).map_err(|_| LoadError::TooLarge {
        what: "the DICOM series".into(),
        claimed: None,
        budget: 0,
    })?;
    for s in &slices {
        data.extend_from_slice(&s.data);
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
/// kept aside. The memory budget covers all slices together.
pub fn read_set(files: &[&[u8]], opts: &LoadOptions) -> Result<DicomSet, LoadError> {
    let mut slices = Vec::new();
    let mut rtstructs = Vec::new();
    let mut used = 0u64;
    for bytes in files {
        match read_file(bytes, &LoadOptions::with_max_bytes(opts.max_bytes.saturating_sub(used)))? {
            DicomFile::Image(s) => {
                used = used.saturating_add(s.data.len() as u64 * 8);
                opts.check_bytes(used, "the DICOM series")?;
                slices.push(*s);
            }
            DicomFile::RtStruct(r) => rtstructs.push(*r),
        }
    }
    if slices.is_empty() {
        return Err(LoadError::Invalid("none of the DICOM files holds an image; add the image series".into()));
    }
    Ok(DicomSet { volume: volume_from_slices(slices)?, rtstructs })
}

/// Reads every series in a set of DICOM files, grouped by SeriesInstanceUID (e.g. a study folder), in UID order.
/// RTSTRUCTs are skipped.
pub fn read_all_series(files: &[&[u8]], opts: &LoadOptions) -> Result<Vec<Volume>, LoadError> {
    let mut groups: BTreeMap<String, Vec<Slice>> = BTreeMap::new();
    let mut used = 0u64;
    for bytes in files {
        if let DicomFile::Image(s) = read_file(bytes, &LoadOptions::with_max_bytes(opts.max_bytes.saturating_sub(used)))? {
            used = used.saturating_add(s.data.len() as u64 * 8);
            opts.check_bytes(used, "the DICOM series")?;
            groups.entry(s.series_uid.clone()).or_default().push(*s);
        }
    }
    groups.into_values().map(volume_from_slices).collect()
}

/// Reads a DICOM series (or a single image as a one-slice volume).
pub fn read_series(files: &[&[u8]], opts: &LoadOptions) -> Result<Volume, LoadError> {
    read_set(files, opts).map(|s| s.volume)
}

/// One ROI of a structure set.
#[derive(Debug, Clone, PartialEq)]
pub struct Roi {
    pub number: i64,
    pub name: String,
    /// Closed planar contours, each a list of LPS points in mm.
    pub contours: Vec<Vec<[f64; 3]>>,
}

/// A DICOM RTSTRUCT: ROIs with their planar contours and the image series they were drawn on.
#[derive(Debug, Clone, PartialEq)]
pub struct RtStruct {
    pub rois: Vec<Roi>,
    pub referenced_series: Option<String>,
    pub frame_of_reference: Option<String>,
    pub identifying: Vec<&'static str>,
}

fn rtstruct_from(obj: &InMemDicomObject) -> Result<RtStruct, LoadError> {
    let mut rois: BTreeMap<i64, Roi> = BTreeMap::new();
    let items = |o: &InMemDicomObject, t: Tag| o.get(t).and_then(|e| e.items()).map(|i| i.to_vec()).unwrap_or_default();
    for item in items(obj, tags::STRUCTURE_SET_ROI_SEQUENCE) {
        let number = int(&item, tags::ROI_NUMBER).unwrap_or(-1);
        let name = text(&item, tags::ROI_NAME).unwrap_or_else(|| format!("ROI {number}"));
        rois.insert(number, Roi { number, name, contours: Vec::new() });
    }
    for item in items(obj, tags::ROI_CONTOUR_SEQUENCE) {
        let number = int(&item, tags::REFERENCED_ROI_NUMBER).unwrap_or(-1);
        let roi = rois.entry(number).or_insert_with(|| Roi { number, name: format!("ROI {number}"), contours: Vec::new() });
        for c in items(&item, tags::CONTOUR_SEQUENCE) {
            let kind = text(&c, tags::CONTOUR_GEOMETRIC_TYPE).unwrap_or_default();
            if kind != "CLOSED_PLANAR" {
                continue;
            }
            let pts = floats(&c, tags::CONTOUR_DATA).unwrap_or_default();
            if pts.len() < 9 || !pts.len().is_multiple_of(3) || pts.iter().any(|v| !v.is_finite()) {
                return Err(LoadError::Invalid(format!("a contour of ROI `{}` has invalid ContourData ({} numbers)", roi.name, pts.len())));
            }
            roi.contours.push(pts.chunks_exact(3).map(|p| [p[0], p[1], p[2]]).collect());
        }
    }
    let mut referenced_series = None;
    let mut frame_of_reference = None;
    for f in items(obj, tags::REFERENCED_FRAME_OF_REFERENCE_SEQUENCE) {
        frame_of_reference = frame_of_reference.or_else(|| text(&f, tags::FRAME_OF_REFERENCE_UID));
        for st in items(&f, tags::RT_REFERENCED_STUDY_SEQUENCE) {
            for se in items(&st, tags::RT_REFERENCED_SERIES_SEQUENCE) {
                referenced_series = referenced_series.or_else(|| text(&se, tags::SERIES_INSTANCE_UID));
            }
        }
    }
    Ok(RtStruct { rois: rois.into_values().collect(), referenced_series, frame_of_reference, identifying: identifying_tags(obj) })
}

/// Reads an RTSTRUCT file.
pub fn read_rtstruct(bytes: &[u8], opts: &LoadOptions) -> Result<RtStruct, LoadError> {
    match read_file(bytes, opts)? {
        DicomFile::RtStruct(r) => Ok(*r),
        DicomFile::Image(_) => Err(LoadError::Invalid("this DICOM file is an image, not an RTSTRUCT".into())),
    }
}

impl RtStruct {
    /// ROI names in file order.
    pub fn names(&self) -> Vec<String> {
        self.rois.iter().map(|r| r.name.clone()).collect()
    }

    /// Rasterises the ROI named `name` onto the grid of `image` (which must be the referenced series): each
    /// contour is assigned to the slice its points lie on, and a voxel is inside when its centre is inside an odd
    /// number of that slice's contours (even-odd rule, so inner contours cut holes).
    pub fn rasterise(&self, name: &str, image: &Volume) -> Result<LabelMap, LoadError> {
        let roi =
            self.rois.iter().find(|r| r.name == name).ok_or_else(|| LoadError::NoSuchRoi { name: name.into(), available: self.names() })?;
        if let (Some(r), Some(g)) = (&self.referenced_series, &image.meta.series_uid) {
            if r != g {
                return Err(LoadError::ReferencedSeriesAbsent { referenced: r.clone(), given: g.clone() });
            }
        }
        let geo = &image.geometry;
        let [nx, ny, nz] = geo.dims;
        // Polygons per slice, in continuous voxel coordinates (x, y).
        let mut per_slice: Vec<Vec<Vec<[f64; 2]>>> = vec![Vec::new(); nz];
        for c in &roi.contours {
            let mut pts = Vec::with_capacity(c.len());
            let mut zsum = 0.0;
            for p in c {
                let v = geo.world_to_voxel(*p).ok_or_else(|| LoadError::Invalid("the image orientation is degenerate".into()))?;
                zsum += v[2];
                pts.push([v[0], v[1]]);
            }
            let z = zsum / c.len() as f64;
            let k = z.round();
            if (z - k).abs() > 0.25 || k < 0.0 || k >= nz as f64 {
                return Err(LoadError::ReferencedSeriesAbsent {
                    referenced: format!(
                        "{} (a contour of `{}` lies at slice {z:.2}, off this image's slices)",
                        self.referenced_series.clone().unwrap_or_default(),
                        roi.name
                    ),
                    given: image.meta.series_uid.clone().unwrap_or_default(),
                });
            }
            per_slice[k as usize].push(pts);
        }
        let mut mask = LabelMap::empty(geo.clone());
        mask.names.push((1, roi.name.clone()));
        let mut xs: Vec<f64> = Vec::new();
        for (k, polys) in per_slice.iter().enumerate() {
            for j in 0..ny {
                let y = j as f64;
                xs.clear();
                for poly in polys {
                    for (a, b) in poly.iter().zip(poly.iter().cycle().skip(1)) {
                        if (a[1] <= y) != (b[1] <= y) {
                            xs.push(a[0] + (y - a[1]) * (b[0] - a[0]) / (b[1] - a[1]));
                        }
                    }
                }
                xs.sort_by(f64::total_cmp);
                for pair in xs.chunks_exact(2) {
                    let lo = pair[0].ceil().max(0.0);
                    let hi = pair[1].ceil().min(nx as f64);
                    let mut i = lo;
                    while i < hi {
                        if let Some(idx) = geo.index(i as usize, j, k) {
                            mask.data[idx] ^= 1;
                        }
                        i += 1.0;
                    }
                }
            }
        }
        Ok(mask)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Test code: a panic is a failed test.
mod tests {
    use super::*;

    fn square(x0: f64, y0: f64, x1: f64, y1: f64, z: f64) -> Vec<[f64; 3]> {
        vec![[x0, y0, z], [x1, y0, z], [x1, y1, z], [x0, y1, z]]
    }

    #[test]
    fn even_odd_rule_with_holes_and_several_contours() {
        // 10 x 10 x 2 grid of 1 mm voxels at the origin; voxel centres at integer coordinates.
        let image = Volume::new(Geometry::new([10, 10, 2], [1.0; 3]), vec![0.0; 200]).unwrap();
        let rt = RtStruct {
            rois: vec![Roi {
                number: 1,
                name: "GTV".into(),
                contours: vec![
                    // Slice 1: an outer square covering centres 1..=6, a hole covering 3..=4, and a separate
                    // square covering centres 8..=9 in x and 1..=2 in y.
                    square(0.5, 0.5, 6.5, 6.5, 1.0),
                    square(2.5, 2.5, 4.5, 4.5, 1.0),
                    square(7.5, 0.5, 9.5, 2.5, 1.0),
                ],
            }],
            referenced_series: None,
            frame_of_reference: None,
            identifying: Vec::new(),
        };
        let m = rt.rasterise("GTV", &image).unwrap();
        // 36 - 4 + 4 voxels, all on slice 1.
        assert_eq!(m.count(), 36 - 4 + 4);
        assert_eq!(m.data[..100].iter().filter(|&&v| v != 0).count(), 0);
        let at = |x, y| m.data[m.geometry.index(x, y, 1).unwrap()];
        assert_eq!((at(1, 1), at(6, 6), at(3, 3), at(4, 4), at(5, 4), at(8, 2), at(7, 2), at(0, 0)), (1, 1, 0, 0, 1, 1, 0, 0));
        assert_eq!(m.names, vec![(1, "GTV".to_string())]);
        // A contour between slices is refused rather than guessed.
        let mut off = rt.clone();
        off.rois[0].contours = vec![square(0.5, 0.5, 6.5, 6.5, 0.5)];
        assert!(matches!(off.rasterise("GTV", &image), Err(LoadError::ReferencedSeriesAbsent { .. })));
    }

    #[test]
    fn rle_and_jpeg_headers_are_checked() {
        // One segment of 4 pixels: a literal run of 2 then a repeat run of 2.
        let mut frag = vec![0u8; 64];
        frag[0] = 1;
        frag[4] = 64;
        frag.extend_from_slice(&[1, 10, 20, 0xFF, 30]);
        assert!(check_rle(&frag, 4, 1).is_ok());
        assert!(check_rle(&frag, 5, 1).is_err(), "decodes to only 4 bytes");
        assert!(check_rle(&frag, 4, 2).is_err(), "wrong segment count");
        assert!(check_rle(&frag[..66], 4, 1).is_err(), "literal run cut off");
        let sof = [0xFF, 0xD8, 0xFF, 0xC0, 0, 11, 8, 0, 16, 0, 32, 1, 1, 0x11, 0];
        assert_eq!(jpeg_frame_size(&sof), Some((16, 32)));
        assert_eq!(jpeg_frame_size(&sof[..6]), None);
    }
}
