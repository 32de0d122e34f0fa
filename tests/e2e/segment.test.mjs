// End-to-end: segmenting the tumour of the CT phantom in the Image Lab, in real Chromium, click by click as
// crates/engine/tests/segmentation_workflow.rs documents it (threshold range, region growing from a seed in the
// tumour limited to 45 mm, fill holes), then the brush with undo/redo, the ROI statistics and histogram, and the
// exports (mask as NIfTI, view as PNG).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { artifactsDir, browserSuite, pixelPoint } from '../support.mjs';

const ARTIFACTS = artifactsDir();

let server, browser, ctx;
browserSuite({ viewport: { width: 1280, height: 720 }, serviceWorkers: 'block' }, (s) => ({ server, browser, ctx } = s));

const shot = (page, name) => page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: false });
const text = async (locator) => (await locator.textContent()).replace(/\s+/g, ' ').trim();
/** Waits until the element with this test id has text matching `re`; returns the text. */
const waitText = async (page, id, re, timeout = 30_000) => {
  await page.waitForFunction(
    ([i, src]) => new RegExp(src).test((document.querySelector(`[data-testid=${i}]`)?.textContent || '').replace(/\s+/g, ' ')),
    [id, re.source], { timeout });
  return text(page.getByTestId(id));
};
/** Waits for the segmentation panel to be idle and the measures to be up to date. */
const settled = async (page) => {
  await page.waitForFunction(() => document.querySelector('[data-testid=segment-panel]')?.getAttribute('aria-busy') === 'false'
    && !/computing/.test(document.querySelector('[data-testid=comparison-panel]')?.textContent || ''), null, { timeout: 30_000 });
};

const volumeMl = async (page) => {
  const t = await text(page.getByTestId('seg-volume'));
  const m = t.match(/([\d.]+) mL/);
  return m ? Number(m[1]) : 0;
};

