// End-to-end: the Model Lab in real Chromium — generate a synthetic cohort in the worker (progress), cross-validate a
// model (ROC, AUC, confusion matrix whose cells list their cases), flip the leaky switch and see the AUC rise on a
// cohort without signal, export a plot and the cohort table, explore it with PCA and k-means; no console error and no
// request outside the origin.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { browserSuite, artifactsDir, fillField, crossValidate } from '../support.mjs';

let server, ctx;
browserSuite({ viewport: { width: 1280, height: 900 }, serviceWorkers: 'block' }, (s) => ({ server, ctx } = s));
const shot = (page, name) => page.screenshot({ path: path.join(artifactsDir(), `${name}.png`), fullPage: true });

test('generate a cohort, cross-validate, see leakage inflate the AUC, explore it', { timeout: 300_000 }, async () => {
  const { page, log } = ctx;
  await page.goto(`${server.origin}/#/models`);
  await page.getByTestId('model-lab').waitFor();
  assert.equal(await page.getByTestId('cv-run').isDisabled(), true, 'nothing to train on before a cohort exists');

  // A cohort without any signal (one site): every honest AUC should hover around 0.5.
  await fillField(page, 'cohort-cases', 40);
  await fillField(page, 'cohort-signal', 0);
  await fillField(page, 'cohort-seed', 4);
  await fillField(page, 'cohort-sites', 1);
  await page.getByTestId('cohort-generate').click();
  await page.getByTestId('cohort-progress').waitFor({ timeout: 30_000 });
  await page.getByTestId('cohort-summary').waitFor({ timeout: 120_000 });
  assert.equal(await page.getByTestId('cohort-cases-count').textContent(), '40');
  const features = Number(await page.getByTestId('cohort-features-count').textContent());
  assert.ok(features >= 50, `a cohort has many radiomics features (${features})`);

  // The cohort's table downloads as CSV, one row per case.
  const [csv] = await Promise.all([page.waitForEvent('download'), page.getByTestId('cohort-csv').click()]);
  const csvText = fs.readFileSync(await csv.path(), 'utf8');
  const text = csvText.trim().split('\n');
  assert.equal(text.length, 41, 'a header and 40 cases');
  assert.match(text[0], /^id,label,/);

  // Honest: feature selection inside each fold.
  await page.getByTestId('cv-select').check();
  await fillField(page, 'cv-select-k', 5);
  const honest = await crossValidate(page);
  assert.ok(honest > 0 && honest < 0.75, `no signal, honest evaluation: AUC ${honest} stays near chance`);
  assert.equal(await page.locator('[data-testid=plot-roc] svg').count(), 1, 'the ROC curve is drawn');
  assert.ok(await page.locator('[data-testid=plot-roc] svg path, [data-testid=plot-roc] svg polyline').count() >= 1);

  // A confusion-matrix cell lists its cases.
  const cell = page.locator('[data-testid=plot-confusion] [data-cell=tn]');
  const count = Number((await cell.getAttribute('aria-label')).match(/\d+/)[0]);
  await cell.click();
  await page.getByTestId('confusion-cases').waitFor();
  assert.equal(await page.locator('[data-testid=confusion-cases] tbody tr').count(), count, 'the listed cases are the cell\'s');

  // Leaky: selection on all cases before the split.
  await page.getByTestId('cv-leaky').check();
  const leaky = await crossValidate(page);
  await page.getByTestId('cv-leaky-note').waitFor();
  assert.ok(leaky > honest + 0.15, `the leaky switch inflates the AUC (${honest} -> ${leaky})`);
  assert.equal(await page.locator('[data-testid=cv-runs] tbody tr[data-leaky=true]').count(), 1);
  await shot(page, 'model-lab-leakage');

  // Nested cross-validation and a learning curve, each with its plot.
  await page.getByTestId('cv-leaky').uncheck();
  await page.getByTestId('cv-nested').click();
  await page.locator('[data-testid=plot-nested] svg').waitFor({ timeout: 60_000 });
  const nested = Number(await page.getByTestId('nested-auc').textContent());
  const naive = Number(await page.getByTestId('nested-naive').textContent());
  assert.ok(naive >= nested - 0.05, `the best plain CV over the grid (${naive}) is the optimistic one (nested ${nested})`);
  await page.getByTestId('cv-learning').click();
  await page.locator('[data-testid=plot-learning] svg').waitFor({ timeout: 60_000 });

  // One train/test split instead of k folds.
  await page.getByTestId('cv-validation').selectOption('holdout');
  await crossValidate(page);
  assert.match(await page.locator('[data-testid=cv-results] .ml-headline').textContent(), /Test-set AUC/);
  assert.match(await page.getByTestId('cv-fold-auc').textContent(), /scored on the 30 % held out: 12 cases/);
  await page.getByTestId('cv-validation').selectOption('kfold');

  // A plot exports as SVG and as PNG.
  const exports = page.locator('[data-testid=plot-roc] .ml-plot-actions button');
  const [svg] = await Promise.all([page.waitForEvent('download'), exports.first().click()]);
  assert.match(fs.readFileSync(await svg.path(), 'utf8'), /<svg[^>]*viewBox/);
  const [png] = await Promise.all([page.waitForEvent('download'), exports.nth(1).click()]);
  assert.deepEqual([...fs.readFileSync(await png.path()).subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47], 'a PNG file');

  // Unsupervised view, coloured by site.
  await page.getByTestId('tab-unsupervised').click();
  await page.getByTestId('explore-run').click();
  await page.locator('[data-testid=plot-pca] svg').waitFor({ timeout: 60_000 });
  assert.equal(await page.locator('[data-testid=plot-pca] svg circle').count(), 40, 'one point per case');
  assert.match(await page.getByTestId('explore-pc1').textContent(), /^\d+(\.\d)? %$/);
  assert.match(await page.getByTestId('explore-ari-site').textContent(), /^-?\d\.\d{3}$/);
  await shot(page, 'model-lab-pca');

  // Keep only the non-redundant features: the cohort shrinks to them.
  const kept = Number((await page.getByTestId('explore-redundancy-text').textContent()).match(/^\d+/)[0]);
  assert.ok(kept < features, `the redundancy filter drops correlated features (${kept} of ${features})`);
  await page.getByTestId('explore-keep').click();
  await page.waitForFunction((n) => document.querySelector('[data-testid=cohort-features-count]')?.textContent === String(n), kept);

  // The exported table imports back, with the label column chosen.
  await page.getByTestId('cohort-import').evaluate((d) => { d.open = true; });
  await page.getByTestId('cohort-file').setInputFiles({ name: 'my-cohort.csv', mimeType: 'text/csv', buffer: Buffer.from(csvText) });
  await page.getByTestId('cohort-label').waitFor();
  await page.getByTestId('cohort-label').selectOption('label');
  await page.getByTestId('cohort-load').click();
  await page.waitForFunction(() => /my-cohort\.csv/.test(document.querySelector('[data-testid=cohort-summary]')?.textContent || ''));
  assert.equal(await page.getByTestId('cohort-cases-count').textContent(), '40');
  assert.equal(Number(await page.getByTestId('cohort-features-count').textContent()), features);

  assert.deepEqual(log.foreign, [], 'no request outside the origin');
  assert.deepEqual(log.errors, [], 'no console error');
});

