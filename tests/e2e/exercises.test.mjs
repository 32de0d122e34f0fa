// End-to-end: the Image Lab's viewer and segmentation task as exercises of lesson 3 ("Segmenting a tumour"), in real
// Chromium. The image-viewer opens the sample CT on demand in the lung window; the graded segmentation follows the
// workflow of crates/engine/tests/segmentation_workflow.rs (slice z = 27, threshold -400 … 250 HU, seed (102, 98, 27)
// limited to 45 mm, fill holes), checks Dice >= 0.7 against GTV-1, saves the result and shows it again after a reload.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { artifactsDir, browserSuite, pixelPoint } from '../support.mjs';

const ARTIFACTS = artifactsDir();

let server, browser, ctx;
browserSuite({ viewport: { width: 1280, height: 900 }, serviceWorkers: 'block' }, (s) => ({ server, browser, ctx } = s));

const text = async (locator) => (await locator.textContent()).replace(/\s+/g, ' ').trim();
/** Screenshot of one element, with a margin so that its surroundings show. */
const shotOf = async (page, locator, name) => {
  await locator.scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: false });
};

/** Pixels of a canvas that are clearly coloured (not grey): overlays. */
const colouredPixels = (canvas) => canvas.evaluate((c) => {
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let n = 0;
  for (let i = 0; i < d.length; i += 4) if (Math.max(d[i], d[i + 1], d[i + 2]) - Math.min(d[i], d[i + 1], d[i + 2]) > 40) n++;
  return n;
});

