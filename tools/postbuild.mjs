// Trunk's post-build hook (Trunk.toml): finishes the site in Trunk's staging folder before it becomes dist/.
//
// 1. The offline precache list. Every built file the site needs offline (the shell, the lessons' figures, the labs
//    module, the worker, whatever Trunk named them, hashes included) is listed with its size and written into
//    sw.js, replacing its `PRECACHE` placeholder, so the service worker fetches exactly these files at install and
//    the list can never go stale. The Image Lab's sample images are left out: students keep them for offline use
//    themselves (their sizes are in data/datasets.json). The list carries a digest of every listed file, so any
//    change to the site changes sw.js and the browser installs the new service worker, which precaches anew.
// 2. Development only (and then instead of 1): `trunk serve` injects a live-reload script that talks to Trunk over a websocket, which the
//    page's Content-Security-Policy (`connect-src 'self'`) blocks. When, and only when, that script is in the page,
//    the policy is widened to the local websocket. A release build has no such script and keeps the strict policy.
//
// Usage: run by Trunk (TRUNK_STAGING_DIR); `node tools/postbuild.mjs --report [dist]` prints the precache list of a
// built site and its total size (the BENCHMARKS.md figure).
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';

const PLACEHOLDER = /\/\*PRECACHE\*\/[^]*?\/\*END\*\//;

/** Every file under `dir`, as slash-separated paths relative to it, sorted. */
function walk(dir, prefix = '') {
  const out = [];
  for (const entry of fs.readdirSync(path.join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...walk(dir, rel));
    else if (entry.isFile()) out.push(rel);
  }
  return out.sort();
}

/** The sample images and masks named in data/datasets.json: downloaded on demand, never precached. */
function sampleFiles(dir) {
  const listing = path.join(dir, 'data/datasets.json');
  if (!fs.existsSync(listing)) return new Set();
  const { datasets } = JSON.parse(fs.readFileSync(listing, 'utf8'));
  const files = new Set();
  for (const d of datasets) {
    for (const f of [d.image, d.mask]) if (f) files.add(`data/${d.id}/${f}`);
  }
  return files;
}

/** The files to precache in the built site `dir`, with their sizes and a digest of their contents. */
export function precacheList(dir) {
  const samples = sampleFiles(dir);
  const hash = crypto.createHash('sha256');
  const files = [];
  for (const rel of walk(dir)) {
    // sw.js is the service worker itself; lesson sources are compiled into the page's module.
    if (rel === 'sw.js' || samples.has(rel) || (rel.startsWith('lessons/') && rel.endsWith('.md'))) continue;
    const bytes = fs.readFileSync(path.join(dir, rel));
    hash.update(rel).update('\0').update(bytes);
    files.push({ url: rel, bytes: bytes.length });
  }
  return { version: hash.digest('hex').slice(0, 16), files, total_bytes: files.reduce((s, f) => s + f.bytes, 0) };
}

function writePrecache(dir) {
  const sw = path.join(dir, 'sw.js');
  const text = fs.readFileSync(sw, 'utf8');
  if (!PLACEHOLDER.test(text)) throw new Error(`${sw} has no /*PRECACHE*/ … /*END*/ placeholder`);
  const list = precacheList(dir);
  fs.writeFileSync(sw, text.replace(PLACEHOLDER, () => `/*PRECACHE*/ ${JSON.stringify(list)} /*END*/`));
  console.log(`postbuild: ${list.files.length} files (${(list.total_bytes / 1024).toFixed(1)} KiB) precached for offline use`);
}

// Trunk's live-reload client connects to ws(s)://<host>/.well-known/trunk/ws (before Trunk 0.19: /_trunk/ws).
const LIVE_RELOAD = /\.well-known\/trunk\/ws|\/_trunk\/ws/;

function allowLiveReload(dir) {
  const file = path.join(dir, 'index.html');
  const html = fs.readFileSync(file, 'utf8');
  if (!LIVE_RELOAD.test(html)) return false;
  const widened = html.replace(/connect-src 'self'/, "connect-src 'self' ws://127.0.0.1:* ws://localhost:*");
  if (widened === html) throw new Error(`${file}: no connect-src 'self' in the Content-Security-Policy to widen`);
  fs.writeFileSync(file, widened);
  console.log('postbuild: development server: the Content-Security-Policy allows the live-reload websocket; nothing precached');
  return true;
}

function report(dir) {
  const text = fs.readFileSync(path.join(dir, 'sw.js'), 'utf8');
  const m = text.match(/\/\*PRECACHE\*\/ ([^]*?) \/\*END\*\//);
  const list = m && JSON.parse(m[1]);
  if (!list) throw new Error(`${dir}/sw.js has no precache list: build the site with Trunk (cargo xtask build)`);
  for (const f of list.files) console.log(`${(f.bytes / 1024).toFixed(1).padStart(9)} KiB  ${f.url}`);
  console.log(`${(list.total_bytes / 1024).toFixed(1).padStart(9)} KiB  total, ${list.files.length} files (version ${list.version})`);
}

const args = process.argv.slice(2);
if (args[0] === '--report') {
  report(path.resolve(args[1] || 'dist'));
} else {
  const dir = process.env.TRUNK_STAGING_DIR;
  if (!dir) throw new Error('TRUNK_STAGING_DIR is not set: Trunk runs this script (Trunk.toml [[hooks]])');
  // Under `trunk serve` the site is rebuilt on every edit: no precaching there (the service worker then only keeps
  // what was fetched), which also spares re-downloading the large debug modules after each edit.
  if (!allowLiveReload(dir)) writePrecache(dir);
}