test('Stop ends a cohort generation and the lab keeps working', { timeout: 300_000 }, async () => {
  const { page, log } = ctx;
  await page.goto(`${server.origin}/#/models`);
  await fillField(page, 'cohort-cases', 400);
  await page.getByTestId('cohort-generate').click();
  await page.getByTestId('cohort-progress').waitFor({ timeout: 30_000 });
  await page.getByTestId('cohort-stop').click();
  await page.getByTestId('cohort-stopped').waitFor();
  assert.equal(await page.getByTestId('cohort-progress').count(), 0);
  // A bad table gives a plain message next to the file input, naming the line and the value.
  await page.getByTestId('cohort-import').evaluate((d) => { d.open = true; });
  const rows = ['id,label,f1', 'a,1,2', 'b,0,3', 'c,1,4', 'd,0,oops', 'e,1,6', 'f,0,7', 'g,1,8', 'h,0,9'];
  await page.getByTestId('cohort-file').setInputFiles({ name: 'bad.csv', mimeType: 'text/csv', buffer: Buffer.from(rows.join('\n')) });
  await page.locator('[data-testid=cohort-label], [data-testid=cohort-import-error]').first().waitFor();
  if (await page.getByTestId('cohort-label').count()) await page.getByTestId('cohort-load').click();
  await page.getByTestId('cohort-import-error').waitFor();
  const message = await page.getByTestId('cohort-import-error').textContent();
  assert.match(message, /bad\.csv/);
  assert.match(message, /line 5/);
  assert.match(message, /oops/);
  // A French Excel export (semicolons, decimal commas, Windows-1252, CRLF) reads; the panel says how it was read and
  // names the column it left out because most of its cells are NA.
  const fr = ['id;label;Volume (mm³);glcm_x'];
  for (let i = 0; i < 8; i++) fr.push(`c${i};${i % 2 ? 'malin' : 'bénin'};1\u00a0${i}34,5;${i < 2 ? i : 'NA'}`);
  await page.getByTestId('cohort-file').setInputFiles({ name: 'fr.csv', mimeType: 'text/csv', buffer: Buffer.from(fr.join('\r\n'), 'latin1') });
  await page.waitForFunction(() => /^fr\.csv/.test(document.querySelector('[data-testid=cohort-import-format]')?.textContent || ''));
  assert.match(await page.getByTestId('cohort-import-format').textContent(), /read as semicolon-separated, decimal comma, Windows-1252/);
  await page.getByTestId('cohort-label').selectOption('label');
  await page.getByTestId('cohort-load').click();
  await page.getByTestId('cohort-import-notes').waitFor();
  assert.match(await page.getByTestId('cohort-import-notes').textContent(), /column `glcm_x` left out of the features: 6 of its 8 cells are missing/);
  assert.equal(await page.getByTestId('cohort-features-count').textContent(), '1');
  assert.deepEqual(log.foreign, []);
  assert.deepEqual(log.errors, []);
});