test('lesson 3: the image-viewer and the graded segmentation exercises; the result is saved', async () => {
  const { page, log } = ctx;
  await page.goto(`${server.origin}/#/lesson/segmenting-a-tumour`);
  await page.locator('[data-testid=lesson] h1').waitFor();
  const viewerEx = page.locator('figure.exercise[data-widget=image-viewer]');
  const segEx = page.locator('figure.exercise[data-widget=segmentation]');
  assert.equal(await viewerEx.count(), 1);
  assert.equal(await segEx.count(), 1);
  assert.equal(await page.getByTestId('authoring-error').count(), 0);

  // Nothing is downloaded before the student opens a sample.
  const requests = [];
  page.on('request', (r) => requests.push(r.url()));
  const dataRequests = () => requests.filter((u) => /\/data\/ibsi-ct-phantom\//.test(u));
  assert.deepEqual(dataRequests(), []);

  // The image viewer: opens on demand, in the lung window, on slice 28 of 60, with the GTV drawn.
  const open = viewerEx.getByTestId('exercise-open');
  assert.match(await text(open), /^Open \(3\.\d MB download\)$/);
  await open.click();
  await viewerEx.getByTestId('viewer').waitFor({ timeout: 30_000 });
  assert.ok(dataRequests().length >= 2, 'image and mask downloaded when opened');
  assert.equal(await viewerEx.locator('button[data-preset=lung]').getAttribute('aria-pressed'), 'true');
  assert.equal(await viewerEx.getByTestId('wl-centre').inputValue(), '-600');
  assert.equal(await viewerEx.getByTestId('wl-width').inputValue(), '1500');
  assert.equal(await viewerEx.getByTestId('slice-axial').innerText(), 'slice 28 / 60');
  const viewerAxial = viewerEx.getByTestId('view-axial');
  await viewerAxial.scrollIntoViewIfNeeded();
  await page.waitForTimeout(300);
  const withMask = await colouredPixels(viewerAxial);
  assert.ok(withMask > 200, `${withMask} pixels of the GTV overlay`);
  await shotOf(page, viewerEx, '50-exercise-image-viewer');
  await viewerEx.getByTestId('exercise-show-mask').uncheck();
  await page.waitForTimeout(300);
  assert.ok(await colouredPixels(viewerAxial) < withMask / 10, 'the mask can be hidden');
  // Its compact layout fits the lesson column.
  const column = await page.locator('[data-testid=lesson] .prose').first().boundingBox();
  const widget = await viewerEx.boundingBox();
  assert.ok(widget.width <= column.width + 1, `${widget.width} <= ${column.width}`);

  // On a phone, the views stack and the page does not scroll sideways.
  await page.setViewportSize({ width: 390, height: 844 });
  await viewerAxial.scrollIntoViewIfNeeded();
  await page.waitForTimeout(300);
  await page.screenshot({ path: path.join(ARTIFACTS, '55-exercise-image-viewer-phone.png') });
  assert.ok(await page.evaluate(() => document.scrollingElement.scrollWidth <= window.innerWidth + 1), 'no horizontal scrolling');
  const [a, c] = [await viewerAxial.boundingBox(), await viewerEx.getByTestId('view-coronal').boundingBox()];
  assert.ok(c.y > a.y + a.height - 1, 'the coronal view is under the axial one');
  await page.setViewportSize({ width: 1280, height: 900 });

  // The segmentation: the goal, the reference hidden until checked.
  assert.match(await text(segEx.getByTestId('seg-goal')), /Dice of at least 0\.70 against GTV-1/);
  assert.equal(await segEx.getByTestId('seg-goal-result').count(), 0, 'no result yet');
  await segEx.getByTestId('exercise-open').click();
  await segEx.getByTestId('segment-panel').waitFor({ timeout: 30_000 });
  assert.equal(await segEx.getByTestId('stats-panel').count(), 0, 'compact: no ROI statistics');
  assert.equal(await segEx.getByTestId('reference-label').count(), 0, 'the reference label is fixed');
  for (const id of ['tool-seed', 'tool-brush', 'tool-erase', 'thr-otsu', 'thr-apply', 'seg-fill', 'seg-largest']) {
    assert.equal(await segEx.getByTestId(id).count(), 1, `${id} is allowed`);
  }
  await segEx.getByTestId('seg-reference-hidden').waitFor();
  assert.equal(await segEx.getByTestId('slice-axial').innerText(), 'slice 28 / 60');
  assert.equal(await segEx.locator('button[data-preset=lung]').getAttribute('aria-pressed'), 'true');

  await segEx.getByTestId('thr-lo').fill('-400');
  await segEx.getByTestId('thr-hi').fill('250');
  await segEx.getByTestId('grow-distance').fill('45');
  await segEx.getByTestId('grow-distance').press('Tab');
  await segEx.getByTestId('tool-seed').click();
  const axial = segEx.getByTestId('view-axial');
  await axial.scrollIntoViewIfNeeded();
  const seed = await pixelPoint(axial, [102, 98], [204, 201], [0.977, 0.977]);
  await page.mouse.move(seed.x, seed.y);
  const readout = await segEx.getByTestId('readout').innerText();
  assert.match(readout, /voxel \(102, 98, 27\)/);
  assert.doesNotMatch(readout, /GTV-1/, 'the hidden reference does not show in the readout');
  await page.mouse.click(seed.x, seed.y);
  const settled = () => page.waitForFunction(() => {
    const f = document.querySelector('figure[data-widget=segmentation]');
    return f?.querySelector('[data-testid=segment-panel]')?.getAttribute('aria-busy') === 'false'
      && /^\d\.\d{3}$/.test((f.querySelector('[data-testid=metric-dice]')?.textContent || '').trim());
  }, null, { timeout: 30_000 });
  await settled();
  assert.equal(await segEx.getByTestId('seg-error').count(), 0);
  await segEx.getByTestId('seg-fill').click();
  await page.waitForTimeout(300);
  await settled();
  const dice = Number(await text(segEx.getByTestId('metric-dice')));
  console.log(`Dice in the lesson: ${dice}`);
  assert.ok(dice >= 0.7, `Dice ${dice}`);
  await shotOf(page, axial, '51-exercise-segmentation-grown');

  // Check: graded, saved, the reference revealed as an outline.
  await segEx.getByTestId('seg-check').click();
  const result = segEx.getByTestId('seg-check-result');
  await result.waitFor();
  assert.equal(await result.getAttribute('data-correct'), 'true');
  assert.match(await text(result), new RegExp(`^✓ Passed: Dice ${dice.toFixed(3).replace('.', '\\.')} \\(target 0\\.70\\)$`));
  assert.equal(await segEx.getByTestId('seg-show-reference').isChecked(), true);
  const saved = await page.evaluate(() => JSON.parse(localStorage.getItem('radlearn.progress')));
  const record = saved.lessons['segmenting-a-tumour'].quizzes['segment-gtv'];
  assert.equal(record.correct, true);
  const savedDice = Number(JSON.stringify(record.response).match(/\d+(\.\d+)?(e-?\d+)?/)[0]);
  assert.ok(Math.abs(savedDice - dice) < 0.0006, JSON.stringify(record));
  await segEx.getByTestId('comparison-panel').scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(ARTIFACTS, '52-exercise-segmentation-checked.png') });
  await axial.scrollIntoViewIfNeeded();
  await page.waitForTimeout(300);
  await page.screenshot({ path: path.join(ARTIFACTS, '53-exercise-segmentation-reference.png') });

  // A reload shows the saved result without opening the sample again.
  await page.reload();
  await page.locator('[data-testid=lesson] h1').waitFor();
  const again = page.locator('figure.exercise[data-widget=segmentation]');
  const savedResult = again.getByTestId('seg-goal-result');
  await savedResult.waitFor();
  assert.equal(await savedResult.getAttribute('data-correct'), 'true');
  assert.match(await text(savedResult), new RegExp(`^Saved result: ✓ Passed: Dice ${dice.toFixed(3).replace('.', '\\.')}`));
  assert.equal(await again.getByTestId('segment-panel').count(), 0, 'not opened again');
  await shotOf(page, again, '54-exercise-segmentation-saved');

  assert.deepEqual(log.foreign, [], 'requests outside the origin');
  assert.deepEqual(log.errors, [], 'console errors');
  assert.equal(await page.getByTestId('panic-banner').count(), 0);
});
