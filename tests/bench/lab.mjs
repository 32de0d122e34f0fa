// Benchmark: the Image Lab in headless Chromium, on the release site (`cargo xtask bench` builds it).
//  1. Time to open the CT phantom sample: from the click to the three views drawn (served from localhost,
//     so this is decoding and drawing, not the network).
//  2. Time to draw 512 x 512 slices with window/level and a mask overlay while scrolling a synthetic
//     512 x 512 x 300 CT (int16, 0.8 x 0.8 x 1 mm) with a spherical mask: the viewer's own measure
//     (`data-render-ms` of the axial canvas, 512 x 512; and of the viewer, the slowest of its three views).
//  3. The main thread's longest task while the worker computes the CT phantom GTV's features
//     (Long Tasks API: only tasks over 50 ms are reported; none means every task was shorter).
// Results go to BENCHMARKS.md by hand, with this command: `node tests/bench/lab.mjs`.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { serve, launch, watchedPage } from '../support.mjs';

const STEPS = Number(process.env.STEPS || 60);

/** A NIfTI-1 file (.nii): `dims`, `spacing`, datatype code, and the voxel bytes. */
function nifti(dims, spacing, datatype, bitpix, data) {
  const h = Buffer.alloc(352);
  h.writeInt32LE(348, 0);
  [3, ...dims, 1, 1, 1, 1].slice(0, 8).forEach((d, i) => h.writeInt16LE(d, 40 + 2 * i));
  h.writeInt16LE(datatype, 70);
  h.writeInt16LE(bitpix, 72);
  [1, ...spacing, 1, 1, 1, 1].slice(0, 8).forEach((d, i) => h.writeFloatLE(d, 76 + 4 * i));
  h.writeFloatLE(352, 108);
  h.writeFloatLE(1, 112);
  h.writeUInt8(2, 123); // mm
  h.writeInt16LE(1, 254); // sform
  [[spacing[0], 0, 0, 0], [0, spacing[1], 0, 0], [0, 0, spacing[2], 0]].forEach((row, r) =>
    row.forEach((v, c) => h.writeFloatLE(v, 280 + 16 * r + 4 * c)));
  h.write('n+1\0', 344, 'latin1');
  return Buffer.concat([h, data]);
}

function syntheticCt(dir) {
  const [nx, ny, nz] = [512, 512, 300];
  const image = Buffer.alloc(nx * ny * nz * 2);
  const mask = Buffer.alloc(nx * ny * nz);
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (let z = 0; z < nz; z++) for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) {
    const i = x + nx * (y + ny * z);
    const body = ((x - 256) / 220) ** 2 + ((y - 256) / 170) ** 2 < 1;
    const lesion = (x - 300) ** 2 + (y - 240) ** 2 + ((z - 150) * 1.25) ** 2 < 40 ** 2;
    const hu = lesion ? 60 : body ? 40 : -1000;
    image.writeInt16LE(Math.round(hu + 20 * (rand() - 0.5)), 2 * i);
    mask[i] = lesion ? 1 : 0;
  }
  const ip = path.join(dir, 'synthetic-512.nii');
  const mp = path.join(dir, 'synthetic-512-mask.nii');
  fs.writeFileSync(ip, nifti([nx, ny, nz], [0.8, 0.8, 1.0], 4, 16, image));
  fs.writeFileSync(mp, nifti([nx, ny, nz], [0.8, 0.8, 1.0], 2, 8, mask));
  return [ip, mp];
}

