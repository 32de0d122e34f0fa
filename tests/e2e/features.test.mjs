// End-to-end: radiomics features in the feature worker, driven by the feature panel of the Image Lab — values equal
// to the command line's, progress, CSV and JSON export, Stop, a responsive main thread, no console error and no
// request outside the origin.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { serve, launch, watchedPage } from '../support.mjs';

const ARTIFACTS = path.resolve('tests/e2e/artifacts');
fs.mkdirSync(ARTIFACTS, { recursive: true });
const HEADER = 'family_code,feature_code,aggregation_code,variant,family,feature,value';
const PHANTOM = path.resolve('static/data/ibsi-digital-phantom');

const OWN = path.resolve('crates/engine/tests/data/ibsi-digital-phantom');

/** The command line's CSV for the digital phantom with the default configuration (the native engine). */
function cliCsv(image = path.join(PHANTOM, 'image.nii.gz'), mask = path.join(PHANTOM, 'mask.nii.gz')) {
  const args = ['features', '--image', image, '--mask', mask, '--config', 'default'];
  const bin = [process.env.RADLEARN_BIN, 'target/release/radlearn', 'target/debug/radlearn'].find((b) => b && fs.existsSync(b));
  if (bin) return execFileSync(bin, args, { encoding: 'utf8' });
  return execFileSync('cargo', ['run', '--quiet', '-p', 'radlearn', '--', ...args], { encoding: 'utf8' });
}
const rowOf = (csv, code) => csv.split('\n').find((l) => l.split(',')[1] === code);

let server, browser, ctx, cli, cliOwn;
before(async () => {
  cli = cliCsv();
  cliOwn = cliCsv(path.join(OWN, 'phantom.nii.gz'), path.join(OWN, 'mask.nii.gz'));
  server = await serve();
  browser = await launch();
  ctx = await watchedPage(browser, server.origin, { viewport: { width: 1280, height: 900 }, serviceWorkers: 'block' });
});
after(async () => {
  await browser?.close();
  await server?.close();
});

const shot = (page, name) => page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: false });

/** Records, in the page, whether the progress bar ever appears and every long task (> 50 ms) of the main thread. */
async function watchPanel(page) {
  await page.evaluate(() => {
    window.__feat = { progressSeen: false, firstProgress: null, results: null, longTasks: [] };
    const check = () => {
      if (!window.__feat.progressSeen && document.querySelector('[data-testid=feature-progress]')) {
        window.__feat.progressSeen = true;
      }
      const text = document.querySelector('[data-testid=feature-progress]')?.textContent || '';
      if (window.__feat.firstProgress === null && /Computing/.test(text)) window.__feat.firstProgress = performance.now();
      if (window.__feat.results === null && document.querySelector('[data-testid=feature-results]')) window.__feat.results = performance.now();
    };
    new MutationObserver(check).observe(document.body, { subtree: true, childList: true, characterData: true });
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__feat.longTasks.push({ start: e.startTime, end: e.startTime + e.duration, duration: e.duration });
    }).observe({ type: 'longtask' });
  });
}

async function openSample(page, id) {
  await page.goto('about:blank');
  await page.goto(`${server.origin}/#/lab`);
  await page.getByTestId(`open-${id}`).click();
  await page.getByTestId('viewer').waitFor({ timeout: 60_000 });
  await page.getByTestId('feature-panel').scrollIntoViewIfNeeded();
}

