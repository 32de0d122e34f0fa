"""Interoperability: every test file shipped in the pydicom wheel, read by RadLearn and checked against pydicom.

The files are read from the installed wheel (`pydicom/data/test_files`, 86 entries), never copied into the
repository: the 86 top-level entries and the files of its `dicomdirtests` tree. `radlearn info --json` reads each
file on its own; per file, the outcome must be one of:
- an image whose shape is pydicom's (Columns x Rows x NumberOfFrames; colour when SamplesPerPixel is 3), and,
  where pydicom decodes the pixels with what is installed (uncompressed, RLE, deflate, JPEG through Pillow,
  JPEG 2000 through pylibjpeg-openjpeg), the same intensities: rescaled values (RescaleSlope/Intercept, or
  DoseGridScaling for an RT Dose), or the luminance Y = 0.299 R + 0.587 G + 0.114 B of pydicom's RGB for colour;
- an RTSTRUCT with pydicom's number of ROIs;
- a refusal of the kind listed in REFUSED (the `LoadError` variant), with a message;
- for the few files in DIFFERENT, an image of pydicom's shape whose values are known to differ from pydicom's
  (checked to still differ, so that a fix shows up and moves the file to the compared images).
A file missing from the wheel or not covered by a rule, a panic (no JSON line), or a file that changes outcome
fails the test: update REFUSED with the change. Run by `cargo xtask test`:
    python tests/interop/pydicom_files.py --radlearn target/debug/radlearn
"""
import gzip
import json
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pydicom
from pydicom.pixels import apply_rescale

from checks import Checks, radlearn_binary

# What RadLearn refuses, by `LoadError` kind. Each entry says why, so a change of outcome is a decision.
REFUSED = {
    # Not DICOM files: notes, JSON, an ICC colour profile and text dumps that pydicom's tests use.
    "README.txt": "UnknownFormat",
    "test1.json": "UnknownFormat",
    "test_PN.json": "UnknownFormat",
    "crayons.icc": "UnknownFormat",
    "rtplan.dump": "UnknownFormat",
    "rtstruct.dump": "UnknownFormat",
    # Retired big-endian transfer syntax (PS3.5 says it is no longer to be used).
    "ExplVR_BigEnd.dcm": "Unsupported",
    "ExplVR_BigEndNoMeta.dcm": "Unsupported",
    "MR_small_bigendian.dcm": "Unsupported",
    "SC_rgb_small_odd_big_endian.dcm": "Unsupported",
    "liver_expb_1frame.dcm": "Unsupported",
    "rtdose_expb.dcm": "Unsupported",
    "rtdose_expb_1frame.dcm": "Unsupported",
    "MR_small_expb.dcm": "Unsupported",
    # JPEG-LS: no maintained pure-Rust decoder (see README).
    "JPEGLSNearLossless_08.dcm": "Unsupported",
    "JPEGLSNearLossless_16.dcm": "Unsupported",
    "MR_small_jpeg_ls_lossless.dcm": "Unsupported",
    "SC_rgb_jls_lossy_line.dcm": "Unsupported",
    "SC_rgb_jls_lossy_sample.dcm": "Unsupported",
    # 12-bit JPEG (Extended): the pure-Rust JPEG decoder reads 8-bit baseline and extended JPEG only.
    "JPGExtended.dcm": "Unsupported",
    "JPEG-lossy.dcm": "Unsupported",
    # Palette colour (indices into a colour table).
    "examples_palette.dcm": "Unsupported",
    # Valid objects that hold no image: said for what they are.
    "rtplan.dcm": "NotAnImage",
    "test-SR.dcm": "NotAnImage",
    "reportsi.dcm": "NotAnImage",
    "reportsi_with_empty_number_tags.dcm": "NotAnImage",
    "waveform_ecg.dcm": "NotAnImage",
    "dicomdirtests/DICOMDIR": "NotAnImage",
    "dicomdirtests/DICOMDIR-empty.dcm": "NotAnImage",
    "dicomdirtests/DICOMDIR-implicit": "NotAnImage",
    "dicomdirtests/DICOMDIR-nopatient": "NotAnImage",
    "dicomdirtests/DICOMDIR-reordered": "NotAnImage",
    "dicomdirtests/TINY_ALPHA/DICOMDIR": "NotAnImage",
    "dicomdirtests/DICOMDIR-bigEnd": "Unsupported",
    "dicomdirtests/README.txt": "UnknownFormat",
    "dicomdirtests/TINY_ALPHA/README": "UnknownFormat",
    # A 1-bit binary segmentation (BitsAllocated 1): RadLearn reads 8, 16 and 32-bit pixels.
    "liver_1frame.dcm": "Unsupported",
    # A stray byte before the first element: not a data set (pydicom, forced, finds no attribute it can use).
    "no_meta.dcm": "BadMagic",
    # Small data sets made to test pydicom's parser (character sets, private sequences): no pixel data.
    "empty_charset_LEI.dcm": "NotAnImage",
    "priv_SQ.dcm": "NotAnImage",
    "ExplVR_LitEndNoMeta.dcm": "NotAnImage",
    # An image header whose Rows, Columns and pixels are absent.
    "nested_priv_SQ.dcm": "Invalid",
    # Damaged on purpose: file meta information without its group length or transfer syntax, cut-off files.
    "no_meta_group_length.dcm": "Dicom",
    "meta_missing_tsyntax.dcm": "Invalid",
    "rtplan_truncated.dcm": "Truncated",
    "MR_truncated.dcm": "Truncated",
    "dicomdirtests/DICOMDIR-nooffset": "Truncated",
    # The file meta says explicit VR but the data set is implicit VR (pydicom guesses and warns; RadLearn refuses).
    "SC_rgb_jpeg.dcm": "Invalid",
    # Made to test a sequence delimiter inside a fragment: its JPEG 2000 SIZ header claims 3722445056 x 1024 pixels
    # for a 256 x 1024 image.
    "JPEG2000-embedded-sequence-delimiter.dcm": "Invalid",
    # A private element of unknown type (UN) with undefined length (see dicom.rs: the parser would allocate 4 GB).
    "UN_sequence.dcm": "Unsupported",
}
# The 64 image headers of the DICOMDIR test tree keep their attributes but not their pixels.
TINY = "dicomdirtests/TINY_ALPHA/PT000000/"

