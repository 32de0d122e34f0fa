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
const EXPLICIT_LE: &str = "1.2.840.10008.1.2.1";
const EXPLICIT_BE: &str = "1.2.840.10008.1.2.2";
const DEFLATED_LE: &str = "1.2.840.10008.1.2.1.99";
const RLE_LOSSLESS: &str = "1.2.840.10008.1.2.5";
const JPEG_BASELINE: &str = "1.2.840.10008.1.2.4.50";
const JPEG_EXTENDED: &str = "1.2.840.10008.1.2.4.51";
const JPEG2000_LOSSLESS: &str = "1.2.840.10008.1.2.4.90";
const JPEG2000: &str = "1.2.840.10008.1.2.4.91";
/// Luminance of an RGB colour (ITU-R BT.601, the weights of DICOM's YBR_FULL), for features of colour images.
const LUMA: [f64; 3] = [0.299, 0.587, 0.114];
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

/// Parses a DICOM file from bytes after validating it: a Part 10 file, or a bare data set without the 128-byte
/// preamble and "DICM" marker (see [`bare_dataset`]), which is accepted only when it holds an image or a structure set.
/// A gzip-compressed DICOM file (`.dcm.gz`, as some archives send) is inflated first, within the memory budget.
pub fn parse(bytes: &[u8], opts: &LoadOptions) -> Result<DefaultDicomObject, LoadError> {
    if crate::samples::is_gzip(bytes) {
        let limit = opts.check_bytes(opts.max_bytes, "the inflated DICOM file")?;
        let inflated = crate::samples::gunzip_prefix(bytes, limit.saturating_add(1), FORMAT)?;
        if inflated.len() > limit {
            return Err(LoadError::TooLarge { what: "the inflated DICOM file".into(), claimed: None, budget: opts.max_bytes });
        }
        if !is_dicom(&inflated) {
            return Err(LoadError::BadMagic { format: FORMAT, detail: "this gzip file does not hold a DICOM file".into() });
        }
        return parse_plain(&inflated, opts);
    }
    parse_plain(bytes, opts)
}

/// Whether bytes start like a DICOM file: the "DICM" marker at byte 128, or a data set without preamble.
fn is_dicom(bytes: &[u8]) -> bool {
    bytes.get(128..132) == Some(b"DICM") || is_bare_dataset(bytes)
}

/// Whether a gzip stream holds a DICOM file, judged from its first inflated bytes (for [`crate::load::sniff`]).
pub fn is_gzipped_dicom(bytes: &[u8]) -> bool {
    crate::samples::is_gzip(bytes) && crate::samples::gunzip_prefix(bytes, 1024, FORMAT).is_ok_and(|head| is_dicom(&head))
}

fn parse_plain(bytes: &[u8], opts: &LoadOptions) -> Result<DefaultDicomObject, LoadError> {
    if bytes.get(128..132) != Some(b"DICM") {
        if let Some(syntax) = bare_dataset(bytes)? {
            opts.check_bytes(bytes.len() as u64, "the DICOM file")?;
            let wrapped = part10_wrapper(syntax, bytes);
            let obj = parse_part10(&wrapped, opts)?;
            let image = [tags::ROWS, tags::COLUMNS, tags::PIXEL_DATA].iter().all(|&t| obj.get(t).is_some());
            let rtstruct = text(&obj, tags::MODALITY).as_deref() == Some("RTSTRUCT") || obj.get(tags::STRUCTURE_SET_ROI_SEQUENCE).is_some();
            if image || rtstruct {
                return Ok(obj);
            }
            // A complete data set (every length checked to the end of the file) that holds no image: say what it is.
            if obj.get(tags::PIXEL_DATA).is_none() && (text(&obj, tags::SOP_CLASS_UID).is_some() || text(&obj, tags::MODALITY).is_some()) {
                return Err(not_an_image(&obj));
            }
        }
    }
    parse_part10(bytes, opts)
}

/// The encoding of a data set stored without preamble: its file meta group comes first, or it has none and is
/// little endian with implicit or explicit VR.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bare {
    MetaFirst,
    NoMeta(&'static str),
}

/// Recognises a data set without the Part 10 preamble (old scanners, ACR-NEMA-style exports) from its first element:
/// an even group from 0002 to 0028 (data sets start with their lowest group, usually 0008), then either a valid
/// two-letter VR at bytes 4..6 (explicit VR) or a tag of the standard dictionary (implicit VR). `Ok(None)` when the
/// bytes do not start like a data set, so other files keep the "not a DICOM file" error; an error for a big-endian
/// data set, which RadLearn does not read.
fn bare_dataset(b: &[u8]) -> Result<Option<Bare>, LoadError> {
    let (Some(group), Some(elem), Some(vr)) = (u16_at(b, 0), u16_at(b, 2), b.get(4..6)) else { return Ok(None) };
    let plausible = |g: u16| g.is_multiple_of(2) && (0x0002..=0x0028).contains(&g);
    let explicit = vr.iter().all(u8::is_ascii_uppercase) && std::str::from_utf8(vr).ok().and_then(|v| v.parse::<VR>().ok()).is_some();
    if plausible(group) && explicit {
        return Ok(Some(if group == 0x0002 { Bare::MetaFirst } else { Bare::NoMeta(EXPLICIT_LE) }));
    }
    if plausible(group) && group != 0x0002 {
        let len = u32_at(b, 4).unwrap_or(u32::MAX) as usize;
        let known = (elem == 0 && len == 4) || StandardDataDictionary.by_tag(Tag(group, elem)).is_some();
        return Ok((known && len.saturating_add(8) <= b.len()).then_some(Bare::NoMeta(IMPLICIT_LE)));
    }
    if plausible(u16::from_be_bytes([b[0], b[1]])) && explicit {
        return Err(LoadError::Unsupported {
            format: FORMAT,
            what: "the retired transfer syntax Explicit VR Big Endian (1.2.840.10008.1.2.2), without file meta information".into(),
        });
    }
    Ok(None)
}

/// Whether the bytes look like a DICOM data set stored without the Part 10 preamble (see [`bare_dataset`]).
pub fn is_bare_dataset(bytes: &[u8]) -> bool {
    !matches!(bare_dataset(bytes), Ok(None))
}

/// The bytes of a bare data set behind a preamble, "DICM" and (when it has none) a minimal file meta group naming
/// its transfer syntax, so that it goes through the same length checks and parser as a Part 10 file.
fn part10_wrapper(syntax: Bare, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + 180);
    out.resize(128, 0);
    out.extend_from_slice(b"DICM");
    if let Bare::NoMeta(ts) = syntax {
        let mut uid = ts.as_bytes().to_vec();
        if uid.len() % 2 == 1 {
            uid.push(0);
        }
        out.extend_from_slice(&[0x02, 0x00, 0x00, 0x00, b'U', b'L', 4, 0]);
        out.extend_from_slice(&(8 + uid.len() as u32).to_le_bytes());
        out.extend_from_slice(&[0x02, 0x00, 0x10, 0x00, b'U', b'I']);
        out.extend_from_slice(&(uid.len() as u16).to_le_bytes());
        out.extend_from_slice(&uid);
    }
    out.extend_from_slice(body);
    out
}

/// Parses a DICOM Part 10 file from bytes after validating it.
fn parse_part10(bytes: &[u8], opts: &LoadOptions) -> Result<DefaultDicomObject, LoadError> {
    let ts = check_lengths(bytes, opts)?;
    if TransferSyntaxRegistry.get(&ts).is_none() {
        return Err(LoadError::Unsupported { format: FORMAT, what: format!("the unknown transfer syntax {ts}") });
    }
    OpenFileOptions::new().from_reader(&bytes[128..]).map_err(|e| LoadError::Dicom(e.to_string()))
}

