"""Interoperability: every test file shipped in the pydicom wheel, read by RadLearn and checked against pydicom.

The files are read from the installed wheel (`pydicom/data/test_files`, 86 entries), never copied into the
repository. `radlearn info --json` reads each file on its own; per file, the outcome must be one of:
- an image whose shape is pydicom's (Columns x Rows x NumberOfFrames; colour when SamplesPerPixel is 3), and,
  where pydicom decodes the pixels with what is installed (uncompressed, RLE, deflate, JPEG through Pillow,
  JPEG 2000 through pylibjpeg-openjpeg), the same intensities: rescaled values (RescaleSlope/Intercept, or
  DoseGridScaling for an RT Dose), or the luminance Y = 0.299 R + 0.587 G + 0.114 B of pydicom's RGB for colour;
- an RTSTRUCT with pydicom's number of ROIs;
- a refusal of the kind listed in REFUSED (the `LoadError` variant), with a message.
A file missing from the wheel or not covered by a rule, a panic (no JSON line), or a file that changes outcome
fails the test: update REFUSED with the change. Run by `cargo xtask test`:
    python tests/interop/pydicom_files.py --radlearn target/debug/radlearn
"""
import argparse
import json
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pydicom
from pydicom.pixels import apply_rescale

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
    "SC_rgb_dcmtk_+eb+cr.dcm": "Unsupported",
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
    "empty_charset_LEI.dcm": "NotAnImage",
    "nested_priv_SQ.dcm": "NotAnImage",
    "priv_SQ.dcm": "NotAnImage",
    "no_meta_group_length.dcm": "NotAnImage",
    "meta_missing_tsyntax.dcm": "Invalid",
    # Damaged on purpose.
    "rtplan_truncated.dcm": "Truncated",
    "MR_truncated.dcm": "Truncated",
    "badVR.dcm": "Invalid",
    "UN_sequence.dcm": "Unsupported",
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
    ap = argparse.ArgumentParser()
    ap.add_argument("--radlearn", required=True)
    args = ap.parse_args()
    root = Path(pydicom.__file__).parent / "data" / "test_files"
    files = sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".py")
    names = [p.relative_to(root).as_posix() for p in files]
    out = subprocess.run([args.radlearn, "info", "--json", *map(str, files)], capture_output=True, text=True)
    if out.returncode != 0:
        print(out.stderr)
        print(f"FAILED: radlearn info --json exited with {out.returncode} (a panic?)")
        sys.exit(1)
    results = {Path(r["file"]).resolve(): r for r in map(json.loads, out.stdout.splitlines())}
    failures, images, refused, compared = [], 0, 0, 0

    def check(ok, what):
        if not ok:
            print("FAILED: " + what)
            failures.append(what)
        return ok

    for name, path in zip(names, files):
        r = results.get(path.resolve())
        if not check(r is not None, f"{name}: no answer from radlearn (a panic?)"):
            continue
        if name in REFUSED:
            refused += 1
            check(not r["ok"] and r.get("kind") == REFUSED[name],
                  f"{name}: expected a refusal of kind {REFUSED[name]}, got {r.get('kind') or r.get('format')}: {r.get('message', '')}")
            check(r.get("message", "") != "", f"{name}: the refusal has no message")
            print(f"ok: {name}: refused ({r.get('kind')})")
            continue
        if not check(r["ok"], f"{name}: expected an image, got {r.get('kind')}: {r.get('message')}"):
            continue
        ds = pydicom.dcmread(path, force=True)
        if r["format"] == "DICOM RTSTRUCT":
            check(r["rois"] == len(ds.StructureSetROISequence), f"{name}: {r['rois']} ROIs, pydicom {len(ds.StructureSetROISequence)}")
            print(f"ok: {name}: RTSTRUCT with {r['rois']} ROIs")
            continue
        images += 1
        frames = int(ds.get("NumberOfFrames", 1) or 1)
        shape = [int(ds.Columns), int(ds.Rows), frames]
        colour = int(ds.get("SamplesPerPixel", 1)) == 3
        check(r["dims"] == shape, f"{name}: dimensions {r['dims']}, pydicom {shape}")
        check(r["colour"] == colour, f"{name}: colour {r['colour']}, pydicom SamplesPerPixel {ds.get('SamplesPerPixel')}")
        if colour:
            check(any("Y = 0.299 R + 0.587 G + 0.114 B" in w for w in r["warnings"]), f"{name}: no warning names the luminance conversion")
        values, how = expected_values(ds)
        if values is None:
            print(f"ok: {name}: {shape} ({how}; shape only)")
            continue
        compared += 1
        ts = str(ds.file_meta.TransferSyntaxUID)
        span = max(float(values.max() - values.min()), 1.0)
        # Lossless: float32 rounding; luminance: RadLearn weighs unrounded RGB (YBR converted), pydicom 8-bit RGB.
        tol = 1e-5 * span + 1e-3 if ts in LOSSLESS else 0.02 * span
        if colour:
            tol = max(tol, 1.0)
        stats = {"min": values.min(), "max": values.max(), "mean": values.mean()}
        for k, v in stats.items():
            check(abs(r[k] - v) <= tol, f"{name}: {k} {r[k]} vs pydicom {v} ({how}, tolerance {tol:.3g})")
        if frames == 1:
            row = values.reshape(-1)[: len(r["row0"])]
            diff = float(np.abs(np.array(r["row0"]) - row).max()) if len(row) else 0.0
            check(diff <= tol, f"{name}: first row differs from pydicom's by up to {diff} ({how})")
        print(f"ok: {name}: {shape} {'colour' if colour else 'grey'}, values match pydicom ({how})")

    missing = [n for n in REFUSED if n not in names]
    check(not missing, f"files listed in REFUSED but not in the wheel: {missing}")
    print(f"{len(names)} files: {images} images ({compared} compared with pydicom's pixels), {refused} refused by kind, "
          f"{len(names) - images - refused} structure sets")
    print(f"{len(names) - len(failures)} passed, {len(failures)} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
