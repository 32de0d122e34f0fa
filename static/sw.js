// RadLearn service worker: keeps the course working offline once it has been opened.
// Network first (so a redeployed site is never stale), falling back to the copy cached on the
// last successful load. Only same-origin GET requests are touched; nothing is sent anywhere.
// Image Lab sample data (data/…) is cached the same way once a student has opened it, so it opens offline too;
// it is never fetched ahead of time.
const CACHE = 'radlearn-v1';

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET' || new URL(req.url).origin !== self.location.origin) return;
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    try {
      const res = await fetch(req);
      if (res.ok) cache.put(req, res.clone());
      return res;
    } catch (err) {
      const hit = await cache.match(req, { ignoreSearch: true });
      if (hit) return hit;
      throw err;
    }
  })());
});
