// Benchmark: compressed size of the app shell, and time from navigation to the first lesson
// rendered in headless Chromium (median of several cold loads on localhost).
// Run with `cargo xtask bench` (builds the release site first). Results go to BENCHMARKS.md by hand,
// with this command.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { serve, launch, distDir } from '../support.mjs';

const RUNS = Number(process.env.RUNS || 15);
const LESSON = process.env.LESSON || 'what-is-a-medical-image';
const dist = distDir();

// With RADLEARN_BASELINE=<another dist/> (e.g. the site built from an earlier commit), both sites are measured in
// the same run, loads interleaved, and the sizes and the median time are also given as ratios to the baseline.
const baseline = process.env.RADLEARN_BASELINE ? path.resolve(process.env.RADLEARN_BASELINE) : null;

// 1. Transfer size of the shell: everything index.html loads before the first lesson (wasm, js, css, html).
// Not shell: the feature worker (radlearn-worker*, fetched when a student opens an image or runs a model) and the labs
// module (radlearn-labs*, labs-loader.js: fetched when a lab or a lab exercise is shown, or prefetched 3 s after the
// page is up). Part 2 checks that the page really requests nothing else before the first lesson shows.
const lazy = (f) => f.startsWith('radlearn-worker') || f.startsWith('radlearn-labs') || f === 'labs-loader.js';
const kb = (n) => (n / 1024).toFixed(1);
const gzipSize = (dir, files) => files.reduce((n, f) => n + zlib.gzipSync(fs.readFileSync(path.join(dir, f)), { level: 9 }).length, 0);

/** The shell's, the worker's and the labs module's sizes of the site in `dir`, printed. */
function sizes(dir, label) {
  const shell = fs.readdirSync(dir).filter((f) => /\.(wasm|js|css|html)$/.test(f) && !lazy(f));
  const worker = fs.readdirSync(dir).filter((f) => f.startsWith('radlearn-worker'));
  const labs = fs.readdirSync(dir).filter((f) => f.startsWith('radlearn-labs') || f === 'labs-loader.js');
  let raw = 0, gz = 0, br = 0;
  const rows = shell.map((f) => {
    const buf = fs.readFileSync(path.join(dir, f));
    const g = zlib.gzipSync(buf, { level: 9 }).length;
    const b = zlib.brotliCompressSync(buf, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
    raw += buf.length; gz += g; br += b;
    return { file: f.replace(/-[0-9a-f]{16}/, ''), raw: buf.length, gzip: g, brotli: b };
  });
  console.log(`Shell transfer size (KiB)${label}:`);
  for (const r of rows) console.log(`  ${r.file.padEnd(28)} raw ${kb(r.raw).padStart(7)}  gzip ${kb(r.gzip).padStart(7)}  brotli ${kb(r.brotli).padStart(7)}`);
  console.log(`  ${'total'.padEnd(28)} raw ${kb(raw).padStart(7)}  gzip ${kb(gz).padStart(7)}  brotli ${kb(br).padStart(7)}`);
  const workerGz = gzipSize(dir, worker);
  const labsGz = gzipSize(dir, labs);
  console.log(`Feature worker, fetched when the Image Lab opens or a Model Lab job starts (not shell): gzip ${kb(workerGz)} KiB`);
  console.log(`Labs module, fetched when a lab or lab exercise is shown, or at idle 3 s after load (not shell): gzip ${kb(labsGz)} KiB`);
  return { rows, total: { raw, gzip: gz, brotli: br }, worker: workerGz, labs: labsGz };
}

const size = sizes(dist, '');
// JupyterLite + scikit-learn: about 27-30 MB before the first cell runs (its own package sizes; not measured here).
const JUPYTERLITE_MB = 27;
console.log(`  vs JupyterLite + scikit-learn (~${JUPYTERLITE_MB} MB, stated, not measured): ${(JUPYTERLITE_MB * 1024 * 1024 / size.total.gzip).toFixed(0)}x smaller (gzip)`);
const before = baseline && sizes(baseline, ` of the baseline ${baseline}`);
if (before) {
  const ratio = (a, b) => `${((a / b - 1) * 100).toFixed(1)} %`;
  console.log(`Against the baseline (gzip): shell ${ratio(size.total.gzip, before.total.gzip)}, worker ${ratio(size.worker, before.worker)}, labs ${ratio(size.labs, before.labs)}`);
}

// 2. Time to the first lesson rendered: cold context each run, served gzip-compressed (each file compressed once).
const sites = [{ name: 'this site', dir: dist, times: [] }];
if (baseline) sites.push({ name: 'baseline', dir: baseline, times: [] });
for (const site of sites) site.server = await serve(site.dir, { gzip: true });
const browser = await launch();
try {
  // One load of each site first, not counted: the server compresses each file on its first request.
  for (let i = -1; i < RUNS; i++) {
    for (const site of sites) {
      const t = await firstLesson(site.server.origin);
      if (i >= 0) site.times.push(t);
    }
  }
} finally {
  await browser.close();
  for (const site of sites) await site.server.close();
}

/** One cold load of the first lesson: milliseconds from navigation start to its title and first formula in the DOM. */
async function firstLesson(origin) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  await context.addInitScript(() => {
    const done = () => {
      if (document.querySelector('[data-testid=lesson] h1') && document.querySelector('[data-testid=lesson] math')) {
        window.__firstLesson = performance.now();
        return true;
      }
      return false;
    };
    const obs = new MutationObserver(() => { if (done()) obs.disconnect(); });
    obs.observe(document, { childList: true, subtree: true });
  });
  const page = await context.newPage();
  const requested = [];
  page.on('request', (r) => requested.push(new URL(r.url()).pathname.slice(1)));
  await page.goto(`${origin}/#/lesson/${LESSON}`);
  await page.waitForFunction(() => window.__firstLesson !== undefined, null, { timeout: 20000 });
  const time = await page.evaluate(() => window.__firstLesson);
  // What the shell figure leaves out must not have been needed for the first lesson.
  const early = requested.filter((f) => lazy(f));
  if (early.length) throw new Error(`loaded before the first lesson but not counted as shell: ${early.join(', ')}`);
  await context.close();
  return time;
}

const median = (times) => [...times].sort((x, y) => x - y)[Math.floor(times.length / 2)];
console.log(`\nNavigation to first lesson rendered (ms, ${RUNS} cold loads each, headless Chromium, localhost):`);
for (const site of sites) {
  const t = [...site.times].sort((x, y) => x - y);
  console.log(`  ${site.name.padEnd(10)} median ${median(t).toFixed(0)}  min ${t[0].toFixed(0)}  max ${t[t.length - 1].toFixed(0)}`);
}
if (baseline) console.log(`  this site / baseline (medians): ${(median(sites[0].times) / median(sites[1].times)).toFixed(3)}`);
fs.mkdirSync('target/bench', { recursive: true });
fs.writeFileSync('target/bench/first-load.json', JSON.stringify({
  ...size, baseline: before, times: sites[0].times, median: median(sites[0].times),
  baseline_times: baseline ? sites[1].times : null,
}, null, 2));