test('the digital phantom: the worker computes the values of the command line, shown by family', async () => {
  const { page } = ctx;
  await openSample(page, 'ibsi-digital-phantom');
  const description = await page.getByTestId('feature-config-description').innerText();
  assert.ok(description.length > 10, `the configuration is described: ${description}`);
  await watchPanel(page);
  await page.getByTestId('feature-compute').click();
  await page.getByTestId('feature-results').waitFor({ timeout: 60_000 });
  assert.equal(await page.evaluate(() => window.__feat.progressSeen), true, 'the progress bar appeared');
  assert.equal(await page.getByTestId('feature-progress').count(), 0, 'the progress bar is gone');

  // Volume (mesh), RNU0: the native engine's value, to the last digit.
  const expected = Number(rowOf(cli, 'RNU0').split(',')[6]);
  const row = page.locator('tr[data-code="RNU0"]');
  assert.equal(await row.count(), 1);
  const shown = Number(await row.getAttribute('data-value'));
  assert.ok(Math.abs(shown - expected) <= 1e-9 * Math.abs(expected), `RNU0 ${shown} vs the CLI's ${expected}`);
  assert.match(await row.innerText(), /RNU0\s+Volume \(mesh\)/);
  assert.match(await row.innerText(), /triangle mesh/, "the engine's catalogue describes the feature");
  // Every value of the command line is in the table.
  const cliRows = cli.trim().split('\n').length - 1;
  assert.equal(await page.locator('.feature-table tbody tr').count(), cliRows);
  assert.match(await page.getByTestId('feature-summary').innerText(), new RegExp(`^${cliRows} values computed in`));
  // Families are collapsible: the first is open, the others open on demand.
  const families = page.locator('details.feature-family');
  assert.ok((await families.count()) >= 5);
  assert.equal(await families.first().getAttribute('open'), '');
  const glcm = page.locator('details.feature-family[data-family="LFYI"]');
  assert.equal(await glcm.getAttribute('open'), null);
  await glcm.locator('summary').click();
  assert.equal(await glcm.getAttribute('open'), '');
  // An undefined value reads "undefined" and explains why in a tooltip.
  const undefinedCells = page.locator('.feature-table .undefined');
  if (await undefinedCells.count()) {
    assert.equal(await undefinedCells.first().textContent(), 'undefined');
    assert.match(await undefinedCells.first().getAttribute('title'), /undefined/);
  }
  await page.locator('tr[data-code="RNU0"]').scrollIntoViewIfNeeded();
  await shot(page, '30-features-phantom');

  // CSV: the exact header, and the command line's row for RNU0.
  const [csvDownload] = await Promise.all([page.waitForEvent('download'), page.getByTestId('feature-csv').click()]);
  assert.equal(csvDownload.suggestedFilename(), 'radlearn-features-ibsi-digital-phantom-default.csv');
  const csvFile = path.join(ARTIFACTS, 'features.csv');
  await csvDownload.saveAs(csvFile);
  const csv = fs.readFileSync(csvFile, 'utf8');
  assert.equal(csv.split('\n')[0], HEADER);
  assert.equal(rowOf(csv, 'RNU0'), rowOf(cli, 'RNU0'));
  assert.equal(csv.trim().split('\n').length, cli.trim().split('\n').length);
  // JSON: the same values.
  const [jsonDownload] = await Promise.all([page.waitForEvent('download'), page.getByTestId('feature-json').click()]);
  const jsonFile = path.join(ARTIFACTS, 'features.json');
  await jsonDownload.saveAs(jsonFile);
  const json = JSON.parse(fs.readFileSync(jsonFile, 'utf8'));
  assert.equal(json.length, cliRows);
  assert.equal(json.find((r) => r.feature_code === 'RNU0').value, expected);
});

test('Stop terminates a computation on the CT phantom; the panel is idle, and computing again works', async () => {
  const { page } = ctx;
  await openSample(page, 'ibsi-ct-phantom');
  await page.getByTestId('feature-compute').click();
  await page.waitForFunction(() => /Computing/.test(document.querySelector('[data-testid=feature-progress]')?.textContent || ''), null, { timeout: 60_000 });
  assert.equal(await page.locator('[data-testid=feature-progress] progress').count(), 1);
  await shot(page, '31-features-running');
  await page.getByTestId('feature-stop').click();
  assert.equal(await page.getByTestId('feature-progress').count(), 0, 'no progress after Stop');
  await page.getByTestId('feature-stopped').waitFor();
  assert.equal(await page.getByTestId('feature-results').count(), 0);
  assert.equal(await page.getByTestId('feature-error').count(), 0);
  assert.equal(await page.getByTestId('feature-compute').isEnabled(), true);
  // Late messages of the stopped worker change nothing.
  await page.waitForTimeout(500);
  assert.equal(await page.getByTestId('feature-results').count(), 0);
  await shot(page, '32-features-stopped');

  // A new worker, and a responsive page meanwhile: no main-thread task over 50 ms while the worker computes.
  await watchPanel(page);
  await page.getByTestId('feature-compute').click();
  await page.getByTestId('feature-results').waitFor({ timeout: 180_000 });
  assert.equal(await page.getByTestId('feature-stopped').count(), 0);
  const f = await page.evaluate(() => window.__feat);
  assert.ok(f.progressSeen && f.firstProgress !== null, 'progress was shown');
  const during = f.longTasks.filter((t) => t.start > f.firstProgress && t.end < f.results);
  assert.deepEqual(during, [], 'long tasks on the main thread during the extraction');
  const volume = Number(await page.locator('tr[data-code="RNU0"]').getAttribute('data-value'));
  assert.ok(volume > 300_000 && volume < 400_000, `the GTV's mesh volume in mm³: ${volume}`);
  await shot(page, '33-features-ct');
});

/** Text of an element with its whitespace collapsed. */
const text = async (locator) => (await locator.textContent()).replace(/\s+/g, ' ').trim();
const valueOf = async (page, code) => Number(await page.locator(`tr[data-code="${code}"]`).getAttribute('data-value'));

/** Opens the student's own files in the lab (a fresh page). */
async function openOwn(page, file) {
  await page.goto('about:blank');
  await page.goto(`${server.origin}/#/lab`);
  await page.getByTestId('pick-files').setInputFiles(file);
  await page.getByTestId('viewer').waitFor({ timeout: 30_000 });
}