fn text(obj: &InMemDicomObject, tag: Tag) -> Option<String> {
    let e = obj.get(tag)?;
    let s = if e.vr() == VR::UN { String::from_utf8_lossy(&e.to_bytes().ok()?).into_owned() } else { e.to_str().ok()?.into_owned() };
    let s = s.trim_matches(|c: char| c == '\0' || c.is_whitespace()).to_string();
    (!s.is_empty()).then_some(s)
}

/// Numbers of a standard attribute written with VR UN (some exporters do so for every attribute they do not know,
/// e.g. ImagePositionPatient in an RT Dose): the parser keeps the raw bytes, which are read here with the VR the
/// dictionary gives (text for DS/IS, little-endian binary otherwise).
fn un_numbers(tag: Tag, b: &[u8]) -> Option<Vec<f64>> {
    let le = |n: usize| b.chunks_exact(n);
    Some(match StandardDataDictionary.by_tag(tag).map(|e| e.vr()) {
        Some(VirtualVr::Exact(VR::DS | VR::IS)) => String::from_utf8_lossy(b)
            .split('\\')
            .map(|v| v.trim_matches(|c: char| c == '\0' || c.is_whitespace()).parse::<f64>().ok())
            .collect::<Option<Vec<f64>>>()?,
        Some(VirtualVr::Exact(VR::US)) => le(2).map(|c| f64::from(u16::from_le_bytes([c[0], c[1]]))).collect(),
        Some(VirtualVr::Exact(VR::SS)) => le(2).map(|c| f64::from(i16::from_le_bytes([c[0], c[1]]))).collect(),
        Some(VirtualVr::Exact(VR::UL)) => le(4).map(|c| f64::from(u32::from_le_bytes([c[0], c[1], c[2], c[3]]))).collect(),
        Some(VirtualVr::Exact(VR::SL)) => le(4).map(|c| f64::from(i32::from_le_bytes([c[0], c[1], c[2], c[3]]))).collect(),
        Some(VirtualVr::Exact(VR::FL)) => le(4).map(|c| f64::from(f32::from_le_bytes([c[0], c[1], c[2], c[3]]))).collect(),
        Some(VirtualVr::Exact(VR::FD)) => le(8).map(|c| f64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]])).collect(),
        _ => return None,
    })
}

fn floats(obj: &InMemDicomObject, tag: Tag) -> Option<Vec<f64>> {
    let e = obj.get(tag)?;
    if e.vr() == VR::UN {
        return un_numbers(tag, &e.to_bytes().ok()?);
    }
    e.to_multi_float64().ok()
}

fn float(obj: &InMemDicomObject, tag: Tag) -> Option<f64> {
    floats(obj, tag)?.first().copied()
}

fn int(obj: &InMemDicomObject, tag: Tag) -> Option<i64> {
    let e = obj.get(tag)?;
    if e.vr() == VR::UN {
        return un_numbers(tag, &e.to_bytes().ok()?)?.first().filter(|v| v.fract() == 0.0 && v.abs() < 9e15).map(|&v| v as i64);
    }
    e.to_int::<i64>().ok()
}

