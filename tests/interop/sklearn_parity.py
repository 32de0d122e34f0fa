"""Interoperability: the Model Lab's numbers agree with scikit-learn.

Two tables: RadLearn's own synthetic cohort exported as CSV (`radlearn cohort`: 100 lesions, 215 radiomics
features), and a table made here with a fixed numpy seed (200 cases x 30 features, a label carried by a few
features, scales from 0.01 to 1000). Each is evaluated by `radlearn model cv --folds-out`, which writes each case's fold and out-of-fold score.
scikit-learn then fits the same models on exactly those folds with the same preprocessing (a StandardScaler
fitted on each fold's training cases) and the pooled out-of-fold AUCs must agree within 0.02: logistic regression
(C = 1), linear SVM (C = 1) and RBF SVM (C = 1, gamma = 1 / features). `radlearn model pca` must give
scikit-learn's PCA explained_variance_ and explained_variance_ratio_ within 1e-6 (relative for the variances).

PCA is also swept on two real tables nobody in the project wrote, scikit-learn's bundled breast-cancer (569 x 30) and
wine (178 x 13, class 0 against the rest) tables, exported to CSV here: for EVERY number of components k from 1 to
min(n - 1, p), raw and standardised, `radlearn model pca --components k --components-out` must give scikit-learn's
exact PCA (`svd_solver="full"`, LAPACK's SVD): explained-variance ratios within 1e-9, components equal up to sign
within 1e-6 (and with scikit-learn's sign where its largest loading is unambiguous), variances within 1e-6 relative
(a tiny trailing variance is only known to about 1e-16 of the first, so relative to itself it cannot be held to
1e-9). Asking for more components than min(n - 1, p) must fail with a message that says how many there are. The
same on RadLearn's cohort (seed 1, the issue's example) for a few k.
scikit-learn's PCA explained_variance_ and explained_variance_ratio_ within 1e-6 (relative for the variances). The
calibration table of the logistic regression's out-of-fold scores must be scikit-learn's
calibration_curve(strategy="quantile"), and each bin's interval SciPy's Wilson interval.
Run by `cargo xtask test`:
    python tests/interop/sklearn_parity.py --radlearn target/debug/radlearn
"""
import csv
import json
import subprocess
import tempfile
from pathlib import Path

import numpy as np
from sklearn.datasets import load_breast_cancer, load_wine
from scipy.stats import binomtest
from sklearn.calibration import calibration_curve
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from checks import Checks, radlearn_binary

CASES, FEATURES = 200, 30


def cohort(path):
    """Writes the cohort as a wide CSV: id, site, diagnosis, f00..f29. Returns (X, y)."""
    rng = np.random.default_rng(20240601)
    y = np.arange(CASES) % 2 == 1
    rng.shuffle(y)
    x = rng.normal(size=(CASES, FEATURES))
    # Signal in three features, a correlated block (radiomics features come in families) and scales that differ.
    x[:, :3] += np.outer(y, [0.9, -0.7, 0.5])
    x[:, 3:8] += 0.8 * x[:, [0]]
    x *= np.geomspace(0.01, 1000.0, FEATURES)
    x += np.linspace(-5.0, 50.0, FEATURES)
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "site", "diagnosis"] + [f"f{j:02d}" for j in range(FEATURES)])
        for i in range(CASES):
            w.writerow([f"case{i:03d}", "AB"[i % 2], "malignant" if y[i] else "benign"] + [repr(float(v)) for v in x[i]])
    return x, y


