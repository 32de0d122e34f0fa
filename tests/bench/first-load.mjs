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

// 1. Transfer size of the shell: everything index.html loads before the first lesson (wasm, js, css, html).
// Not shell: the feature worker (radlearn-worker*, fetched when a student opens an image or runs a model) and the labs
// module (radlearn-labs*, labs-loader.js: fetched when a lab or a lab exercise is shown, or prefetched 3 s after the
// page is up). Part 2 checks that the page really requests nothing else before the first lesson shows.
const lazy = (f) => f.startsWith('radlearn-worker') || f.startsWith('radlearn-labs') || f === 'labs-loader.js';
const shell = fs.readdirSync(dist).filter((f) => /\.(wasm|js|css|html)$/.test(f) && !lazy(f));
const worker = fs.readdirSync(dist).filter((f) => f.startsWith('radlearn-worker'));
const labs = fs.readdirSync(dist).filter((f) => f.startsWith('radlearn-labs') || f === 'labs-loader.js');
let raw = 0, gz = 0, br = 0;
const rows = shell.map((f) => {
  const buf = fs.readFileSync(path.join(dist, f));
  const g = zlib.gzipSync(buf, { level: 9 }).length;
  const b = zlib.brotliCompressSync(buf, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
  raw += buf.length; gz += g; br += b;
  return { file: f.replace(/-[0-9a-f]{16}/, ''), raw: buf.length, gzip: g, brotli: b };
});
const kb = (n) => (n / 1024).toFixed(1);
console.log('Shell transfer size (KiB):');
for (const r of rows) console.log(`  ${r.file.padEnd(28)} raw ${kb(r.raw).padStart(7)}  gzip ${kb(r.gzip).padStart(7)}  brotli ${kb(r.brotli).padStart(7)}`);
console.log(`  ${'total'.padEnd(28)} raw ${kb(raw).padStart(7)}  gzip ${kb(gz).padStart(7)}  brotli ${kb(br).padStart(7)}`);
// JupyterLite + scikit-learn: about 27-30 MB before the first cell runs (its own package sizes; not measured here).
const JUPYTERLITE_MB = 27;
console.log(`  vs JupyterLite + scikit-learn (~${JUPYTERLITE_MB} MB, stated, not measured): ${(JUPYTERLITE_MB * 1024 * 1024 / gz).toFixed(0)}x smaller (gzip)`);
const workerGz = worker.reduce((n, f) => n + zlib.gzipSync(fs.readFileSync(path.join(dist, f)), { level: 9 }).length, 0);
console.log(`Feature worker, fetched when the Image Lab opens or a Model Lab job starts (not shell): gzip ${kb(workerGz)} KiB`);
const labsGz = labs.reduce((n, f) => n + zlib.gzipSync(fs.readFileSync(path.join(dist, f)), { level: 9 }).length, 0);
console.log(`Labs module, fetched when a lab or lab exercise is shown, or at idle 3 s after load (not shell): gzip ${kb(labsGz)} KiB`);

// 2. Time to the first lesson rendered: cold context each run, served gzip-compressed.
const server = await serve(dist, { gzip: true });
const browser = await launch();
const times = [];
try {
  for (let i = 0; i < RUNS; i++) {
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
    await page.goto(`${server.origin}/#/lesson/${LESSON}`);
    await page.waitForFunction(() => window.__firstLesson !== undefined, null, { timeout: 20000 });
    times.push(await page.evaluate(() => window.__firstLesson));
    // What the shell figure leaves out must not have been needed for the first lesson.
    const early = requested.filter((f) => lazy(f));
    if (early.length) throw new Error(`loaded before the first lesson but not counted as shell: ${early.join(', ')}`);
    await context.close();
  }
} finally {
  await browser.close();
  await server.close();
}
times.sort((a, b) => a - b);
const median = times[Math.floor(times.length / 2)];
console.log(`\nNavigation to first lesson rendered (ms, ${RUNS} cold loads, headless Chromium, localhost):`);
console.log(`  median ${median.toFixed(0)}  min ${times[0].toFixed(0)}  max ${times[times.length - 1].toFixed(0)}`);
fs.mkdirSync('target/bench', { recursive: true });
fs.writeFileSync('target/bench/first-load.json', JSON.stringify({ rows, total: { raw, gzip: gz, brotli: br }, times, median }, null, 2));