/// Names of the patient-identifying tags that carry a value.
pub fn identifying_tags(obj: &InMemDicomObject) -> Vec<&'static str> {
    IDENTIFYING_TAGS.iter().filter(|(t, _)| text(obj, *t).is_some()).map(|&(_, n)| n).collect()
}

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
    let Some(pixel) = obj.get(tags::PIXEL_DATA) else {
        return Err(not_an_image(obj));
    };
    let rows = int(obj, tags::ROWS).ok_or_else(|| missing("Rows"))?;
    let columns = int(obj, tags::COLUMNS).ok_or_else(|| missing("Columns"))?;
    if rows < 1 || columns < 1 {
        return Err(LoadError::Invalid(format!("the DICOM image is {columns} x {rows} pixels")));
    }
    // An unreadable NumberOfFrames (e.g. "1A") counts as one frame, as before multi-frame files were read.
    let frames = int(obj, tags::NUMBER_OF_FRAMES).unwrap_or(1);
    if frames < 1 {
        return Err(LoadError::Invalid(format!("NumberOfFrames (0028,0008) is {frames}")));
    }
    let spp = int(obj, tags::SAMPLES_PER_PIXEL).unwrap_or(1);
    let photometric = text(obj, tags::PHOTOMETRIC_INTERPRETATION)
        .map_or_else(|| if spp == 3 { "RGB" } else { "MONOCHROME2" }.to_string(), |p| p.to_ascii_uppercase());
    let colour = match (spp, photometric.as_str()) {
        (1, "PALETTE COLOR") => {
            return Err(LoadError::Unsupported {
                format: FORMAT,
                what: "palette colour (PALETTE COLOR: grey-level indices into a colour table)".into(),
            })
        }
        (1, _) => None,
        (3, "RGB" | "YBR_FULL" | "YBR_FULL_422" | "YBR_ICT" | "YBR_RCT") => Some(photometric.clone()),
        (3, p) => return Err(LoadError::Unsupported { format: FORMAT, what: format!("the colour encoding {p}") }),
        _ => {
            return Err(LoadError::Unsupported {
                format: FORMAT,
                what: format!("{spp} samples per pixel ({photometric}): RadLearn reads grey-level (1) and colour (3) images"),
            })
        }
    };
    let spp = if colour.is_some() { 3 } else { 1 };
    let bits = int(obj, tags::BITS_ALLOCATED).unwrap_or(16).clamp(1, 64) as u64;
    if !matches!(bits, 8 | 16 | 32) {
        return Err(LoadError::Unsupported {
            format: FORMAT,
            what: format!("{bits}-bit pixels (BitsAllocated {bits}; e.g. a binary segmentation): RadLearn reads 8, 16 and 32-bit images"),
        });
    }
    let bytes_per = bits / 8;
    // Every frame counts against the budget, before any frame table or pixel buffer is built; a colour image also
    // keeps 3 bytes per pixel for display.
    let kept_bytes = if colour.is_some() { 3 * bytes_per + 3 } else { bytes_per };
    opts.check_voxels([columns as u64, rows as u64, frames as u64], kept_bytes, "the DICOM image")?;
    let (n, frames, bytes_per) = ((rows * columns) as usize, frames as usize, bytes_per as usize);
    let ts_uid = obj.meta().transfer_syntax().trim_end_matches('\0').to_string();
    let ts = match TransferSyntaxRegistry.get(&ts_uid) {
        None => return Err(LoadError::Unsupported { format: FORMAT, what: format!("the unknown transfer syntax {ts_uid}") }),
        // JPEG 2000 is decoded here (`j2k_frame`), not by the registry's adapter.
        Some(ts) if !ts.can_decode_all() && !matches!(ts.uid(), JPEG2000_LOSSLESS | JPEG2000) => {
            return Err(LoadError::Unsupported {
                format: FORMAT,
                what: format!("the transfer syntax {} ({}), for which no pure-Rust decoder is available", ts.name(), ts.uid()),
            })
        }
        Some(ts) => ts,
    };
    let encapsulated = ts.is_encapsulated_pixel_data();
    let j2k = matches!(ts.uid(), JPEG2000_LOSSLESS | JPEG2000);
    // Native YBR_FULL_422 stores two luminance samples and one pair of chrominance samples per two pixels.
    let ybr422_native = !encapsulated && colour.as_deref() == Some("YBR_FULL_422");
    if ybr422_native && columns % 2 == 1 {
        return Err(LoadError::Invalid(format!("YBR_FULL_422 pixel data needs an even number of columns, not {columns}")));
    }
    let samples_per_frame = if ybr422_native { 2 * n } else { n * spp };
    let fragments: &[Vec<u8>] = if encapsulated { pixel.value().fragments().unwrap_or(&[]) } else { &[] };
    // The pixel data must hold every frame it claims (this also bounds the frame count by the file size).
    if encapsulated {
        if fragments.len() < frames {
            return Err(LoadError::TruncatedStream {
                format: FORMAT,
                detail: format!("the compressed pixel data holds {} fragment(s) for {frames} frame(s) (NumberOfFrames)", fragments.len()),
            });
        }
    } else {
        let need = (samples_per_frame * frames * bytes_per) as u64;
        let have = pixel.header().len.get().map_or(0, u64::from);
        if have < need {
            let what = if frames == 1 { String::new() } else { format!("{frames} frames of ") };
            return Err(truncated(&format!("the pixel data should hold {what}{columns} x {rows} pixels of {bits} bits"), need, have));
        }
    }
    let layout = frame_layout(obj, frames)?;
    let kept: Vec<(usize, (f64, f64))> = layout.frames.iter().map(|f| (f.index, f.rescale)).collect();
    let px = PixelFormat::of(obj, bits);
    let mut data: Vec<f32> = Vec::new();
    data.try_reserve_exact(n * kept.len()).map_err(|_| LoadError::TooLarge {
        what: "the DICOM image".into(),
        claimed: Some((n * kept.len() * 4) as u64),
        budget: opts.max_bytes,
    })?;
    let mut rgb: Vec<[u8; 3]> = Vec::new();
    let mut warnings = layout.warnings;
    let offsets = pixel.value().offset_table().unwrap_or(&[]);
    if let Some(photometric) = &colour {
        check_compressed_headers(obj, &ts_uid, ts.name(), fragments, offsets, frames, &kept, (rows, columns), bits, 3)?;
        // The decoders of JPEG and (with a multi-component transform) JPEG 2000 give RGB whatever the header's YBR.
        let decoded_rgb = matches!(ts.uid(), JPEG_BASELINE | JPEG_EXTENDED)
            || (j2k && matches!(photometric.as_str(), "YBR_ICT" | "YBR_RCT"))
            || (encapsulated && !j2k && ts.uid() != RLE_LOSSLESS);
        let space = match photometric.as_str() {
            _ if decoded_rgb => Space::Rgb,
            "YBR_FULL_422" if ybr422_native => Space::Ybr422,
            "YBR_FULL" | "YBR_FULL_422" => Space::Ybr,
            _ => Space::Rgb,
        };
        let planar = !encapsulated && int(obj, tags::PLANAR_CONFIGURATION) == Some(1);
        let raw = if encapsulated {
            Vec::new()
        } else {
            pixel.value().to_bytes().map_err(|e| LoadError::Dicom(format!("the pixel data is not a byte array: {e}")))?.into_owned()
        };
        rgb.try_reserve_exact(n * kept.len()).map_err(|_| LoadError::TooLarge {
            what: "the DICOM colour image".into(),
            claimed: Some((n * kept.len() * 3) as u64),
            budget: opts.max_bytes,
        })?;
        for &(k, _) in &kept {
            let samples: Vec<f64> = if !encapsulated {
                let frame_bytes = samples_per_frame * bytes_per;
                let frame = raw.get(k * frame_bytes..(k + 1) * frame_bytes).ok_or_else(|| {
                    truncated(&format!("frame {} of the pixel data is cut off", k + 1), frame_bytes as u64, raw.len() as u64)
                })?;
                frame.chunks_exact(bytes_per).map(|b| px.value(b) as f64).collect()
            } else if ts.uid() == RLE_LOSSLESS {
                decode_rle(&fragments[k], n, bytes_per, 3)?.chunks_exact(bytes_per).map(|b| px.value(b) as f64).collect()
            } else if j2k {
                j2k_frame(&jpeg_frame_stream(fragments, offsets, frames, k), k, (rows, columns), 3, px.signed)?
            } else {
                let decoded = obj.decode_pixel_data_frame(k as u32).map_err(|e| {
                    LoadError::Dicom(format!("the pixel data (transfer syntax {}, {ts_uid}) could not be decoded: {e}", ts.name()))
                })?;
                decoded.data().iter().map(|&v| f64::from(v)).collect()
            };
            let max = ((1u64 << px.bits_stored.min(32)) - 1) as f64;
            colour_frame(&samples, n, space, planar, max, &mut data, &mut rgb)?;
        }
        let via = if space == Space::Rgb { String::new() } else { format!(" (converted from {photometric} to RGB)") };
        warnings.push(format!(
            "this is a colour image{via}: the viewer shows its colours, and features use its luminance, converted from RGB as \
             Y = 0.299 R + 0.587 G + 0.114 B"
        ));
    } else if !encapsulated {
        let raw = pixel.value().to_bytes().map_err(|e| LoadError::Dicom(format!("the pixel data is not a byte array: {e}")))?;
        native_frames(&raw, n, px, &kept, &mut data)?;
    } else if ts.uid() == RLE_LOSSLESS {
        // RLE: one fragment per frame (PS3.5 A.4.2).
        for &(k, rescale) in &kept {
            let raw = decode_rle(&fragments[k], n, bytes_per, 1)?;
            native_frames(&raw, n, px, &[(0, rescale)], &mut data)?;
        }
    } else if j2k {
        check_compressed_headers(obj, &ts_uid, ts.name(), fragments, offsets, frames, &kept, (rows, columns), bits, 1)?;
        for &(k, (slope, intercept)) in &kept {
            let stored = j2k_frame(&jpeg_frame_stream(fragments, offsets, frames, k), k, (rows, columns), 1, px.signed)?;
            data.extend(stored.iter().map(|&v| (v * slope + intercept) as f32));
        }
    } else {
        check_compressed_headers(obj, &ts_uid, ts.name(), fragments, offsets, frames, &kept, (rows, columns), bits, 1)?;
        for &(k, (slope, intercept)) in &kept {
            let decoded = obj.decode_pixel_data_frame(k as u32).map_err(|e| {
                LoadError::Dicom(format!("the pixel data (transfer syntax {}, {ts_uid}) could not be decoded: {e}", ts.name()))
            })?;
            let stored: Vec<f32> = decoded
                .to_vec_with_options(&ConvertOptions::new().with_modality_lut(ModalityLutOption::None))
                .map_err(|e| LoadError::Dicom(format!("pixel data: {e}")))?;
            if stored.len() < n {
                return Err(truncated("the pixel data is shorter than Rows x Columns", n as u64, stored.len() as u64));
            }
            data.extend(stored[..n].iter().map(|&v| (f64::from(v) * slope + intercept) as f32));
        }
    }
    let modality = text(obj, tags::MODALITY);
    let units = match modality.as_deref() {
        Some("CT") => Some("HU".to_string()),
        Some("RTDOSE") if text(obj, tags::DOSE_UNITS).is_some_and(|u| u.eq_ignore_ascii_case("GY")) => Some("Gy".to_string()),
        _ => None,
    };
    let first = &layout.frames[0];
    Ok(Slice {
        series_uid: text(obj, tags::SERIES_INSTANCE_UID).unwrap_or_default(),
        frame_of_reference: text(obj, tags::FRAME_OF_REFERENCE_UID),
        position: first.position,
        orientation: layout.orientation,
        pixel_spacing: layout.pixel_spacing,
        rows: rows as usize,
        columns: columns as usize,
        slice_thickness: layout.thickness,
        instance_number: int(obj, tags::INSTANCE_NUMBER),
        rescale: first.rescale,
        modality,
        units,
        series_description: text(obj, tags::SERIES_DESCRIPTION),
        identifying: identifying_tags(obj),
        frame_positions: if layout.multi { layout.frames.iter().map(|f| f.position).collect() } else { Vec::new() },
        warnings,
        data,
        rgb,
    })
}