def radlearn(exe, *args):
    out = subprocess.run([exe, *map(str, args)], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def compare(exe, tmp, table, x, y, ids, label, tag, check):
    """Runs every check on one table."""
    models = [
        ("logistic", [], lambda: LogisticRegression(C=1.0, tol=1e-10, max_iter=10000)),
        ("svm-linear", [], lambda: SVC(kernel="linear", C=1.0, tol=1e-5)),
        ("svm-rbf", ["--gamma", 1.0 / x.shape[1]], lambda: SVC(kernel="rbf", C=1.0, gamma=1.0 / x.shape[1], tol=1e-5)),
    ]
    for name, extra, make in models:
        folds_file = Path(tmp) / f"{tag}-{name}-folds.csv"
        report = radlearn(exe, "model", "cv", "--table", table, "--label", label, "--model", name,
                          "--c", 1, *extra, "--folds", 5, "--seed", 1, "--format", "json", "--folds-out", folds_file)
        with open(folds_file) as f:
            rows = list(csv.DictReader(f))
        check([r["id"] for r in rows] == ids, f"{tag}, {name}: --folds-out lists every case in order")
        fold = np.array([int(r["fold"]) for r in rows])
        ours = np.array([float(r["score"]) for r in rows])
        theirs = np.full(len(y), np.nan)
        fold_auc = []
        for k in range(fold.max() + 1):
            train, test = fold != k, fold == k
            scaler = StandardScaler().fit(x[train])
            model = make().fit(scaler.transform(x[train]), y[train])
            xt = scaler.transform(x[test])
            theirs[test] = model.predict_proba(xt)[:, 1] if name == "logistic" else model.decision_function(xt)
            fold_auc.append(roc_auc_score(y[test], theirs[test]))
        auc_sk = roc_auc_score(y, theirs)
        auc_ours = report["auc"]
        check(abs(roc_auc_score(y, ours) - auc_ours) < 1e-12, f"{tag}, {name}: the written scores give the reported AUC")
        check(abs(auc_ours - auc_sk) <= 0.02,
              f"{tag}, {name}: pooled out-of-fold AUC radlearn {auc_ours:.4f} vs scikit-learn {auc_sk:.4f} "
              f"(fold means {np.mean(report['fold_auc']):.4f} vs {np.mean(fold_auc):.4f})")
        if name == "logistic":
            gap = np.max(np.abs(ours - theirs))
            check(gap < 5e-3, f"{tag}, {name}: largest difference of predicted probabilities {gap:.2e}")
            check_calibration(report["calibration"], y, ours, f"{tag}, {name}", check)

    for standardise in [True, False]:
        flag = ["--standardise"] if standardise else []
        report = radlearn(exe, "model", "pca", "--table", table, "--label", label, "--components", 10,
                          *flag, "--format", "json")
        data = StandardScaler().fit_transform(x) if standardise else x
        ref = PCA(n_components=10, svd_solver="full").fit(data)
        ev, ratio = np.array(report["explained_variance"]), np.array(report["explained_variance_ratio"])
        rel = np.max(np.abs(ev - ref.explained_variance_) / ref.explained_variance_)
        dr = np.max(np.abs(ratio - ref.explained_variance_ratio_))
        what = "standardised" if standardise else "raw"
        check(rel <= 1e-6, f"{tag}, PCA ({what}): explained variance, largest relative difference {rel:.1e} "
                            f"(first {ev[0]:.6g} vs {ref.explained_variance_[0]:.6g})")
        check(dr <= 1e-6, f"{tag}, PCA ({what}): explained variance ratio, largest difference {dr:.1e} "
                           f"(first {ratio[0]:.6f} vs {ref.explained_variance_ratio_[0]:.6f})")


def export_table(path, x, labels, names):
    """Writes a wide CSV: id, label, then the features (exact decimal text of each double)."""
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "label"] + list(names))
        for i in range(x.shape[0]):
            w.writerow([f"case{i:03d}", labels[i]] + [repr(float(v)) for v in x[i]])


def read_components(path):
    """`--components-out`: a header (component, then feature names) and one row per component."""
    with open(path) as f:
        rows = list(csv.reader(f))
    return rows[0][1:], np.array([[float(v) for v in r[1:]] for r in rows[1:]])


