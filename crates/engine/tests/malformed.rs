#![allow(clippy::unwrap_used)] // Test code: a panic is a failed test.
//! The malformed-file corpus (tests/data/malformed, made by tests/data/make_fixtures.py): every reader must return
//! a typed error with an actionable message — never panic, never succeed — and each file gives the error expected
//! for it.

use std::path::{Path, PathBuf};

use radlearn_engine::io::dicom;
use radlearn_engine::io::load::all_readers;
use radlearn_engine::{load, LoadError, LoadOptions};

fn dir(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(rel)
}

/// The engine's own variant name, a cut stream counted as truncated.
fn kind(e: &LoadError) -> &'static str {
    match e.kind() {
        "TruncatedStream" => "Truncated",
        k => k,
    }
}

/// Expected error of `load()` (format sniffing) for each single file, and a word its message must contain.
const EXPECTED: &[(&str, &str, &str)] = &[
    ("nifti-truncated.nii", "Truncated", "truncated: the header says 5x4x4 voxels of int16"),
    ("nifti-header-only.nii", "Truncated", "348"),
    ("nifti-bad-magic.nii", "BadMagic", "magic"),
    ("nifti-absurd-dims.nii", "TooLarge", "memory"),
    ("nifti-size-mismatch.nii", "Truncated", "5x4x8"),
    ("nifti-negative-dim.nii", "Invalid", "dim[1] is -5"),
    ("nifti-complex.nii", "Unsupported", "complex64"),
    ("nifti-nan.nii", "NonFinite", "NaN or infinite"),
    ("nifti-gz-truncated.nii.gz", "Truncated", "gzip"),
    ("nrrd-truncated.nrrd", "Truncated", "4x4x4"),
    ("nrrd-absurd-dims.nrrd", "TooLarge", "absurd size"),
    ("nrrd-bad-gzip.nrrd", "Compression", "damaged"),
    ("nrrd-short-gzip.nrrd", "Truncated", "gzip stream ends early"),
    ("nrrd-nan.nrrd", "NonFinite", "NaN"),
    ("nrrd-no-type.nrrd", "Invalid", "type"),
    ("png-truncated.png", "Truncated", "truncated"),
    ("jpeg-truncated.jpg", "Truncated", "truncated"),
    ("empty.bin", "Empty", "empty"),
    ("random.bin", "UnknownFormat", "random.bin"),
    ("dicom-truncated.dcm", "Truncated", "truncated"),
    ("dicom-no-dicm.dcm", "BadMagic", "DICM"),
    ("dicom-preamble-only.dcm", "Truncated", "truncated"),
    ("dicom-huge-element.dcm", "Truncated", "claims more bytes"),
    ("dicom-jpeg2000.dcm", "Invalid", "the JPEG 2000 image of frame 1 is 0 x 0 pixels but the DICOM header says 16 x 16"),
    ("dicom-absurd-dims.dcm", "TooLarge", "25.8 GB"),
    ("dicom-short-pixels.dcm", "Truncated", "pixel"),
    ("dicom-fuzz-stray-item.dcm", "Invalid", "outside a sequence"),
    // Found by cargo-fuzz: a damaged JPEG stream split over two fragments that the JPEG decoder still reads, to more
    // than Rows x Columns; dicom-rs's JPEG adapter panicked copying it. Now refused before decoding.
    ("dicom-fuzz-jpeg-split-frame.dcm", "Invalid", "its JPEG data has no frame header"),
    ("dicom-fuzz-misaligned-sl.dcm", "Invalid", "not a whole number of 4-byte values"),
    ("dicom-jpeg-size-mismatch.dcm", "Invalid", "16 x 16 pixels but the DICOM header says 16 x 8"),
    ("dicom-multiframe-truncated.dcm", "Truncated", "5 frames of 8 x 6 pixels"),
    ("dicom-multiframe-absurd-frames.dcm", "TooLarge", "618.5 GB"),
    ("dicom-multiframe-short-perframe.dcm", "Invalid", "has 2 item(s) for 3 frame(s)"),
    ("dicom-jpeg-12bit.dcm", "Unsupported", "(1.2.840.10008.1.2.4.51) with 12-bit sample precision"),
];

