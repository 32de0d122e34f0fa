// RadLearn service worker: keeps the course working offline once it has been opened.
// Network first (so a redeployed site is never stale), falling back to the copy cached on the
// last successful load. Requests revalidate with the server ('no-cache': a 304 when nothing changed), so that the
// files whose names carry no content hash (the labs module, the worker, their loaders) are never taken from a stale
// HTTP cache and paired with a newer page after a redeploy. Only same-origin GET requests are touched; nothing is sent anywhere.
// Image Lab sample data (data/…) is cached the same way once a student has opened it, so it opens offline too;
// it is never fetched ahead of time.
const CACHE = 'radlearn-v1';

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

/** The response from the server, revalidated. */
async function fresh(req) {
  if (req.mode !== 'navigate') return fetch(new Request(req, { cache: 'no-cache' }));
  // A navigation request cannot be copied with other options: fetch its URL instead, unless the server redirects
  // it (a redirected response cannot answer a navigation), in which case the browser's own request goes ahead.
  const res = await fetch(req.url, { cache: 'no-cache', credentials: 'same-origin' });
  return res.redirected ? fetch(req) : res;
}

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET' || new URL(req.url).origin !== self.location.origin) return;
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    try {
      const res = await fresh(req);
      if (res.ok) cache.put(req, res.clone());
      return res;
    } catch (err) {
      const hit = await cache.match(req, { ignoreSearch: true });
      if (hit) return hit;
      throw err;
    }
  })());
});