def pca_sweep(exe, tmp, table, x, names, tag, check, ks=None):
    """Every k (or those in `ks`), raw and standardised, against scikit-learn's exact PCA. Returns the largest
    errors seen: (ratio, relative variance, component up to sign)."""
    n, p = x.shape
    kmax = min(n - 1, p)
    worst = [0.0, 0.0, 0.0]
    for standardise in [False, True]:
        what = "standardised" if standardise else "raw"
        flag = ["--standardise"] if standardise else []
        data = StandardScaler().fit_transform(x) if standardise else x
        ref = PCA(svd_solver="full").fit(data)
        failed = []
        sign_differs = 0
        for k in ks or range(1, kmax + 1):
            out = Path(tmp) / f"{tag}-{what}-{k}.csv"
            report = radlearn(exe, "model", "pca", "--table", table, "--label", "label", "--components", k, *flag,
                              "--components-out", out, "--format", "json")
            ratio = np.array(report["explained_variance_ratio"])
            ev = np.array(report["explained_variance"])
            header, comps = read_components(out)
            if header != list(names) or ratio.shape != (k,) or comps.shape != (k, p):
                failed.append(f"k = {k}: shape {ratio.shape}, {comps.shape}, header {header[:3]}...")
                continue
            ref_ratio, ref_ev, ref_comps = ref.explained_variance_ratio_[:k], ref.explained_variance_[:k], ref.components_[:k]
            dr = np.max(np.abs(ratio - ref_ratio))
            dv = np.max(np.abs(ev - ref_ev) / np.maximum(ref_ev, np.finfo(float).tiny))
            dc = max(min(np.max(np.abs(a - b)), np.max(np.abs(a + b))) for a, b in zip(comps, ref_comps))
            for a, b in zip(comps, ref_comps):
                top = np.sort(np.abs(b))[::-1]
                if top[0] - top[1] > 1e-6 and np.max(np.abs(a - b)) > np.max(np.abs(a + b)):
                    sign_differs += 1
            worst = [max(worst[0], dr), max(worst[1], dv), max(worst[2], dc)]
            if not (dr <= 1e-9 and dv <= 1e-6 and dc <= 1e-6):
                failed.append(f"k = {k}: ratio {dr:.1e}, variance {dv:.1e} (relative), component {dc:.1e}")
        swept = f"k = {min(ks)}..{max(ks)} ({len(ks)} values)" if ks else f"every k = 1..{kmax}"
        check(not failed, f"{tag}, PCA ({what}), {swept}: explained-variance ratios within 1e-9 and components "
                          f"within 1e-6 of scikit-learn's (up to sign)" + (f"; {'; '.join(failed[:5])}" if failed else ""))
        check(sign_differs == 0, f"{tag}, PCA ({what}): each component signed as scikit-learn's svd_flip "
                                 f"({sign_differs} differ)")
    too_many = subprocess.run([exe, "model", "pca", "--table", table, "--label", "label", "--components", str(kmax + 1)],
                              capture_output=True, text=True)
    check(too_many.returncode == 2 and f"at most {kmax} principal components" in too_many.stderr
          and "panicked" not in too_many.stderr,
          f"{tag}, PCA: {kmax + 1} components is refused with the number there are: {too_many.stderr.strip()[:160]}")
    return worst