test('segmenting the tumour reaches a Dice of 0.7 against GTV-1; brush, undo, redo; exports', async () => {
  const { page, log } = ctx;
  await page.goto(`${server.origin}/#/lab`);
  await page.getByTestId('open-ibsi-ct-phantom').click();
  await page.getByTestId('viewer').waitFor({ timeout: 30_000 });
  await page.getByTestId('segment-panel').waitFor();
  assert.match(await text(page.getByTestId('seg-volume')), /Your mask is empty/);

  // Slice 28 of 60 (z = 27), through the middle of the tumour; lung window.
  const axial = page.getByTestId('view-axial');
  const box = await axial.boundingBox();
  await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.5);
  for (let i = 0; i < 3; i++) await page.mouse.wheel(0, -100);
  await page.waitForFunction(() => document.querySelector('[data-testid=slice-axial]').innerText === 'slice 28 / 60');
  await page.locator('button[data-preset=lung]').click();

  // Threshold range -400 … 250 HU, previewed in amber while it is set.
  await page.getByTestId('thr-lo').fill('-400');
  await page.getByTestId('thr-hi').fill('250');
  await page.getByTestId('thr-preview').waitFor();
  await page.waitForTimeout(400);
  await page.evaluate(() => window.scrollTo(0, 0));
  await shot(page, '40-seg-threshold-preview');

  // Region growing from a seed in the tumour, inside the range, at most 45 mm from the seed.
  await page.getByTestId('grow-distance').fill('45');
  await page.getByTestId('grow-distance').press('Tab');
  assert.equal(await page.getByTestId('grow-within').isChecked(), true);
  await page.getByTestId('tool-seed').click();
  assert.equal(await page.getByTestId('tool-seed').getAttribute('aria-pressed'), 'true');
  assert.equal(await page.locator('.viewer .tool[data-tool=crosshair]').getAttribute('aria-pressed'), 'false');
  await page.evaluate(() => window.scrollTo(0, 0));
  const seed = await pixelPoint(axial, [102, 98], [204, 201], [0.977, 0.977]);
  await page.mouse.move(seed.x, seed.y);
  assert.match(await page.getByTestId('readout').innerText(), /voxel \(102, 98, 27\)/);
  await page.mouse.click(seed.x, seed.y);
  await settled(page);
  assert.equal(await page.getByTestId('seg-error').count(), 0);
  assert.equal(await page.getByTestId('thr-preview').count(), 0, 'the preview ends with the edit');
  assert.equal(await page.getByTestId('slice-axial').innerText(), 'slice 28 / 60', 'a seed click does not move the slice');
  await page.getByTestId('seg-fill').click();
  await settled(page);

  const dice = Number(await waitText(page, 'metric-dice', /^\d\.\d{3}$/));
  const hd95 = await waitText(page, 'metric-hd95', /^[\d.]+ mm$/);
  console.log(`Dice ${dice}, HD95 ${hd95}`);
  assert.ok(dice >= 0.7, `Dice ${dice}`);
  assert.ok(parseFloat(hd95) < 20, `HD95 ${hd95}`);
  assert.match(await text(page.getByTestId('metric-reference-ml')), /^358\.7 mL$/);
  const grownMl = await volumeMl(page);
  assert.ok(grownMl > 250 && grownMl < 450, `${grownMl} mL`);
  assert.equal(await text(page.getByTestId('metric-student-ml')), `${grownMl.toFixed(1)} mL`);
  // The reference is drawn as an outline under the student's green mask.
  assert.equal(await page.getByTestId('mask-outline').isChecked(), true);
  const green = await axial.evaluate((c) => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i + 1] > d[i] + 40 && d[i + 1] > d[i + 2] + 20) n++;
    return n;
  });
  assert.ok(green > 1000, `${green} green pixels`);

  // ROI statistics of the student's mask, histogram under the chosen discretisation.
  assert.match(await text(page.getByTestId('stats-of')), /Of your mask/);
  assert.match(await text(page.getByTestId('stat-mean')), /^-?\d+\.\d HU$/);
  assert.match(await text(page.getByTestId('stat-voxels')), /^\d+$/);
  assert.equal(await page.getByTestId('roi-histogram').getAttribute('data-bins'), '32');
  assert.match(await text(page.getByTestId('hist-caption')), /^32 bins of [\d.]+ HU$/);
  await page.evaluate(() => window.scrollTo(0, 0));
  await shot(page, '41-seg-grown');
  await page.getByTestId('comparison-panel').evaluate((e) => e.scrollIntoView({ block: 'start' }));
  await shot(page, '42-seg-comparison');
  await page.getByTestId('stats-panel').screenshot({ path: path.join(ARTIFACTS, '42-seg-stats-32-bins.png') });
  await page.getByTestId('bin-mode').selectOption('size');
  await page.getByTestId('bin-value').fill('10');
  await page.getByTestId('bin-value').press('Tab');
  await waitText(page, 'hist-caption', /bins of 10\.00 HU$/);
  assert.notEqual(await page.getByTestId('roi-histogram').getAttribute('data-bins'), '32');
  await page.getByTestId('stats-panel').screenshot({ path: path.join(ARTIFACTS, '43-seg-stats-bin-size-10.png') });
  await page.getByTestId('bin-value').fill('0.01');
  await page.getByTestId('bin-value').press('Tab');
  await page.getByTestId('hist-error').waitFor();
  assert.match(await text(page.getByTestId('hist-error')), /more than 1000 bins/);
  await page.getByTestId('bin-value').fill('25');
  await page.getByTestId('bin-value').press('Tab');
  await page.getByTestId('roi-histogram').waitFor();

  // Brush: a stroke outside the tumour adds volume; undo and redo (buttons and keyboard) restore it exactly.
  await page.getByTestId('brush-size').fill('6');
  await page.getByTestId('brush-size').press('Tab');
  await page.getByTestId('tool-brush').click();
  await page.evaluate(() => window.scrollTo(0, 0));
  const a = await pixelPoint(axial, [40, 150], [204, 201], [0.977, 0.977]);
  const b = await pixelPoint(axial, [70, 165], [204, 201], [0.977, 0.977]);
  await page.mouse.move(a.x, a.y);
  await page.mouse.down();
  await page.mouse.move(b.x, b.y, { steps: 12 });
  await page.mouse.up();
  await settled(page);
  const paintedMl = await volumeMl(page);
  assert.ok(paintedMl > grownMl, `${paintedMl} > ${grownMl}`);
  await shot(page, '44-seg-brush');
  await page.getByTestId('seg-undo').click();
  await settled(page);
  assert.equal(await volumeMl(page), grownMl, 'one undo removes the whole stroke');
  await page.getByTestId('seg-redo').click();
  assert.equal(await volumeMl(page), paintedMl);
  await axial.focus();
  await page.keyboard.press('Control+z');
  assert.equal(await volumeMl(page), grownMl);
  await page.keyboard.press('Control+Shift+Z');
  assert.equal(await volumeMl(page), paintedMl);
  // The eraser removes, in the same slice.
  await page.getByTestId('tool-erase').click();
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.mouse.move(a.x, a.y);
  await page.mouse.down();
  await page.mouse.move(b.x, b.y, { steps: 12 });
  await page.mouse.up();
  await settled(page);
  assert.ok(await volumeMl(page) < paintedMl);
  await page.keyboard.press('Control+z');
  await page.keyboard.press('Control+z');
  assert.equal(await volumeMl(page), grownMl);
  await settled(page);
  assert.equal(Number(await waitText(page, 'metric-dice', /^\d\.\d{3}$/)), dice, 'the measures follow undo');

  // Export the mask as NIfTI and the view as PNG.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-mask').click()]);
  assert.equal(download.suggestedFilename(), 'radlearn-mask.nii.gz');
  let bytes = fs.readFileSync(await download.path());
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = zlib.gunzipSync(bytes);
  assert.equal(bytes.subarray(344, 348).toString('latin1'), 'n+1\0', 'NIfTI-1 magic');
  assert.equal(bytes.readInt16LE(42), 204);
  assert.equal(bytes.readInt16LE(44), 201);
  assert.equal(bytes.readInt16LE(46), 60);
  fs.writeFileSync(path.join(ARTIFACTS, 'student-mask.nii'), bytes);
  const [png] = await Promise.all([page.waitForEvent('download'), page.getByTestId('save-view').click()]);
  assert.match(png.suggestedFilename(), /^radlearn-axial-slice-28\.png$/);
  const pngBytes = fs.readFileSync(await png.path());
  assert.deepEqual([...pngBytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  fs.writeFileSync(path.join(ARTIFACTS, '45-seg-exported-view.png'), pngBytes);

  // Crosshair mode again: a click moves the crosshair, not the mask.
  await page.locator('.viewer .tool[data-tool=crosshair]').click();
  assert.equal(await page.getByTestId('tool-erase').getAttribute('aria-pressed'), 'false');
  const before = await volumeMl(page);
  await page.mouse.click(a.x, a.y);
  assert.equal(await volumeMl(page), before);

  // Otsu sets the threshold range (its lower bound separates air and lung from tissue) and previews it.
  await page.getByTestId('thr-otsu').click();
  await page.getByTestId('thr-preview').waitFor();
  const otsu = Number(await page.getByTestId('thr-lo').inputValue());
  assert.ok(otsu > -900 && otsu < -100, `Otsu threshold ${otsu}`);
  assert.equal(Number(await page.getByTestId('thr-hi').inputValue()) > 1000, true, 'up to the brightest voxel');

  assert.deepEqual(log.foreign, [], 'requests outside the origin');
  assert.deepEqual(log.errors, [], 'console errors');
  assert.equal(await page.getByTestId('panic-banner').count(), 0);
});
