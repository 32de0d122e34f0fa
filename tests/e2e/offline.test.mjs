// End-to-end: offline from the first visit, a projector-sized Model Lab, the keyboard on a lesson, the dark theme and
// the built site's Content-Security-Policy.
// - Visit the index only, wait for the service worker to be installed, then cut the network (the server stops and the
//   browser goes offline): every lesson opens with every figure, the Image Lab opens a local NIfTI (recognised as CT
//   in HU), the Model Lab generates a cohort and cross-validates, with plot labels of 12 px or more at 1024 x 768.
// - A sample dataset kept for offline use opens offline; once removed, opening it offline says what is missing.
// - Dark theme: screenshots (tests/e2e/artifacts/dark-*.png) and a contrast check.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { serve, launch, watchedPage, artifactsDir, distDir, fillField, crossValidate } from '../support.mjs';

const shot = (page, name) => page.screenshot({ path: path.join(artifactsDir(), `${name}.png`), fullPage: false });

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** The precache list that tools/postbuild.mjs wrote into the built sw.js. */
function precacheList() {
  const sw = fs.readFileSync(path.join(distDir(), 'sw.js'), 'utf8');
  const m = sw.match(/\/\*PRECACHE\*\/ ([^]*?) \/\*END\*\//);
  assert.ok(m, 'dist/sw.js carries its precache list');
  return JSON.parse(m[1]);
}

/** A small CT-like NIfTI-1 volume (int16 HU): air around a soft-tissue body with a bone, 24 x 24 x 6 voxels of 1 mm. */
function ctNifti() {
  const [nx, ny, nz] = [24, 24, 6];
  const header = Buffer.alloc(352);
  header.writeInt32LE(348, 0);
  [3, nx, ny, nz, 1, 1, 1, 1].forEach((v, i) => header.writeInt16LE(v, 40 + 2 * i));
  header.writeInt16LE(4, 70); // datatype: int16
  header.writeInt16LE(16, 72); // bits per voxel
  [1, 1, 1, 1].forEach((v, i) => header.writeFloatLE(v, 76 + 4 * i)); // qfac, spacing
  header.writeFloatLE(352, 108); // vox_offset
  header.writeFloatLE(1, 112); // scl_slope
  header.write('n+1\0', 344, 'latin1');
  const data = Buffer.alloc(nx * ny * nz * 2);
  for (let z = 0; z < nz; z++) for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) {
    const r = Math.hypot(x - 11.5, y - 11.5);
    const hu = r > 10 ? -1000 : r < 2.5 ? 900 : 40 + ((x + y + z) % 5);
    data.writeInt16LE(hu, 2 * (x + nx * (y + ny * z)));
  }
  return Buffer.concat([header, data]);
}