/// Checks the header of every kept frame's compressed stream against the DICOM header before it is decoded (JPEG and
/// JPEG 2000; nothing to check for other syntaxes): size, components (`spp`) and sample size.
///
/// dicom-rs's JPEG adapter copies what the JPEG stream decodes to into a buffer of Rows x Columns x SamplesPerPixel x
/// BitsAllocated / 8 bytes, and panics when the stream's own header claims more (a panic cannot be caught in the
/// browser). So every frame's stream, assembled from the fragments exactly as the adapter does, must declare the
/// header's size, its number of components and a sample size equal to BitsAllocated before it is decoded. More than 8
/// bits in JPEG Baseline/Extended is 12-bit JPEG, named as such even when no stream starts where expected (the
/// frame-header check would only call it damaged).
#[allow(clippy::too_many_arguments)] // One call per decoding path; a struct would only rename these.
fn check_compressed_headers(
    obj: &InMemDicomObject,
    ts_uid: &str,
    ts_name: &str,
    fragments: &[Vec<u8>],
    offsets: &[u32],
    frames: usize,
    kept: &[(usize, (f64, f64))],
    (rows, columns): (i64, i64),
    bits: u64,
    spp: u8,
) -> Result<(), LoadError> {
    let bytes_per = bits / 8;
    if matches!(ts_uid, JPEG2000_LOSSLESS | JPEG2000) {
        for &(k, _) in kept {
            j2k_check(&jpeg_frame_stream(fragments, offsets, frames, k), k, (rows, columns), spp)?;
        }
        return Ok(());
    }
    if !ts_uid.starts_with("1.2.840.10008.1.2.4.") {
        return Ok(());
    }
    if matches!(ts_uid, JPEG_BASELINE | JPEG_EXTENDED) && bits > 8 && fragments.iter().all(|f| !f.starts_with(&[0xFF, 0xD8])) {
        return Err(jpeg_precision_unsupported(ts_name, ts_uid, int(obj, tags::BITS_STORED).unwrap_or(12) as u8));
    }
    for &(k, _) in kept {
        let stream = jpeg_frame_stream(fragments, offsets, frames, k);
        let Some(sof) = jpeg_frame(&stream) else {
            return Err(LoadError::Invalid(format!(
                "the compressed image of frame {} is damaged: its JPEG data has no frame header",
                k + 1
            )));
        };
        if (i64::from(sof.height), i64::from(sof.width)) != (rows, columns) {
            return Err(LoadError::Invalid(format!(
                "the compressed image is {} x {} pixels but the DICOM header says {columns} x {rows}",
                sof.width, sof.height
            )));
        }
        // Baseline, extended and progressive (SOF0-2) with more than 8 bits: JPEG Extended 12-bit.
        if matches!(sof.marker, 0xC0..=0xC2) && sof.precision > 8 {
            return Err(jpeg_precision_unsupported(ts_name, ts_uid, sof.precision));
        }
        let sample_bytes = if sof.precision > 8 { 2 } else { 1 };
        // Colour is read from 8-bit streams only: the adapter's 16-bit colour output has no documented layout.
        if sof.components != spp || sample_bytes != bytes_per || (spp > 1 && sample_bytes > 1) {
            return Err(LoadError::Invalid(format!(
                "the compressed image has {} component(s) of {} bits but the DICOM header says {spp} of {bits} bits",
                sof.components, sof.precision
            )));
        }
    }
    Ok(())
}

fn jpeg_precision_unsupported(name: &str, uid: &str, precision: u8) -> LoadError {
    LoadError::Unsupported {
        format: FORMAT,
        what: format!(
            "the transfer syntax {name} ({uid}) with {precision}-bit sample precision: the pure-Rust JPEG decoder reads only 8-bit \
             baseline and extended JPEG"
        ),
    }
}

/// One frame kept from a file.
#[derive(Debug, Clone, Copy)]
struct Frame {
    /// Index of the frame in the pixel data.
    index: usize,
    position: [f64; 3],
    /// Rescale slope and intercept of this frame.
    rescale: (f64, f64),
}

/// Where the frames of a file lie and how their values are rescaled.
struct FrameLayout {
    /// Kept frames, in file order (never empty).
    frames: Vec<Frame>,
    /// Whether the file holds several frames (or is an enhanced image): the positions are per frame.
    multi: bool,
    orientation: [f64; 6],
    pixel_spacing: [f64; 2],
    thickness: Option<f64>,
    warnings: Vec<String>,
}

fn first_item(obj: &InMemDicomObject, tag: Tag) -> Option<&InMemDicomObject> {
    obj.get(tag)?.items()?.first()
}

fn vec_n<const N: usize>(obj: &InMemDicomObject, tag: Tag) -> Option<[f64; N]> {
    let v = floats(obj, tag)?;
    (v.len() >= N).then(|| std::array::from_fn(|i| v[i]))
}

