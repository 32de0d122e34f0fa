// End-to-end: a student's walk through the built site in real Chromium.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { serve, launch, watchedPage, artifactsDir, browserSuite, distDir } from '../support.mjs';

const ARTIFACTS = artifactsDir();

let server, browser, ctx;
browserSuite({ viewport: { width: 1280, height: 720 } }, (s) => ({ server, browser, ctx } = s));

const shot = (page, name) => page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: false });

async function openIndex(page) {
  await page.goto(`${server.origin}/`);
  await page.locator('.lesson-card').first().waitFor();
}

test('the course index lists the lessons with duration and progress', async () => {
  const { page } = ctx;
  await openIndex(page);
  assert.equal(await page.title(), 'RadLearn — course');
  const cards = page.locator('.lesson-card');
  assert.ok(await cards.count() >= 2);
  const first = await cards.first().innerText();
  assert.match(first, /What is a medical image\?/);
  assert.match(first, /\d+ min/);
  assert.match(first, /0 \/ \d+ questions answered correctly/);
  assert.match(await page.locator('.privacy').innerText(), /no image, answer or result is sent anywhere/);
  await shot(page, '01-index');
});

test('a lesson renders math as MathML, a table of contents and admonitions', async () => {
  const { page } = ctx;
  await openIndex(page);
  await page.getByRole('link', { name: 'What is a medical image?' }).first().click();
  await page.locator('[data-testid=lesson] h1').waitFor();
  assert.equal(await page.locator('[data-testid=lesson] h1').innerText(), 'What is a medical image?');
  assert.match(page.url(), /#\/lesson\/what-is-a-medical-image$/);
  const math = await page.evaluate(() => {
    const all = [...document.querySelectorAll('[data-testid=lesson] math')];
    return { count: all.length, ns: all.every((m) => m.namespaceURI === 'http://www.w3.org/1998/Math/MathML'), block: all.some((m) => m.getAttribute('display') === 'block') };
  });
  assert.ok(math.count > 5, `expected MathML, found ${math.count}`);
  assert.ok(math.ns && math.block);
  assert.equal(await page.locator('.math-error').count(), 0, 'no formula errors in shipped lessons');
  assert.ok(await page.locator('.toc li').count() >= 4);
  assert.ok(await page.locator('.admonition').count() >= 1);
  assert.ok(await page.locator('pre.code .hl-keyword, pre.code [class*=hl-]').count() > 0, 'highlighted code');
  const img = page.locator('.prose img').first();
  await img.scrollIntoViewIfNeeded();
  assert.ok(await img.evaluate((i) => i.complete && i.naturalWidth > 0), 'figures load from the lesson folder');
  await page.evaluate(() => window.scrollTo(0, 0));
  await shot(page, '02-lesson');
});

/** Answers a single-choice quiz wrongly then rightly, trying options in order (no answer key in the test). */
async function answerSingleChoiceWrongThenRight(page) {
  const quiz = page.locator('section.quiz').filter({ has: page.locator('input[type=radio]') }).first();
  await quiz.scrollIntoViewIfNeeded();
  const id = await quiz.getAttribute('data-testid');
  const options = quiz.locator('input[type=radio]');
  const n = await options.count();
  const result = quiz.locator('[data-testid=quiz-result]');
  const answer = async (i) => {
    await options.nth(i).check();
    await quiz.getByRole('button', { name: 'Check answer' }).click();
    await result.waitFor();
    return (await result.getAttribute('data-correct')) === 'true';
  };
  const expectWrong = async () => {
    assert.match(await result.innerText(), /Not quite/);
    assert.equal(await quiz.locator('.choice.chosen-wrong').count(), 1, 'the wrong choice is marked');
    await shot(page, '03-quiz-wrong');
  };
  let right = -1;
  for (let i = 0; i < n && right < 0; i++) {
    if (await answer(i)) right = i;
    else await expectWrong();
  }
  const sawRight = right >= 0;
  let sawWrong = right > 0;
  if (right === 0 && n > 1) {
    // The first option was right: pick another one (exactly one is correct), then the right one again.
    assert.equal(await answer(1), false);
    await expectWrong();
    sawWrong = true;
    assert.equal(await answer(0), true);
  }
  if (sawRight) assert.match(await result.innerText(), /Correct/);
  return { id, sawWrong, sawRight };
}

test('quizzes are graded in the browser, and progress survives a reload', async () => {
  const { page } = ctx;
  await page.goto(`${server.origin}/#/lesson/what-is-a-medical-image`);
  await page.locator('section.quiz').first().waitFor();
  const { id, sawWrong, sawRight } = await answerSingleChoiceWrongThenRight(page);
  assert.ok(sawRight, 'one option is correct');
  // Numeric: not a number, then a wrong number.
  const numeric = page.locator('section.quiz').filter({ has: page.locator('input[inputmode=decimal]') }).first();
  await numeric.scrollIntoViewIfNeeded();
  await numeric.locator('input').fill('twelve');
  await numeric.getByRole('button', { name: 'Check answer' }).click();
  assert.match(await numeric.locator('.input-error').innerText(), /Type a number/);
  await numeric.locator('input').fill('123456789');
  await numeric.getByRole('button', { name: 'Check answer' }).click();
  assert.equal(await numeric.locator('[data-testid=quiz-result]').getAttribute('data-correct'), 'false');
  await shot(page, '04-quiz-answered');

  await page.getByTestId('mark-complete').click();
  await page.reload();
  const again = page.getByTestId(id);
  await again.locator('[data-testid=quiz-result]').waitFor();
  assert.equal(await again.locator('[data-testid=quiz-result]').getAttribute('data-correct'), 'true', 'the right answer is remembered');
  assert.equal(await page.getByTestId('mark-complete').getAttribute('aria-pressed'), 'true');

  await openIndex(page);
  const card = page.getByTestId('lesson-card-what-is-a-medical-image');
  assert.match(await card.innerText(), /1 \/ \d+ questions answered correctly/);
  assert.match(await card.innerText(), /Completed/);
  assert.ok(sawWrong, 'the quiz was also answered wrongly');
});

test('progress exports as JSON and imports back, and a wrong file gets a clear message', async () => {
  const { page } = ctx;
  await openIndex(page);
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-progress').click()]);
  assert.match(download.suggestedFilename(), /^radlearn-progress-\d{4}-\d{2}-\d{2}\.json$/);
  const file = path.join(ARTIFACTS, 'progress-export.json');
  await download.saveAs(file);
  const exported = JSON.parse(fs.readFileSync(file, 'utf8'));
  assert.equal(exported.app, 'RadLearn');
  assert.equal(exported.schema, 2);
  assert.match(exported.student, /^[0-9a-f]{16}$/, 'the id that orders quiz options travels with the export');
  const lesson = exported.lessons['what-is-a-medical-image'];
  assert.equal(lesson.completed, true);
  assert.ok(Object.values(lesson.quizzes).some((q) => q.correct), 'the correct answer is exported');

  await page.getByTestId('import-progress').setInputFiles({ name: 'notes.json', mimeType: 'application/json', buffer: Buffer.from('{"hello": 1}') });
  await page.getByTestId('progress-notice').waitFor();
  assert.match(await page.getByTestId('progress-notice').innerText(), /not a RadLearn progress export/);

  // Importing into a fresh browser restores everything.
  await page.evaluate(() => localStorage.clear());
  await page.reload();
  await page.locator('.lesson-card').first().waitFor();
  assert.match(await page.getByTestId('lesson-card-what-is-a-medical-image').innerText(), /0 \/ \d+/);
  await page.getByTestId('import-progress').setInputFiles(file);
  await page.getByText('Progress imported and merged.').waitFor();
  assert.match(await page.getByTestId('lesson-card-what-is-a-medical-image').innerText(), /1 \/ \d+.*Completed/s);
  const imported = await page.evaluate(() => JSON.parse(localStorage.getItem('radlearn.progress')).student);
  assert.equal(imported, exported.student, 'the imported id replaces the new browser\'s, so the options keep their order');
});

test('corrupt saved progress gets a notice and a backup, and the app keeps working', async () => {
  const { page } = ctx;
  await openIndex(page);
  await page.evaluate(() => localStorage.setItem('radlearn.progress', '{"schema": 1, "lessons": {"x": {"quizzes": 42'));
  await page.reload();
  const notice = page.getByTestId('progress-notice');
  await notice.waitFor();
  assert.match(await notice.innerText(), /could not be read/);
  assert.ok(await notice.getByRole('button', { name: 'Download the backup' }).isVisible());
  const backups = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('radlearn.progress.backup.')).map((k) => localStorage.getItem(k)));
  assert.ok(backups.includes('{"schema": 1, "lessons": {"x": {"quizzes": 42'), 'the unreadable data is kept');
  await shot(page, '05-corrupt-progress');
  // Once backed up, the broken record is replaced: a reload shows no notice and adds no copy.
  await page.reload();
  await page.locator('.lesson-card').first().waitFor();
  assert.equal(await page.getByTestId('progress-notice').count(), 0);
  assert.equal(await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('radlearn.progress.backup.')).length), backups.length);
  await page.getByRole('link', { name: 'Reading images as numbers' }).first().click();
  await page.locator('[data-testid=lesson] h1').waitFor();

  // A file from a newer RadLearn is kept too.
  await page.evaluate(() => localStorage.setItem('radlearn.progress', '{"schema": 99, "lessons": {}}'));
  await page.reload();
  assert.match(await page.getByTestId('progress-notice').innerText(), /newer version of RadLearn/);
  // Reloading keeps one backup of it, not one per visit.
  await page.reload();
  await page.getByTestId('progress-notice').waitFor();
  const copies = await page.evaluate(() => Object.values(localStorage).filter((v) => v === '{"schema": 99, "lessons": {}}').length);
  assert.equal(copies, 2, 'the original and exactly one backup');
});

