//! Errors of the loaders and the memory budget that every loader checks before it allocates.

use std::fmt;

/// Default memory budget for one decoded volume: 1 GiB.
pub const DEFAULT_MAX_BYTES: u64 = 1 << 30;

/// Options shared by every reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoadOptions {
    /// The largest allocation a reader may make for decoded data (voxels, inflated streams), in bytes.
    /// Claimed sizes are computed with checked arithmetic and compared with this before allocating.
    pub max_bytes: u64,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions { max_bytes: DEFAULT_MAX_BYTES }
    }
}

impl LoadOptions {
    /// Options with a given budget in bytes.
    pub fn with_max_bytes(max_bytes: u64) -> Self {
        LoadOptions { max_bytes }
    }

    /// Number of voxels of `dims`, and the bytes they take at `bytes_per_voxel` in the file and as f32 in memory,
    /// refused when they overflow or exceed the budget.
    pub fn check_voxels(&self, dims: [u64; 3], bytes_per_voxel: u64, what: &str) -> Result<usize, LoadError> {
        let voxels = dims.iter().try_fold(1u64, |acc, &d| acc.checked_mul(d));
        let Some(voxels) = voxels else {
            return Err(LoadError::TooLarge { what: what.to_string(), claimed: None, budget: self.max_bytes });
        };
        if voxels == 0 {
            return Err(LoadError::Invalid(format!("{what}: the image has a zero dimension ({} x {} x {})", dims[0], dims[1], dims[2])));
        }
        // Memory in use: the file's representation while decoding plus the f32 volume.
        let bytes = voxels.checked_mul(bytes_per_voxel.max(1) + 4);
        match bytes {
            Some(b) if b <= self.max_bytes && voxels <= (i32::MAX as u64) => usize::try_from(voxels).map_err(|_| LoadError::TooLarge {
                what: what.to_string(),
                claimed: Some(b),
                budget: self.max_bytes,
            }),
            other => Err(LoadError::TooLarge { what: what.to_string(), claimed: other, budget: self.max_bytes }),
        }
    }

    /// Refuses an allocation of `bytes` beyond the budget.
    pub fn check_bytes(&self, bytes: u64, what: &str) -> Result<usize, LoadError> {
        if bytes > self.max_bytes {
            return Err(LoadError::TooLarge { what: what.to_string(), claimed: Some(bytes), budget: self.max_bytes });
        }
        usize::try_from(bytes).map_err(|_| LoadError::TooLarge { what: what.to_string(), claimed: Some(bytes), budget: self.max_bytes })
    }
}

/// Human-readable size: "9.8 MB".
pub fn human_bytes(b: u64) -> String {
    let b = b as f64;
    if b >= 1e9 {
        format!("{:.1} GB", b / 1e9)
    } else if b >= 1e6 {
        format!("{:.1} MB", b / 1e6)
    } else if b >= 1e3 {
        format!("{:.1} kB", b / 1e3)
    } else {
        format!("{b} bytes")
    }
}

