// Benchmark: the Model Lab's default evaluation (5-fold stratified cross-validation of L2 logistic regression, C = 1,
// standardisation fitted in each fold, ROC/AUC, refit on all cases, 1000-resample bootstrap interval of the AUC) on a
// seeded table of 200 cases x 100 features, compiled to wasm32 and run in headless Chromium, against the native build
// and scikit-learn on the same folds (tests/bench/ml_bench.py), in one run.
// Run with `cargo xtask bench`, or by hand after building both (the same builds as tests/bench/wasm_features.mjs):
//   cargo build --release -p radlearn-bench
//   cargo build --release -p radlearn-bench --lib --target wasm32-unknown-unknown
//   wasm-bindgen --target web --out-dir target/wasm-bench target/wasm32-unknown-unknown/release/radlearn_bench.wasm
//   node tests/bench/wasm_ml.mjs [--runs 20] [--python .tools/pyenv/bin/python]
// Without scikit-learn in that Python, the scikit-learn column is left out.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { serve, launch } from '../support.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const RUNS = Number(arg('--runs', 20));
const PKG = path.resolve(arg('--pkg', 'target/wasm-bench'));
const NATIVE = path.resolve(arg('--native', 'target/release/radlearn-bench'));
const PYTHON = arg('--python', '.tools/pyenv/bin/python');

// A folder for the static server: the wasm package, the page and the table.
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'radlearn-wasm-ml-'));
for (const f of ['radlearn_bench.js', 'radlearn_bench_bg.wasm']) fs.copyFileSync(path.join(PKG, f), path.join(root, f));
fs.writeFileSync(path.join(root, 'index.html'), '<!DOCTYPE html><meta charset="utf-8"><title>wasm ml bench</title>');
const table = path.join(root, 'ml-table.csv');
execFileSync(NATIVE, ['ml-table', '--out', table]);

const hasSklearn = (() => {
  try {
    execFileSync(PYTHON, ['-c', 'import sklearn, scipy'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

const server = await serve(root);
const browser = await launch();
try {
  // Native and scikit-learn first (the script runs `radlearn-bench ml-cv`, then scikit-learn on its folds), then the
  // browser: one at a time, so that they do not compete for the cores.
  let native, sk = null;
  if (hasSklearn) {
    const both = JSON.parse(execFileSync(PYTHON, ['tests/bench/ml_bench.py', '--radlearn', NATIVE, '--runs', String(RUNS), '--table', table, '--json'], { encoding: 'utf8' }));
    native = both.native;
    sk = both.sklearn;
  } else {
    console.log(`(no scikit-learn in ${PYTHON}: native and browser only)`);
    native = JSON.parse(execFileSync(NATIVE, ['ml-cv', '--runs', String(RUNS), table], { encoding: 'utf8' }));
  }
  const page = await browser.newPage();
  await page.goto(`${server.origin}/index.html`);
  const wasm = await page.evaluate(async ({ runs }) => {
    const mod = await import('./radlearn_bench.js');
    await mod.default();
    const csv = await (await fetch('ml-table.csv')).text();
    const median = (f) => {
      let last = f(); // warm-up
      const times = [];
      for (let i = 0; i < runs; i++) {
        const t = performance.now();
        last = f();
        times.push(performance.now() - t);
      }
      times.sort((a, b) => a - b);
      return [times[Math.floor(times.length / 2)], last];
    };
    const [read_ms] = median(() => new mod.MlTable(csv).free());
    const t = new mod.MlTable(csv);
    const [cv_ms, report] = median(() => t.cv(1000));
    const [cv_no_bootstrap_ms] = median(() => t.cv(0));
    t.free();
    return { read_ms, cv_ms, cv_no_bootstrap_ms, report: JSON.parse(report) };
  }, { runs: RUNS });

  const [w, n] = [wasm.report, native.report];
  if (w.cases !== n.cases || w.features !== n.features || w.fold_of.join() !== n.fold_of.join()) {
    throw new Error(`wasm and native disagree on the table or the folds: ${w.cases} x ${w.features} against ${n.cases} x ${n.features}`);
  }
  if (Math.abs(w.auc - n.auc) > 1e-9) throw new Error(`the AUCs differ: ${w.auc} in wasm, ${n.auc} natively`);
  const ciDrift = Math.max(...w.auc_ci.map((v, i) => Math.abs(v - n.auc_ci[i])));

  console.log(`5-fold cross-validated logistic regression (L2, C = 1), ${n.cases} cases x ${n.features} features, the same folds, median of ${RUNS} runs after one warm-up (${os.cpus().length} cores)`);
  const skHead = sk ? ` scikit-learn ${sk.version}, native (ms) | scikit-learn / wasm | scikit-learn / native |` : '';
  console.log(`| step | wasm32 in Chromium (ms) | RadLearn native (ms) | wasm / native |${skHead}`);
  console.log(`|---|---|---|---|${sk ? '---|---|---|' : ''}`);
  const row = (label, ms, nat, skMs) => {
    let line = `| ${label} | ${ms.toFixed(1)} | ${nat.toFixed(1)} | ${(ms / nat).toFixed(2)}x |`;
    if (sk) line += skMs === undefined ? ' — | — | — |' : ` ${skMs.toFixed(1)} | ${(skMs / ms).toFixed(1)}x | ${(skMs / nat).toFixed(1)}x |`;
    console.log(line);
  };
  row('CV, no bootstrap', wasm.cv_no_bootstrap_ms, native.cv_no_bootstrap_ms, sk?.cv_no_bootstrap_ms);
  row('CV + 1000-resample bootstrap of the AUC (scikit-learn: loop of roc_auc_score)', wasm.cv_ms, native.cv_ms, sk?.cv_bootstrap_loop_ms);
  if (sk) row('CV + 1000-resample bootstrap (scikit-learn: vectorised with NumPy/SciPy)', wasm.cv_ms, native.cv_ms, sk.cv_bootstrap_vectorised_ms);
  row('reading the table (CSV text, 200 x 100)', wasm.read_ms, native.read_ms);
  const target = wasm.cv_ms < 50 ? 'met' : 'NOT met';
  console.log(`Target, under 50 ms in the browser with the bootstrap: ${target} (${wasm.cv_ms.toFixed(1)} ms).`);
  console.log(`Pooled AUC ${n.auc.toFixed(4)} [${n.auc_ci.map((v) => v.toFixed(3)).join(', ')}] natively and in wasm (interval ends agree to ${ciDrift.toExponential(1)})` +
    (sk ? `; scikit-learn ${sk.auc.toFixed(4)} [${sk.auc_ci_loop.map((v) => v.toFixed(3)).join(', ')}] (its own resamples); scikit-learn fits that did not converge: ${sk.fits_not_converged} of 6.` : '.'));
} finally {
  await browser.close();
  await server.close();
  fs.rmSync(root, { recursive: true, force: true });
}