test('deep links to headings, unknown routes and the About page', async () => {
  const { page } = ctx;
  await page.goto(`${server.origin}/#/lesson/what-is-a-medical-image`);
  const target = await page.locator('.toc li a').nth(2).getAttribute('href');
  const id = target.split('/').pop();
  await page.goto(`${server.origin}/${target}`);
  await page.reload();
  await page.locator(`[id="${id}"]`).waitFor();
  await page.waitForFunction((i) => document.activeElement && document.activeElement.id === i, id);
  const top = await page.locator(`[id="${id}"]`).evaluate((e) => e.getBoundingClientRect().top);
  assert.ok(top >= -2 && top < 200, `heading scrolled into view (top ${top})`);

  await page.goto(`${server.origin}/#/no/such/page`);
  await page.getByTestId('not-found').waitFor();
  assert.match(await page.getByTestId('not-found').innerText(), /Page not found/);
  await page.goto(`${server.origin}/#/lesson/zzz`);
  await page.getByTestId('not-found').waitFor();
  assert.match(await page.getByTestId('not-found').innerText(), /no lesson called “zzz”/);
  await shot(page, '06-not-found');

  await page.goto(`${server.origin}/#/about`);
  const about = await page.getByTestId('about').innerText();
  assert.match(about, /CC BY 4\.0/);
  assert.match(about, /CC BY-NC 3\.0/);
  assert.match(about, /no request to any other site/);
  // The IBSI compliance table: every family, and each reference data set with its count.
  assert.equal(await page.locator('[data-testid=ibsi-families] tbody tr').count(), 11);
  const compliance = await page.getByTestId('ibsi-compliance').innerText();
  assert.match(compliance, /Digital phantom.*482 of 482/);
  assert.match(compliance, /configuration E.*\d+ of \d+/);
  assert.equal(await page.locator('[data-testid=ibsi-compliance] tbody tr').count(), 6);
});