/// Why a file could not be loaded. Every message says what went wrong and what a student can do.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum LoadError {
    /// The file's type could not be recognised from its first bytes or its name.
    UnknownFormat { name: String },
    /// The file starts like the format but its magic number or signature is wrong.
    BadMagic { format: &'static str, detail: String },
    /// A compressed stream or a structure ends before its end marker.
    TruncatedStream { format: &'static str, detail: String },
    /// The header keeps the voxels in another file, which was not given.
    MissingCompanion { format: &'static str, needed: String },
    /// Fewer bytes than the header promises.
    Truncated { format: &'static str, detail: String, expected: u64, found: u64 },
    /// The decoded data would exceed the memory budget, or its size overflows.
    TooLarge { what: String, claimed: Option<u64>, budget: u64 },
    /// A header field is impossible or contradictory.
    Invalid(String),
    /// A voxel value is NaN or infinite.
    NonFinite { format: &'static str, count: u64 },
    /// A valid file that uses an encoding this engine cannot decode.
    Unsupported { format: &'static str, what: String },
    /// DICOM files from different series were given together.
    MixedSeries { series: Vec<String> },
    /// Slices are missing or unevenly spaced in a DICOM series.
    MissingSlices { detail: String },
    /// An RTSTRUCT refers to a series that was not given.
    ReferencedSeriesAbsent { referenced: String, given: String },
    /// A named ROI does not exist.
    NoSuchRoi { name: String, available: Vec<String> },
    /// A DICOM file that the DICOM parser rejected.
    Dicom(String),
    /// Compressed data could not be inflated.
    Compression { format: &'static str, detail: String },
    /// A valid DICOM object that is not an image (a report, a plan, a waveform...): `what` it is and what to open
    /// `instead`.
    NotAnImage { what: String, instead: String },
    /// Nothing was given.
    Empty,
}

impl LoadError {
    /// The variant's name, for scripts and tests that check which refusal a file gets (`radlearn info --json`).
    pub fn kind(&self) -> &'static str {
        match self {
            LoadError::UnknownFormat { .. } => "UnknownFormat",
            LoadError::BadMagic { .. } => "BadMagic",
            LoadError::TruncatedStream { .. } => "TruncatedStream",
            LoadError::MissingCompanion { .. } => "MissingCompanion",
            LoadError::Truncated { .. } => "Truncated",
            LoadError::TooLarge { .. } => "TooLarge",
            LoadError::Invalid(_) => "Invalid",
            LoadError::NonFinite { .. } => "NonFinite",
            LoadError::Unsupported { .. } => "Unsupported",
            LoadError::MixedSeries { .. } => "MixedSeries",
            LoadError::MissingSlices { .. } => "MissingSlices",
            LoadError::ReferencedSeriesAbsent { .. } => "ReferencedSeriesAbsent",
            LoadError::NoSuchRoi { .. } => "NoSuchRoi",
            LoadError::Dicom(_) => "Dicom",
            LoadError::Compression { .. } => "Compression",
            LoadError::NotAnImage { .. } => "NotAnImage",
            LoadError::Empty => "Empty",
        }
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::UnknownFormat { name } => write!(
                f,
                "`{name}` is not an image format RadLearn reads (NIfTI .nii/.nii.gz, NRRD .nrrd/.nhdr, DICOM .dcm, PNG, JPEG); \
                 check that you picked the image file itself, not an archive or a report"
            ),
            LoadError::BadMagic { format, detail } => {
                write!(f, "this is not a valid {format} file ({detail}); it may be damaged or another format with the wrong extension")
            }
            LoadError::TruncatedStream { format, detail } => {
                write!(f, "this {format} file is truncated: {detail}; re-export or re-download it")
            }
            LoadError::MissingCompanion { format, needed } => {
                write!(f, "this {format} header keeps its voxels in a separate file ({needed}); select both files together")
            }
            LoadError::Truncated { format, detail, expected, found } => write!(
                f,
                "this {format} file is truncated: {detail} ({}) but only {} follow; re-export or re-download it",
                human_bytes(*expected),
                human_bytes(*found)
            ),
            LoadError::TooLarge { what, claimed: Some(c), budget } => write!(
                f,
                "{what} would need {} of memory, more than the {} allowed; crop or downsample the image before loading it, \
                 or raise the memory budget",
                human_bytes(*c),
                human_bytes(*budget)
            ),
            LoadError::TooLarge { what, claimed: None, budget } => write!(
                f,
                "{what} claims an absurd size (it overflows 64-bit arithmetic), far more than the {} allowed; the header is damaged",
                human_bytes(*budget)
            ),
            LoadError::Invalid(m) => write!(f, "{m}; the file header is damaged or was written by a faulty exporter"),
            LoadError::NonFinite { format, count } => write!(
                f,
                "this {format} image holds {count} voxels that are NaN or infinite; radiomics needs finite intensities: \
                 replace them (e.g. with the background value) before loading"
            ),
            LoadError::Unsupported { format, what } => write!(
                f,
                "RadLearn cannot read this {format} file: it uses {what}; convert it to a format RadLearn reads (uncompressed \
                 DICOM, NIfTI or NRRD, one 3D volume) and load it again"
            ),
            LoadError::MixedSeries { series } => {
                write!(f, "the DICOM files belong to {} different series ({}); load one series at a time", series.len(), series.join(", "))
            }
            LoadError::MissingSlices { detail } => {
                write!(f, "the DICOM series is incomplete: {detail}; add the missing files or re-export the series")
            }
            LoadError::ReferencedSeriesAbsent { referenced, given } => write!(
                f,
                "the RTSTRUCT refers to the image series {referenced}, but the images given are series {given}; load the CT series \
                 the structures were drawn on"
            ),
            LoadError::NoSuchRoi { name, available } => {
                write!(f, "there is no ROI named `{name}`; this RTSTRUCT has: {}", available.join(", "))
            }
            LoadError::Dicom(m) => write!(
                f,
                "this DICOM file could not be read: {m}; check that it is a complete DICOM file (Part 10, with a 'DICM' preamble)"
            ),
            LoadError::Compression { format, detail } => {
                write!(f, "the compressed {format} data is damaged ({detail}); re-download or re-export the file")
            }
            LoadError::NotAnImage { what, instead } => {
                write!(f, "this DICOM file is {what}: a valid DICOM object, but it holds no image; {instead}")
            }
            LoadError::Empty => write!(f, "no file was given, or the file is empty"),
        }
    }
}

impl std::error::Error for LoadError {}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Test code: a panic is a failed test.
mod tests {
    use super::*;

    #[test]
    fn budget_refuses_before_allocating() {
        let o = LoadOptions::default();
        assert_eq!(o.check_voxels([204, 201, 60], 4, "x"), Ok(204 * 201 * 60));
        let e = o.check_voxels([65536, 65536, 65536], 4, "the NIfTI image").unwrap_err();
        assert!(matches!(e, LoadError::TooLarge { claimed: Some(_), .. }), "{e:?}");
        assert!(e.to_string().contains("more than the 1.1 GB allowed"), "{e}");
        let e = o.check_voxels([u64::MAX, 2, 1], 4, "x").unwrap_err();
        assert!(matches!(e, LoadError::TooLarge { claimed: None, .. }));
        assert!(LoadOptions::with_max_bytes(1000).check_voxels([10, 10, 2], 2, "x").is_err());
        assert!(o.check_voxels([0, 1, 1], 4, "x").is_err());
    }

    #[test]
    fn truncated_message_is_actionable() {
        let e = LoadError::Truncated {
            format: "NIfTI",
            detail: "the header says 204x201x60 voxels of float32".into(),
            expected: 9_840_960,
            found: 1_200_000,
        };
        assert_eq!(
            e.to_string(),
            "this NIfTI file is truncated: the header says 204x201x60 voxels of float32 (9.8 MB) but only 1.2 MB follow; re-export or re-download it"
        );
    }
}