const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { median: q(0.5), p95: q(0.95), max: s[s.length - 1] };
};

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'radlearn-lab-bench-'));
const server = await serve();
const browser = await launch();
try {
  // No service worker: every open decodes from a fresh download.
  const { page, log } = await watchedPage(browser, server.origin, { viewport: { width: 1280, height: 720 }, serviceWorkers: 'block' });

  // 1. Opening the CT phantom.
  const opens = [];
  for (let run = 0; run < 5; run++) {
    await page.goto('about:blank');
    await page.goto(`${server.origin}/#/lab`);
    const t = Date.now();
    await page.getByTestId('open-ibsi-ct-phantom').click();
    await page.waitForFunction(() => Number(document.querySelector('[data-render-ms]')?.dataset.renderMs || 0) > 0, null, { timeout: 60_000 });
    opens.push(Date.now() - t);
  }
  console.log(`Open the CT phantom (3.9 MB .nii.gz + mask, decode, three views): median ${stats(opens).median} ms of ${opens.length}`);

  // 3. The longest main-thread task while the features are computed in the worker. Wait until the page has
  // settled after opening (the ROI statistics of the reference mask are computed 200 ms after it shows).
  await page.getByTestId('feature-panel').scrollIntoViewIfNeeded();
  await page.waitForTimeout(1500);
  await page.evaluate(() => {
    window.__bench = { tasks: [], results: null };
    new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__bench.tasks.push([e.startTime, e.duration]); }).observe({ type: 'longtask' });
    new MutationObserver(() => {
      if (window.__bench.results === null && document.querySelector('[data-testid=feature-results]')) window.__bench.results = performance.now();
    }).observe(document.body, { subtree: true, childList: true });
  });
  const t0 = Date.now();
  await page.getByTestId('feature-compute').click();
  await page.getByTestId('feature-results').waitFor({ timeout: 120_000 });
  const wall = Date.now() - t0;
  await page.waitForTimeout(200);
  const { tasks, results } = await page.evaluate(() => window.__bench);
  const during = tasks.filter(([s, d]) => s + d < results).map(([, d]) => d);
  const render = tasks.filter(([s, d]) => s + d >= results).map(([, d]) => d);
  console.log(`Features of the CT phantom GTV in the worker: ${wall} ms from the click to the table; ` +
    `longest main-thread task while computing: ${during.length ? Math.max(...during).toFixed(0) + ' ms' : 'none over 50 ms'}; ` +
    `drawing the table: ${render.length ? Math.max(...render).toFixed(0) + ' ms' : 'under 50 ms'}`);

  // 2. Drawing 512 x 512 slices while scrolling.
  const [ip, mp] = syntheticCt(tmp);
  await page.goto('about:blank');
  await page.goto(`${server.origin}/#/lab`);
  await page.getByTestId('pick-files').setInputFiles(ip);
  await page.getByTestId('viewer').waitFor({ timeout: 120_000 });
  await page.getByTestId('pick-mask').setInputFiles(mp);
  await page.waitForFunction(() => /mask|region|GTV|label/i.test(document.querySelector('[data-testid=mask-panel]')?.textContent || ''), null, { timeout: 60_000 });
  // As a student would, start scrolling a moment after the image shows: the decoded volume arrives from the worker
  // as one large message, and the browser reclaims that buffer (and the mask panel computes its statistics) just
  // after the open.
  await page.waitForTimeout(1500);
  const axial = page.getByTestId('view-axial');
  await axial.hover();
  const times = [];
  const slowest = [];
  for (let i = 0; i < STEPS; i++) {
    await page.mouse.wheel(0, 100);
    await page.waitForTimeout(20);
    times.push(Number(await axial.getAttribute('data-render-ms')));
    slowest.push(Number(await page.getByTestId('viewer').getAttribute('data-render-ms')));
  }
  const s = stats(times);
  const w = stats(slowest);
  console.log(`Draw a 512 x 512 axial slice with window/level and overlay (${STEPS} wheel steps on a 512 x 512 x 300 CT): ` +
    `median ${s.median.toFixed(2)} ms, p95 ${s.p95.toFixed(2)} ms, max ${s.max.toFixed(2)} ms; ` +
    `slowest of the three views per frame: median ${w.median.toFixed(2)} ms, p95 ${w.p95.toFixed(2)} ms`);
  if (log.foreign.length) throw new Error(`requests outside the origin: ${log.foreign.join(', ')}`);
  if (log.errors.length) console.log(`console errors: ${log.errors.join(' | ')}`);
} finally {
  await browser.close();
  await server.close();
  fs.rmSync(tmp, { recursive: true, force: true });
}