/** WCAG relative luminance contrast of two CSS colours `rgb(r, g, b)`. */
function contrast(a, b) {
  const lum = (c) => {
    const [r, g, bl] = c.match(/[\d.]+/g).slice(0, 3).map((v) => {
      const s = Number(v) / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

/** Rendered font sizes of the text in the plots under `selector`: the font size times the SVG's scale on screen, and,
 * for horizontal text, the height of its box; the smallest of each. */
async function plotTextSizes(page, selector) {
  return page.evaluate((selector) => {
    let smallest = { size: Infinity, text: '' };
    let smallestBox = { height: Infinity, text: '' };
    let count = 0;
    for (const svg of document.querySelectorAll(`${selector} svg`)) {
      const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
      for (const t of svg.querySelectorAll('text')) {
        const size = parseFloat(getComputedStyle(t).fontSize) * scale;
        const label = t.textContent;
        count += 1;
        if (size < smallest.size) smallest = { size, text: label };
        if (!t.getAttribute('transform')) {
          const h = t.getBoundingClientRect().height;
          if (h < smallestBox.height) smallestBox = { height: h, text: label };
        }
      }
    }
    return { count, smallest, smallestBox };
  }, selector);
}

test('offline from the first visit: every lesson and figure, the Image Lab, the Model Lab', { timeout: 300_000 }, async () => {
  const list = precacheList();
  const dist = distDir();
  // The list holds every built file but the sample images (kept only on request) and the service worker itself.
  const samples = JSON.parse(fs.readFileSync(path.join(dist, 'data/datasets.json'), 'utf8')).datasets
    .flatMap((d) => [d.image, d.mask].filter(Boolean).map((f) => `data/${d.id}/${f}`));
  const urls = list.files.map((f) => f.url);
  for (const f of list.files) assert.equal(fs.statSync(path.join(dist, f.url)).size, f.bytes, `${f.url}: size in the list`);
  assert.ok(samples.every((s) => !urls.includes(s)), 'sample images are not precached');
  for (const needed of ['index.html', 'radlearn-labs.js', 'radlearn-labs_bg.wasm', 'labs-loader.js', 'radlearn-worker_loader.js',
    'radlearn-worker.js', 'radlearn-worker_bg.wasm']) assert.ok(urls.includes(needed), `${needed} is precached`);
  const figures = fs.readdirSync(path.join(dist, 'lessons'), { recursive: true }).filter((f) => /\.(svg|png|jpe?g)$/.test(f));
  assert.ok(figures.length >= 16 && figures.every((f) => urls.includes(`lessons/${f.split(path.sep).join('/')}`)),
    `every lesson figure (${figures.length}) is precached`);
  assert.ok(urls.some((u) => /^radlearn-web-[0-9a-f]+_bg\.wasm$/.test(u)), 'the page\'s module, by its hashed name');

  const server = await serve();
  const { context, page, log } = await watchedPage(browser, server.origin, { viewport: { width: 1024, height: 768 } });
  try {
    // Online: the index only, until the service worker is installed and in charge.
    await page.goto(`${server.origin}/`);
    await page.locator('.lesson-card').first().waitFor();
    const cached = await page.evaluate(async () => {
      const reg = await navigator.serviceWorker.ready;
      // `ready` resolves once a worker is active, which may still be 'activating': wait for it to finish.
      const sw = reg.active;
      if (sw && sw.state !== 'activated') {
        await new Promise((ok) => sw.addEventListener('statechange', () => { if (sw.state === 'activated') ok(); }));
      }
      const keys = [];
      for (const name of await caches.keys()) {
        for (const r of await (await caches.open(name)).keys()) keys.push(new URL(r.url).pathname.slice(1));
      }
      return { active: reg.active?.state, keys };
    });
    assert.equal(cached.active, 'activated');
    for (const u of urls) assert.ok(cached.keys.includes(u), `${u} is in the offline cache after the first visit`);
    const slugs = await page.locator('.lesson-card').evaluateAll((cards) => cards.map((c) => c.dataset.testid.replace('lesson-card-', '')));
    assert.ok(slugs.length >= 7);

    // Offline: the server is gone and the browser knows it.
    await server.close();
    await context.setOffline(true);
    for (const slug of slugs) {
      await page.goto(`${server.origin}/#/lesson/${slug}`);
      await page.reload();
      await page.locator('[data-testid=lesson] h1').waitFor();
      const imgs = page.locator('.prose img');
      const n = await imgs.count();
      for (let i = 0; i < n; i++) {
        await imgs.nth(i).scrollIntoViewIfNeeded();
        await page.waitForFunction((img) => img.complete, await imgs.nth(i).elementHandle());
      }
      const broken = await imgs.evaluateAll((all) => all.filter((i) => !(i.naturalWidth > 0)).map((i) => i.getAttribute('src')));
      assert.deepEqual(broken, [], `${slug}: every figure shows offline`);
    }

    // The Image Lab, offline, with a local file: recognised as CT, in HU, with the soft-tissue window.
    await page.goto(`${server.origin}/#/lab`);
    await page.getByTestId('pick-files').setInputFiles({ name: 'ct-like.nii', mimeType: 'application/octet-stream', buffer: ctNifti() });
    await page.getByTestId('image-name').waitFor({ timeout: 60_000 });
    assert.equal(await page.getByTestId('image-name').innerText(), 'ct-like.nii');
    assert.match(await page.getByTestId('lab-notes').innerText(), /looks like CT in HU/);
    assert.equal(await page.getByTestId('wl-centre').inputValue(), '40');
    assert.equal(await page.getByTestId('wl-width').inputValue(), '400');
    await fillField(page, 'wl-width', 1500);
    assert.equal(await page.getByTestId('wl-width').inputValue(), '1500', 'the student changes the window');
    await shot(page, 'offline-image-lab');

    // The Model Lab, offline: a small cohort, cross-validated, its plots readable on a 1024 x 768 projector.
    await page.goto(`${server.origin}/#/models`);
    await page.getByTestId('model-lab').waitFor();
    await fillField(page, 'cohort-cases', 30);
    await fillField(page, 'cohort-seed', 2);
    await page.getByTestId('cohort-generate').click();
    await page.getByTestId('cohort-summary').waitFor({ timeout: 180_000 });
    assert.equal(await page.getByTestId('cohort-cases-count').textContent(), '30');
    await crossValidate(page);
    await page.locator('[data-testid=plot-importances] svg').waitFor();
    const sizes = await plotTextSizes(page, '[data-testid=cv-results]');
    assert.ok(sizes.count > 50, `plot text found (${sizes.count})`);
    assert.ok(sizes.smallest.size >= 12, `every plot label is 12 px or more at 1024 x 768: ${JSON.stringify(sizes.smallest)}`);
    assert.ok(sizes.smallestBox.height >= 12, `rendered text boxes: ${JSON.stringify(sizes.smallestBox)}`);
    // Feature names: at most 32 characters shown, the full name as the tooltip of those abbreviated.
    const names = await page.locator('[data-testid=plot-importances] text').evaluateAll((ts) =>
      ts.map((t) => ({ shown: t.lastChild.textContent, full: t.querySelector('title')?.textContent })))
      // The bars' feature names (each ends with its IBSI code), not the title, ticks or axis label.
      .then((all) => all.filter((n) => n.full || /\([A-Z0-9]{4}\)$/.test(n.shown)));
    assert.ok(names.length > 0, 'feature names found');
    assert.ok(names.every((n) => n.shown.length <= 32), `long names are abbreviated: ${names.map((n) => n.shown).join(' | ')}`);
    const abbreviated = names.filter((n) => n.full);
    assert.ok(abbreviated.length > 0 && abbreviated.every((n) => n.full.length > 32 && n.shown.includes('…')),
      `abbreviated names have the full name as a tooltip: ${JSON.stringify(abbreviated.slice(0, 3))}`);
    // 30 cases: the calibration plot says that a curve would mean nothing.
    assert.equal(await page.locator('[data-testid=plot-calibration] [data-too-few]').count(), 1);
    await page.getByTestId('plot-importances').scrollIntoViewIfNeeded();
    await shot(page, 'offline-model-lab-1024');

    // The same plots in the dark theme (the cohort is generated once, for both checks): legible text on the plot.
    await page.emulateMedia({ colorScheme: 'dark' });
    const plot = await page.evaluate(() => {
      const svg = document.querySelector('[data-testid=plot-roc] svg');
      return { text: getComputedStyle(svg.querySelector('text')).fill, bg: getComputedStyle(svg.querySelector('.plot-bg')).fill,
        page: getComputedStyle(document.body).backgroundColor };
    });
    assert.ok(contrast(plot.text, plot.bg) >= 4.5, `dark plot text contrast ${contrast(plot.text, plot.bg).toFixed(2)} (${plot.text} on ${plot.bg})`);
    assert.ok(contrast('rgb(255, 255, 255)', plot.page) > 10, 'the page is dark');
    await page.getByTestId('plot-roc').scrollIntoViewIfNeeded();
    await shot(page, 'dark-model-lab');
    await page.emulateMedia({ colorScheme: 'light' });
    assert.deepEqual(log.errors.filter((e) => !/Failed to load resource|ERR_INTERNET_DISCONNECTED/.test(e)), [], 'no console error');
  } finally {
    await context.close();
    await server.close();
  }
});

test('a sample dataset kept for offline use opens offline; removed, it says what is missing', { timeout: 120_000 }, async () => {
  const server = await serve();
  const { context, page } = await watchedPage(browser, server.origin, { viewport: { width: 1280, height: 900 } });
  try {
    await page.goto(`${server.origin}/#/lab`);
    await page.evaluate(() => navigator.serviceWorker.ready);
    const keep = page.getByTestId('keep-ibsi-digital-phantom');
    await keep.getByTestId('keep-add').waitFor();
    assert.match(await keep.innerText(), /Keep for offline use \(225 bytes\)/, 'the size is shown (datasets.json)');
    await keep.getByTestId('keep-add').click();
    await page.locator('[data-testid=keep-ibsi-digital-phantom][data-state=kept]').waitFor();
    assert.match(await keep.innerText(), /Kept for offline use/);
    // Kept across visits.
    await page.reload();
    await page.locator('[data-testid=keep-ibsi-digital-phantom][data-state=kept]').waitFor();

    await context.setOffline(true);
    await page.getByTestId('open-ibsi-digital-phantom').click();
    await page.locator('[data-testid=image-info]').filter({ hasText: '5 × 4 × 4 voxels' }).waitFor({ timeout: 60_000 });

    // Removed, it is no longer available offline, and the page says why.
    await context.setOffline(false);
    await page.getByTestId('toggle-open').click();
    await keep.getByTestId('keep-remove').click();
    await page.locator('[data-testid=keep-ibsi-digital-phantom][data-state=not-kept]').waitFor();
    await context.setOffline(true);
    await page.getByTestId('open-ibsi-digital-phantom').click();
    await page.getByTestId('sample-problem').waitFor();
    const problem = await page.getByTestId('sample-problem').innerText();
    assert.match(problem, /offline/);
    assert.match(problem, /not kept for offline use/);
    assert.doesNotMatch(problem, /reload/);
  } finally {
    await context.close();
    await server.close();
  }
});

test('offline before the labs were ever stored: the page says it is offline and what is missing', { timeout: 60_000 }, async () => {
  const server = await serve();
  // No service worker: nothing is stored, as on a first visit cut short.
  const { context, page } = await watchedPage(browser, server.origin, { viewport: { width: 1024, height: 768 }, serviceWorkers: 'block' });
  try {
    await page.goto(`${server.origin}/`);
    await page.locator('.lesson-card').first().waitFor();
    await context.setOffline(true);
    await page.evaluate(() => { location.hash = '#/models'; });
    const alert = page.locator('.widget-error[role=alert]');
    await alert.waitFor({ timeout: 30_000 });
    const text = await alert.innerText();
    assert.match(text, /offline/);
    assert.match(text, /labs module/);
    assert.doesNotMatch(text, /reload the page/);
  } finally {
    await context.close();
    await server.close();
  }
});

test('keyboard: on a lesson the first Tab reaches the skip link, and then the lesson comes before its contents', async () => {
  const server = await serve();
  const { context, page } = await watchedPage(browser, server.origin, { viewport: { width: 1280, height: 800 }, serviceWorkers: 'block' });
  try {
    await page.goto(`${server.origin}/#/lesson/reading-images-as-numbers`);
    await page.locator('[data-testid=lesson] h1').waitFor();
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.className), 'skip-link');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Tab');
    const where = await page.evaluate(() => ({
      inLesson: !!document.activeElement.closest('[data-testid=lesson]'),
      inToc: !!document.activeElement.closest('.toc'),
      text: document.activeElement.textContent.slice(0, 60),
    }));
    assert.ok(where.inLesson && !where.inToc, `after the skip link, the lesson's content: ${JSON.stringify(where)}`);
  } finally {
    await context.close();
    await server.close();
  }
});

test('dark theme: legible text on the index and a lesson (the Model Lab\'s plots: first test)', { timeout: 60_000 }, async () => {
  const server = await serve();
  const { context, page } = await watchedPage(browser, server.origin, { viewport: { width: 1024, height: 768 }, serviceWorkers: 'block', colorScheme: 'dark' });
  try {
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.goto(`${server.origin}/`);
    await page.locator('.lesson-card').first().waitFor();
    const body = await page.evaluate(() => ({ fg: getComputedStyle(document.body).color, bg: getComputedStyle(document.body).backgroundColor }));
    assert.ok(contrast(body.fg, body.bg) >= 4.5, `body text contrast ${contrast(body.fg, body.bg).toFixed(2)} (${body.fg} on ${body.bg})`);
    assert.ok(contrast('rgb(255, 255, 255)', body.bg) > 10, 'the background is dark');
    await shot(page, 'dark-index');
    await page.goto(`${server.origin}/#/lesson/learning-from-features`);
    await page.locator('[data-testid=lesson] h1').waitFor();
    const prose = await page.evaluate(() => {
      const p = document.querySelector('.prose p');
      return { fg: getComputedStyle(p).color, bg: getComputedStyle(document.body).backgroundColor,
        muted: getComputedStyle(document.querySelector('.lesson-header .summary')).color };
    });
    assert.ok(contrast(prose.fg, prose.bg) >= 4.5, `lesson text contrast ${contrast(prose.fg, prose.bg).toFixed(2)}`);
    assert.ok(contrast(prose.muted, prose.bg) >= 4.5, `muted text contrast ${contrast(prose.muted, prose.bg).toFixed(2)}`);
    await shot(page, 'dark-lesson');
  } finally {
    await context.close();
    await server.close();
  }
});

test('the release build keeps the strict Content-Security-Policy; only the development server lets live reload in', () => {
  const csp = fs.readFileSync(path.join(distDir(), 'index.html'), 'utf8').match(/http-equiv="Content-Security-Policy" content="([^"]+)"/)[1];
  const connect = csp.split(';').map((d) => d.trim()).find((d) => d.startsWith('connect-src'));
  assert.equal(connect, "connect-src 'self'");
  assert.doesNotMatch(csp, /ws:/);
  // The hook widens the policy only in a page that carries Trunk's live-reload client.
  for (const dev of [false, true]) {
    const staging = fs.mkdtempSync(path.join(os.tmpdir(), 'radlearn-staging-'));
    fs.copyFileSync(path.resolve('static/sw.js'), path.join(staging, 'sw.js'));
    const page = `<meta http-equiv="Content-Security-Policy" content="default-src 'self'; connect-src 'self'">${dev ? '<script>new WebSocket(base + ".well-known/trunk/ws")</script>' : ''}`;
    fs.writeFileSync(path.join(staging, 'index.html'), page);
    execFileSync('node', ['tools/postbuild.mjs'], { env: { ...process.env, TRUNK_STAGING_DIR: staging } });
    const out = fs.readFileSync(path.join(staging, 'index.html'), 'utf8');
    if (dev) assert.match(out, /connect-src 'self' ws:\/\/127\.0\.0\.1:\* ws:\/\/localhost:\*/);
    else assert.equal(out, page, 'a page without the live-reload client keeps its policy');
    // The release build lists its files for precaching; the development server, rebuilt on every edit, does not.
    const sw = fs.readFileSync(path.join(staging, 'sw.js'), 'utf8');
    if (dev) assert.match(sw, /\/\*PRECACHE\*\/ null \/\*END\*\//);
    else assert.match(sw, /\/\*PRECACHE\*\/ \{"version":"[0-9a-f]{16}","files":\[\{"url":"index\.html","bytes":\d+\}\]/);
    fs.rmSync(staging, { recursive: true });
  }
});
