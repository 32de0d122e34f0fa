// Benchmark: the same feature extraction (reading the files from bytes, then every feature family on one
// thread) compiled to wasm32 and run in headless Chromium, against the native build, in one run.
// Run with `cargo xtask bench`, or by hand after building both:
//   cargo build --release -p radlearn-bench
//   cargo build --release -p radlearn-bench --lib --target wasm32-unknown-unknown
//   wasm-bindgen --target web --out-dir target/wasm-bench target/wasm32-unknown-unknown/release/radlearn_bench.wasm
//   node tests/bench/wasm_features.mjs [--runs 5] [--families]
// With --families, also prints where the time goes on each side (one run each, after the timed ones).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { serve, launch } from '../support.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const RUNS = Number(arg('--runs', 5));
const FAMILIES = process.argv.includes('--families');
// The browser build runs on one thread: so does the native side (the engine's few internal joins would otherwise
// use a second core).
const ONE_THREAD = { encoding: 'utf8', env: { ...process.env, RAYON_NUM_THREADS: '1' } };
const PKG = path.resolve(arg('--pkg', 'target/wasm-bench'));
const NATIVE = path.resolve(arg('--native', 'target/release/radlearn-bench'));
const CT = 'crates/engine/tests/data/ibsi-ct-phantom/nifti';
const SAMPLES = '.tools/pyradiomics-3.1.0/data';
const cases = [
  ['IBSI CT phantom, GTV-1, PyRadiomics-like settings', `${CT}/image/phantom.nii.gz`, `${CT}/mask/mask.nii.gz`, 'tests/bench/pyradiomics-default.toml'],
  ['IBSI CT phantom, GTV-1, IBSI configuration C (1 mm resampling)', `${CT}/image/phantom.nii.gz`, `${CT}/mask/mask.nii.gz`, 'crates/engine/configs/ibsi-C.toml'],
  ['PyRadiomics sample brain1', `${SAMPLES}/brain1_image.nrrd`, `${SAMPLES}/brain1_label.nrrd`, 'tests/bench/pyradiomics-default.toml'],
  ['PyRadiomics sample lung1', `${SAMPLES}/lung1_image.nrrd`, `${SAMPLES}/lung1_label.nrrd`, 'tests/bench/pyradiomics-default.toml'],
].filter(([, image]) => fs.existsSync(image));

// A folder for the static server: the wasm package, the page and the inputs.
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'radlearn-wasm-bench-'));
for (const f of ['radlearn_bench.js', 'radlearn_bench_bg.wasm']) fs.copyFileSync(path.join(PKG, f), path.join(root, f));
fs.writeFileSync(path.join(root, 'index.html'), '<!DOCTYPE html><meta charset="utf-8"><title>wasm features bench</title>');
const files = new Map();
for (const [, ...inputs] of cases) for (const f of inputs) {
  const name = `${files.size}-${path.basename(f)}`;
  if (!files.has(f)) { fs.copyFileSync(f, path.join(root, name)); files.set(f, name); }
}

const server = await serve(root);
const browser = await launch();
try {
  const page = await browser.newPage();
  await page.goto(`${server.origin}/index.html`);
  console.log(`Feature extraction, one thread, median of ${RUNS} runs after one warm-up (${os.cpus().length} cores)`);
  console.log('| case | values | native (ms) | wasm32 in Chromium (ms) | wasm / native |');
  console.log('|---|---|---|---|---|');
  const steps = [];
  for (const [label, image, mask, config] of cases) {
    const native = JSON.parse(execFileSync(NATIVE, ['features', '--runs', String(RUNS), image, mask, config], ONE_THREAD));
    const wasm = await page.evaluate(async ({ image, mask, config, runs }) => {
      const mod = await import('./radlearn_bench.js');
      await mod.default();
      const bytes = async (f) => new Uint8Array(await (await fetch(f)).arrayBuffer());
      const [img, msk] = [await bytes(image), await bytes(mask)];
      const cfg = await (await fetch(config)).text();
      let values = mod.extractFeatures(img, image, msk, mask, cfg);
      const times = [];
      for (let i = 0; i < runs; i++) {
        const t = performance.now();
        values = mod.extractFeatures(img, image, msk, mask, cfg);
        times.push(performance.now() - t);
      }
      times.sort((a, b) => a - b);
      return { median_ms: times[Math.floor(times.length / 2)], values };
    }, { image: files.get(image), mask: files.get(mask), config: files.get(config), runs: RUNS });
    if (wasm.values !== native.values) throw new Error(`${label}: wasm gave ${wasm.values} values, native ${native.values}`);
    console.log(`| ${label} | ${native.values} | ${native.median_ms.toFixed(0)} | ${wasm.median_ms.toFixed(0)} | ${(wasm.median_ms / native.median_ms).toFixed(2)}x |`);
    if (FAMILIES) steps.push([label, image, mask, config]);
  }
  for (const [label, image, mask, config] of steps) {
    const native = execFileSync(NATIVE, ['families', image, mask, config], ONE_THREAD).trim().split('\n')
      .map((line) => [line.slice(line.indexOf('ms') + 2).trim(), Number(line.trim().split(/\s+/)[0])]);
    const wasm = JSON.parse(await page.evaluate(async ({ image, mask, config }) => {
      const mod = await import('./radlearn_bench.js');
      await mod.default();
      const bytes = async (f) => new Uint8Array(await (await fetch(f)).arrayBuffer());
      return mod.familyTimes(await bytes(image), image, await bytes(mask), mask, await (await fetch(config)).text());
    }, { image: files.get(image), mask: files.get(mask), config: files.get(config) }));
    console.log(`\n${label}: where the time goes (one run each)\n| step | native (ms) | wasm32 (ms) | wasm / native |\n|---|---|---|---|`);
    for (const [i, [step, ms]] of wasm.entries()) {
      const n = native[i] ? native[i][1] : NaN;
      console.log(`| ${step} | ${n.toFixed(1)} | ${ms.toFixed(1)} | ${(ms / n).toFixed(2)}x |`);
    }
  }
} finally {
  await browser.close();
  await server.close();
  fs.rmSync(root, { recursive: true, force: true });
}
