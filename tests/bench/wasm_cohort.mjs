// Benchmark: the Model Lab's synthetic cohort (making each case's CT-like image and mask, then extracting the full
// IBSI feature set with the cohort settings, one case after the other on one thread) compiled to wasm32 and run in
// headless Chromium, against the native build on one thread and on every core, in one run.
// Run by hand after building both (the same builds as tests/bench/wasm_features.mjs):
//   cargo build --release -p radlearn-bench
//   cargo build --release -p radlearn-bench --lib --target wasm32-unknown-unknown
//   wasm-bindgen --target web --out-dir target/wasm-bench target/wasm32-unknown-unknown/release/radlearn_bench.wasm
//   node tests/bench/wasm_cohort.mjs [--runs 3] [--cases 100] [--seed 1]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { serve, launch } from '../support.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const RUNS = Number(arg('--runs', 3));
const CASES = Number(arg('--cases', 100));
const SEED = Number(arg('--seed', 1));
const PKG = path.resolve(arg('--pkg', 'target/wasm-bench'));
const NATIVE = path.resolve(arg('--native', 'target/release/radlearn-bench'));

// A folder for the static server: the wasm package and a page.
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'radlearn-wasm-cohort-'));
for (const f of ['radlearn_bench.js', 'radlearn_bench_bg.wasm']) fs.copyFileSync(path.join(PKG, f), path.join(root, f));
fs.writeFileSync(path.join(root, 'index.html'), '<!DOCTYPE html><meta charset="utf-8"><title>wasm cohort bench</title>');

const server = await serve(root);
const browser = await launch();
try {
  const native = JSON.parse(
    execFileSync(NATIVE, ['cohort', '--runs', String(RUNS), '--cases', String(CASES), '--seed', String(SEED)], { encoding: 'utf8' }),
  );
  const page = await browser.newPage();
  await page.goto(`${server.origin}/index.html`);
  const wasm = await page.evaluate(async ({ cases, seed, runs }) => {
    const mod = await import('./radlearn_bench.js');
    await mod.default();
    // BigInt: the seed is a u64.
    let summary = JSON.parse(mod.extractCohort(cases, BigInt(seed)));
    const times = [];
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      summary = JSON.parse(mod.extractCohort(cases, BigInt(seed)));
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    return { ...summary, median_ms: times[Math.floor(times.length / 2)] };
  }, { cases: CASES, seed: SEED, runs: RUNS });
  if (wasm.cases !== native.cases || wasm.features !== native.features) {
    throw new Error(`wasm gave ${wasm.cases} x ${wasm.features}, native ${native.cases} x ${native.features}`);
  }
  // The images are bit-identical on both; feature values may differ in the last digits (libm).
  const drift = Math.abs(wasm.checksum - native.checksum) / Math.max(1, Math.abs(native.checksum));
  if (drift > 1e-6) throw new Error(`the tables differ: checksum ${wasm.checksum} in wasm, ${native.checksum} natively`);
  console.log(`Synthetic cohort of ${CASES} cases (seed ${SEED}): images, masks and ${native.features} features per case, median of ${RUNS} runs after one warm-up (${os.cpus().length} cores)`);
  console.log('| build | total (s) | per case (ms) |');
  console.log('|---|---|---|');
  const row = (label, ms) => console.log(`| ${label} | ${(ms / 1000).toFixed(2)} | ${(ms / CASES).toFixed(1)} |`);
  row('native, one thread', native.one_thread_ms);
  row(`native, ${native.threads} threads (generate_parallel)`, native.all_cores_ms);
  row('wasm32 in Chromium, one thread', wasm.median_ms);
  console.log(`Native, one thread: making the images ${(native.images_ms / CASES).toFixed(1)} ms per case, feature extraction ${native.extraction_per_case_ms.toFixed(1)} ms per case.`);
  console.log(`wasm / native (one thread): ${(wasm.median_ms / native.one_thread_ms).toFixed(2)}x; checksums agree to ${drift.toExponential(1)}.`);
} finally {
  await browser.close();
  await server.close();
  fs.rmSync(root, { recursive: true, force: true });
}
