// Shared by the end-to-end tests and the benchmarks: a static file server for dist/ on
// 127.0.0.1 (no fallback rules, like the plainest static host) and the system Chromium.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { before, after } from 'node:test';
import { chromium } from 'playwright-core';

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm',
  '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png', '.json': 'application/json', '.md': 'text/markdown; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8', '.gz': 'application/gzip', '.webmanifest': 'application/manifest+json',
};

export const distDir = () => path.resolve(process.env.RADLEARN_DIST || 'dist');

/** Serves `root` on 127.0.0.1 at a free port. With `gzip`, compresses responses as a CDN would: each file once (kept
 * until it changes), so that timings measure the site rather than this server compressing a megabyte per request;
 * with `maxAge` (seconds), lets browsers cache every file that long, as many hosts do, instead of `no-store`. */
export async function serve(root = distDir(), { gzip = false, maxAge = null } = {}) {
  if (!fs.existsSync(path.join(root, 'index.html'))) throw new Error(`${root}/index.html is missing: run \`cargo xtask build\` first`);
  const compressed = new Map();
  const gzipped = (file, body) => {
    const key = `${file}:${fs.statSync(file).mtimeMs}`;
    if (!compressed.has(key)) compressed.set(key, zlib.gzipSync(body, { level: 9 }));
    return compressed.get(key);
  };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    let file = path.join(root, decodeURIComponent(url.pathname));
    if (!file.startsWith(root)) { res.writeHead(403).end(); return; }
    if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, 'index.html');
    if (!fs.existsSync(file)) { res.writeHead(404, { 'content-type': 'text/plain' }).end('not found'); return; }
    let body = fs.readFileSync(file);
    const headers = {
      'content-type': TYPES[path.extname(file)] || 'application/octet-stream',
      'cache-control': maxAge === null ? 'no-store' : `max-age=${maxAge}`,
    };
    if (gzip && /gzip/.test(req.headers['accept-encoding'] || '')) { body = gzipped(file, body); headers['content-encoding'] = 'gzip'; }
    res.writeHead(200, headers).end(body);
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const origin = `http://127.0.0.1:${server.address().port}`;
  // Closing also drops kept-alive connections, so that a test that stops the server really cuts the site off.
  const close = () => new Promise((ok) => {
    if (!server.listening) return ok();
    server.close(() => ok());
    server.closeAllConnections();
  });
  return { origin, close };
}

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
}

/** A page that records requests leaving `origin`, console errors and uncaught exceptions. */
export async function watchedPage(browser, origin, options = {}) {
  const context = await browser.newContext({ acceptDownloads: true, ...options });
  const page = await context.newPage();
  const log = { foreign: [], errors: [] };
  page.on('request', (r) => {
    const u = r.url();
    if (!u.startsWith(origin + '/') && !u.startsWith('data:') && !u.startsWith('blob:')) log.foreign.push(u);
  });
  page.on('console', (m) => { if (m.type() === 'error') log.errors.push(m.text()); });
  page.on('pageerror', (e) => log.errors.push(String(e)));
  return { context, page, log };
}

/** The folder of the end-to-end tests' screenshots and downloads (created if missing). */
export function artifactsDir() {
  const dir = path.resolve('tests/e2e/artifacts');
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/**
 * Registers a test file's hooks: before its tests, serve dist/, start Chromium and open one watched page with
 * `pageOptions`, handing `{ server, browser, ctx }` to `use`; after them, close both.
 */
export function browserSuite(pageOptions, use) {
  let server, browser;
  before(async () => {
    server = await serve();
    browser = await launch();
    use({ server, browser, ctx: await watchedPage(browser, server.origin, pageOptions) });
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });
}

/** Page coordinates of the centre of pixel (col, row) of a view, for a grid of `dims` voxels of `spacing` mm
 * (the viewer fits the slice with its physical aspect ratio, centred, at zoom 1). */
export async function pixelPoint(locator, [col, row], [w, h], [sx, sy]) {
  const box = await locator.boundingBox();
  const [wmm, hmm] = [w * sx, h * sy];
  const fit = Math.min(box.width / wmm, box.height / hmm);
  const [pw, ph] = [wmm * fit, hmm * fit];
  return { x: box.x + (box.width - pw) / 2 + ((col + 0.5) / w) * pw, y: box.y + (box.height - ph) / 2 + ((row + 0.5) / h) * ph };
}

/** Types `value` into the number field `testid` of `scope` (a page or a locator) and commits it, as leaving the field does. */
export async function fillField(scope, testid, value) {
  const input = scope.getByTestId(testid);
  await input.fill(String(value));
  await input.dispatchEvent('change');
}

/** Runs the Model Lab's cross-validation in `scope` (a page or an exercise) and returns the AUC it shows. */
export async function crossValidate(scope) {
  const runs = await scope.locator('[data-testid=cv-runs] tbody tr').count();
  await scope.getByTestId('cv-run').click();
  await scope.locator('[data-testid=cv-runs] tbody tr').nth(runs).waitFor({ timeout: 60_000 });
  return Number(await scope.getByTestId('cv-auc').textContent());
}
