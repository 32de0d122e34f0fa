// End-to-end: the Image Lab in real Chromium — opening a sample and the student's own files, and the
// multiplanar viewer (slices, presets, crosshair, readout, mask overlay).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { watchedPage, artifactsDir, browserSuite } from '../support.mjs';

const ARTIFACTS = artifactsDir();
const DATA = path.resolve('crates/engine/tests/data');

let server, browser, ctx;
const dataRequests = [];
// No service worker here: its fetches would bypass the network throttling below (course.test.mjs covers offline use).
browserSuite({ viewport: { width: 1280, height: 720 }, serviceWorkers: 'block' }, (s) => {
  ({ server, browser, ctx } = s);
  ctx.page.on('request', (r) => { if (new URL(r.url()).pathname.includes('/data/')) dataRequests.push(r.url()); });
});

const shot = (page, name) => page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: false });
const sliceText = (page, plane) => page.getByTestId(`slice-${plane}`).innerText();
/** Text of an element with its whitespace collapsed (flex items put line breaks in innerText). */
const text = async (locator) => (await locator.textContent()).replace(/\s+/g, ' ').trim();
/** Waits until the element with this test id has text matching `re`. */
const waitText = (page, id, re, timeout = 30_000) => page.waitForFunction(
  ([i, src]) => new RegExp(src).test((document.querySelector(`[data-testid=${i}]`)?.textContent || '').replace(/\s+/g, ' ')),
  [id, re.source], { timeout });

/** Mean of the red, green and blue channels of a canvas. */
const canvasMeans = (locator) => locator.evaluate((c) => {
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  const s = [0, 0, 0];
  for (let i = 0; i < d.length; i += 4) { s[0] += d[i]; s[1] += d[i + 1]; s[2] += d[i + 2]; }
  return s.map((v) => v / (d.length / 4));
});

