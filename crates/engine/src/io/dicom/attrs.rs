//! Typed access to attributes: text, numbers (also when written with VR UN), items of sequences, and the
//! patient-identifying tags.

use dicom_core::dictionary::{DataDictionary, DataDictionaryEntry, VirtualVr};
use dicom_core::{Tag, VR};
use dicom_dictionary_std::StandardDataDictionary;
use dicom_object::InMemDicomObject;

use super::IDENTIFYING_TAGS;

pub(super) fn text(obj: &InMemDicomObject, tag: Tag) -> Option<String> {
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

pub(super) fn floats(obj: &InMemDicomObject, tag: Tag) -> Option<Vec<f64>> {
    let e = obj.get(tag)?;
    if e.vr() == VR::UN {
        return un_numbers(tag, &e.to_bytes().ok()?);
    }
    e.to_multi_float64().ok()
}

pub(super) fn float(obj: &InMemDicomObject, tag: Tag) -> Option<f64> {
    floats(obj, tag)?.first().copied()
}

pub(super) fn int(obj: &InMemDicomObject, tag: Tag) -> Option<i64> {
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

pub(super) fn first_item(obj: &InMemDicomObject, tag: Tag) -> Option<&InMemDicomObject> {
    obj.get(tag)?.items()?.first()
}

pub(super) fn vec_n<const N: usize>(obj: &InMemDicomObject, tag: Tag) -> Option<[f64; N]> {
    let v = floats(obj, tag)?;
    (v.len() >= N).then(|| std::array::from_fn(|i| v[i]))
}