# Read as images of pydicom's shape, but with values known to differ from pydicom's, and why.
DIFFERENT = {
    # Baseline JPEG with PhotometricInterpretation RGB whose stream carries neither an Adobe marker nor RGB component
    # identifiers: pydicom (Pillow) takes the samples as RGB, RadLearn's JPEG decoder (jpeg-decoder) as YCbCr.
    "SC_jpeg_no_color_transform.dcm",
}

# Lossless syntaxes: RadLearn's values must equal pydicom's (up to float32 rounding).
LOSSLESS = {
    "1.2.840.10008.1.2", "1.2.840.10008.1.2.1", "1.2.840.10008.1.2.1.99", "1.2.840.10008.1.2.5",
    "1.2.840.10008.1.2.4.57", "1.2.840.10008.1.2.4.70", "1.2.840.10008.1.2.4.90",
}


def expected_values(ds):
    """pydicom's intensities as RadLearn defines them (rescaled grey levels, or luminance), or None when pydicom
    cannot decode the pixels with the plugins installed."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            arr = ds.pixel_array
    except Exception as e:  # noqa: BLE001 - any decoder failure means "no reference"
        return None, f"pydicom cannot decode ({type(e).__name__})"
    arr = np.asarray(arr, dtype=np.float64)
    if int(ds.get("SamplesPerPixel", 1)) == 3:
        return arr @ np.array([0.299, 0.587, 0.114]), "luminance of pydicom's RGB"
    if ds.get("Modality") == "RTDOSE" and "DoseGridScaling" in ds:
        return arr * float(ds.DoseGridScaling), "stored x DoseGridScaling"
    return np.asarray(apply_rescale(arr, ds), dtype=np.float64), "rescaled"


def main():
    radlearn = radlearn_binary(__doc__)
    root = Path(pydicom.__file__).parent / "data" / "test_files"
    files = sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".py")
    names = [p.relative_to(root).as_posix() for p in files]
    out = subprocess.run([radlearn, "info", "--json", *map(str, files)], capture_output=True, text=True)
    if out.returncode != 0:
        print(out.stderr)
        print(f"FAILED: radlearn info --json exited with {out.returncode} (a panic?)")
        sys.exit(1)
    results = {Path(r["file"]).resolve(): r for r in map(json.loads, out.stdout.splitlines())}
    images, refused, compared = 0, 0, 0
    check = Checks(quiet=True)
    failures = check.failures

    for name, path in zip(names, files):
        r = results.get(path.resolve())
        if not check(r is not None, f"{name}: no answer from radlearn (a panic?)"):
            continue
        want = REFUSED.get(name) or ("NotAnImage" if name.startswith(TINY) else None)
        if want:
            refused += 1
            n = len(failures)
            check(not r["ok"] and r.get("kind") == want,
                  f"{name}: expected a refusal of kind {want}, got {r.get('kind') or r.get('format')}: {r.get('message', '')}")
            check(r.get("message", "") != "", f"{name}: the refusal has no message")
            if len(failures) == n:
                print(f"ok: {name}: refused ({r.get('kind')}: {r.get('message', '')[:90]})")
            continue
        if not check(r["ok"], f"{name}: expected an image, got {r.get('kind')}: {r.get('message')}"):
            continue
        n = len(failures)
        if path.suffix == ".gz":
            with gzip.open(path) as f:
                ds = pydicom.dcmread(f, force=True)
        else:
            ds = pydicom.dcmread(path, force=True)
        if r["format"] == "DICOM RTSTRUCT":
            check(r["rois"] == len(ds.StructureSetROISequence), f"{name}: {r['rois']} ROIs, pydicom {len(ds.StructureSetROISequence)}")
            if len(failures) == n:
                print(f"ok: {name}: RTSTRUCT with {r['rois']} ROIs")
            continue
        images += 1
        try:
            frames = int(ds.get("NumberOfFrames", 1) or 1)
        except ValueError:  # badVR.dcm's "1A": both read it as one frame
            frames = 1
        shape = [int(ds.Columns), int(ds.Rows), frames]
        colour = int(ds.get("SamplesPerPixel", 1)) == 3
        check(r["dims"] == shape, f"{name}: dimensions {r['dims']}, pydicom {shape}")
        check(r["colour"] == colour, f"{name}: colour {r['colour']}, pydicom SamplesPerPixel {ds.get('SamplesPerPixel')}")
        if colour:
            check(any("Y = 0.299 R + 0.587 G + 0.114 B" in w for w in r["warnings"]), f"{name}: no warning names the luminance conversion")
        values, how = expected_values(ds)
        if values is None:
            check(name not in DIFFERENT, f"{name}: listed in DIFFERENT but pydicom cannot decode it")
            if len(failures) == n:
                print(f"ok: {name}: {shape} ({how}; shape only)")
            continue
        ts = str(ds.file_meta.TransferSyntaxUID)
        span = max(float(values.max() - values.min()), 1.0)
        # Lossless: float32 rounding; luminance: RadLearn weighs unrounded RGB (YBR converted), pydicom 8-bit RGB.
        tol = 1e-5 * span + 1e-3 if ts in LOSSLESS else 0.02 * span
        if colour:
            tol = max(tol, 1.0)
        stats = {"min": values.min(), "max": values.max(), "mean": values.mean()}
        off = [f"{k} {r[k]} vs pydicom {v}" for k, v in stats.items() if abs(r[k] - v) > tol]
        if frames == 1:
            row = values.reshape(-1)[: len(r["row0"])]
            diff = float(np.abs(np.array(r["row0"]) - row).max()) if len(row) else 0.0
            if diff > tol:
                off.append(f"first row differs by up to {diff}")
        if name in DIFFERENT:
            check(off != [], f"{name}: listed in DIFFERENT but now matches pydicom: move it to the compared images")
            if len(failures) == n:
                print(f"ok: {name}: {shape}, values differ from pydicom as known ({'; '.join(off)})")
            continue
        compared += 1
        check(off == [], f"{name}: {'; '.join(off)} ({how}, tolerance {tol:.3g})")
        if len(failures) == n:
            print(f"ok: {name}: {shape} {'colour' if colour else 'grey'}, values match pydicom ({how})")

    missing = [n for n in [*REFUSED, *DIFFERENT] if n not in names]
    check(not missing, f"files listed in REFUSED or DIFFERENT but not in the wheel: {missing}")
    top = [n for n in names if "/" not in n]
    top_images = sum(1 for n in top if results[(root / n).resolve()].get("dims"))
    print(f"{len(top)} top-level files: {top_images} read as images, {len(top) - top_images} refused or structure sets")
    print(f"{len(names)} files in all: {images} images ({compared} compared with pydicom's pixels), {refused} refused by kind, "
          f"{len(names) - images - refused} structure sets")
    failed = {f.split(":")[0] for f in failures}
    print(f"{len(names) - len(failed & set(names))} passed, {len(failed)} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
