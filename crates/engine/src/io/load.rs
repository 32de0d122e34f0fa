//! One entry point for bytes of unknown format: the format is recognised from magic numbers, then the name.

use crate::image::volume::Volume;
use crate::io::error::{LoadError, LoadOptions};
use crate::{io::codec, io::dicom, io::nifti, io::nrrd, io::raster};

/// Formats the engine reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Nifti,
    NiftiGz,
    Nrrd,
    Dicom,
    Png,
    Jpeg,
}

/// Recognises a format from the first bytes (NIfTI header size 348/540, gzip 1f 8b, `DICM` at byte 128, `NRRD000`,
/// PNG and JPEG signatures, a DICOM data set without preamble), falling back on the file name's extension. A gzip
/// stream is a NIfTI unless its first inflated bytes are a DICOM file's (which [`dicom::parse`] inflates).
pub fn sniff(bytes: &[u8], name_hint: &str) -> Option<Format> {
    let name = name_hint.to_ascii_lowercase();
    if bytes.get(128..132) == Some(b"DICM") {
        return Some(Format::Dicom);
    }
    if bytes.starts_with(b"NRRD000") {
        return Some(Format::Nrrd);
    }
    if bytes.starts_with(&[0x89, b'P', b'N', b'G']) {
        return Some(Format::Png);
    }
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Some(Format::Jpeg);
    }
    if codec::is_gzip(bytes) {
        return Some(if dicom::is_gzipped_dicom(bytes) { Format::Dicom } else { Format::NiftiGz });
    }
    if let Some(h) = bytes.get(0..4) {
        let le = i32::from_le_bytes([h[0], h[1], h[2], h[3]]);
        let be = i32::from_be_bytes([h[0], h[1], h[2], h[3]]);
        if [348, 540].contains(&le) || [348, 540].contains(&be) {
            return Some(Format::Nifti);
        }
    }
    // A DICOM data set without the Part 10 preamble (old scanners), recognised from its first element.
    if dicom::is_bare_dataset(bytes) {
        return Some(Format::Dicom);
    }
    let ends = |s: &str| name.ends_with(s);
    if ends(".nii") {
        Some(Format::Nifti)
    } else if ends(".nii.gz") {
        Some(Format::NiftiGz)
    } else if ends(".nrrd") || ends(".nhdr") {
        Some(Format::Nrrd)
    } else if ends(".dcm") || ends(".dicom") || ends(".ima") {
        Some(Format::Dicom)
    } else if ends(".png") {
        Some(Format::Png)
    } else if ends(".jpg") || ends(".jpeg") {
        Some(Format::Jpeg)
    } else {
        None
    }
}

/// Loads one file from its bytes; `name_hint` (the file name) only helps when the bytes are not recognised.
pub fn load(bytes: &[u8], name_hint: &str, opts: &LoadOptions) -> Result<Volume, LoadError> {
    if bytes.is_empty() {
        return Err(LoadError::Empty);
    }
    match sniff(bytes, name_hint) {
        Some(format) => read_as(bytes, format, opts),
        None => Err(LoadError::UnknownFormat { name: name_hint.to_string() }),
    }
}

/// Loads one file whose format is already known (from [`sniff`]), without sniffing it again.
pub fn read_as(bytes: &[u8], format: Format, opts: &LoadOptions) -> Result<Volume, LoadError> {
    if bytes.is_empty() {
        return Err(LoadError::Empty);
    }
    match format {
        Format::Nifti | Format::NiftiGz => nifti::read(bytes, opts),
        Format::Nrrd => nrrd::read(bytes, opts),
        Format::Dicom => dicom::read_series(&[bytes], opts),
        Format::Png | Format::Jpeg => raster::read(bytes, opts),
    }
}

/// Every reader applied to the same bytes, for tests and fuzzing: each must return a value or an error, never panic.
pub fn all_readers(bytes: &[u8], opts: &LoadOptions) -> Vec<Result<(), LoadError>> {
    vec![
        nifti::read(bytes, opts).map(drop),
        nifti::read_pair(bytes, bytes, opts).map(drop),
        nrrd::read(bytes, opts).map(drop),
        nrrd::read_detached(bytes, bytes, opts).map(drop),
        dicom::read_file(bytes, opts).map(drop),
        dicom::read_set(&[bytes, bytes], opts).map(drop),
        raster::read(bytes, opts).map(drop),
        load(bytes, "file", opts).map(drop),
    ]
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Test code: a panic is a failed test.
mod tests {
    use super::*;

    #[test]
    fn sniffs_magic_before_names() {
        let mut dcm = vec![0u8; 132];
        dcm[128..].copy_from_slice(b"DICM");
        assert_eq!(sniff(&dcm, "x.png"), Some(Format::Dicom));
        assert_eq!(sniff(b"NRRD0005\n", ""), Some(Format::Nrrd));
        assert_eq!(sniff(&[0x1f, 0x8b, 8], ""), Some(Format::NiftiGz));
        assert_eq!(sniff(&348i32.to_be_bytes(), ""), Some(Format::Nifti));
        assert_eq!(sniff(b"hello", "scan.nii"), Some(Format::Nifti));
        assert_eq!(sniff(b"hello", "notes.txt"), None);
        let e = load(b"hello", "notes.txt", &LoadOptions::default()).unwrap_err();
        assert!(e.to_string().contains("notes.txt"), "{e}");
    }
}