test('the lab is in the navigation and lists samples without downloading them', async () => {
  const { page } = ctx;
  await page.goto(`${server.origin}/`);
  await page.locator('.lesson-card').first().waitFor();
  await page.locator('.site-nav').getByRole('link', { name: 'Image Lab' }).click();
  await page.getByTestId('lab').waitFor();
  assert.match(page.url(), /#\/lab$/);
  assert.equal(await page.title(), 'Image Lab — RadLearn');
  assert.equal(await page.locator('.site-nav a[href="#/lab"]').getAttribute('aria-current'), 'page');
  assert.match(await page.getByTestId('files-stay').innerText(), /Your files stay on this computer — nothing is uploaded\./);
  const samples = await page.getByTestId('lab-open').innerText();
  assert.match(samples, /Lung cancer CT/);
  assert.match(samples, /CC BY-NC 3\.0/);
  assert.match(samples, /CC BY 4\.0/);
  assert.deepEqual(dataRequests, [], 'sample data is fetched only when a dataset is opened');
  await shot(page, '10-lab');
});

test('opening the CT phantom shows download progress, then three planes with the GTV', async () => {
  const { page, context } = ctx;
  // A slow network, so that the progress indicator is visible (3.9 MB at about 2 MB/s).
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 20, downloadThroughput: 2_000_000, uploadThroughput: 1_000_000 });
  await page.getByTestId('open-ibsi-ct-phantom').click();
  const progress = page.getByTestId('lab-progress');
  await progress.waitFor();
  await waitText(page, 'lab-progress', /Downloading .*: [\d.]+ (kB|MB) of 3\.9 MB/);
  assert.ok(await progress.locator('progress').count() === 1);
  await shot(page, '11-lab-downloading');
  await page.getByTestId('viewer').waitFor({ timeout: 30_000 });
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
  assert.ok(dataRequests.some((u) => u.endsWith('/data/ibsi-ct-phantom/image.nii.gz')));
  assert.ok(dataRequests.some((u) => u.endsWith('/data/ibsi-ct-phantom/mask.nii.gz')));
  assert.equal(await progress.count(), 0, 'the progress indicator goes away');

  assert.match(await page.getByTestId('image-info').innerText(), /204 × 201 × 60 voxels · 0\.98 × 0\.98 × 3\.00 mm · LPS · NIfTI-1 · HU/);
  assert.match(await page.locator('.lab-current').innerText(), /CC BY-NC 3\.0/);
  assert.equal(await sliceText(page, 'axial'), 'slice 31 / 60');
  assert.match(await text(page.getByTestId('mask-panel')), /GTV-1 · 125256 voxels/);
  for (const plane of ['axial', 'coronal', 'sagittal']) {
    const [r, g] = await canvasMeans(page.getByTestId(`view-${plane}`));
    assert.ok(g > 5, `the ${plane} view shows the image`);
    assert.ok(r - g > 1, `the ${plane} view shows the red GTV over grey (${r} vs ${g})`);
  }
  const ms = Number(await page.getByTestId('viewer').getAttribute('data-render-ms'));
  // Its speed is measured by the bench (tests/bench/lab.mjs); here only that the bench has a drawing time to read.
  assert.ok(Number.isFinite(ms) && ms >= 0, `data-render-ms is ${ms}`);
  await shot(page, '12-lab-viewer');

  // Scroll slices with the wheel over the axial view.
  const axial = page.getByTestId('view-axial');
  const box = await axial.boundingBox();
  await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.4);
  for (let i = 0; i < 3; i++) await page.mouse.wheel(0, 100);
  await page.waitForFunction(() => document.querySelector('[data-testid=slice-axial]').innerText === 'slice 34 / 60');
  for (let i = 0; i < 5; i++) await page.mouse.wheel(0, -100);
  await page.waitForFunction(() => document.querySelector('[data-testid=slice-axial]').innerText === 'slice 29 / 60');
  assert.equal(page.url().endsWith('#/lab'), true);
  assert.equal(await page.evaluate(() => window.scrollY), 0, 'the wheel scrolls slices, not the page');

  // The readout follows the pointer: CT numbers, voxel index and LPS position.
  const readout = page.getByTestId('readout');
  assert.match(await readout.innerText(), /^Pointer: -?\d+ HU · voxel \(\d+, \d+, 28\) · position LPS \(-?[\d.]+, -?[\d.]+, -?[\d.]+\) mm/);
  const first = await readout.innerText();
  await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.55);
  assert.notEqual(await readout.innerText(), first);

  // Lung preset: centre and width change, and so does the picture.
  const before = await canvasMeans(axial);
  assert.equal(await page.getByTestId('wl-centre').inputValue(), '40');
  await page.locator('button[data-preset=lung]').click();
  assert.equal(await page.getByTestId('wl-centre').inputValue(), '-600');
  assert.equal(await page.getByTestId('wl-width').inputValue(), '1500');
  assert.equal(await page.getByTestId('wl-range').innerText(), '-1350 … 150 HU');
  assert.equal(await page.locator('button[data-preset=lung]').getAttribute('aria-pressed'), 'true');
  assert.notDeepEqual(await canvasMeans(axial), before);

  // Right-drag sets the window.
  await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.5);
  await page.mouse.down({ button: 'right' });
  await page.mouse.move(box.x + box.width * 0.5 + 60, box.y + box.height * 0.5 + 30, { steps: 4 });
  await page.mouse.up({ button: 'right' });
  assert.notEqual(await page.getByTestId('wl-width').inputValue(), '1500');
  assert.notEqual(await page.getByTestId('wl-centre').inputValue(), '-600');
  await page.locator('button[data-preset=lung]').click();

  // Linked crosshair: a click in the coronal view moves the axial slice.
  const coronal = page.getByTestId('view-coronal');
  const cbox = await coronal.boundingBox();
  await page.mouse.click(cbox.x + cbox.width * 0.5, cbox.y + cbox.height * 0.3);
  assert.notEqual(await sliceText(page, 'axial'), 'slice 29 / 60');
  // Keyboard: the focused view changes slice with PageDown.
  const coronalBefore = await sliceText(page, 'coronal');
  await page.keyboard.press('PageDown');
  assert.notEqual(await sliceText(page, 'coronal'), coronalBefore);
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), 'view-coronal');
  assert.equal(await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle), 'solid', 'focus is visible');

  // Zoom and reset.
  await page.getByTestId('zoom-in').click();
  await page.getByTestId('zoom-in').click();
  await shot(page, '13-lab-lung-zoomed');
  await page.getByTestId('reset-view').click();
  assert.equal(await sliceText(page, 'axial'), 'slice 31 / 60');

  // Mask outline and hiding the region.
  await page.getByTestId('mask-outline').check();
  await page.locator('button[data-preset=mediastinum]').click();
  await shot(page, '14-lab-outline');
  await page.getByTestId('region-1').uncheck();
  const [r, g] = await canvasMeans(axial);
  assert.ok(r - g < 0.5, `a hidden region is not drawn (${r} vs ${g}; the crosshair is yellow)`);
  await page.getByTestId('region-1').check();
});

