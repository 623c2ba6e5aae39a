/**
 * Register the service worker, and try again when its install fails.
 *
 * The install downloads the app shell (sw.js's precache list) in one go; a single request lost on a
 * weak signal fails the whole install and the worker is dropped. The browser itself would only try
 * again at the next opening of the app — meanwhile the phone has no offline app. So a failed
 * registration or install is retried after a pause that doubles (5 s … 2 min), and at once when the
 * browser says the signal is back.
 *
 * A worker claims the pages open when it activates; a page whose navigation began before that (the
 * first opening, while the worker was still installing) is not among them and would stay uncontrolled
 * — its chunks not yet loaded then miss the worker's cache without signal. Such a page asks the active
 * worker to claim it (sw.js, message 'claim').
 */
const FIRST_PAUSE_MS = 5_000;
const LONGEST_PAUSE_MS = 120_000;

export function registerServiceWorker(url = '/sw.js'): void {
  let pause = FIRST_PAUSE_MS;
  let timer: ReturnType<typeof setTimeout> | null = null;

  const retry = () => {
    if (timer) return;
    timer = setTimeout(() => { timer = null; attempt(); }, pause);
    pause = Math.min(pause * 2, LONGEST_PAUSE_MS);
  };
  window.addEventListener('online', () => {
    if (!timer) return;
    clearTimeout(timer);
    timer = null;
    attempt();
  });

  function attempt(): void {
    navigator.serviceWorker.register(url).then((registration) => {
      const worker = registration.installing;
      if (!worker) return;
      worker.addEventListener('statechange', () => {
        // Dropped before it ever ran: the install failed (a newer release replacing it is not a failure).
        if (worker.state === 'redundant' && !registration.active && !registration.waiting && !registration.installing) {
          console.warn('service worker: install failed, trying again');
          retry();
        } else if (worker.state === 'activated') {
          pause = FIRST_PAUSE_MS;
        }
      });
    }, (e: unknown) => {
      console.warn('service worker', e);
      retry();
    });
  }
  attempt();

  void navigator.serviceWorker.ready.then((registration) => {
    if (!navigator.serviceWorker.controller) registration.active?.postMessage({ type: 'claim' });
  });
}
