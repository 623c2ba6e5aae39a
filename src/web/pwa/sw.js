/* global self, caches, fetch, Response, URL */
/**
 * Linli's service worker: the app shell opens without signal.
 * The build (vite.config.ts, plugin `linli-sw`) emits this file as /sw.js with two lines in front:
 * self.LINLI_RELEASE (a hash of the release's files) and self.LINLI_PRECACHE (index.html and the built
 * assets the phone pages need). A new release is a new sw.js, so a new cache; the old one is dropped.
 * - navigations: network first (a few seconds), else the cached index.html;
 * - /assets/*, icons, the manifest: cache first (their names carry content hashes);
 * - /api/*: never touched here — the app keeps its own data (IndexedDB, src/web/pwa/).
 */
const RELEASE = self.LINLI_RELEASE;
const PRECACHE = self.LINLI_PRECACHE;
const CACHE = `linli-shell-${RELEASE}`;
const NAVIGATION_TIMEOUT_MS = 4000;

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(PRECACHE)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(names.filter((n) => n.startsWith('linli-shell-') && n !== CACHE).map((n) => caches.delete(n))))
      .then(() => self.clients.claim()),
  );
});

// A page asks to be taken when it is not controlled although this worker is active: its navigation
// began before the worker activated, so the claim at activation did not include it (src/web/pwa/register.ts).
self.addEventListener('message', (event) => {
  if (event.data && event.data.type === 'claim') event.waitUntil(self.clients.claim());
});

/** The network's answer, or nothing when it fails or is slower than `ms` (bad signal). */
function networkWithin(request, ms) {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), ms);
    fetch(request).then(
      (res) => { clearTimeout(timer); resolve(res); },
      () => { clearTimeout(timer); resolve(null); },
    );
  });
}

async function navigation(request) {
  const res = await networkWithin(request, NAVIGATION_TIMEOUT_MS);
  if (res && res.status < 500) return res;
  const shell = await caches.match('/index.html', { cacheName: CACHE });
  return shell ?? res ?? Response.error();
}

async function cacheFirst(request) {
  const cache = await caches.open(CACHE);
  const hit = await cache.match(request);
  if (hit) return hit;
  const res = await fetch(request);
  if (res.ok) await cache.put(request, res.clone());
  return res;
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || url.pathname.startsWith('/api/')) return;
  if (request.mode === 'navigate') {
    event.respondWith(navigation(request));
  } else if (url.pathname.startsWith('/assets/') || url.pathname.startsWith('/icons/') || url.pathname === '/manifest.webmanifest') {
    event.respondWith(cacheFirst(request));
  }
});
