"""Model Lab benchmark: 5-fold cross-validated logistic regression on 200 cases x 100 features, RadLearn (native)
against scikit-learn, same table, same folds, same run.

Usage (from the repository root; `cargo xtask bench` runs it through tests/bench/wasm_ml.mjs, which adds the
browser):
    python tests/bench/ml_bench.py --radlearn target/release/radlearn-bench --runs 20 [--table FILE] [--json]

The table is `radlearn-bench ml-table` (seeded: a few informative features, a correlated block, noise, scales from
0.01 to 1000). RadLearn's side is `radlearn-bench ml-cv`, timed in process (reading the table excluded): 5 stratified
folds, standardisation fitted on each fold's training cases, L2 logistic regression with C = 1, the pooled
out-of-fold ROC and AUC, a refit on all cases for the coefficients, and a 1000-resample bootstrap interval of the AUC
(also timed without the bootstrap). scikit-learn 1.8 does the same on RadLearn's folds, in process, with the table
already in NumPy arrays: `make_pipeline(StandardScaler(), LogisticRegression(C=1.0))` (its defaults: lbfgs, tol 1e-4)
fitted per fold, `roc_auc_score` per fold and pooled, `roc_curve`, the refit on all cases, and the bootstrap written
the usual way (1000 resamples, `roc_auc_score` on each) and vectorised (ranks of all resamples at once with SciPy).
The script checks that the pooled AUCs agree within 0.02.
"""
import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np
from scipy.stats import rankdata
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score, roc_curve
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import sklearn

RESAMPLES = 1000


def read_table(path):
    """The wide CSV of `radlearn-bench ml-table`: id, label, f000... Returns (X, y), y True for malignant."""
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    if header[:2] != ["id", "label"]:
        sys.exit(f"{path}: expected the columns id, label, features...; got {header[:3]}")
    x = np.array([[float(v) for v in r[2:]] for r in body])
    y = np.array([r[1] == "malignant" for r in body])
    return x, y


def cv_scores(x, y, fold_of):
    """Out-of-fold scores, per-fold AUCs, pooled AUC and ROC, and the refit on all cases (its coefficients)."""
    scores = np.empty(len(y))
    fold_auc = []
    for f in range(fold_of.max() + 1):
        test = fold_of == f
        model = make_pipeline(StandardScaler(), LogisticRegression(C=1.0))
        model.fit(x[~test], y[~test])
        scores[test] = model.predict_proba(x[test])[:, 1]
        fold_auc.append(roc_auc_score(y[test], scores[test]))
    auc = roc_auc_score(y, scores)
    roc_curve(y, scores)
    refit = make_pipeline(StandardScaler(), LogisticRegression(C=1.0)).fit(x, y)
    return scores, auc, refit[-1].coef_


def bootstrap_loop(y, scores, seed=1):
    """The usual way: `roc_auc_score` on each resample; resamples missing a class are left out."""
    rng = np.random.default_rng(seed)
    n = len(y)
    aucs = []
    for _ in range(RESAMPLES):
        idx = rng.integers(0, n, n)
        yb = y[idx]
        if yb.all() or not yb.any():
            continue
        aucs.append(roc_auc_score(yb, scores[idx]))
    return np.percentile(aucs, [2.5, 97.5])


def bootstrap_vectorised(y, scores, seed=1):
    """All resamples at once: the AUC from the rank sum of the positives (ties get mean ranks)."""
    rng = np.random.default_rng(seed)
    n = len(y)
    idx = rng.integers(0, n, (RESAMPLES, n))
    yb = y[idx]
    ranks = rankdata(scores[idx], axis=1)
    n1 = yb.sum(axis=1)
    n0 = n - n1
    ok = (n1 > 0) & (n0 > 0)
    aucs = ((ranks * yb).sum(axis=1) - n1 * (n1 + 1) / 2.0)[ok] / (n1 * n0)[ok]
    return np.percentile(aucs, [2.5, 97.5])