test('the window/level exercise responds to presets and sliders', async () => {
  const { page } = ctx;
  await page.goto(`${server.origin}/#/lesson/reading-images-as-numbers`);
  const widget = page.getByTestId('window-level').first();
  await widget.scrollIntoViewIfNeeded();
  const pixels = () => widget.locator('canvas').evaluate((c) => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let sum = 0; for (let i = 0; i < d.length; i += 4) sum += d[i];
    return sum;
  });
  await widget.locator('button[data-preset=lung]').click();
  assert.equal(await widget.getByTestId('wl-centre').innerText(), '-600');
  assert.equal(await widget.getByTestId('wl-width').innerText(), '1500');
  const lung = await pixels();
  await widget.locator('button[data-preset=bone]').click();
  assert.equal(await widget.locator('button[data-preset=bone]').getAttribute('aria-pressed'), 'true');
  const bone = await pixels();
  assert.ok(lung > 0 && bone > 0 && lung !== bone, 'the image changes with the window');
  const box = await widget.locator('canvas').boundingBox();
  await page.mouse.move(box.x + 3, box.y + 3);
  assert.match(await widget.locator('.readout').innerText(), /-?\d+ HU/);
  await shot(page, '07-window-level');
});

test('keyboard: skip link first, visible focus, quiz answerable without a mouse', async () => {
  const { page } = ctx;
  await page.goto('about:blank');
  await page.goto(`${server.origin}/#/lesson/what-is-a-medical-image`);
  await page.locator('[data-testid=lesson] h1').waitFor();
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Skip to content');
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  assert.equal(outline, 'solid', 'focus is visible');
  const quiz = page.locator('section.quiz').filter({ has: page.locator('input[type=radio]') }).nth(1);
  await quiz.locator('input[type=radio]').first().focus();
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
  await quiz.locator('[data-testid=quiz-result]').waitFor();
});