test('own files: NIfTI image and mask, a DICOM series with its RTSTRUCT, and a broken file', async () => {
  const { page } = ctx;
  await page.getByTestId('toggle-open').click();
  await page.getByTestId('pick-files').setInputFiles(path.join(DATA, 'ibsi-digital-phantom/phantom.nii.gz'));
  await waitText(page, 'image-info', /5 × 4 × 4 voxels/);
  assert.equal(await page.getByTestId('image-name').innerText(), 'phantom.nii.gz');
  assert.match(await text(page.getByTestId('mask-panel')), /No mask yet/);
  await page.getByTestId('pick-mask').setInputFiles(path.join(DATA, 'ibsi-digital-phantom/mask.nii.gz'));
  await waitText(page, 'mask-panel', /Label 1 · 74 voxels/);
  // Not a label image: the CT image as a mask of the digital phantom has another grid.
  await page.getByTestId('pick-mask').setInputFiles(path.join(DATA, 'ibsi-ct-phantom/nifti/mask/mask.nii.gz'));
  await page.getByTestId('mask-problem').waitFor();
  assert.match(await page.getByTestId('mask-problem').innerText(), /mask\.nii\.gz: the mask has 204 x 201 x 60 voxels but the image has 5 x 4 x 4/);
  await shot(page, '15-lab-digital-phantom');

  await page.getByTestId('toggle-open').click();
  await page.getByTestId('pick-files').setInputFiles({ name: 'scan.nii', mimeType: 'application/octet-stream', buffer: Buffer.from('this is not an image at all, but it is long enough to have a header') });
  await page.getByTestId('file-problems').waitFor();
  const problem = await page.getByTestId('file-problems').innerText();
  assert.match(problem, /scan\.nii: /);
  assert.match(problem, /NIfTI/);
  assert.equal(await page.getByTestId('image-name').innerText(), 'phantom.nii.gz', 'the image on show stays');
  await shot(page, '16-lab-bad-file');

  const dicomDir = path.join(DATA, 'ibsi-ct-phantom/dicom');
  const series = fs.readdirSync(path.join(dicomDir, 'image')).map((f) => path.join(dicomDir, 'image', f));
  await page.getByTestId('pick-files').setInputFiles([...series, path.join(dicomDir, 'mask/DCM_RS_00060.dcm')]);
  await page.waitForFunction(() => document.querySelector('[data-testid=image-name]')?.innerText === 'DICOM series, 60 slices', null, { timeout: 30_000 });
  assert.match(await page.getByTestId('image-info').innerText(), /204 × 201 × 60 voxels .* DICOM · HU/);
  assert.match(await text(page.getByTestId('mask-panel')), /GTV-1 · \d+ voxels/);
  assert.equal(await page.getByTestId('file-problems').count(), 0);
  // The RTSTRUCT's regions are the feature panel's regions, by name.
  const regions = await page.getByTestId('lab-features').locator('.feature-region').innerText();
  assert.match(regions, /GTV-1 \(reference\)/);
  assert.equal(await page.getByTestId('feature-compute').isEnabled(), true);
  await shot(page, '17-lab-dicom-rtstruct');
});

