"""Features benchmark: RadLearn's full IBSI feature set against PyRadiomics 3.1.0's default set,
same images, same run.

Usage (from the repository root; `cargo xtask bench` does all of this):
    python tests/bench/features_bench.py --radlearn target/release/radlearn --runs 5

RadLearn is timed end to end as a command (`radlearn features`: process start, reading the files,
every feature, CSV output); PyRadiomics in process (`extractor.execute`, which reads the files too),
so the comparison favours PyRadiomics slightly. Peak memory is the command's maximum RSS (GNU time).
Also reports how RadLearn's time and memory grow with ROI size on synthetic spheres.
"""
import argparse
import logging
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

CT = "crates/engine/tests/data/ibsi-ct-phantom/nifti"
SAMPLES = Path(".tools/pyradiomics-3.1.0/data")
CONFIG = "tests/bench/pyradiomics-default.toml"


def run_radlearn(binary, image, mask, threads=None):
    """One run: wall time (ms) and the number of feature rows. `threads` caps rayon's pool (None: all cores)."""
    env = dict(os.environ)
    if threads:
        env["RAYON_NUM_THREADS"] = str(threads)
    t = time.perf_counter()
    p = subprocess.Popen([binary, "features", "--image", image, "--mask", mask, "--config", CONFIG, "--format", "csv"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    out, err = p.communicate()
    ms = (time.perf_counter() - t) * 1000.0
    if p.returncode != 0:
        raise SystemExit(f"radlearn failed on {image}: {err.decode()}")
    rows = max(0, len(out.decode().strip().splitlines()) - 1)
    return ms, rows


def peak_rss_mib(binary, image, mask):
    # GNU time reports the command's own peak RSS (a child's rusage from Python would include the
    # forked interpreter's pages before exec).
    p = subprocess.run(["/usr/bin/time", "-f", "%M", binary, "features", "--image", image, "--mask", mask, "--config", CONFIG,
                        "--format", "csv"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=True)
    return int(p.stderr.strip().splitlines()[-1]) / 1024.0


def median_radlearn(binary, image, mask, runs, threads=None):
    run_radlearn(binary, image, mask, threads)
    times, rows = [], 0
    for _ in range(runs):
        ms, rows = run_radlearn(binary, image, mask, threads)
        times.append(ms)
    return statistics.median(times), rows


def median_pyradiomics(image, mask, runs):
    from radiomics import featureextractor
    logging.getLogger("radiomics").setLevel(logging.ERROR)
    ex = featureextractor.RadiomicsFeatureExtractor()
    result = ex.execute(image, mask)
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        ex.execute(image, mask)
        times.append((time.perf_counter() - t) * 1000.0)
    return statistics.median(times), len([k for k in result if not k.startswith("diagnostics")])


def spheres(tmp):
    import nibabel as nib
    rng = np.random.default_rng(7)
    out = []
    for radius in (4, 8, 16, 24, 32):
        n = 2 * radius + 8
        z, y, x = np.mgrid[:n, :n, :n] - (n - 1) / 2.0
        mask = (x * x + y * y + z * z <= radius * radius).astype(np.uint8)
        image = (40.0 + 25.0 * rng.standard_normal((n, n, n))).astype(np.float32)
        affine = np.diag([1.0, 1.0, 1.0, 1.0])
        ip, mp = tmp / f"sphere{radius}_image.nii.gz", tmp / f"sphere{radius}_mask.nii.gz"
        nib.save(nib.Nifti1Image(image, affine), ip)
        nib.save(nib.Nifti1Image(mask, affine), mp)
        out.append((radius, int(mask.sum()), str(ip), str(mp)))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--radlearn", required=True)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    cases = [("IBSI CT phantom, GTV-1 (125,256 voxels)", f"{CT}/image/phantom.nii.gz", f"{CT}/mask/mask.nii.gz")]
    for name in ("brain1", "lung1"):
        if (SAMPLES / f"{name}_image.nrrd").exists():
            cases.append((f"PyRadiomics sample {name}", str(SAMPLES / f"{name}_image.nrrd"), str(SAMPLES / f"{name}_label.nrrd")))
    print(f"Features benchmark, median of {args.runs} runs, {os.cpu_count()} cores")
    # PyRadiomics runs as it does by default: its feature code is single-threaded, SimpleITK may use every core.
    print("| case | RadLearn, 1 thread (ms, features) | RadLearn, all cores (ms) | PyRadiomics default (ms, features) "
          "| PyRadiomics / RadLearn (1 thread; all cores) |")
    print("|---|---|---|---|---|")
    for name, image, mask in cases:
        one, n_mine = median_radlearn(args.radlearn, image, mask, args.runs, threads=1)
        mine, _ = median_radlearn(args.radlearn, image, mask, args.runs)
        theirs, n_theirs = median_pyradiomics(image, mask, args.runs)
        print(f"| {name} | {one:.0f} ms, {n_mine} | {mine:.0f} ms | {theirs:.0f} ms, {n_theirs} | {theirs / one:.1f}x; {theirs / mine:.1f}x |")
    print("\nRadLearn on synthetic spheres (1 mm voxels), full feature set:")
    print("| radius (voxels) | ROI voxels | time (ms) | peak memory (MiB) |")
    print("|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for radius, voxels, image, mask in spheres(Path(tmp)):
            ms, _ = median_radlearn(args.radlearn, image, mask, args.runs)
            print(f"| {radius} | {voxels} | {ms:.0f} | {peak_rss_mib(args.radlearn, image, mask):.0f} |")


if __name__ == "__main__":
    main()