test('responsive from a phone to a 1280x720 projector, with no horizontal scrolling', async () => {
  for (const [name, viewport] of [['phone', { width: 390, height: 844 }], ['projector', { width: 1280, height: 720 }]]) {
    const c = await watchedPage(browser, server.origin, { viewport });
    for (const route of ['', '#/lesson/what-is-a-medical-image', '#/lesson/reading-images-as-numbers', '#/about']) {
      await c.page.goto(`${server.origin}/${route}`);
      await c.page.locator('main h1').first().waitFor();
      const overflow = await c.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `${name} ${route || 'index'}: ${overflow}px of horizontal scroll`);
    }
    await c.page.goto(`${server.origin}/#/lesson/reading-images-as-numbers`);
    await c.page.locator('main h1').waitFor();
    await shot(c.page, `08-${name}`);
    assert.deepEqual(c.log.foreign, []);
    assert.deepEqual(c.log.errors, []);
    await c.context.close();
  }
});

test('the course keeps working offline once loaded', async () => {
  const c = await watchedPage(browser, server.origin);
  await c.page.goto(`${server.origin}/#/lesson/reading-images-as-numbers`);
  await c.page.locator('[data-testid=lesson] h1').waitFor();
  await c.page.evaluate(() => navigator.serviceWorker.ready);
  await c.page.reload(); // now controlled by the service worker, which caches what loads
  await c.page.locator('[data-testid=lesson] math').first().waitFor();
  await c.page.locator('.prose img').last().evaluate((i) => i.decode());
  await c.context.setOffline(true);
  await c.page.reload();
  await c.page.locator('[data-testid=lesson] h1').waitFor();
  assert.equal(await c.page.locator('[data-testid=lesson] h1').innerText(), 'Reading images as numbers');
  assert.deepEqual(c.log.foreign, []);
  await c.context.close();
});

