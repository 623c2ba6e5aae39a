import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page, Request } from 'playwright-core';
import { CHROMIUM, chromiumAvailable, launchBrowser, type Browser, screenshots, apiGet } from './helpers/browser.js';
import { DEMO_PASSWORD, faultyProxy, signalRelay, startServer, type RunningServer } from './helpers/server.js';
import { png } from '../../src/server/core/storage/test-images.js';
import { pointWellInside, type Geometry } from './helpers/geo.js';

/** Wait until a value is right (the UI updates asynchronously). */
const poll = <T>(fn: () => Promise<T> | T) => expect.poll(fn, { timeout: 45_000, interval: 250 });

const { shot, clear: clearOwnShots } = screenshots('o');

const PHONE = { width: 390, height: 844 };



/**
 * The phone app without signal, in Chromium against the real server (demo district): the grid worker
 * 黄艳娇 opens the report page once with signal (the service worker caches the app, the page's data is
 * kept on the phone), loses the signal, reports a case with a photo — it waits in the outbox — reloads
 * the page still offline (the service worker serves it), and when the signal returns the report is sent
 * and stored once. Then an answer lost on the way back: the retry carries the same key, still one case.
 */
describe('the phone app offline', () => {
  let server: RunningServer;
  let phone: Awaited<ReturnType<typeof signalRelay>>;
  /** The server as the phone reaches it (through the relay). */
  let base = '';
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  const consoleLines: string[] = [];
  const stamp = Date.now() % 100000;
  const offlineText = `${stamp} 号楼东侧路灯不亮（无信号时上报）`;
  const lostText = `${stamp} 号楼门口井盖松动（回复丢失）`;

  beforeAll(async () => {
    if (!chromiumAvailable()) {
      throw new Error(`No Chromium at ${CHROMIUM}: install Debian's with \`apt-get install -y chromium fonts-noto-cjk\` (or set LINLI_CHROMIUM)`);
    }
    await clearOwnShots();
    server = await startServer();
    phone = await signalRelay(server.port);
    base = phone.url;
    browser = await launchBrowser();
    page = browser.page;
    page.setDefaultTimeout(45_000);
    page.on('pageerror', (e) => pageErrors.push(`${page.url()}: ${e.stack ?? String(e)}`));
    // What the page and the service worker said, and requests that failed: the message of a failure.
    page.on('console', (m) => { if (m.type() !== 'log' && m.type() !== 'debug') consoleLines.push(`${m.type()}: ${m.text()}`); });
    browser.context.on('requestfailed', (r) => consoleLines.push(`failed ${r.method()} ${r.url()}: ${r.failure()?.errorText ?? ''}`));
  });

  afterAll(async () => {
    await browser?.close();
    await phone?.close();
    await server?.stop();
  });

  /** A GET through the signed-in browser (its session cookie). */
  const api = <T>(p: string) => apiGet<T>(page, p);

  /** The cases of mine with this description, as the server has them. */
  async function reported(description: string) {
    const mine = await api<{ items: { id: string; description: string }[] }>('/api/cases?list=reported_by_me&limit=100');
    return mine.items.filter((c) => c.description === description);
  }

  /**
   * The keys of one store of the app's device database (IndexedDB `linli`): read as the page sees it,
   * never creating the database (an upgrade started here is aborted).
   */
  async function storeKeys(store: 'data' | 'outbox'): Promise<string[]> {
    return page.evaluate((name) => new Promise<string[]>((resolve) => {
      const open = indexedDB.open('linli');
      open.onupgradeneeded = () => open.transaction?.abort();
      open.onerror = () => resolve([]);
      open.onsuccess = () => {
        const d = open.result;
        if (!d.objectStoreNames.contains(name)) { d.close(); resolve([]); return; }
        const keys = d.transaction(name).objectStore(name).getAllKeys();
        keys.onsuccess = () => { d.close(); resolve(keys.result.map(String)); };
        keys.onerror = () => { d.close(); resolve([]); };
      };
    }), store);
  }
  const kept = async (key: string) => (await storeKeys('data')).includes(key);

  /** No signal: the browser says so (navigator.onLine, the `offline` event) and the server cannot be reached. */
  async function offline(on: boolean) {
    phone.set(!on);
    await browser.context.setOffline(on);
  }

  const waitingCount = async () => {
    const el = page.getByTestId('m-outbox-count');
    return (await el.count()) ? el.getAttribute('data-count') : null;
  };

  async function fillReport(description: string, colour: [number, number, number]) {
    await page.getByTestId('m-report-form').waitFor();
    await poll(() => page.getByTestId('m-location-state').getAttribute('data-state')).toBe('located');
    await page.getByTestId('m-category').getByText('安全隐患', { exact: true }).click();
    await page.getByTestId('m-description').locator('textarea').fill(description);
    await page.getByTestId('photo-input').setInputFiles({ name: 'photo.png', mimeType: 'image/png', buffer: png(1200, 900, colour) });
    await poll(() => page.getByTestId('photo-item').getAttribute('data-state')).toBe('done');
  }

  it('opens the report page once with signal: the service worker takes over and the page data is kept', async () => {
    await page.setViewportSize(PHONE);
    await page.goto(base + '/login');
    await page.locator('#username').fill('grid');
    await page.locator('#password').fill(DEMO_PASSWORD);
    await page.locator('button[type=submit]').click();
    await page.waitForURL((u) => u.pathname !== '/login');

    // The browser's location: a point well inside the worker's own grid.
    const area = await api<{ focus: { name: string; boundary: Geometry } }>('/api/cases/report-area');
    const point = pointWellInside(area.focus.boundary);
    expect(point, `a point inside ${area.focus.name}`).not.toBeNull();
    await browser.context.setGeolocation({ longitude: Number(point!.lng.toFixed(6)), latitude: Number(point!.lat.toFixed(6)), accuracy: 10 });
    await browser.context.grantPermissions(['geolocation'], { origin: base });

    // Installable: the manifest and the worker are served, the worker never cached by HTTP.
    const manifest = await api<{ short_name: string; display: string; icons: { sizes: string }[] }>('/manifest.webmanifest');
    expect(manifest).toMatchObject({ short_name: '邻里', display: 'standalone' });
    expect(manifest.icons.map((i) => i.sizes)).toEqual(expect.arrayContaining(['192x192', '512x512']));
    const sw = await page.request.get(base + '/sw.js');
    expect(sw.headers()['cache-control']).toBe('no-cache');
    expect(await sw.text()).toContain('LINLI_PRECACHE');

    await page.goto(base + '/m/report');
    await page.getByTestId('m-report-form').waitFor();
    await page.getByTestId('m-category').getByText('安全隐患', { exact: true }).waitFor();
    // The worker controls the page (clients.claim after its precache). If not, say where it stands.
    const controlled = () => page.evaluate(() => !!navigator.serviceWorker.controller);
    await expect.poll(controlled, { timeout: 45_000, interval: 250 }).toBe(true).catch(() => undefined);
    if (!(await controlled())) {
      const state = await page.evaluate(async () => {
        const r = await navigator.serviceWorker.getRegistration();
        return r ? { installing: r.installing?.state, waiting: r.waiting?.state, active: r.active?.state } : 'not registered';
      });
      expect.fail(`the service worker does not control the page: ${JSON.stringify(state)}\n${consoleLines.slice(-20).join('\n')}`);
    }
    await poll(() => kept('cases.categories')).toBe(true);
    await poll(() => kept('cases.list.mine')).toBe(true);
  });

  it('without signal the report and its photo wait in the outbox; a reload still opens the app', async () => {
    await offline(true);
    await page.getByTestId('m-offline').waitFor();
    await fillReport(offlineText, [230, 180, 60]);
    // The upload found no network: the photo is kept for later, not shown as failed.
    await page.getByTestId('m-photos-later').waitFor();
    await page.getByTestId('m-description').scrollIntoViewIfNeeded();
    await shot(page, 'offline-report-filled', { fullPage: false });
    await page.getByTestId('m-report-submit').click();
    await poll(waitingCount).toBe('1');
    expect(await page.getByTestId('m-outbox-count').innerText()).toBe('1 条待发送');
    // The form is free for the next report.
    expect(await page.getByTestId('m-description').locator('textarea').inputValue()).toBe('');
    await page.evaluate(() => window.scrollTo(0, 0));
    await shot(page, 'offline-report', { fullPage: false });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);

    // Reload without signal: the service worker serves the app, the signed-in worker and the categories come from the phone.
    await page.reload();
    await page.getByTestId('m-report-form').waitFor();
    await page.getByTestId('m-category').getByText('安全隐患', { exact: true }).waitFor();
    await page.getByTestId('m-offline').waitFor();
    await poll(waitingCount).toBe('1');

    await page.getByTestId('m-tab-outbox').click();
    await page.getByTestId('m-outbox').waitFor();
    const item = page.getByTestId('m-outbox-item');
    await poll(() => item.count()).toBe(1);
    expect(await item.getAttribute('data-state')).toBe('waiting');
    expect(await item.innerText()).toContain(offlineText);
    expect(await item.locator('img').count()).toBe(1);
    await page.getByTestId('m-outbox-data').getByText('事件分类').waitFor();
    await shot(page, 'outbox-offline');
    // The "my cases" lists open from the phone too: 我的待办 (the demo's grid worker always holds an open
    // order, whatever the hour it was seeded at: src/server/demo/cases.int.test.ts) and what she reported.
    await page.getByTestId('m-tab-cases').click();
    await page.getByTestId('m-case-list').waitFor();
    expect(await page.getByTestId('m-case-error').count()).toBe(0);
    await page.getByTestId('m-tab-reported_by_me').click();
    await page.getByTestId('m-case-list').waitFor();
  });

  it('when the signal returns the report is sent, once, with its photo', async () => {
    await page.getByTestId('m-tab-outbox').click();
    await page.getByTestId('m-outbox').waitFor();
    await offline(false);
    await poll(() => page.getByTestId('m-outbox-item').count()).toBe(0);
    await page.getByText('没有待发送的内容').waitFor();
    expect(await page.getByTestId('m-outbox-status').count()).toBe(0);
    const stored = await reported(offlineText);
    expect(stored).toHaveLength(1);
    const detail = await api<{ attachments: { contentType: string }[] }>(`/api/cases/${stored[0]!.id}`);
    expect(detail.attachments).toMatchObject([{ contentType: 'image/jpeg' }]);
    await shot(page, 'outbox-sent');
  });

  it('an answer lost on the way back: the app retries with the same key and the server holds one case', async () => {
    const keys: string[] = [];
    let lost = 0;
    await page.route('**/api/cases', async (route) => {
      const request: Request = route.request();
      if (request.method() !== 'POST') return route.continue();
      keys.push((await request.headerValue('idempotency-key')) ?? '');
      if (lost === 0) {
        lost += 1;
        const res = await route.fetch(); // the server stores the case …
        expect(res.status()).toBe(201);
        return route.abort('connectionreset'); // … and its answer never reaches the phone
      }
      return route.continue();
    });
    await page.getByTestId('m-tab-report').click();
    await fillReport(lostText, [90, 140, 210]);
    await page.getByTestId('m-report-submit').click();
    // Sent again from the outbox under the same key: the server answers the case it stored.
    await poll(() => keys.length).toBeGreaterThanOrEqual(2);
    await poll(async () => (await storeKeys('outbox')).length).toBe(0);
    expect(new Set(keys).size).toBe(1);
    expect(keys[0]).toMatch(/\S{8,}/);
    await page.unroute('**/api/cases');
    const stored = await reported(lostText);
    expect(stored).toHaveLength(1);
    const detail = await api<{ attachments: unknown[] }>(`/api/cases/${stored[0]!.id}`);
    expect(detail.attachments).toHaveLength(1);
    expect(pageErrors).toEqual([]);
  });

  it('a conflict answered by the server is kept and shown, not overwritten; it can be deleted', async () => {
    await page.getByTestId('m-tab-cases').click();
    await page.getByTestId('m-tab-report').click();
    await offline(true);
    const text = `${stamp} 冲突示例`;
    await fillReport(text, [200, 90, 90]);
    await page.getByTestId('m-report-submit').click();
    await poll(waitingCount).toBe('1');
    // The server refuses it with 409 (as when the household changed meanwhile).
    await page.route('**/api/cases', (route) => (route.request().method() === 'POST'
      ? route.fulfill({ status: 409, contentType: 'application/json', body: JSON.stringify({ error: { code: 'conflict', message: '该住户信息已被他人修改' } }) })
      : route.continue()));
    await offline(false);
    await page.getByTestId('m-outbox-attention').waitFor();
    await page.getByTestId('m-tab-outbox').click();
    const item = page.getByTestId('m-outbox-item');
    await poll(() => item.getAttribute('data-state')).toBe('conflict');
    expect(await item.getByTestId('m-outbox-error').innerText()).toBe('该住户信息已被他人修改');
    await page.locator('.adm-toast-mask').waitFor({ state: 'detached' });
    await shot(page, 'outbox-conflict');
    await page.unroute('**/api/cases');
    await item.getByTestId('m-outbox-delete').click();
    await page.locator('.adm-dialog').getByText('删除', { exact: true }).click();
    await poll(() => item.count()).toBe(0);
    expect(await reported(text)).toHaveLength(0);
  });

  it('signing out clears what the phone kept and what waited', async () => {
    // Something waiting, without signal (a fresh form: the last one kept its category).
    await page.getByTestId('m-tab-cases').click();
    await page.getByTestId('m-tab-report').click();
    await offline(true);
    await fillReport(`${stamp} 退出前未发送`, [120, 120, 120]);
    await page.getByTestId('m-report-submit').click();
    await poll(waitingCount).toBe('1');
    // The signal returns but the report does not get through (held back here), and the worker signs out.
    await page.route('**/api/cases', (route) => (route.request().method() === 'POST' ? route.abort('internetdisconnected') : route.continue()));
    await offline(false);
    expect((await storeKeys('data')).length).toBeGreaterThan(0);
    await page.getByTestId('m-tab-desktop').click();
    await page.getByRole('button', { name: '退出登录' }).click();
    // Told first that the waiting report would be lost, the worker signs out anyway.
    const warning = page.locator('.ant-modal-confirm');
    await warning.getByRole('button', { name: '退出登录' }).waitFor();
    expect(await warning.innerText()).toContain('还有 1 条记录没有发送');
    await shot(page, 'logout-waiting', { fullPage: false });
    await warning.getByRole('button', { name: '退出登录' }).click();
    await page.waitForURL((u) => u.pathname === '/login');
    await poll(async () => [...(await storeKeys('data')), ...(await storeKeys('outbox'))]).toEqual([]);
    await page.unroute('**/api/cases');
    expect(pageErrors).toEqual([]);
  });

  it('an install of the service worker broken by one lost request is tried again, without reopening the app', async () => {
    // Another origin (another port, the same server): a registration of its own. The first request of
    // the worker's precache for a built asset is lost; the page's own requests all pass.
    const proxy = await faultyProxy(server.port, {
      refuse: (req) => req.method === 'GET' && (req.url ?? '').startsWith('/assets/') && req.headers['sec-fetch-dest'] === 'empty' && proxy.refused.length === 0,
    });
    const other = await browser.context.newPage();
    const said: string[] = [];
    other.on('console', (m) => said.push(m.text()));
    try {
      await other.setViewportSize(PHONE);
      await other.goto(proxy.url + '/login');
      await other.locator('#username').waitFor();
      await other.evaluate(() => { (window as unknown as { opened: number }).opened = 1; });
      await poll(() => proxy.refused.length).toBe(1);
      await poll(() => said.some((t) => t.includes('install failed, trying again'))).toBe(true);
      // The retry installs it; the same page (not reloaded) is then controlled.
      await poll(() => other.evaluate(() => !!navigator.serviceWorker.controller)).toBe(true);
      expect(await other.evaluate(() => (window as unknown as { opened?: number }).opened)).toBe(1);
      expect(proxy.refused).toHaveLength(1);
    } finally {
      await other.close();
      await proxy.close();
    }
  });

  it('a page opened while the worker was still installing comes under its control too', async () => {
    // The worker's claim takes the pages open when it activates; a page whose navigation began before
    // (its request went to the network) is not among them and stayed uncontrolled until the next
    // opening — its lazy chunks then missed the cache without signal. Seen on CI and by hand (1 in 10).
    // Here: the precache is held, a second navigation is started and held too, the worker activates,
    // then the second page arrives.
    const proxy = await faultyProxy(server.port, {
      hold: (req) => req.headers['sec-fetch-dest'] === 'empty' && (req.url ?? '').startsWith('/assets/') && !proxy.held.some((h) => h.includes('/login?second')) ? 'precache'
        : req.headers['sec-fetch-dest'] === 'document' && (req.url ?? '').startsWith('/login?second') ? 'page' : false,
    });
    const other = await browser.context.newPage();
    try {
      await other.setViewportSize(PHONE);
      await other.goto(proxy.url + '/login');
      await other.locator('#username').waitFor();
      await poll(() => proxy.held.length).toBeGreaterThan(0); // the precache waits
      const second = other.goto(proxy.url + '/login?second');
      await poll(() => proxy.held.some((h) => h.includes('/login?second'))).toBe(true);
      // The precache goes on; the worker activates (and claims) while the second page is on its way.
      proxy.release('precache');
      const worker = () => browser.context.serviceWorkers().find((w) => w.url().startsWith(proxy.url));
      await poll(async () => (await worker()?.evaluate(() => (self as unknown as { registration: ServiceWorkerRegistration }).registration.active?.state)) ?? null).toBe('activated');
      await new Promise((r) => setTimeout(r, 500));
      proxy.release('page');
      await second;
      await other.locator('#username').waitFor();
      await poll(() => other.evaluate(() => !!navigator.serviceWorker.controller)).toBe(true);
    } finally {
      await other.close();
      await proxy.close();
    }
  });
});