#[test]
fn every_reader_refuses_every_malformed_file() {
    let mut seen = 0;
    for entry in std::fs::read_dir(dir("malformed")).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            continue;
        }
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let bytes = std::fs::read(&path).unwrap();
        for (i, r) in all_readers(&bytes, &LoadOptions::default()).into_iter().enumerate() {
            let e = r.expect_err(&format!("reader {i} accepted {name}"));
            let msg = e.to_string();
            assert!(msg.len() > 30 && !msg.contains("panicked"), "{name}: unhelpful message {msg:?}");
        }
        let (_, want, word) = EXPECTED.iter().find(|(n, _, _)| *n == name).unwrap_or_else(|| panic!("{name} is not in EXPECTED"));
        let e = load(&bytes, &name, &LoadOptions::default()).unwrap_err();
        eprintln!("{name}: {e}");
        assert_eq!(kind(&e), *want, "{name}: {e}");
        assert!(e.to_string().contains(word), "{name}: `{e}` should mention `{word}`");
        seen += 1;
    }
    assert_eq!(seen, EXPECTED.len(), "every listed file exists");
}

fn folder(rel: &str) -> Vec<Vec<u8>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir(rel)).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    files.iter().map(|p| std::fs::read(p).unwrap()).collect()
}

#[test]
fn broken_series_are_refused() {
    let files = folder("malformed/series-mixed");
    let refs: Vec<&[u8]> = files.iter().map(|f| f.as_slice()).collect();
    let e = dicom::read_series(&refs, &LoadOptions::default()).unwrap_err();
    assert_eq!(kind(&e), "MixedSeries", "{e}");
    assert!(e.to_string().contains("2 different series"), "{e}");

    // Grouped by series instead, both series load.
    let all = dicom::read_all_series(&refs, &LoadOptions::default()).unwrap();
    assert_eq!(all.len(), 2);
    assert!(all.iter().all(|v| v.geometry.dims == [16, 16, 1]));
    assert_ne!(all[0].meta.series_uid, all[1].meta.series_uid);

    let files = folder("malformed/series-missing");
    let refs: Vec<&[u8]> = files.iter().map(|f| f.as_slice()).collect();
    let e = dicom::read_series(&refs, &LoadOptions::default()).unwrap_err();
    assert_eq!(kind(&e), "MissingSlices", "{e}");
    assert!(e.to_string().contains("about 1 slice(s) missing"), "{e}");

    let files = folder("malformed/rtstruct-absent-series");
    let refs: Vec<&[u8]> = files.iter().map(|f| f.as_slice()).collect();
    let set = dicom::read_set(&refs, &LoadOptions::default()).unwrap();
    assert_eq!(set.rtstructs.len(), 1);
    let e = set.rtstructs[0].rasterise("GTV-1", &set.volume).unwrap_err();
    assert_eq!(kind(&e), "ReferencedSeriesAbsent", "{e}");
}

#[test]
fn budget_is_checked_before_allocating() {
    // The CT phantom needs 204*201*60*(4+4) bytes; a 1 MB budget refuses it from the header alone.
    let bytes = std::fs::read(dir("ibsi-ct-phantom/nifti/image/phantom.nii.gz")).unwrap();
    let e = load(&bytes, "phantom.nii.gz", &LoadOptions::with_max_bytes(1_000_000)).unwrap_err();
    assert_eq!(kind(&e), "TooLarge", "{e}");
    let files = folder("ibsi-ct-phantom/dicom/image");
    let refs: Vec<&[u8]> = files.iter().map(|f| f.as_slice()).collect();
    let e = dicom::read_series(&refs, &LoadOptions::with_max_bytes(3_000_000)).unwrap_err();
    assert_eq!(kind(&e), "TooLarge", "{e}");
}