def real_tables(exe, tmp, check):
    """scikit-learn's bundled tables, exported to CSV here, every k swept."""
    worst = [0.0, 0.0, 0.0]
    cancer = load_breast_cancer()
    wine = load_wine()
    tables = [
        ("breast cancer", cancer.data, np.where(cancer.target == 0, "malignant", "benign"), cancer.feature_names),
        ("wine", wine.data, np.where(wine.target == 0, "class0", "rest"), wine.feature_names),
    ]
    for tag, x, labels, names in tables:
        path = Path(tmp) / f"{tag.replace(' ', '-')}.csv"
        export_table(path, x, labels, names)
        w = pca_sweep(exe, tmp, path, x, names, tag, check)
        worst = [max(a, b) for a, b in zip(worst, w)]
    # The example: RadLearn's own cohort (seed 1), 2 components, and the largest k it has.
    cohort_csv = Path(tmp) / "cohort-seed1.csv"
    subprocess.run([exe, "cohort", "--cases", "100", "--seed", "1", "--out", cohort_csv], check=True, capture_output=True)
    x, _, _ = read_wide(cohort_csv)
    with open(cohort_csv) as f:
        header = next(csv.reader(f))
    names = [c for c in header if c not in {"id", "label", "site", "slice_thickness"}]
    kmax = min(x.shape[0] - 1, x.shape[1])
    w = pca_sweep(exe, tmp, cohort_csv, x, names, "RadLearn cohort (seed 1)", check, ks=[1, 2, 3, 10, kmax])
    worst = [max(a, b) for a, b in zip(worst, w)]
    print(f"PCA sweep: largest differences from scikit-learn: ratio {worst[0]:.2e}, variance {worst[1]:.2e} "
          f"(relative), component {worst[2]:.2e} (up to sign)")
def check_calibration(bins, y, scores, tag, check):
    """The calibration table of `radlearn model cv` against scikit-learn's calibration_curve(strategy="quantile") on the
    same out-of-fold scores (deciles, fewer below 100 cases), and each bin's interval against SciPy's Wilson interval."""
    n_bins = min(10, max(1, len(y) // 10))
    prob_true, prob_pred = calibration_curve(y, scores, n_bins=n_bins, strategy="quantile")
    check(len(bins) == len(prob_true), f"{tag}: calibration, {len(bins)} bins vs scikit-learn's {len(prob_true)}")
    if len(bins) != len(prob_true):
        return
    gap = max(max(abs(b["predicted"] - p), abs(b["observed"] - t)) for b, p, t in zip(bins, prob_pred, prob_true))
    check(gap < 1e-9, f"{tag}: calibration bins (quantile) agree with calibration_curve, largest difference {gap:.1e}")
    counts = [b["count"] for b in bins]
    check(sum(counts) == len(y), f"{tag}: calibration bins hold every case ({sum(counts)})")
    worst = 0.0
    for b in bins:
        k = round(b["observed"] * b["count"])
        ci = binomtest(k, b["count"]).proportion_ci(confidence_level=0.95, method="wilson")
        worst = max(worst, abs(b["interval"][0] - ci.low), abs(b["interval"][1] - ci.high))
    check(worst < 1e-9, f"{tag}: calibration intervals agree with SciPy's Wilson interval, largest difference {worst:.1e}")


def read_wide(path):
    """A RadLearn cohort table: id, label, then text columns (site, slice thickness), then numeric features."""
    with open(path) as f:
        rows = list(csv.DictReader(f))
    meta = {"id", "label", "site", "slice_thickness"}
    names = [c for c in rows[0] if c not in meta]
    x = np.array([[float(r[c]) for c in names] for r in rows])
    y = np.array([r["label"] == "malignant" for r in rows])
    return x, y, [r["id"] for r in rows]


def main():
    radlearn = radlearn_binary(__doc__)
    check = Checks()

    with tempfile.TemporaryDirectory() as tmp:
        table = Path(tmp) / "numpy.csv"
        x, y = cohort(table)
        compare(radlearn, tmp, table, x, y, [f"case{i:03d}" for i in range(CASES)], "diagnosis", "numpy table", check)
        synthetic = Path(tmp) / "synthetic.csv"
        subprocess.run([radlearn, "cohort", "--cases", "100", "--seed", "3", "--signal", "0.5", "--out", synthetic],
                       check=True, capture_output=True)
        x, y, ids = read_wide(synthetic)
        check(x.shape == (100, x.shape[1]) and x.shape[1] > 100, f"radlearn cohort: {x.shape[0]} cases x {x.shape[1]} features")
        compare(radlearn, tmp, synthetic, x, y, ids, "label", "RadLearn cohort", check)
        real_tables(radlearn, tmp, check)
    check.exit("the scikit-learn parity checks")


if __name__ == "__main__":
    main()