def median_ms(runs, f):
    f()
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        f()
        times.append((time.perf_counter() - t) * 1000.0)
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--radlearn", default="target/release/radlearn-bench")
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--table", help="the table to use (default: made by `radlearn-bench ml-table` in a temporary folder)")
    ap.add_argument("--json", action="store_true", help="print the results as JSON instead of a table")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        table = args.table or os.path.join(tmp, "ml-table.csv")
        if not args.table:
            subprocess.run([args.radlearn, "ml-table", "--out", table], check=True)
        native = json.loads(subprocess.run([args.radlearn, "ml-cv", "--runs", str(args.runs), table], check=True,
                                           capture_output=True, text=True).stdout)
        x, y = read_table(table)

    report = native["report"]
    fold_of = np.array(report["fold_of"])
    if x.shape != (report["cases"], report["features"]) or len(fold_of) != len(y):
        sys.exit(f"scikit-learn read {x.shape}, RadLearn {report['cases']} x {report['features']}")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        scores, auc, _ = cv_scores(x, y, fold_of)
    not_converged = sum(issubclass(w.category, ConvergenceWarning) for w in caught)
    ci_loop = bootstrap_loop(y, scores)
    ci_vec = bootstrap_vectorised(y, scores)
    if abs(auc - report["auc"]) > 0.02:
        sys.exit(f"the pooled AUCs differ: scikit-learn {auc:.4f}, RadLearn {report['auc']:.4f}")

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        cv_ms = median_ms(args.runs, lambda: cv_scores(x, y, fold_of))
        loop_ms = median_ms(args.runs, lambda: (bootstrap_loop(y, cv_scores(x, y, fold_of)[0])))
        vec_ms = median_ms(args.runs, lambda: (bootstrap_vectorised(y, cv_scores(x, y, fold_of)[0])))

    result = {
        "runs": args.runs,
        "cases": int(x.shape[0]),
        "features": int(x.shape[1]),
        "native": native,
        "sklearn": {
            "version": sklearn.__version__,
            "auc": float(auc),
            "auc_ci_loop": [float(v) for v in ci_loop],
            "auc_ci_vectorised": [float(v) for v in ci_vec],
            "cv_no_bootstrap_ms": cv_ms,
            "cv_bootstrap_loop_ms": loop_ms,
            "cv_bootstrap_vectorised_ms": vec_ms,
            "fits_not_converged": not_converged,
        },
    }
    if args.json:
        print(json.dumps(result))
        return
    print(f"5-fold CV of logistic regression (C = 1), {x.shape[0]} cases x {x.shape[1]} features, same folds, "
          f"median of {args.runs} runs after one warm-up ({os.cpu_count()} cores)")
    print(f"| | RadLearn native (ms) | scikit-learn {sklearn.__version__} (ms) | scikit-learn / RadLearn |")
    print("|---|---|---|---|")
    rows = [("CV, no bootstrap", native["cv_no_bootstrap_ms"], cv_ms),
            (f"CV + {RESAMPLES} bootstrap (loop of roc_auc_score)", native["cv_ms"], loop_ms),
            (f"CV + {RESAMPLES} bootstrap (vectorised NumPy/SciPy)", native["cv_ms"], vec_ms)]
    for label, ours, theirs in rows:
        print(f"| {label} | {ours:.1f} | {theirs:.1f} | {theirs / ours:.1f}x |")
    ci = report["auc_ci"]
    print(f"Pooled AUC: RadLearn {report['auc']:.4f} [{ci[0]:.3f}, {ci[1]:.3f}], scikit-learn {auc:.4f} "
          f"[{ci_loop[0]:.3f}, {ci_loop[1]:.3f}] (different resamples); scikit-learn fits that did not converge: "
          f"{not_converged} of 6.")


if __name__ == "__main__":
    main()