test('the labs module is fetched after the lesson, at low priority, and then opens the Image Lab offline', async () => {
  const c = await watchedPage(browser, server.origin);
  const labs = [];
  c.page.on('request', (r) => { if (/radlearn-labs|labs-loader/.test(r.url())) labs.push(r.url()); });
  await c.page.goto(`${server.origin}/#/lesson/what-is-a-medical-image`);
  await c.page.locator('[data-testid=lesson] math').first().waitFor();
  assert.deepEqual(labs, [], 'a lesson without lab exercises needs only the page module');
  await c.page.evaluate(() => navigator.serviceWorker.ready);
  await c.page.reload(); // controlled by the service worker from now on, so the prefetch lands in its cache
  await c.page.locator('[data-testid=lesson] h1').waitFor();
  await c.page.waitForResponse((r) => r.url().endsWith('/radlearn-labs_bg.wasm'), { timeout: 10_000 });
  await c.page.waitForTimeout(500);
  await c.context.setOffline(true);
  await c.page.getByRole('link', { name: 'Image Lab' }).first().click();
  await c.page.getByTestId('lab').waitFor();
  assert.deepEqual(c.log.foreign, []);
  assert.deepEqual(c.log.errors, []);
  await c.context.close();
});

test('after a redeploy, files without a content hash are fetched fresh even from a host that lets browsers cache them', async () => {
  // A copy of the site, served with a one-hour max-age: without revalidation, the browser would keep using its copy.
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'radlearn-redeploy-'));
  // The whole site: the service worker installs only when every precached file is there (data/ holds some).
  fs.cpSync(distDir(), root, { recursive: true });
  const host = await serve(root, { maxAge: 3600 });
  const c = await watchedPage(browser, host.origin);
  try {
    await c.page.goto(`${host.origin}/#/lesson/what-is-a-medical-image`);
    await c.page.locator('[data-testid=lesson] h1').waitFor();
    await c.page.evaluate(() => navigator.serviceWorker.ready);
    await c.page.reload(); // now controlled by the service worker
    await c.page.locator('[data-testid=lesson] h1').waitFor();
    const read = () => c.page.evaluate(() => fetch('./labs-loader.js').then((r) => r.text()));
    const before = await read();
    fs.appendFileSync(path.join(root, 'labs-loader.js'), '// redeployed\n');
    const after = await read();
    assert.ok(!before.includes('redeployed') && after.includes('redeployed'), 'the new labs loader is served');
  } finally {
    await c.context.close();
    await host.close();
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('when the labs module cannot be fetched, the page says so, keeps working, and tries again later', async () => {
  const c = await watchedPage(browser, server.origin, { serviceWorkers: 'block' });
  await c.page.route(/radlearn-labs/, (route) => route.abort());
  await c.page.goto(`${server.origin}/#/models`);
  const failed = c.page.locator('.widget-error');
  await failed.waitFor();
  assert.match(await failed.innerText(), /could not be loaded.*progress is saved/s);
  await c.page.getByRole('link', { name: 'Course' }).first().click();
  await c.page.locator('.lesson-card').first().waitFor();
  await c.page.unroute(/radlearn-labs/);
  await c.page.getByRole('link', { name: 'Model Lab' }).first().click();
  await c.page.getByTestId('model-lab').waitFor();
  assert.equal(await c.page.locator('.widget-error').count(), 0);
  assert.deepEqual(c.log.foreign, []);
  await c.context.close();
});

test('a crash is reported in the page, and the page keeps working', async () => {
  const c = await watchedPage(browser, server.origin);
  await c.page.goto(`${server.origin}/#/lesson/what-is-a-medical-image`);
  await c.page.locator('section.quiz').first().waitFor();
  const thrown = await c.page.evaluate(() => { try { window.wasmBindings.radlearnSelfTestPanic(); return null; } catch (e) { return String(e); } });
  assert.match(thrown, /unreachable|RuntimeError/);
  const banner = c.page.getByTestId('panic-banner');
  await banner.waitFor();
  assert.match(await banner.innerText(), /Your saved progress is safe.*deliberate panic/s);
  // The rest of the page still works: grade a quiz, open another lesson.
  const { sawRight, sawWrong } = await answerSingleChoiceWrongThenRight(c.page);
  assert.ok(sawRight && sawWrong);
  await c.page.getByRole('link', { name: /Reading images as numbers/ }).last().click();
  await c.page.locator('[data-testid=lesson] h1').filter({ hasText: 'Reading images as numbers' }).waitFor();
  await shot(c.page, '09-after-panic');
  assert.deepEqual(c.log.foreign, []);
  await c.context.close();
});

/** The display formulas of the lesson on screen, measured: height, the height of a line of the surrounding text, and the
 * rows of the tallest table (matrix, cases, aligned lines) in the formula. */
function measureFormulas() {
  const lineOf = (el) => {
    const s = getComputedStyle(el);
    const lh = parseFloat(s.lineHeight);
    return Number.isFinite(lh) ? lh : 1.2 * parseFloat(s.fontSize);
  };
  return [...document.querySelectorAll('[data-testid=lesson] math[display=block]')].map((m) => ({
    height: m.getBoundingClientRect().height,
    line: lineOf(m.parentElement),
    rows: Math.max(0, ...[...m.querySelectorAll('mtable')].map((t) => t.querySelectorAll(':scope > mtr, :scope > mlabeledtr').length)),
    display: getComputedStyle(m).display,
    text: m.textContent.replace(/\s+/g, ' ').slice(0, 80),
  }));
}

test('every display formula of every lesson is laid out as math, not as a column of tokens', async () => {
  // Issue 13: `display: block` on math[display=block] stacked each token on its own line (a loss 447 px tall).
  const c = await watchedPage(browser, server.origin, { viewport: { width: 1280, height: 720 }, serviceWorkers: 'block' });
  const dir = path.join(ARTIFACTS, 'math');
  fs.mkdirSync(dir, { recursive: true });
  await c.page.goto(`${server.origin}/`);
  await c.page.locator('.lesson-card').first().waitFor();
  const slugs = await c.page.locator('.lesson-card h3 a').evaluateAll((as) => as.map((a) => a.getAttribute('href').replace('#/lesson/', '')));
  assert.ok(slugs.length >= 7, `${slugs.length} lessons`);
  let total = 0;
  for (const slug of slugs) {
    await c.page.goto(`${server.origin}/#/lesson/${slug}`);
    await c.page.locator('[data-testid=lesson] h1').waitFor();
    await c.page.evaluate(() => document.fonts.ready);
    const formulas = await c.page.evaluate(measureFormulas);
    total += formulas.length;
    for (const [i, f] of formulas.entries()) {
      assert.equal(f.display, 'block math', `${slug} formula ${i + 1}: display ${f.display}`);
      // At most four lines of text; a table may take two lines per row (a row can hold a display fraction).
      const lines = Math.max(4, 2 * f.rows);
      assert.ok(f.height <= lines * f.line, `${slug} formula ${i + 1} is ${f.height.toFixed(0)} px tall, more than ${lines} lines of ${f.line.toFixed(1)} px: ${f.text}`);
    }
    // No HTML entity shown as text in any formula (issue 13: "[L−W/2,&nbsp;L+W/2]").
    const entities = await c.page.evaluate(() => [...document.querySelectorAll('[data-testid=lesson] math')].map((m) => m.textContent).filter((t) => /&[a-zA-Z]+;|&#\d+;/.test(t)));
    assert.deepEqual(entities, [], `${slug}: entity text in formulas`);
    // A sheet of the lesson's display formulas, to look at (tests/e2e/artifacts/math/<lesson>.png).
    if (formulas.length > 0) {
      await c.page.evaluate((heights) => {
        const sheet = document.createElement('div');
        sheet.id = 'formula-sheet';
        sheet.className = 'prose';
        sheet.style.cssText = 'position:absolute;left:0;top:0;width:1100px;background:#fff;color:#111;padding:12px 20px;z-index:10000';
        document.querySelectorAll('[data-testid=lesson] math[display=block]').forEach((m, i) => {
          const label = document.createElement('div');
          label.textContent = `${i + 1} · ${heights[i].toFixed(0)} px`;
          label.style.cssText = 'font:12px sans-serif;color:#666;border-top:1px solid #ddd;padding-top:4px';
          sheet.append(label, m.cloneNode(true));
        });
        document.body.append(sheet);
        window.scrollTo(0, 0);
      }, formulas.map((f) => f.height));
      await c.page.locator('#formula-sheet').screenshot({ path: path.join(dir, `${slug}.png`) });
      await c.page.evaluate(() => document.getElementById('formula-sheet').remove());
    }
  }
  assert.ok(total >= 30, `${total} display formulas in the course`);
  assert.deepEqual(c.log.foreign, []);
  assert.deepEqual(c.log.errors, []);
  await c.context.close();
});

/** A fresh browser whose progress holds a fixed student id, so that the order of the options is known in advance. */
async function studentPage(student) {
  const c = await watchedPage(browser, server.origin, { viewport: { width: 1280, height: 720 }, serviceWorkers: 'block' });
  await c.page.goto(`${server.origin}/`);
  await c.page.evaluate((id) => localStorage.setItem('radlearn.progress', JSON.stringify({ schema: 2, student: id, lessons: {} })), student);
  await c.page.reload();
  await c.page.locator('.lesson-card').first().waitFor();
  return c;
}

const labels = (quiz) => quiz.locator('.choice label').allInnerTexts();

test('choices are shuffled per student, stay put across reloads, and the first one is not always right', async () => {
  const c = await studentPage('e2e-student-0001');
  const { page } = c;
  await page.goto(`${server.origin}/#/lesson/segmenting-a-tumour`);
  await page.locator('section.quiz').first().waitFor();
  const singles = page.locator('section.quiz').filter({ has: page.locator('input[type=radio]') });
  const n = await singles.count();
  assert.ok(n >= 4, `${n} single-choice quizzes`);
  const before = [];
  for (let i = 0; i < n; i++) before.push(await labels(singles.nth(i)));
  // Answer every single-choice quiz with the option shown first: authors write the right one first, the order
  // the student sees must not give it away.
  let firstRight = 0;
  for (let i = 0; i < n; i++) {
    const quiz = singles.nth(i);
    await quiz.scrollIntoViewIfNeeded();
    await quiz.locator('input[type=radio]').first().check();
    await quiz.getByRole('button', { name: 'Check answer' }).click();
    await quiz.locator('[data-testid=quiz-result]').waitFor();
    if ((await quiz.locator('[data-testid=quiz-result]').getAttribute('data-correct')) === 'true') firstRight++;
  }
  assert.ok(firstRight < n, `the first option shown was right in all ${n} quizzes`);
  await page.reload();
  await singles.first().waitFor();
  const after = [];
  for (let i = 0; i < n; i++) after.push(await labels(singles.nth(i)));
  assert.deepEqual(after, before, 'a reload keeps the order');
  // Another student sees another order somewhere.
  const other = await studentPage('e2e-student-0002');
  await other.page.goto(`${server.origin}/#/lesson/segmenting-a-tumour`);
  await other.page.locator('section.quiz').first().waitFor();
  const otherSingles = other.page.locator('section.quiz').filter({ has: other.page.locator('input[type=radio]') });
  const theirs = [];
  for (let i = 0; i < n; i++) theirs.push(await labels(otherSingles.nth(i)));
  assert.notDeepEqual(theirs, before);
  for (const [i, l] of theirs.entries()) assert.deepEqual([...l].sort(), [...before[i]].sort(), 'the same options');
  assert.deepEqual(c.log.errors, []);
  await other.context.close();
  await c.context.close();
});

test('a wrong answer shows a hint, not the explanation; "Show the answer" is recorded as given up', async () => {
  const c = await studentPage('e2e-student-0003');
  const { page } = c;
  await page.goto(`${server.origin}/#/lesson/segmenting-a-tumour`);
  const numeric = page.locator('section.quiz').filter({ has: page.locator('input[inputmode=decimal]') }).first();
  await numeric.waitFor();
  await numeric.scrollIntoViewIfNeeded();
  const id = (await numeric.getAttribute('data-testid')).replace(/^quiz-/, '');
  await numeric.locator('input').fill('123456789');
  await numeric.getByRole('button', { name: 'Check answer' }).click();
  assert.equal(await numeric.locator('[data-testid=quiz-result]').getAttribute('data-correct'), 'false');
  await numeric.getByTestId('quiz-hint').waitFor();
  assert.ok((await numeric.getByTestId('quiz-hint').innerText()).length > 10, 'a hint is shown');
  assert.equal(await numeric.getByTestId('quiz-explanation').count(), 0, 'the worked explanation stays hidden');
  assert.equal(await numeric.getByTestId('quiz-answer').count(), 0);
  assert.match(await numeric.getByTestId('quiz-attempts').innerText(), /· 1 attempt$/, 'one attempt, singular');
  await numeric.locator('input').fill('987654321');
  await numeric.getByRole('button', { name: 'Check answer' }).click();
  await page.waitForFunction((q) => /2 attempts/.test(document.querySelector(`[data-testid=quiz-${q}] [data-testid=quiz-attempts]`)?.textContent), id);
  await shot(page, '10-quiz-hint');

  await numeric.getByTestId('show-answer').click();
  await numeric.getByTestId('quiz-gave-up').waitFor();
  assert.equal(await numeric.getByTestId('quiz-hint').count(), 0);
  assert.ok(await numeric.getByTestId('quiz-explanation').isVisible(), 'the explanation once the student gave up');
  const shown = await numeric.getByTestId('quiz-answer').innerText();
  const answer = shown.match(/-?\d+(?:\.\d+)?(?:e-?\d+)?/i)[0];
  await shot(page, '11-quiz-answer-shown');
  // Typing the answer just read is graded right, but the quiz stays "answer shown", not correct.
  await numeric.locator('input').fill(answer);
  await numeric.getByRole('button', { name: 'Check answer' }).click();
  await page.waitForFunction((q) => document.querySelector(`[data-testid=quiz-${q}] [data-testid=quiz-result]`)?.dataset.correct === 'true', id);
  const saved = await page.evaluate((q) => JSON.parse(localStorage.getItem('radlearn.progress')).lessons['segmenting-a-tumour'].quizzes[q], id);
  assert.deepEqual([saved.gave_up, saved.correct, saved.first_try, saved.attempts], [true, false, false, 3]);
  await page.reload();
  await numeric.getByTestId('quiz-gave-up').waitFor();

  // A choice quiz answered right at once: the explanation (if any), no hint, and "at the first try".
  const single = page.locator('section.quiz').filter({ has: page.locator('input[type=radio]') }).first();
  await single.scrollIntoViewIfNeeded();
  const options = single.locator('input[type=radio]');
  let right = -1;
  for (let i = 0; i < await options.count() && right < 0; i++) {
    await options.nth(i).check();
    await single.getByRole('button', { name: 'Check answer' }).click();
    await single.locator('[data-testid=quiz-result]').waitFor();
    if ((await single.locator('[data-testid=quiz-result]').getAttribute('data-correct')) === 'true') right = i;
    else {
      assert.equal(await single.getByTestId('quiz-explanation').count(), 0, 'no explanation after a wrong choice');
      assert.ok(await single.getByTestId('quiz-hint').isVisible());
    }
  }
  assert.ok(right >= 0);
  assert.equal(await single.getByTestId('quiz-hint').count(), 0);
  const attempts = await single.getByTestId('quiz-attempts').innerText();
  if (right === 0) assert.match(attempts, /· 1 attempt · at the first try$/);
  else assert.match(attempts, new RegExp(`· ${right + 1} attempts$`));

  await page.goto(`${server.origin}/#/`);
  const card = page.getByTestId('lesson-card-segmenting-a-tumour');
  await card.waitFor();
  const text = await card.innerText();
  assert.match(text, /1 \/ \d+ questions answered correctly/, 'the given-up quiz does not count');
  assert.match(text, new RegExp(`${right === 0 ? 1 : 0} at the first try · 1 answer shown`));
  assert.deepEqual(c.log.errors, []);
  await c.context.close();
});

test('no request left the origin and no console error occurred', () => {
  assert.deepEqual(ctx.log.foreign, [], 'requests outside the origin');
  assert.deepEqual(ctx.log.errors, [], 'console errors');
});
