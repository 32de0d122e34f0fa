// RadLearn service worker: the course works offline from the first visit.
//
// At install it precaches the whole site except the Image Lab's sample images: the shell, every lesson's figures, the
// labs module and the feature worker. The list below is written at build time by tools/postbuild.mjs (Trunk's
// post-build hook) from the files Trunk actually produced, hashed names included, so it cannot go stale; it carries a
// digest of those files, so a redeployed site changes this script and the browser installs it anew.
//
// Requests are answered network first (so a redeployed site is never stale), falling back to the cached copy.
// Requests revalidate with the server ('no-cache': a 304 when nothing changed), so that the files whose names carry no
// content hash (the labs module, the worker, their loaders) are never taken from a stale HTTP cache and paired with a
// newer page. Only same-origin GET requests are touched; nothing is sent anywhere.
//
// Sample datasets (data/<id>/…) are cached only when the student presses "Keep for offline use" in the Image Lab
// (src/platform.rs puts them in DATA_CACHE, which outlives new versions of the site, and removes them on request).
const PRECACHE = /*PRECACHE*/ null /*END*/;
const PREFIX = 'radlearn-site-';
const CACHE = PREFIX + (PRECACHE ? PRECACHE.version : 'dev');
const DATA_CACHE = 'radlearn-data';

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    if (PRECACHE) {
      const cache = await caches.open(CACHE);
      const scope = self.registration.scope;
      // The folder's own URL (what a browser opens) is index.html.
      const urls = ['./', ...PRECACHE.files.map((f) => f.url)];
      // All or nothing: a half-cached site would fail offline in confusing places; a failed install is retried on
      // the next visit.
      await cache.addAll(urls.map((u) => new Request(new URL(u, scope), { cache: 'no-cache' })));
    }
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => event.waitUntil((async () => {
  // Earlier versions of the site (and the cache of versions before precaching) go; kept datasets stay.
  for (const name of await caches.keys()) {
    if (name !== CACHE && name !== DATA_CACHE && name.startsWith('radlearn-')) await caches.delete(name);
  }
  await self.clients.claim();
})()));

/** The response from the server, revalidated. */
async function fresh(req) {
  if (req.mode !== 'navigate') return fetch(new Request(req, { cache: 'no-cache' }));
  // A navigation request cannot be copied with other options: fetch its URL instead, unless the server redirects
  // it (a redirected response cannot answer a navigation), in which case the browser's own request goes ahead.
  const res = await fetch(req.url, { cache: 'no-cache', credentials: 'same-origin' });
  return res.redirected ? fetch(req) : res;
}

/** Whether `url` is a sample dataset's file (kept only on request). */
function isData(url) {
  return url.pathname.startsWith(new URL('data/', self.registration.scope).pathname);
}

self.addEventListener('fetch', (event) => {
  const req = event.request;
  const url = new URL(req.url);
  if (req.method !== 'GET' || url.origin !== self.location.origin) return;
  event.respondWith((async () => {
    const data = isData(url);
    const cache = await caches.open(data ? DATA_CACHE : CACHE);
    try {
      const res = await fresh(req);
      // A kept dataset is refreshed when it changed; one that is not kept is not cached.
      if (res.ok && (!data || (await cache.match(req, { ignoreSearch: true })))) event.waitUntil(cache.put(req, res.clone()));
      return res;
    } catch (err) {
      const hit = await cache.match(req, { ignoreSearch: true });
      if (hit) return hit;
      throw err;
    }
  })());
});