/// A deterministic mutation smoke test, so the normal suite exercises what the fuzz targets do: valid files cut at
/// many lengths and with bytes overwritten go through every reader, which must return (Ok or a typed error).
#[test]
fn mutated_valid_files_never_panic() {
    let seeds = [
        "dicom-syntaxes/implicit.dcm",
        "dicom-syntaxes/explicit.dcm",
        "dicom-syntaxes/deflated.dcm",
        "dicom-syntaxes/rle.dcm",
        "dicom-syntaxes/jpeg-baseline.dcm",
        "dicom-syntaxes/enhanced-ct.dcm",
        "dicom-syntaxes/rtdose.dcm",
        "dicom-syntaxes/rtdose-rle.dcm",
        "dicom-syntaxes/no-meta-implicit.dcm",
        "dicom-syntaxes/jpeg2000-lossy.dcm",
        "dicom-syntaxes/colour-rgb-jpeg2000.dcm",
        "dicom-syntaxes/colour-rgb-rle.dcm",
        "dicom-syntaxes/colour-ybr-full-422.dcm",
        "dicom-syntaxes/explicit.dcm.gz",
        "nifti-variants/phantom-nifti2.nii",
        "nifti-variants/phantom-qform-scaled.nii",
        "ibsi-digital-phantom/phantom.nii.gz",
    ];
    let opts = LoadOptions::with_max_bytes(64 << 20);
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let mut next = move || {
        // xorshift64: a deterministic stream, enough to pick positions and bytes.
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let (mut read, mut refused) = (0, 0);
    for seed in seeds {
        let bytes = std::fs::read(dir(seed)).unwrap();
        let n = bytes.len();
        assert!(load(&bytes, seed, &opts).is_ok(), "{seed}: the whole file is an image");
        for k in 0..250 {
            let cut = &bytes[..n * k / 250];
            let _ = all_readers(cut, &opts);
            // Every one of these files ends with its pixel data, so no cut-off copy is an image.
            assert!(load(cut, seed, &opts).is_err(), "{seed}: its first {} of {n} bytes were read as an image", cut.len());
            let mut m = bytes.clone();
            for _ in 0..1 + k % 4 {
                let pos = (next() % n as u64) as usize;
                m[pos] = match k % 3 {
                    0 => 0xFF,
                    1 => 0x00,
                    _ => (next() & 0xFF) as u8,
                };
            }
            // A reader that zero-fills a huge claimed length shows up as a slow run.
            let t = std::time::Instant::now();
            let _ = all_readers(&m, &opts);
            match load(&m, seed, &opts) {
                Ok(_) => read += 1,
                Err(_) => refused += 1,
            }
            assert!(t.elapsed().as_secs() < 10, "{seed}, mutation {k}: the readers took {:?}", t.elapsed());
        }
    }
    // Most changed bytes land in pixel data (still an image); some hit headers and are refused.
    assert!(read > 0 && refused > 0, "{read} mutated files read, {refused} refused");
}

/// Regression: an explicit-VR file with a private element of type UN and undefined length (legal per CP-246) made the
/// DICOM parser we use allocate gigabytes (found with pydicom's `UN_sequence.dcm`). It is refused before parsing.
#[test]
fn un_element_with_undefined_length_is_refused_without_allocating() {
    let mut b = vec![0u8; 128];
    b.extend_from_slice(b"DICM");
    let ts = b"1.2.840.10008.1.2.1\0";
    // (0002,0000) UL group length, then (0002,0010) UI transfer syntax.
    b.extend_from_slice(&[0x02, 0x00, 0x00, 0x00, b'U', b'L', 4, 0]);
    b.extend_from_slice(&(8 + ts.len() as u32).to_le_bytes());
    b.extend_from_slice(&[0x02, 0x00, 0x10, 0x00, b'U', b'I']);
    b.extend_from_slice(&(ts.len() as u16).to_le_bytes());
    b.extend_from_slice(ts);
    // (0009,0010) UN, undefined length, holding one implicit VR item with (0008,0060) "CT".
    b.extend_from_slice(&[0x09, 0x00, 0x10, 0x00, b'U', b'N', 0, 0, 0xFF, 0xFF, 0xFF, 0xFF]);
    b.extend_from_slice(&[0xFE, 0xFF, 0x00, 0xE0, 0xFF, 0xFF, 0xFF, 0xFF]);
    b.extend_from_slice(&[0x08, 0x00, 0x60, 0x00, 2, 0, 0, 0, b'C', b'T']);
    b.extend_from_slice(&[0xFE, 0xFF, 0x0D, 0xE0, 0, 0, 0, 0]);
    b.extend_from_slice(&[0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0]);
    let err = radlearn_engine::io::dicom::parse(&b, &radlearn_engine::LoadOptions::default()).expect_err("refused");
    let msg = err.to_string();
    assert!(msg.contains("(0009,0010)") && msg.contains("undefined length"), "{msg}");
}
