// kehu's service worker: the pages a customer manager has opened open again without signal.
//
// - The bundle (/pkg/…, names carry their content's hash) is answered from the cache once it has
//   been fetched: it never changes under its name.
// - Pages (HTML) and the stylesheet's neighbours go to the network first; what came back is kept,
//   and answers when the network does not. A page never opened before has nothing kept: the
//   browser's own offline page shows.
// - Nothing else is touched: sign-in, forms, server functions and exports always go to the
//   server. Entries made without signal wait on the phone (the page's outbox), not here.
const BUNDLE = 'kehu-bundle-v1';
const PAGES = 'kehu-pages-v1';

self.addEventListener('install', () => self.skipWaiting());

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) =>
        Promise.all(
          names.filter((n) => n !== BUNDLE && n !== PAGES).map((n) => caches.delete(n)),
        ),
      )
      .then(() => self.clients.claim()),
  );
});

// Pages worth keeping for the road: the field pages and the customer pages they link to.
const KEPT = [/^\/$/, /^\/visits$/, /^\/complaints$/, /^\/reports$/, /^\/customers(\/\d+)?$/];

self.addEventListener('fetch', (event) => {
  const req = event.request;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  // Signing out forgets the kept pages: the next person on this phone sees none of them.
  if (req.method === 'POST' && url.pathname === '/auth/logout') {
    event.waitUntil(caches.delete(PAGES));
    return;
  }
  if (req.method !== 'GET') return;
  if (url.pathname.startsWith('/pkg/')) {
    event.respondWith(
      caches.open(BUNDLE).then((cache) =>
        cache.match(req).then(
          (hit) =>
            hit ||
            fetch(req).then((resp) => {
              if (resp.ok) cache.put(req, resp.clone());
              return resp;
            }),
        ),
      ),
    );
    return;
  }
  if (req.mode === 'navigate' && KEPT.some((re) => re.test(url.pathname))) {
    event.respondWith(
      fetch(req)
        .then((resp) => {
          // Only a page as the signed-in user saw it: not a redirect to sign in, not an error.
          if (resp.ok && !resp.redirected) {
            const copy = resp.clone();
            caches.open(PAGES).then((cache) => cache.put(req, copy));
          }
          return resp;
        })
        .catch(() =>
          caches
            .open(PAGES)
            .then((cache) => cache.match(req))
            .then((hit) => hit || Response.error()),
        ),
    );
  }
});

// A page tells what it loaded before the worker was in charge (the first visit): the page, if
// it is one kept for the road, and its bundle files are fetched again (the bundle from the
// browser's own cache) and kept.
self.addEventListener('message', (event) => {
  const keep = (event.data && event.data.keep) || [];
  event.waitUntil(
    Promise.all(
      keep.map((href) => {
        const url = new URL(href, self.location.origin);
        if (url.origin !== self.location.origin) return null;
        if (url.pathname.startsWith('/pkg/')) {
          return caches.open(BUNDLE).then((c) => c.add(url.pathname).catch(() => {}));
        }
        if (KEPT.some((re) => re.test(url.pathname))) {
          return fetch(url.pathname + url.search, { credentials: 'same-origin' })
            .then((resp) => {
              if (resp.ok && !resp.redirected) {
                return caches.open(PAGES).then((c) => c.put(url.pathname + url.search, resp));
              }
              return null;
            })
            .catch(() => {});
        }
        return null;
      }),
    ),
  );
});
