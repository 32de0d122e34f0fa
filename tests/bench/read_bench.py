"""Reading benchmark: RadLearn's engine against SimpleITK, nibabel and pydicom, same files, same run.

Usage (from the repository root; `cargo xtask bench` does all of this):
    python tests/bench/read_bench.py --radlearn target/release/radlearn-bench --runs 15

Each reader loads the file(s) from disk into a float32 array in memory (with rescale to HU for
DICOM), in process, so interpreter and process start-up are not counted. Medians are reported.
"""
import argparse
import glob
import json
import os
import statistics
import subprocess
import time

import numpy as np

DATA = "crates/engine/tests/data/ibsi-ct-phantom"
NIFTI = f"{DATA}/nifti/image/phantom.nii.gz"
SERIES = f"{DATA}/dicom/image"


def median_ms(fn, runs):
    fn()  # warm the file cache and imports
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000.0)
    return statistics.median(times)


def sitk_nifti():
    import SimpleITK as sitk
    return sitk.GetArrayFromImage(sitk.ReadImage(NIFTI, sitk.sitkFloat32))


def sitk_series():
    import SimpleITK as sitk
    r = sitk.ImageSeriesReader()
    r.SetFileNames(r.GetGDCMSeriesFileNames(SERIES))
    r.SetOutputPixelType(sitk.sitkFloat32)
    return sitk.GetArrayFromImage(r.Execute())


def nibabel_nifti():
    import nibabel as nib
    return nib.load(NIFTI).get_fdata(dtype=np.float32)


def pydicom_series():
    import pydicom
    slices = [pydicom.dcmread(p) for p in glob.glob(f"{SERIES}/*.dcm")]
    normal = np.cross(np.array(slices[0].ImageOrientationPatient[:3], float), np.array(slices[0].ImageOrientationPatient[3:], float))
    slices.sort(key=lambda d: float(np.dot(normal, np.array(d.ImagePositionPatient, float))))
    return np.stack([d.pixel_array.astype(np.float32) * float(d.RescaleSlope) + float(d.RescaleIntercept) for d in slices])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--radlearn", required=True, help="path to the radlearn-bench binary (release build)")
    ap.add_argument("--runs", type=int, default=15)
    args = ap.parse_args()

    # Sanity: every reader sees the same data.
    a, b, c, d = sitk_nifti(), sitk_series(), nibabel_nifti(), pydicom_series()
    assert a.shape == b.shape == d.shape == (60, 201, 204), (a.shape, b.shape, d.shape)
    assert np.allclose(a, d) and np.allclose(b, d), "rivals disagree on the HU values"

    out = subprocess.run([args.radlearn, "--runs", str(args.runs), NIFTI, SERIES], check=True, capture_output=True, text=True).stdout
    ours = json.loads(out)
    assert abs(ours["nifti"]["mean"] - float(a.mean())) < 1e-2, (ours["nifti"]["mean"], float(a.mean()))
    assert abs(ours["dicom"]["mean"] - float(d.mean())) < 1e-2, (ours["dicom"]["mean"], float(d.mean()))

    rows = [
        ("CT phantom NIfTI (.nii.gz, 204x201x60 float32)", ours["nifti"]["median_ms"], [("SimpleITK", median_ms(sitk_nifti, args.runs)), ("nibabel", median_ms(nibabel_nifti, args.runs))]),
        ("CT phantom DICOM series (60 files)", ours["dicom"]["median_ms"], [("SimpleITK", median_ms(sitk_series, args.runs)), ("pydicom+numpy", median_ms(pydicom_series, args.runs))]),
    ]
    print(f"Reading benchmark, median of {args.runs} runs each, in process, {os.cpu_count()} cores")
    print("| input | RadLearn (ms) | rival | rival (ms) | rival / RadLearn |")
    print("|---|---|---|---|---|")
    for name, mine, rivals in rows:
        for rival, theirs in rivals:
            print(f"| {name} | {mine:.1f} | {rival} | {theirs:.1f} | {theirs / mine:.2f}x |")


if __name__ == "__main__":
    main()