test('dropping files on the drop zone opens them like picked files', async () => {
  const { page } = ctx;
  await page.goto(`${server.origin}/#/lab`);
  await page.getByTestId('dropzone').waitFor({ state: 'attached' });
  const b64 = fs.readFileSync(path.join(DATA, 'ibsi-digital-phantom/phantom.nii.gz')).toString('base64');
  // A drop made by a script carries files, not file-system entries; a folder dropped by hand goes through the
  // entry reader (platform::dropped_files), which a script cannot fake.
  await page.evaluate((data) => {
    const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
    const dt = new DataTransfer();
    dt.items.add(new File([bytes], 'dropped-phantom.nii.gz'));
    document.querySelector('[data-testid=dropzone]').dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, b64);
  await waitText(page, 'image-info', /5 × 4 × 4 voxels/);
  assert.equal(await page.getByTestId('image-name').innerText(), 'dropped-phantom.nii.gz');
});

test('a flat image (a PNG) shows one view, not slivers across its single slice', async () => {
  const { page } = ctx;
  await page.goto(`${server.origin}/#/lab`);
  await page.getByTestId('pick-files').setInputFiles(path.resolve('docs/screenshot.png'));
  await waitText(page, 'image-name', /screenshot\.png/);
  await page.getByTestId('viewer').waitFor();
  assert.equal(await page.getByTestId('view-axial').count(), 1);
  assert.equal(await page.getByTestId('view-coronal').count(), 0, 'no coronal view of a one-slice image');
  assert.equal(await page.getByTestId('view-sagittal').count(), 0, 'no sagittal view of a one-slice image');
  await shot(page, '19-lab-png');
});

test('a JPEG 2000 DICOM file (as PACS exports send) opens in the browser, grey and colour', async () => {
  const { page } = ctx;
  await page.goto(`${server.origin}/#/lab`);
  const syntaxes = path.resolve('crates/engine/tests/data/dicom-syntaxes');
  await page.getByTestId('pick-files').setInputFiles(path.join(syntaxes, 'jpeg2000-lossless.dcm'));
  await waitText(page, 'image-name', /jpeg2000-lossless\.dcm/);
  assert.match(await page.getByTestId('image-info').innerText(), /32 × 32 × 1 voxels .* DICOM · HU/);
  assert.equal(await page.getByTestId('file-problems').count(), 0);
  await page.getByTestId('viewer').waitFor();
  await page.getByTestId('toggle-open').click();
  await page.getByTestId('pick-files').setInputFiles(path.join(syntaxes, 'colour-rgb-jpeg2000.dcm'));
  await waitText(page, 'image-name', /colour-rgb-jpeg2000\.dcm/);
  assert.equal(await page.getByTestId('file-problems').count(), 0);
  await shot(page, '19b-lab-jpeg2000-colour');
});

test('the lab fits a phone screen', async () => {
  const c = await watchedPage(browser, server.origin, { viewport: { width: 390, height: 844 } });
  await c.page.goto(`${server.origin}/#/lab`);
  await c.page.getByTestId('open-ibsi-digital-phantom').click();
  await c.page.getByTestId('viewer').waitFor();
  const overflow = await c.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `${overflow}px of horizontal scroll`);
  await shot(c.page, '18-lab-phone');
  assert.deepEqual(c.log.foreign, []);
  assert.deepEqual(c.log.errors, []);
  await c.context.close();
});