/// Geometry and rescale of every frame.
///
/// - Enhanced images (CT, MR, PET...): the Plane Position, Plane Orientation, Pixel Measures and Pixel Value
///   Transformation functional groups, per frame (5200,9230) or shared (5200,9229), falling back on the top-level
///   attributes.
/// - RT Dose: GridFrameOffsetVector (3004,000C), offsets along the slice normal relative to the first frame (the
///   first offset is 0, or the first frame's z when the offsets are absolute: either way `offset - offset[0]`), and
///   DoseGridScaling (3004,000E) as the rescale slope.
/// - Other multi-frame files without positions (NM, US-like, secondary capture): the frames are stacked at
///   SpacingBetweenSlices, SliceThickness or 1 mm, with a warning that the spacing is a guess.
///
/// Several stacks in one file (other orientations, another StackID, or a position repeated for time points or
/// echoes): the first stack is taken (frame 1's orientation and stack, the first frame at each position) with a
/// warning, rather than an error, so that a student still sees the image; the warning says what was left out.
fn frame_layout(obj: &InMemDicomObject, frames: usize) -> Result<FrameLayout, LoadError> {
    let per = obj.get(tags::PER_FRAME_FUNCTIONAL_GROUPS_SEQUENCE).and_then(|e| e.items());
    if let Some(p) = per {
        if p.len() != frames {
            return Err(LoadError::Invalid(format!(
                "the Per-frame Functional Groups Sequence (5200,9230) has {} item(s) for {frames} frame(s) (NumberOfFrames); \
                 every frame needs its own item",
                p.len()
            )));
        }
    }
    let shared = first_item(obj, tags::SHARED_FUNCTIONAL_GROUPS_SEQUENCE);
    // A functional group macro of frame k: its per-frame item, else the shared one.
    let group = |k: usize, tag: Tag| {
        per.and_then(|p| p.get(k)).and_then(|i| first_item(i, tag)).or_else(|| shared.and_then(|s| first_item(s, tag)))
    };
    let measures = group(0, tags::PIXEL_MEASURES_SEQUENCE);
    let measure = |tag: Tag| measures.and_then(|m| floats(m, tag)).or_else(|| floats(obj, tag));
    let positive = |v: Option<Vec<f64>>| v.and_then(|v| v.first().copied()).filter(|t| t.is_finite() && *t > 0.0);
    let pixel_spacing = measure(tags::PIXEL_SPACING).filter(|v| v.len() >= 2).map(|v| [v[1], v[0]]);
    let thickness = positive(measure(tags::SLICE_THICKNESS));
    let between = positive(measure(tags::SPACING_BETWEEN_SLICES));
    let top_position = vec_n::<3>(obj, tags::IMAGE_POSITION_PATIENT);
    let top_orientation = vec_n::<6>(obj, tags::IMAGE_ORIENTATION_PATIENT);
    let top_rescale = match float(obj, tags::DOSE_GRID_SCALING) {
        Some(s) => (s, 0.0),
        None => (float(obj, tags::RESCALE_SLOPE).unwrap_or(1.0), float(obj, tags::RESCALE_INTERCEPT).unwrap_or(0.0)),
    };
    let rescale_of = |k: usize| {
        group(k, tags::PIXEL_VALUE_TRANSFORMATION_SEQUENCE)
            .map_or(top_rescale, |t| (float(t, tags::RESCALE_SLOPE).unwrap_or(1.0), float(t, tags::RESCALE_INTERCEPT).unwrap_or(0.0)))
    };
    let orientation_of = |k: usize| group(k, tags::PLANE_ORIENTATION_SEQUENCE).and_then(|i| vec_n::<6>(i, tags::IMAGE_ORIENTATION_PATIENT));
    let position_of = |k: usize| group(k, tags::PLANE_POSITION_SEQUENCE).and_then(|i| vec_n::<3>(i, tags::IMAGE_POSITION_PATIENT));
    let orientation = orientation_of(0).or(top_orientation).unwrap_or([1.0, 0.0, 0.0, 0.0, 1.0, 0.0]);
    let normal = cross([orientation[0], orientation[1], orientation[2]], [orientation[3], orientation[4], orientation[5]]);
    let mut warnings = Vec::new();
    let (frames_kept, multi) = if position_of(0).is_some() {
        // Enhanced image: one stack is kept.
        let stack_of = |k: usize| {
            per.and_then(|p| p.get(k)).and_then(|i| first_item(i, tags::FRAME_CONTENT_SEQUENCE)).and_then(|c| text(c, tags::STACK_ID))
        };
        let stack = stack_of(0);
        let mut seen = std::collections::HashSet::new();
        let mut kept = Vec::new();
        let (mut other_orientation, mut other_stack, mut repeated) = (0usize, 0usize, 0usize);
        for k in 0..frames {
            let position = position_of(k).ok_or_else(|| {
                LoadError::Invalid(format!(
                    "frame {} of {frames} has no position (PlanePositionSequence > ImagePositionPatient), although frame 1 has one",
                    k + 1
                ))
            })?;
            let o = orientation_of(k).or(top_orientation).unwrap_or(orientation);
            if o.iter().zip(&orientation).any(|(a, b)| (a - b).abs() > 1e-4) {
                other_orientation += 1;
            } else if stack_of(k) != stack {
                other_stack += 1;
            } else if !seen.insert(position.map(|c| (c * 100.0).round() as i64)) {
                repeated += 1;
            } else {
                kept.push(Frame { index: k, position, rescale: rescale_of(k) });
            }
        }
        if kept.len() < frames {
            let mut why = Vec::new();
            if other_orientation > 0 {
                why.push(format!("{other_orientation} with another orientation"));
            }
            if other_stack > 0 {
                why.push(format!("{other_stack} in other stacks"));
            }
            if repeated > 0 {
                why.push(format!("{repeated} at a position already taken (other time points or echoes)"));
            }
            warnings.push(format!(
                "this multi-frame file holds {frames} frames in several stacks; RadLearn took the first stack ({} frames) and left out {} \
                 ({}); export the stack you need as its own series to choose another",
                kept.len(),
                frames - kept.len(),
                why.join(", ")
            ));
        }
        (kept, true)
    } else if frames == 1 {
        (vec![Frame { index: 0, position: top_position.unwrap_or([0.0; 3]), rescale: rescale_of(0) }], false)
    } else if let Some(offsets) = floats(obj, tags::GRID_FRAME_OFFSET_VECTOR) {
        if offsets.len() < frames {
            return Err(LoadError::Invalid(format!(
                "the GridFrameOffsetVector (3004,000C) lists {} offset(s) for {frames} frames",
                offsets.len()
            )));
        }
        let origin = top_position.unwrap_or([0.0; 3]);
        let kept = (0..frames)
            .map(|k| {
                let d = offsets[k] - offsets[0];
                Frame { index: k, position: [0, 1, 2].map(|i| origin[i] + d * normal[i]), rescale: rescale_of(k) }
            })
            .collect();
        (kept, true)
    } else {
        let (spacing, source) = match (between, thickness) {
            (Some(s), _) => (s, "SpacingBetweenSlices"),
            (None, Some(t)) => (t, "SliceThickness"),
            (None, None) => (1.0, "no spacing in the file, so 1 mm"),
        };
        warnings.push(format!(
            "the file gives no position for its {frames} frames: they are stacked {spacing} mm apart ({source}); the slice spacing is \
             a guess, so check it before measuring sizes or volumes"
        ));
        let origin = top_position.unwrap_or([0.0; 3]);
        let kept = (0..frames)
            .map(|k| Frame { index: k, position: [0, 1, 2].map(|i| origin[i] + k as f64 * spacing * normal[i]), rescale: rescale_of(k) })
            .collect();
        (kept, true)
    };
    let nonfinite = |v: &[f64]| v.iter().any(|x| !x.is_finite());
    if nonfinite(&orientation)
        || pixel_spacing.is_some_and(|s| nonfinite(&s) || s[0] <= 0.0 || s[1] <= 0.0)
        || frames_kept.iter().any(|f| nonfinite(&f.position))
    {
        return Err(LoadError::Invalid("ImagePositionPatient, ImageOrientationPatient or PixelSpacing is not a valid number".into()));
    }
    if let Some(f) = frames_kept.iter().find(|f| !(f.rescale.0.is_finite() && f.rescale.1.is_finite())) {
        return Err(LoadError::Invalid(format!("RescaleSlope/Intercept are {}/{}", f.rescale.0, f.rescale.1)));
    }
    Ok(FrameLayout {
        frames: frames_kept,
        multi,
        orientation,
        pixel_spacing: pixel_spacing.unwrap_or([1.0, 1.0]),
        thickness: thickness.or(between),
        warnings,
    })
}

/// Layout of native (uncompressed) samples.
#[derive(Debug, Clone, Copy)]
struct PixelFormat {
    /// Bytes per sample: 1, 2 or 4 (BitsAllocated 8, 16, 32).
    bytes: usize,
    bits_stored: u32,
    /// Right shift that brings the stored bits to bit 0 (HighBit + 1 - BitsStored).
    shift: u32,
    signed: bool,
}

impl PixelFormat {
    fn of(obj: &InMemDicomObject, bits_allocated: u64) -> PixelFormat {
        let bits = bits_allocated as u32;
        let stored = int(obj, tags::BITS_STORED).filter(|&b| b >= 1 && b <= i64::from(bits)).map_or(bits, |b| b as u32);
        let high = int(obj, tags::HIGH_BIT).filter(|&h| h + 1 >= i64::from(stored) && h < i64::from(bits)).map_or(stored - 1, |h| h as u32);
        PixelFormat {
            bytes: (bits / 8) as usize,
            bits_stored: stored,
            shift: high + 1 - stored,
            signed: int(obj, tags::PIXEL_REPRESENTATION) == Some(1),
        }
    }

    /// The stored value of one little-endian sample of `self.bytes` bytes: masked to BitsStored, sign-extended when signed.
    fn value(&self, b: &[u8]) -> i64 {
        let raw = match *b {
            [x] => u64::from(x),
            [x, y] => u64::from(u16::from_le_bytes([x, y])),
            [x, y, z, w] => u64::from(u32::from_le_bytes([x, y, z, w])),
            _ => 0,
        };
        let v = (raw >> self.shift) & ((1u64 << self.bits_stored) - 1);
        if self.signed && (v >> (self.bits_stored - 1)) & 1 == 1 {
            v as i64 - (1i64 << self.bits_stored)
        } else {
            v as i64
        }
    }
}

