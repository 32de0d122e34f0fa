// End-to-end: the Model Lab's exercises inside lessons 7 and 8 — the graded `model-lab` (plain cross-validations are
// practice, a leaky run does not count, the first honest nested CV is graded once and survives a reload) and `pca-explorer` (a cohort with
// strong scanner differences clusters by site, and the graded PC1 question), as the lessons describe them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { browserSuite, artifactsDir, fillField, crossValidate } from '../support.mjs';

let server, ctx;
browserSuite({ viewport: { width: 1280, height: 900 }, serviceWorkers: 'block' }, (s) => ({ server, ctx } = s));

async function generate(widget) {
  await widget.getByTestId('cohort-generate').click();
  await widget.getByTestId('cohort-summary').waitFor({ timeout: 120_000 });
}

/** Runs nested cross-validation in `scope` and returns its AUC. */
async function nestedCv(scope) {
  const before = await scope.getByTestId('nested-auc').count() ? await scope.getByTestId('nested-auc').textContent() : null;
  await scope.getByTestId('cv-nested').click();
  await scope.getByTestId('cv-nested').waitFor();
  await scope.locator('[data-testid=plot-nested] svg').waitFor({ timeout: 240_000 });
  // This exercise's own button (the lesson has other Model Labs, whose buttons stay disabled without a cohort).
  const button = await scope.getByTestId('cv-nested').elementHandle();
  await scope.page().waitForFunction((b) => !b.disabled, button, { timeout: 240_000 });
  const now = Number(await scope.getByTestId('nested-auc').textContent());
  return { auc: now, changed: before === null || Number(before) !== now };
}

test('lesson 7: the graded model-lab exercise grades the first nested cross-validation, once', { timeout: 600_000 }, async () => {
  const { page, log } = ctx;
  await page.goto(`${server.origin}/#/lesson/learning-from-features`);
  const graded = page.locator('[data-testid=model-lab-exercise]').filter({ has: page.getByTestId('model-grade') });
  // The exercise is drawn by the labs module, which the lesson fetches when it opens.
  await graded.first().waitFor();
  assert.equal(await graded.count(), 1);
  await graded.scrollIntoViewIfNeeded();
  assert.equal(await graded.getByTestId('cohort-cases').count(), 0, 'the lesson fixes the cohort');
  assert.match(await graded.getByTestId('cohort-fixed').textContent(), /120 cases · seed 11 · signal 0.3/);
  await generate(graded);

  // Plain cross-validation is practice: the default logistic regression falls just short, and nothing is graded.
  const first = await crossValidate(graded);
  assert.ok(first < 0.8, `the default logistic regression falls just short (${first})`);
  assert.match(await graded.getByTestId('model-grade-note').textContent(), /Practice run, not graded/);
  assert.equal(await graded.getByTestId('model-grade-result').count(), 0);
  // Trying models until one wins does not pass either: a forest's plain CV is practice too.
  await graded.getByTestId('model-kind').selectOption('forest');
  await crossValidate(graded);
  assert.equal(await graded.getByTestId('model-grade-result').count(), 0, 'the best plain run is not the grade');

  // A leaky nested run does not count (and does not use up the one graded run).
  await graded.getByTestId('model-kind').selectOption('logistic');
  await graded.getByTestId('cv-leaky').check();
  await graded.getByTestId('cv-select').check();
  await nestedCv(graded);
  assert.match(await graded.getByTestId('model-grade-note').textContent(), /leaky switch/);
  assert.equal(await graded.getByTestId('model-grade-result').count(), 0);

  // The honest pipeline: logistic regression with its C tuned inside each outer fold reaches the target.
  await graded.getByTestId('cv-leaky').uncheck();
  await graded.getByTestId('cv-select').uncheck();
  const { auc } = await nestedCv(graded);
  assert.ok(auc >= 0.8, `nested CV of the logistic regression reaches the target (${auc})`);
  await graded.getByTestId('model-grade-result').waitFor();
  assert.equal(await graded.getByTestId('model-grade-result').getAttribute('data-correct'), 'true');
  assert.match(await graded.getByTestId('model-grade-result').textContent(), new RegExp(`Graded \\(nested CV\\): ✓ Passed: AUC ${auc.toFixed(3)}`));
  await page.screenshot({ path: path.join(artifactsDir(), 'lesson-model-lab-graded.png'), fullPage: false });

  // Graded once: a later nested run is practice and does not change the grade.
  await graded.getByTestId('model-kind').selectOption('knn');
  const later = await nestedCv(graded);
  assert.match(await graded.getByTestId('model-grade-note').textContent(), /graded once/);
  assert.match(await graded.getByTestId('model-grade-result').textContent(), new RegExp(`AUC ${auc.toFixed(3)}`), `not ${later.auc}`);

  await page.reload();
  const again = page.locator('[data-testid=model-lab-exercise]').filter({ has: page.getByTestId('model-grade') });
  await again.getByTestId('model-grade-result').waitFor();
  assert.match(await again.getByTestId('model-grade-result').textContent(), /Saved result: ✓ Passed/);
  assert.deepEqual(log.foreign, []);
  assert.deepEqual(log.errors, []);
});

test('lesson 8: clusters follow the scanner, and the graded PC1 question', { timeout: 300_000 }, async () => {
  const { page, log } = ctx;
  await page.goto(`${server.origin}/#/lesson/unsupervised-views`);
  const explorers = page.locator('[data-testid=pca-explorer-exercise]');
  // The site-coloured cohort with strong scanner differences (seed 8): k-means finds the sites, not the labels.
  const bySite = explorers.filter({ has: page.locator('[data-testid=explore-color] option[value=site][selected]') }).first();
  await bySite.scrollIntoViewIfNeeded();
  await generate(bySite);
  await bySite.getByTestId('explore-run').click();
  await bySite.locator('[data-testid=plot-pca] svg').waitFor({ timeout: 60_000 });
  const ariSite = Number(await bySite.getByTestId('explore-ari-site').textContent());
  const ariLabel = Number(await bySite.getByTestId('explore-ari-label').textContent());
  assert.ok(ariSite > 0.7, `clusters follow the sites (ARI ${ariSite})`);
  assert.ok(ariLabel < 0.2, `not the labels (ARI ${ariLabel})`);
  await page.screenshot({ path: path.join(artifactsDir(), 'lesson-pca-sites.png'), fullPage: false });

  // The graded question: the share of PC1, read off the widget.
  const graded = explorers.filter({ has: page.getByTestId('pca-grade') }).first();
  await graded.scrollIntoViewIfNeeded();
  await generate(graded);
  await graded.getByTestId('explore-run').click();
  await graded.getByTestId('explore-pc1').waitFor({ timeout: 60_000 });
  const shown = (await graded.getByTestId('explore-pc1').textContent()).replace(' %', '');
  await graded.getByTestId('pca-answer').fill(shown);
  await graded.getByTestId('pca-check').click();
  await graded.getByTestId('pca-grade-result').waitFor();
  assert.equal(await graded.getByTestId('pca-grade-result').getAttribute('data-correct'), 'true', 'the percentage shown is accepted');
  await graded.getByTestId('pca-answer').fill('0.999');
  await graded.getByTestId('pca-check').click();
  await page.waitForFunction(() => document.querySelector('[data-testid=pca-grade-result]')?.dataset.correct === 'false');
  assert.deepEqual(log.foreign, []);
  assert.deepEqual(log.errors, []);
});