test('images are decoded in a worker: the page stays responsive while the CT phantom opens', async () => {
  const { page } = ctx;
  await page.goto('about:blank');
  await page.goto(`${server.origin}/#/lab`);
  await page.getByTestId('open-ibsi-ct-phantom').waitFor();
  await page.evaluate(() => {
    window.__open = { tasks: [], decoding: null, shown: null };
    new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__open.tasks.push([e.startTime, e.duration]); })
      .observe({ type: 'longtask' });
    new MutationObserver(() => {
      const o = window.__open;
      if (o.decoding === null && /Decoding/.test(document.querySelector('[data-testid=lab-progress]')?.textContent || '')) o.decoding = performance.now();
      if (o.shown === null && document.querySelector('[data-testid=viewer]')) o.shown = performance.now();
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
  });
  const clicked = await page.evaluate(() => performance.now());
  await page.getByTestId('open-ibsi-ct-phantom').click();
  await page.getByTestId('viewer').waitFor({ timeout: 60_000 });
  await page.waitForTimeout(100);
  const o = await page.evaluate(() => window.__open);
  assert.ok(o.decoding !== null, 'the page said it was decoding');
  assert.match(await page.getByTestId('image-info').innerText(), /204 × 201 × 60 voxels · 0\.98 × 0\.98 × 3\.00 mm · LPS · NIfTI-1 · HU/);
  assert.match(await text(page.getByTestId('mask-panel')), /GTV-1 · 125256 voxels/);
  // Every main-thread task from the click until the image shows (drawing it included) is under 200 ms.
  const during = o.tasks.filter(([s]) => s >= clicked - 1 && s <= o.shown).map(([, d]) => Math.round(d));
  assert.ok(during.every((d) => d < 200), `long tasks while opening: ${during.join(', ')} ms`);
});

test('Cancel stops a decoding in the worker, and the next open works', async () => {
  const { page } = ctx;
  await page.goto('about:blank');
  await page.goto(`${server.origin}/#/lab`);
  // A large gzipped NIfTI (512 x 512 x 200 float32 zeros: 210 MB to inflate from a few hundred kB), long enough
  // to decode that Cancel can be pressed.
  const [nx, ny, nz] = [512, 512, 200];
  const h = Buffer.alloc(352);
  h.writeInt32LE(348, 0);
  [3, nx, ny, nz, 1, 1, 1, 1].forEach((d, i) => h.writeInt16LE(d, 40 + 2 * i));
  h.writeInt16LE(16, 70);
  h.writeInt16LE(32, 72);
  [1, 1, 1, 1, 1, 1, 1, 1].forEach((d, i) => h.writeFloatLE(d, 76 + 4 * i));
  h.writeFloatLE(352, 108);
  h.writeFloatLE(1, 112);
  h.write('n+1\0', 344, 'latin1');
  const big = zlib.gzipSync(Buffer.concat([h, Buffer.alloc(nx * ny * nz * 4)]));
  await page.getByTestId('pick-files').setInputFiles({ name: 'big.nii.gz', mimeType: 'application/gzip', buffer: big });
  await waitText(page, 'lab-progress', /Decoding big\.nii\.gz/);
  await page.getByTestId('lab-progress').getByRole('button', { name: 'Cancel' }).click();
  assert.equal(await page.getByTestId('lab-progress').count(), 0, 'idle again');
  await page.waitForTimeout(500);
  assert.equal(await page.getByTestId('viewer').count(), 0, 'a cancelled image is not shown');
  await page.getByTestId('pick-files').setInputFiles(path.join(DATA, 'ibsi-digital-phantom/phantom.nii.gz'));
  await waitText(page, 'image-info', /5 × 4 × 4 voxels/);
});

test('no request left the origin, no console error and no crash in the lab', async () => {
  assert.deepEqual(ctx.log.foreign, [], 'requests outside the origin');
  assert.deepEqual(ctx.log.errors, [], 'console errors');
  assert.equal(await ctx.page.getByTestId('panic-banner').count(), 0);
});