/// Appends the rescaled values of the frames `frames` (index, (slope, intercept)) of native pixel data to `out`.
///
/// Hand-written rather than dicom-pixeldata: dicom-pixeldata 0.10 refuses BitsAllocated 32 ("must be 1, 8 or 16"),
/// which RT Dose and parametric maps use. Native pixel data is little-endian integers, frame after frame, so reading
/// it here (BitsStored masking, sign extension) is a few lines; it also decodes only the frames kept from a
/// multi-frame file, and rescales in f64 because 32-bit stored values do not fit an f32 exactly. dicom-object keeps
/// OW values as native-endian u16, which is little endian on every target RadLearn builds for (x86, ARM, wasm32);
/// big-endian files are refused before this point.
fn native_frames(raw: &[u8], n: usize, px: PixelFormat, frames: &[(usize, (f64, f64))], out: &mut Vec<f32>) -> Result<(), LoadError> {
    let frame_bytes = n * px.bytes;
    for &(k, (slope, intercept)) in frames {
        let frame = raw.get(k * frame_bytes..(k + 1) * frame_bytes).ok_or_else(|| {
            truncated(
                &format!("frame {} of the pixel data is cut off", k + 1),
                frame_bytes as u64,
                raw.len().saturating_sub(k * frame_bytes) as u64,
            )
        })?;
        out.extend(frame.chunks_exact(px.bytes).map(|b| (px.value(b) as f64 * slope + intercept) as f32));
    }
    Ok(())
}

/// Decodes one RLE Lossless frame (DICOM PS3.5 annex G) into native little-endian samples of `bytes` bytes, `spp`
/// samples per pixel interleaved: the header lists one segment per byte of a sample (sample by sample, the most
/// significant byte first), each a PackBits stream of one byte per pixel. Hand-written: dicom-rs's RLE decoder panics
/// on short or malformed segments (a panic cannot be caught in the browser) and does not read 32-bit samples; this
/// loop checks every run against its segment.
fn decode_rle(frag: &[u8], pixels: usize, bytes: usize, spp: usize) -> Result<Vec<u8>, LoadError> {
    let segments = bytes * spp;
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
    let mut out = vec![0u8; pixels * segments];
    for (s, w) in offsets.windows(2).enumerate() {
        if w[0] < 64 || w[0] > w[1] {
            return Err(bad(format!("segment offsets {} and {} are out of order or inside the header", w[0], w[1])));
        }
        let Some(seg) = frag.get(w[0]..w[1]) else {
            return Err(bad(format!("a segment ({}..{}) lies outside the {} bytes of the frame", w[0], w[1], frag.len())));
        };
        // Segment s holds byte `bytes - 1 - s % bytes` (little-endian position) of sample `s / bytes`.
        let byte = (s / bytes) * bytes + bytes - 1 - s % bytes;
        let (mut i, mut p) = (0usize, 0usize);
        while p < pixels {
            let Some(&h) = seg.get(i) else {
                return Err(bad(format!("a segment decodes to {p} bytes where {pixels} are needed")));
            };
            let h = h as i8;
            if h >= 0 {
                let run = h as usize + 1;
                let Some(literal) = seg.get(i + 1..i + 1 + run) else {
                    return Err(bad("a literal run goes past the end of its segment".into()));
                };
                for &v in literal.iter().take(pixels - p) {
                    out[p * segments + byte] = v;
                    p += 1;
                }
                i += 1 + run;
            } else if h == -128 {
                i += 1;
            } else {
                let Some(&v) = seg.get(i + 1) else {
                    return Err(bad("a repeat run goes past the end of its segment".into()));
                };
                for _ in 0..(1 - i64::from(h)).min((pixels - p) as i64) {
                    out[p * segments + byte] = v;
                    p += 1;
                }
                i += 2;
            }
        }
    }
    Ok(out)
}

/// How the three samples of a colour pixel are stored once decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Space {
    Rgb,
    /// YBR_FULL (and YBR_FULL_422 once decoded): luminance and two chrominance samples.
    Ybr,
    /// Native YBR_FULL_422: Y1 Y2 Cb Cr for each pair of pixels along a row.
    Ybr422,
}

/// Appends the luminance (to `lum`) and the 8-bit display colours (to `rgb`) of one colour frame of `n` pixels whose
/// stored samples (0 to `max`) are `s`: pixel by pixel (R G B...), plane by plane when `planar`, or per pair of
/// pixels for native YBR_FULL_422. YBR is converted to RGB with the equations of DICOM PS3.3 C.7.6.3.1.2; the
/// luminance of the unrounded RGB is [`LUMA`]'s weighted sum (for YBR it equals the stored Y). Hand-written because
/// dicom-pixeldata 0.10's conversion rounds to 8 bits and reads neither 32-bit samples nor RLE's segment layout.
fn colour_frame(
    s: &[f64],
    n: usize,
    space: Space,
    planar: bool,
    max: f64,
    lum: &mut Vec<f32>,
    rgb: &mut Vec<[u8; 3]>,
) -> Result<(), LoadError> {
    let need = if space == Space::Ybr422 { 2 * n } else { 3 * n };
    if s.len() < need {
        return Err(truncated("a colour frame of the pixel data is shorter than Rows x Columns x 3", need as u64, s.len() as u64));
    }
    let half = (max + 1.0) / 2.0;
    let scale = if max > 0.0 { 255.0 / max } else { 0.0 };
    for p in 0..n {
        let [a, b, c] = match space {
            Space::Ybr422 => {
                let q = (p / 2) * 4;
                [s[q + p % 2], s[q + 2], s[q + 3]]
            }
            _ if planar => [s[p], s[n + p], s[2 * n + p]],
            _ => [s[3 * p], s[3 * p + 1], s[3 * p + 2]],
        };
        let colour = if space == Space::Rgb {
            [a, b, c]
        } else {
            let (cb, cr) = (b - half, c - half);
            [a + 1.402 * cr, a - 0.344_136 * cb - 0.714_136 * cr, a + 1.772 * cb]
        };
        lum.push((LUMA[0] * colour[0] + LUMA[1] * colour[1] + LUMA[2] * colour[2]) as f32);
        rgb.push(colour.map(|v| (v.clamp(0.0, max) * scale).round() as u8));
    }
    Ok(())
}

/// The JPEG 2000 codestream of a frame: the bytes themselves, or the contiguous codestream box (`jp2c`) of a JP2 file.
fn j2k_codestream(b: &[u8]) -> Option<&[u8]> {
    if b.starts_with(&[0xFF, 0x4F, 0xFF, 0x51]) {
        return Some(b);
    }
    // JP2 boxes: a 4-byte length (0: to the end; 1: an 8-byte length follows) and a 4-byte type.
    let mut pos = 0usize;
    while pos + 8 <= b.len() {
        let len = u32::from_be_bytes([b[pos], b[pos + 1], b[pos + 2], b[pos + 3]]) as u64;
        let (len, header) = match len {
            0 => ((b.len() - pos) as u64, 8),
            1 => (u64::from_be_bytes(b.get(pos + 8..pos + 16)?.try_into().ok()?), 16),
            l => (l, 8),
        };
        if &b[pos + 4..pos + 8] == b"jp2c" {
            return b.get(pos + header..).filter(|c| c.starts_with(&[0xFF, 0x4F, 0xFF, 0x51]));
        }
        if len < header as u64 {
            return None;
        }
        pos = pos.checked_add(usize::try_from(len).ok()?)?;
    }
    None
}

/// Largest number of tiles x components accepted in a JPEG 2000 frame. Decoders allocate tile and component coding
/// structures for every tile the SIZ segment declares, before reading any of them; DICOM images use one tile or a
/// few dozen.
const MAX_J2K_TILE_COMPONENTS: u64 = 1 << 14;

