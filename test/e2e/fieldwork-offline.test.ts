import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page, Request } from 'playwright-core';
import { beijingDate } from '../../src/shared/dates.js';
import { png } from '../../src/server/core/storage/test-images.js';
import type { ChecklistView, OfflinePack } from '../../src/web/api/fieldwork.js';
import { type Browser, PHONE_VIEWPORT, openDemo, screenshots, signInAs, apiGet } from './helpers/browser.js';
import { DEMO_PASSWORD, signalRelay, type RunningServer } from './helpers/server.js';
import { pointWellInside, type Geometry } from './helpers/geo.js';

/** Wait until a value is right (the UI updates asynchronously). */
const poll = <T>(fn: () => Promise<T> | T) => expect.poll(fn, { timeout: 45_000, interval: 250 });

const { shot, clear: clearOwnShots } = screenshots('m');

interface Visit { id: string; householdId: string; kind: string; nobodyHome: boolean; findings: string | null; occurredAt: string; metResidents: { id: string }[]; visitor: { name: string } }
interface CaseRow { id: string; description: string }

/**
 * A grid worker's whole morning without signal, in Chromium on a phone (390×844, touch) against the
 * real server (demo district, 黄艳娇 of 第六网格, whose checklist always has overdue care visits): she
 * opens today's checklist with signal (it and the offline pack of her grid are kept on the phone), loses
 * the signal, visits two households from the checklist (nobody home at one, findings at the other),
 * reports a case with a photo, sees three records waiting, reloads the checklist still offline, and when
 * the signal returns the server holds exactly those two visits and one case, and her checklist is ticked.
 * Then an answer lost on the way back: the visit is retried under its key and stored once.
 */
