//! The length guard and the way into the parser: every element's declared length is checked against the file before
//! dicom-rs reads it; Part 10 files, data sets without preamble and gzip-compressed files.

use std::io::Read;

use dicom_core::dictionary::{DataDictionary, DataDictionaryEntry, VirtualVr};
use dicom_core::{Tag, VR};
use dicom_dictionary_std::{tags, StandardDataDictionary};
use dicom_object::{DefaultDicomObject, OpenFileOptions};
use dicom_transfer_syntax_registry::{TransferSyntaxIndex, TransferSyntaxRegistry};

use super::attrs::text;
use super::{not_an_image, DEFLATED_LE, EXPLICIT_BE, EXPLICIT_LE, FORMAT, IMPLICIT_LE};
use crate::io::error::{LoadError, LoadOptions};

const MAX_DEPTH: usize = 32;

pub(super) fn truncated(detail: &str, expected: u64, found: u64) -> LoadError {
    LoadError::Truncated { format: FORMAT, detail: detail.to_string(), expected, found }
}

fn u16_at(b: &[u8], p: usize) -> Option<u16> {
    b.get(p..p + 2).map(|s| u16::from_le_bytes([s[0], s[1]]))
}

pub(super) fn u32_at(b: &[u8], p: usize) -> Option<u32> {
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
    if crate::io::codec::is_gzip(bytes) {
        let limit = opts.check_bytes(opts.max_bytes, "the inflated DICOM file")?;
        let inflated = crate::io::codec::gunzip_prefix(bytes, limit.saturating_add(1), FORMAT)?;
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

/// Whether a gzip stream holds a DICOM file, judged from its first inflated bytes (for [`crate::io::load::sniff`]).
pub fn is_gzipped_dicom(bytes: &[u8]) -> bool {
    crate::io::codec::is_gzip(bytes) && crate::io::codec::gunzip_prefix(bytes, 1024, FORMAT).is_ok_and(|head| is_dicom(&head))
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