/// Checks a JPEG 2000 frame's SIZ segment against the DICOM header before the decoder sees it: the image size, the
/// number of components (`spp`), full-resolution components of at most 16 bits, and a bounded tile count, so that
/// the decoder's allocations are bounded by the memory budget already checked for Rows x Columns. Hand-written: no
/// crate reads a J2K header without decoding, and the SIZ segment is a fixed table (ISO 15444-1 A.5.1).
fn j2k_check(stream: &[u8], k: usize, (rows, columns): (i64, i64), spp: u8) -> Result<(), LoadError> {
    let damaged = |m: &str| LoadError::Invalid(format!("the JPEG 2000 data of frame {} is damaged: {m}", k + 1));
    let Some(cs) = j2k_codestream(stream) else {
        return Err(damaged("it does not start with a JPEG 2000 codestream (SOC and SIZ markers)"));
    };
    let u32_be = |p: usize| cs.get(p..p + 4).map(|v| u32::from_be_bytes([v[0], v[1], v[2], v[3]]));
    let u16_be = |p: usize| cs.get(p..p + 2).map(|v| u16::from_be_bytes([v[0], v[1]]));
    // After SOC (2 bytes) and the SIZ marker (2): Lsiz, Rsiz, Xsiz, Ysiz, XOsiz, YOsiz, XTsiz, YTsiz, XTOsiz, YTOsiz, Csiz.
    let field = |i: usize| u32_be(8 + 4 * i);
    let (Some(x), Some(y), Some(xo), Some(yo), Some(xt), Some(yt), Some(xto), Some(yto), Some(c)) =
        (field(0), field(1), field(2), field(3), field(4), field(5), field(6), field(7), u16_be(40))
    else {
        return Err(damaged("its SIZ header is cut off"));
    };
    let (w, h) = (i64::from(x) - i64::from(xo), i64::from(y) - i64::from(yo));
    if (h, w) != (rows, columns) {
        return Err(LoadError::Invalid(format!(
            "the JPEG 2000 image of frame {} is {w} x {h} pixels but the DICOM header says {columns} x {rows}",
            k + 1
        )));
    }
    if c != u16::from(spp) {
        return Err(LoadError::Invalid(format!(
            "the JPEG 2000 image of frame {} has {c} component(s) but the DICOM header says {spp} (SamplesPerPixel)",
            k + 1
        )));
    }
    for i in 0..usize::from(c) {
        let Some(comp) = cs.get(42 + 3 * i..45 + 3 * i) else { return Err(damaged("its SIZ header is cut off")) };
        let precision = (comp[0] & 0x7F) + 1;
        if precision > 16 {
            return Err(LoadError::Unsupported {
                format: FORMAT,
                what: format!("JPEG 2000 samples of {precision} bits (at most 16 are read)"),
            });
        }
        if comp[1] != 1 || comp[2] != 1 {
            return Err(LoadError::Unsupported {
                format: FORMAT,
                what: format!("JPEG 2000 with a subsampled component ({} x {})", comp[1], comp[2]),
            });
        }
    }
    if xt == 0 || yt == 0 || xto > xo || yto > yo {
        return Err(damaged("its tile grid is impossible"));
    }
    // x > xo >= xto and y > yo >= yto here (the size matched a non-empty image); products saturate, as 2^32 tiles per
    // axis are possible in a forged header.
    let tiles = u64::from(x - xto).div_ceil(u64::from(xt)).saturating_mul(u64::from(y - yto).div_ceil(u64::from(yt)));
    if tiles.saturating_mul(u64::from(c)) > MAX_J2K_TILE_COMPONENTS {
        return Err(LoadError::Unsupported {
            format: FORMAT,
            what: format!("JPEG 2000 cut into {tiles} tiles (RadLearn reads up to {MAX_J2K_TILE_COMPONENTS} tiles per component)"),
        });
    }
    Ok(())
}

/// Decodes one JPEG 2000 frame (checked by [`j2k_check`]) with hayro-jpeg2000 into stored values, `spp` samples
/// per pixel interleaved. The decoder's own sizes are checked again before its buffers are read. It gives every
/// component as unsigned floats (it adds 2^(precision-1) to signed components too, and does not clamp a lossy
/// reconstruction); here they are rounded and clamped to the component's range, as OpenJPEG does, and a signed
/// component (the sign bit of its Ssiz in the SIZ segment) is shifted back. When the codestream's signedness
/// disagrees with PixelRepresentation (`signed`), the DICOM header wins, as in pydicom and GDCM: the component's bits
/// are reinterpreted in two's complement (or as unsigned) at the component's precision.
fn j2k_frame(stream: &[u8], k: usize, (rows, columns): (i64, i64), spp: u8, signed: bool) -> Result<Vec<f64>, LoadError> {
    let undecodable = |e: String| LoadError::Invalid(format!("the JPEG 2000 data of frame {} could not be decoded ({e})", k + 1));
    // Palette indices stay indices: DICOM describes colour in its own header.
    let settings = hayro_jpeg2000::DecodeSettings { resolve_palette_indices: false, ..Default::default() };
    let image = hayro_jpeg2000::Image::new(stream, &settings).map_err(|e| undecodable(e.to_string()))?;
    let mut ctx = hayro_jpeg2000::DecoderContext::default();
    let decoded = image.decode(&mut ctx).map_err(|e| undecodable(e.to_string()))?;
    let comps = decoded.components();
    let n = (rows * columns) as usize;
    let sizes_agree = (i64::from(image.height()), i64::from(image.width())) == (rows, columns);
    if !sizes_agree || comps.len() != usize::from(spp) || comps.iter().any(|c| c.samples().len() < n || c.bit_depth() > 16) {
        return Err(LoadError::Invalid(format!(
            "the JPEG 2000 data of frame {} decoded to {} component(s) of another size than {columns} x {rows}",
            k + 1,
            comps.len()
        )));
    }
    // The Ssiz byte of each component: after SOC, SIZ, Lsiz, Rsiz, eight 32-bit sizes and Csiz (ISO 15444-1 A.5.1).
    let codestream = j2k_codestream(stream).unwrap_or_default();
    let mut out = vec![0.0; n * comps.len()];
    for (c, comp) in comps.iter().enumerate() {
        let precision = comp.bit_depth().max(1);
        let full = 1i64 << precision;
        let stream_signed = codestream.get(42 + 3 * c).is_some_and(|ssiz| ssiz & 0x80 != 0);
        let shift = if stream_signed { full / 2 } else { 0 };
        let reinterpret = |v: i64| match (signed, stream_signed) {
            (true, false) if v >= full / 2 => v - full,
            (false, true) if v < 0 => v + full,
            _ => v,
        };
        for (p, &v) in comp.samples().iter().take(n).enumerate() {
            // NaN (never produced for a checked frame) becomes 0 through `as`.
            let unsigned = (f64::from(v).round() as i64).clamp(0, full - 1);
            out[p * comps.len() + c] = reinterpret(unsigned - shift) as f64;
        }
    }
    Ok(out)
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

/// The first start-of-frame segment of a JPEG stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Sof {
    /// C0 baseline, C1 extended, C2 progressive, C3 lossless, F7 JPEG-LS...
    marker: u8,
    precision: u8,
    height: u16,
    width: u16,
    /// Components per pixel (1 for grey levels).
    components: u8,
}