describe('a grid worker’s morning offline', () => {
  let server: RunningServer;
  let phone: Awaited<ReturnType<typeof signalRelay>>;
  /** The server as the phone reaches it (through the relay). */
  let base = '';
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  const stamp = Date.now() % 100000;
  const findings = `${stamp} 老人腿脚不便，屋内电线老化，建议更换`;
  const caseText = `${stamp} 3 单元楼道灯不亮（走访时发现，无信号上报）`;

  let me = { id: '', displayName: '' };
  let before: ChecklistView;
  let visitsBefore = new Set<string>();
  let casesBefore = new Set<string>();
  /** Nobody home at `absent`; `met` has residents to meet and gets the findings. */
  let absent = '';
  let met = '';
  let lostAnswer = '';
  let offlineFrom = 0;
  let offlineTo = 0;

  beforeAll(async () => {
    ({ server, browser, page } = await openDemo(clearOwnShots, pageErrors, { phone: true }));
    phone = await signalRelay(server.port);
    base = phone.url;
  });

  afterAll(async () => {
    await browser?.close();
    await phone?.close();
    await server?.stop();
  });

  /** A GET through the signed-in browser (its session cookie). */
  const api = <T>(p: string) => apiGet<T>(page, p);

  /** The keys of one store of the app's device database (IndexedDB `linli`), never creating it. */
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

  /** No signal: the browser says so (navigator.onLine, the `offline` event) and the server cannot be reached. */
  async function offline(on: boolean) {
    phone.set(!on);
    await browser.context.setOffline(on);
  }

  const waitingCount = async () => {
    const el = page.getByTestId('m-outbox-count');
    return (await el.count()) ? el.getAttribute('data-count') : null;
  };
  const row = (householdId: string) => page.locator(`[data-testid=m-today-household][data-household="${householdId}"]`).first();
  /** Her visits since yesterday (Beijing days), newest first. */
  const myVisits = async () => (await api<{ items: Visit[] }>(`/api/visits?visitorId=${me.id}&from=${beijingDate(new Date(Date.now() - 86_400_000))}&limit=500`)).items;
  const myCases = async () => (await api<{ items: CaseRow[] }>('/api/cases?list=reported_by_me&limit=100')).items;

  /** The last message has gone (antd-mobile's toast), for a clean screenshot. */
  const noToast = () => page.locator('.adm-toast-mask').waitFor({ state: 'detached' });

  /** Open a household's visit page from the checklist with a tap. */
  async function openVisit(householdId: string) {
    const r = row(householdId);
    await r.scrollIntoViewIfNeeded();
    await r.tap();
    await page.waitForURL((u) => u.pathname === `/m/visit/${householdId}`);
    await page.getByTestId('m-visit-household').waitFor();
  }

  it('opens today’s checklist with signal: the checklist and the grid’s pack are kept on the phone', async () => {
    await signInAs(browser, base, 'grid', DEMO_PASSWORD, PHONE_VIEWPORT);
    me = await api<{ id: string; displayName: string }>('/api/auth/me');
    expect(me.displayName).toBe('黄艳娇');

    // The phone's location: a point well inside the worker's own grid (the case report needs one).
    const area = await api<{ focus: { name: string; boundary: Geometry } }>('/api/cases/report-area');
    const point = pointWellInside(area.focus.boundary);
    expect(point, `a point inside ${area.focus.name}`).not.toBeNull();
    await browser.context.setGeolocation({ longitude: Number(point!.lng.toFixed(6)), latitude: Number(point!.lat.toFixed(6)), accuracy: 10 });
    await browser.context.grantPermissions(['geolocation'], { origin: base });

    // What the server holds before the morning.
    before = await api<ChecklistView>('/api/checklist');
    visitsBefore = new Set((await myVisits()).map((v) => v.id));
    casesBefore = new Set((await myCases()).map((c) => c.id));
    const pack = await api<OfflinePack>('/api/fieldwork/offline-pack');
    const residentsOf = (h: string) => pack.residents.filter((r) => r.household?.id === h && r.status === 'active').length;
    const overdue = before.visits.buildings.flatMap((b) => b.items).filter((h) => !h.ticked && h.state === 'overdue');
    expect(overdue.length, 'the demo leaves overdue visits on the checklist').toBeGreaterThanOrEqual(2);
    met = (overdue.find((h) => residentsOf(h.householdId) > 0) ?? overdue[0]!).householdId;
    absent = overdue.find((h) => h.householdId !== met)!.householdId;
    lostAnswer = before.visits.buildings.flatMap((b) => b.items).find((h) => !h.ticked && h.householdId !== met && h.householdId !== absent)?.householdId ?? '';

    await page.goto(base + '/m/today');
    await page.getByTestId('m-today-quota').waitFor();
    await row(absent).waitFor();
    await row(met).waitFor();
    expect(await page.getByTestId('m-today-quota').getAttribute('data-done')).toBe(String(before.quota.done));
    // The service worker controls the page; the checklist and the pack are on the phone.
    await poll(() => page.evaluate(() => !!navigator.serviceWorker.controller)).toBe(true);
    await poll(async () => {
      const keys = await storeKeys('data');
      return ['fieldwork.checklist', 'fieldwork.offline-pack', 'cases.categories', 'cases.report-area'].filter((k) => !keys.includes(k));
    }).toEqual([]);
    expect(await page.getByTestId('m-outbox-status').count()).toBe(0);
    await shot(page, 'today-online', { fullPage: false });
  });

  it('without signal: the checklist says when it was synced, and a visit with nobody home waits in the outbox', async () => {
    offlineFrom = Date.now();
    await offline(true);
    await page.getByTestId('m-offline').waitFor();
    await page.getByTestId('m-today-synced').waitFor();
    expect(await page.getByTestId('m-today-synced').innerText()).toMatch(/^离线：显示 .+ 同步的清单$/);
    await shot(page, 'today-offline', { fullPage: false });

    await openVisit(absent);
    await page.getByTestId('m-visit-nobody').tap();
    await page.getByText('关爱走访', { exact: true }).tap();
    await shot(page, 'visit-nobody-home', { fullPage: false });
    await page.getByTestId('m-visit-submit').tap();
    await page.waitForURL((u) => u.pathname === '/m/today');
    await poll(waitingCount).toBe('1');
    await page.locator('.adm-toast-main').getByText('已存入手机（1 条待发送），有信号时会自动发送').waitFor();
    // The checklist shows the household's visit waiting on the phone.
    await poll(() => row(absent).getAttribute('data-waiting')).toBe('true');
    expect(await row(absent).getAttribute('data-ticked')).toBe('false');
  });

  it('visits a second household and records what she found', async () => {
    await openVisit(met);
    const residents = await page.getByTestId('m-visit-resident').count();
    if (residents > 0) await page.getByTestId('m-visit-met').first().tap();
    else await page.getByTestId('m-visit-others').locator('input').fill('邻居王阿姨');
    await page.getByText('关爱走访', { exact: true }).tap();
    await page.getByTestId('m-visit-findings').locator('textarea:not([readonly])').fill(findings);
    await noToast();
    await page.getByTestId('m-visit-submit').evaluate((el) => el.scrollIntoView({ block: 'center' }));
    await shot(page, 'visit-findings', { fullPage: false });
    await page.getByTestId('m-visit-submit').tap();
    await page.waitForURL((u) => u.pathname === '/m/today');
    await poll(waitingCount).toBe('2');
    await poll(() => row(met).getAttribute('data-waiting')).toBe('true');
    await noToast();
    await row(met).evaluate((el) => el.scrollIntoView({ block: 'center' }));
    await shot(page, 'today-two-waiting', { fullPage: false });
  });

  it('reports a case with a photo, still without signal: three records wait', async () => {
    await page.getByTestId('m-tab-report').tap();
    await page.getByTestId('m-report-form').waitFor();
    await poll(() => page.getByTestId('m-location-state').getAttribute('data-state')).toBe('located');
    await page.getByTestId('m-category').getByText('安全隐患', { exact: true }).tap();
    await page.getByTestId('m-description').locator('textarea').fill(caseText);
    await page.getByTestId('photo-input').setInputFiles({ name: 'photo.png', mimeType: 'image/png', buffer: png(800, 600, [210, 160, 70]) });
    await poll(() => page.getByTestId('photo-item').getAttribute('data-state')).toBe('done');
    await page.getByTestId('m-photos-later').waitFor();
    await page.getByTestId('m-description').evaluate((el) => el.scrollIntoView({ block: 'center' }));
    await shot(page, 'report-filled', { fullPage: false });
    await page.getByTestId('m-report-submit').tap();
    await poll(waitingCount).toBe('3');
    expect(await page.getByTestId('m-outbox-count').innerText()).toBe('3 条待发送');

    await page.getByTestId('m-tab-outbox').tap();
    await page.getByTestId('m-outbox').waitFor();
    const items = page.getByTestId('m-outbox-item');
    await poll(() => items.count()).toBe(3);
    expect(await items.evaluateAll((els) => els.map((e) => e.getAttribute('data-state')))).toEqual(['waiting', 'waiting', 'waiting']);
    const text = await page.getByTestId('m-outbox').innerText();
    expect(text).toContain(caseText);
    expect(text.match(/关爱走访/g)?.length).toBe(2);
    // What the phone keeps, by name: the checklist among them.
    await page.getByTestId('m-outbox-data').getByText('今日工作清单').waitFor();
    await noToast();
    await shot(page, 'outbox-three-waiting', { fullPage: false });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE_VIEWPORT.width);
  });

  it('a reload without signal still opens the checklist she synced, with the three records waiting', async () => {
    await page.goto(base + '/m/today');
    await page.getByTestId('m-today-quota').waitFor();
    await page.getByTestId('m-offline').waitFor();
    await page.getByTestId('m-today-synced').waitFor();
    await row(absent).waitFor();
    await row(met).waitFor();
    expect(await page.getByTestId('m-today-household').count()).toBe(before.visits.buildings.flatMap((b) => b.items).length);
    await page.reload();
    await page.getByTestId('m-today-quota').waitFor();
    await page.getByTestId('m-today-synced').waitFor();
    await row(absent).waitFor();
    await poll(waitingCount).toBe('3');
    await poll(() => row(absent).getAttribute('data-waiting')).toBe('true');
    await poll(() => row(met).getAttribute('data-waiting')).toBe('true');
    // The visit page of a household opens from the pack on the phone too.
    await openVisit(met);
    await page.getByTestId('m-visit-submit').waitFor();
    await page.goBack();
    await page.getByTestId('m-today-quota').waitFor();
    await shot(page, 'today-reloaded-offline', { fullPage: false });
    expect(pageErrors).toEqual([]);
  });

  it('when the signal returns everything is sent: exactly two visits and one case with its photo', async () => {
    offlineTo = Date.now();
    await offline(false);
    await poll(async () => (await storeKeys('outbox')).length).toBe(0);
    await poll(waitingCount).toBe(null);

    const fresh = (await myVisits()).filter((v) => !visitsBefore.has(v.id));
    expect(fresh.map((v) => v.householdId).sort()).toEqual([absent, met].sort());
    const nobody = fresh.find((v) => v.householdId === absent)!;
    const found = fresh.find((v) => v.householdId === met)!;
    expect(nobody).toMatchObject({ kind: 'care', nobodyHome: true, findings: null, metResidents: [], visitor: { name: '黄艳娇' } });
    expect(found).toMatchObject({ kind: 'care', nobodyHome: false, findings, visitor: { name: '黄艳娇' } });
    for (const v of fresh) {
      const at = Date.parse(v.occurredAt);
      expect(at, `${v.householdId} occurredAt ${v.occurredAt} within the offline period`).toBeGreaterThanOrEqual(offlineFrom - 1000);
      expect(at).toBeLessThanOrEqual(offlineTo + 1000);
    }

    const cases = (await myCases()).filter((c) => !casesBefore.has(c.id));
    expect(cases.map((c) => c.description)).toEqual([caseText]);
    const detail = await api<{ attachments: { contentType: string }[] }>(`/api/cases/${cases[0]!.id}`);
    expect(detail.attachments).toHaveLength(1);
  });

  it('the checklist shows both households ticked and the day’s count up by two', async () => {
    await page.goto(base + '/m/today');
    await page.getByTestId('m-today-quota').waitFor();
    await poll(() => page.getByTestId('m-today-quota').getAttribute('data-done')).toBe(String(before.quota.done + 2));
    await poll(() => row(absent).getAttribute('data-ticked')).toBe('true');
    await poll(() => row(met).getAttribute('data-ticked')).toBe('true');
    expect(await page.getByTestId('m-today-visits').innerText()).toContain(`${before.visits.ticked + 2} / ${before.visits.total}`);
    expect(await page.getByTestId('m-outbox-status').count()).toBe(0);
    expect(await row(absent).getAttribute('data-waiting')).toBe('false');
    const after = await api<ChecklistView>('/api/checklist');
    expect(after.quota.done).toBe(before.quota.done + 2);
    await noToast();
    await shot(page, 'today-synced-quota', { fullPage: false });
    await row(met).evaluate((el) => el.scrollIntoView({ block: 'center' }));
    await shot(page, 'today-ticked', { fullPage: false });
    expect(pageErrors).toEqual([]);
  });

  it('an answer lost on the way back: the visit is sent again under its key and stored once', async () => {
    expect(lostAnswer, 'a third household due on the checklist').not.toBe('');
    const keys: string[] = [];
    let lost = 0;
    await page.route('**/api/visits', async (route) => {
      const request: Request = route.request();
      if (request.method() !== 'POST') return route.continue();
      keys.push((await request.headerValue('idempotency-key')) ?? '');
      if (lost === 0) {
        lost += 1;
        const res = await route.fetch(); // the server stores the visit …
        expect(res.status()).toBe(201);
        return route.abort('connectionreset'); // … and its answer never reaches the phone
      }
      return route.continue();
    });
    await openVisit(lostAnswer);
    await page.getByTestId('m-visit-nobody').tap();
    await page.getByTestId('m-visit-submit').tap();
    // Sent again from the outbox (after its backoff) under the same key: the server answers the visit it stored.
    await poll(() => keys.length).toBeGreaterThanOrEqual(2);
    await page.waitForURL((u) => u.pathname === '/m/today');
    await poll(async () => (await storeKeys('outbox')).length).toBe(0);
    await page.unroute('**/api/visits');
    expect(new Set(keys).size).toBe(1);
    expect(keys[0]).toMatch(/\S{8,}/);
    const stored = (await myVisits()).filter((v) => !visitsBefore.has(v.id) && v.householdId === lostAnswer);
    expect(stored).toHaveLength(1);
    await poll(() => row(lostAnswer).getAttribute('data-ticked')).toBe('true');
    expect(pageErrors).toEqual([]);
  });
});