test('own files: the digital phantom opened by the pickers gives the command line\'s values', async () => {
  const { page } = ctx;
  await openOwn(page, path.join(OWN, 'phantom.nii.gz'));
  // No mask and no segmentation: nothing to compute, and the panel says why.
  assert.match(await text(page.getByTestId('feature-missing')), /no region of interest yet: open a mask/);
  assert.equal(await page.getByTestId('feature-compute').isEnabled(), false);
  await page.getByTestId('pick-mask').setInputFiles(path.join(OWN, 'mask.nii.gz'));
  await page.getByTestId('feature-region-text').waitFor();
  assert.equal(await text(page.getByTestId('feature-region-text')), 'Region: Label 1 (reference)');
  assert.equal(await page.getByTestId('feature-missing').count(), 0);
  await page.getByTestId('feature-compute').click();
  await page.getByTestId('feature-results').waitFor({ timeout: 60_000 });
  assert.equal(await page.getByTestId('feature-error').count(), 0);
  const expected = Number(rowOf(cliOwn, 'RNU0').split(',')[6]);
  const shown = await valueOf(page, 'RNU0');
  assert.ok(Math.abs(shown - expected) <= 1e-9 * Math.abs(expected), `RNU0 ${shown} vs the CLI's ${expected}`);
  assert.equal(await page.locator('.feature-table tbody tr').count(), cliOwn.trim().split('\n').length - 1);
  assert.match(await text(page.getByTestId('feature-summary')), / 74 voxels in the region of interest, label 1$/);
  const [csv] = await Promise.all([page.waitForEvent('download'), page.getByTestId('feature-csv').click()]);
  assert.equal(csv.suggestedFilename(), 'radlearn-features-phantom-default.csv');
  await page.getByTestId('lab-features').scrollIntoViewIfNeeded();
  await shot(page, '34-features-own-files');
});

test('own segmentation: a threshold on the digital phantom as the region; messages when it is empty', async () => {
  const { page } = ctx;
  await openOwn(page, path.join(OWN, 'phantom.nii.gz'));
  const info = await text(page.getByTestId('image-info'));
  const [sx, sy, sz] = info.match(/([\d.]+) × ([\d.]+) × ([\d.]+) mm/).slice(1).map(Number);
  const voxelMm3 = sx * sy * sz;
  assert.equal(voxelMm3, 8);
  // A threshold: 4 … 9.
  await page.getByTestId('thr-lo').fill('4');
  await page.getByTestId('thr-hi').fill('9');
  await page.getByTestId('thr-apply').click();
  await page.waitForFunction(() => /Your mask: \d+ voxels/.test(document.querySelector('[data-testid=seg-volume]')?.textContent || ''));
  const voxels = Number((await text(page.getByTestId('seg-volume'))).match(/(\d+) voxels/)[1]);
  assert.ok(voxels > 0 && voxels < 80, `${voxels} voxels of 80`);
  await page.getByTestId('feature-region-text').waitFor();
  assert.equal(await text(page.getByTestId('feature-region-text')), 'Region: My segmentation');
  await page.getByTestId('feature-compute').click();
  await page.getByTestId('feature-results').waitFor({ timeout: 60_000 });
  assert.equal(await page.getByTestId('feature-error').count(), 0);
  assert.equal(await valueOf(page, 'YEKZ'), voxels * voxelMm3, 'voxel-counting volume = voxels × voxel volume');
  assert.match(await text(page.getByTestId('feature-summary')), new RegExp(` ${voxels} voxels in the region of interest, label 1$`));
  await page.getByTestId('lab-features').scrollIntoViewIfNeeded();
  await shot(page, '35-features-own-segmentation');

  // An empty segmentation and no mask: the panel says so and cannot compute.
  await page.getByTestId('seg-clear').click();
  await page.getByTestId('feature-missing').waitFor();
  assert.match(await text(page.getByTestId('feature-missing')), /Your segmentation is empty/);
  assert.equal(await page.getByTestId('feature-compute').isEnabled(), false);
  assert.equal(await page.getByTestId('feature-results').count(), 0, 'the results of a region that is gone are not shown');

  // The reference and the segmentation: the student chooses; each gives its own values.
  await page.getByTestId('pick-mask').setInputFiles(path.join(OWN, 'mask.nii.gz'));
  await page.getByTestId('feature-region-text').waitFor();
  await page.getByTestId('thr-apply').click();
  const region = page.getByTestId('feature-region');
  await region.waitFor();
  assert.deepEqual(await region.locator('option').allInnerTexts(), ['Label 1 (reference)', 'My segmentation']);
  assert.equal(await region.inputValue(), 'reference-1');
  await region.selectOption('mine');
  await page.getByTestId('feature-compute').click();
  await page.getByTestId('feature-results').waitFor({ timeout: 60_000 });
  assert.equal(await valueOf(page, 'YEKZ'), voxels * voxelMm3);
  await region.selectOption('reference-1');
  assert.equal(await page.getByTestId('feature-results').count(), 0, 'another region clears the results');
  await page.getByTestId('feature-compute').click();
  await page.getByTestId('feature-results').waitFor({ timeout: 60_000 });
  assert.equal(await valueOf(page, 'YEKZ'), Number(rowOf(cliOwn, 'YEKZ').split(',')[6]));
  await page.getByTestId('lab-features').scrollIntoViewIfNeeded();
  await shot(page, '36-features-region-choice');
});

test('no console error and no request outside the origin', () => {
  assert.deepEqual(ctx.log.foreign, [], 'requests outside the origin');
  assert.deepEqual(ctx.log.errors, [], 'console errors');
});