/// The first start-of-frame marker of a JPEG stream (baseline, extended, lossless, JPEG-LS), if one is found.
/// Hand-written: reading a few numbers after a marker does not justify a JPEG parser.
fn jpeg_frame(b: &[u8]) -> Option<Sof> {
    if !b.starts_with(&[0xFF, 0xD8]) {
        return None;
    }
    let mut i = 2; // after SOI
    loop {
        // Any marker may be preceded by fill bytes (0xFF).
        while b.get(i) == Some(&0xFF) && b.get(i + 1) == Some(&0xFF) {
            i += 1;
        }
        if *b.get(i)? != 0xFF {
            return None;
        }
        let marker = *b.get(i + 1)?;
        // Markers without a length: TEM, RSTn, SOI, EOI.
        if matches!(marker, 0x01 | 0xD0..=0xD9) {
            i += 2;
            continue;
        }
        let len = usize::from(u16::from_be_bytes([*b.get(i + 2)?, *b.get(i + 3)?]));
        let is_sof = matches!(marker, 0xC0..=0xCF | 0xF7) && !matches!(marker, 0xC4 | 0xC8 | 0xCC);
        if is_sof {
            let f = b.get(i + 4..i + 10)?;
            return Some(Sof {
                marker,
                precision: f[0],
                height: u16::from_be_bytes([f[1], f[2]]),
                width: u16::from_be_bytes([f[3], f[4]]),
                components: f[5],
            });
        }
        i += 2 + len;
    }
}

/// The bytes dicom-rs's JPEG adapter decodes for frame `k`: the frame's own fragment when there is one fragment, or
/// one per frame; otherwise the fragments from the frame's offset in the basic offset table to the next frame's.
fn jpeg_frame_stream<'a>(fragments: &'a [Vec<u8>], offsets: &[u32], frames: usize, k: usize) -> std::borrow::Cow<'a, [u8]> {
    if fragments.len() == 1 || fragments.len() == frames {
        return std::borrow::Cow::Borrowed(fragments.get(k).map_or(&[][..], |f| &f[..]));
    }
    let start = offsets.get(k).copied().unwrap_or(0) as usize;
    let next = offsets.get(k + 1).map(|&o| o as usize);
    let (mut offset, mut out) = (0usize, Vec::new());
    for f in fragments {
        if offset >= start {
            out.extend_from_slice(f);
        }
        // Each fragment is preceded by an 8-byte item header.
        offset += f.len() + 8;
        if next.is_some_and(|n| offset >= n) {
            break;
        }
    }
    std::borrow::Cow::Owned(out)
}

fn cross(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
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

    /// A JPEG 2000 codestream start: SOC, SIZ with the given size, tile size and components (precision, XRsiz, YRsiz).
    fn siz(w: u32, h: u32, tile: u32, comps: &[(u8, u8, u8)]) -> Vec<u8> {
        let mut b = vec![0xFF, 0x4F, 0xFF, 0x51];
        b.extend_from_slice(&(38 + 3 * comps.len() as u16).to_be_bytes());
        b.extend_from_slice(&[0, 0]);
        for v in [w, h, 0, 0, tile, tile, 0, 0] {
            b.extend_from_slice(&v.to_be_bytes());
        }
        b.extend_from_slice(&(comps.len() as u16).to_be_bytes());
        for &(bits, xr, yr) in comps {
            b.extend_from_slice(&[bits - 1, xr, yr]);
        }
        b
    }

    #[test]
    fn jpeg2000_headers_are_checked_before_decoding() {
        let grey = [(16, 1, 1)];
        assert!(j2k_check(&siz(32, 16, 32, &grey), 0, (16, 32), 1).is_ok());
        let e = j2k_check(&siz(32, 17, 32, &grey), 0, (16, 32), 1).unwrap_err();
        assert!(e.to_string().contains("is 32 x 17 pixels but the DICOM header says 32 x 16"), "{e}");
        let e = j2k_check(&siz(32, 16, 32, &[(8, 1, 1); 3]), 0, (16, 32), 1).unwrap_err();
        assert!(e.to_string().contains("3 component(s) but the DICOM header says 1"), "{e}");
        assert!(j2k_check(&siz(32, 16, 32, &[(8, 1, 1); 3]), 0, (16, 32), 3).is_ok());
        assert!(matches!(j2k_check(&siz(32, 16, 32, &[(8, 2, 1)]), 0, (16, 32), 1), Err(LoadError::Unsupported { .. })));
        assert!(matches!(j2k_check(&siz(32, 16, 32, &[(24, 1, 1)]), 0, (16, 32), 1), Err(LoadError::Unsupported { .. })));
        // 1 x 1 tiles: 512 tiles are fine, 2^20 are not (a decoder would allocate them all up front).
        assert!(j2k_check(&siz(32, 16, 1, &grey), 0, (16, 32), 1).is_ok());
        assert!(matches!(j2k_check(&siz(1024, 1024, 1, &grey), 0, (1024, 1024), 1), Err(LoadError::Unsupported { .. })));
        assert!(j2k_check(&siz(32, 16, 0, &grey), 0, (16, 32), 1).is_err(), "zero tile size");
        assert!(j2k_check(&siz(32, 16, 32, &grey)[..30], 0, (16, 32), 1).is_err(), "cut-off SIZ");
        // A JP2 file: the codestream box is found.
        let mut jp2 = vec![0, 0, 0, 12, b'j', b'P', b' ', b' ', 0x0D, 0x0A, 0x87, 0x0A];
        jp2.extend_from_slice(&[0, 0, 0, 0, b'j', b'p', b'2', b'c']);
        jp2.extend_from_slice(&siz(32, 16, 32, &grey));
        assert!(j2k_check(&jp2, 0, (16, 32), 1).is_ok());
    }

    #[test]
    fn rle_and_jpeg_headers_are_checked() {
        // One segment of 4 pixels: a literal run of 2 then a repeat run of 2.
        let mut frag = vec![0u8; 64];
        frag[0] = 1;
        frag[4] = 64;
        frag.extend_from_slice(&[1, 10, 20, 0xFF, 30]);
        assert_eq!(decode_rle(&frag, 4, 1, 1).unwrap(), vec![10, 20, 30, 30]);
        assert!(decode_rle(&frag, 5, 1, 1).is_err(), "decodes to only 4 bytes");
        assert!(decode_rle(&frag, 4, 2, 1).is_err(), "wrong segment count");
        assert!(decode_rle(&frag[..66], 4, 1, 1).is_err(), "literal run cut off");
        // Two segments (16-bit samples): the first holds the high bytes.
        let mut two = vec![0u8; 64];
        two[0] = 2;
        two[4] = 64;
        two[8] = 66;
        two.extend_from_slice(&[0xFF, 1, 1, 7, 9]);
        assert_eq!(decode_rle(&two, 2, 2, 1).unwrap(), vec![7, 1, 9, 1]);
        // Two 8-bit samples per pixel: one segment per sample, interleaved in the output.
        assert_eq!(decode_rle(&two, 2, 1, 2).unwrap(), vec![1, 7, 1, 9]);
        let sof = [0xFF, 0xD8, 0xFF, 0xC0, 0, 11, 8, 0, 16, 0, 32, 1, 1, 0x11, 0];
        assert_eq!(jpeg_frame(&sof), Some(Sof { marker: 0xC0, precision: 8, height: 16, width: 32, components: 1 }));
        assert_eq!(jpeg_frame(&sof[..6]), None);
        // Fill bytes before a marker are allowed.
        let filled = [&sof[..2], &[0xFF, 0xFF][..], &sof[2..]].concat();
        assert_eq!(jpeg_frame(&filled).map(|s| (s.width, s.height)), Some((32, 16)));
        // A stream split over fragments is assembled as the decoder sees it.
        let parts = vec![sof[..4].to_vec(), sof[4..].to_vec()];
        assert_eq!(&*jpeg_frame_stream(&parts, &[], 1, 0), &sof[..]);
        assert_eq!(&*jpeg_frame_stream(&parts, &[], 2, 1), &sof[4..]);
    }
}
