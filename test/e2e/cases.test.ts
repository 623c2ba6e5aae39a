import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { inGeometry } from '../../src/shared/geo.js';
import { CHROMIUM, chromiumAvailable, launchBrowser, SCREENSHOT_DIR, type Browser, screenshots, apiGet, signInAs as signInAsIn, pickOption } from './helpers/browser.js';
import { DEMO_PASSWORD, startServer, type RunningServer } from './helpers/server.js';
import { png } from '../../src/server/core/storage/test-images.js';

/** Wait until a value is right (the UI updates asynchronously). */
const poll = <T>(fn: () => Promise<T> | T) => expect.poll(fn, { timeout: 45_000, interval: 250 });

const { shot, clear: clearOwnShots } = screenshots('c');

const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1366, height: 860 };

interface Unit { id: string; name: string; level: string; boundary: { type: string; coordinates: unknown } | null }

/**
 * The case closed loop in Chromium against the real server (demo district, 龙湖东岸社区 第六网格):
 * the resident 杨秀英 reports on the phone with a photo and the browser's location; the community secretary
 * accepts and dispatches it to 第六网格 on the desktop case page; the grid worker 黄艳娇 sees the
 * photo, claims, feeds back with a photo of the result and verifies on the phone; the secretary closes it; the resident rates 不满意 and the
 * case comes back (二次办理) to the grid worker's list.
 */
describe('cases in Chromium', () => {
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  const consoleErrors: string[] = [];
  let point: { lng: number; lat: number };
  let caseId = '';
  let caseNumber = '';
  const description = `${Date.now() % 100000} 号楼下垃圾堆积三天无人清理，气味很大`;

  beforeAll(async () => {
    if (!chromiumAvailable()) {
      throw new Error(`No Chromium at ${CHROMIUM}: install Debian's with \`apt-get install -y chromium fonts-noto-cjk\` (or set LINLI_CHROMIUM)`);
    }
    await clearOwnShots();
    server = await startServer();
    browser = await launchBrowser();
    page = browser.page;
    page.setDefaultTimeout(45_000); // generous: CI machines are 2 shared cores
    page.on('pageerror', (e) => pageErrors.push(`${page.url()}: ${e.stack ?? String(e)}`));
    page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  const api = <T>(p: string) => apiGet<T>(page, p);

  const signInAs = (username: string, viewport: { width: number; height: number }) => signInAsIn(browser, server.url, username, DEMO_PASSWORD, viewport);

  /** The photos of a gallery that the browser has actually loaded and decoded (naturalWidth > 0). */
  async function loadedPhotos(testId: string): Promise<number> {
    return page.getByTestId(testId).first().locator('img').evaluateAll((imgs) => imgs.filter((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth > 0).length);
  }

  /**
   * Submit the desktop action form and wait for its POST. A click that lands while the form is still
   * opening can be lost (the close once stayed 待结案 for 45 s): then, and only then, click again. A
   * refused action fails with the server's answer.
   */
  async function submitAction(action: string): Promise<void> {
    for (let attempt = 1; attempt <= 3; attempt++) {
      const posted = page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith(`/actions/${action}`), { timeout: 10_000 }).catch(() => null);
      await page.getByTestId('action-submit').click();
      const res = await posted;
      if (res) {
        expect(res.ok(), `${action}: ${res.status()} ${await res.text()}`).toBe(true);
        return;
      }
    }
    throw new Error(`${action}: no request after three clicks on the form's submit`);
  }

  async function stateOf(): Promise<string> {
    return page.getByTestId('case-state').first().innerText();
  }

  it('finds a point inside 第六网格 of 龙湖东岸社区 through the API as the community secretary', async () => {
    await signInAs('community', DESKTOP);
    await page.getByTestId('side-menu').waitFor();
    expect(await page.getByTestId('side-menu').innerText()).toContain('事件办理');
    const roots = await api<{ items: Unit[] }>('/api/units/roots');
    const community = roots.items.find((u) => u.name === '龙湖东岸社区')!;
    expect(community).toBeDefined();
    const grids = await api<{ items: Unit[] }>(`/api/units/${community.id}/children`);
    const grid = grids.items.find((u) => u.name === '第六网格');
    expect(grid?.boundary, '第六网格 has a boundary').toBeTruthy();
    // A point well inside: scan a lattice over the boundary's box for one whose neighbours are inside too.
    const coords = JSON.stringify(grid!.boundary!.coordinates).match(/-?\d+\.?\d*/g)!.map(Number);
    const lngs = coords.filter((_, i) => i % 2 === 0);
    const lats = coords.filter((_, i) => i % 2 === 1);
    const [x0, x1, y0, y1] = [Math.min(...lngs), Math.max(...lngs), Math.min(...lats), Math.max(...lats)];
    const inside = (lng: number, lat: number) => inGeometry(lng, lat, grid!.boundary!);
    const dx = (x1 - x0) / 20;
    const dy = (y1 - y0) / 20;
    // Of the lattice points whose neighbours are inside too, the one nearest the box's centre.
    let best: { lng: number; lat: number } | null = null;
    const distance = (p: { lng: number; lat: number }) => Math.hypot((p.lng - (x0 + x1) / 2) / dx, (p.lat - (y0 + y1) / 2) / dy);
    for (let i = 2; i < 19; i++) {
      for (let j = 2; j < 19; j++) {
        const lng = x0 + dx * i;
        const lat = y0 + dy * j;
        const ok = [[0, 0], [1, 0], [-1, 0], [0, 1], [0, -1]].every(([a, b]) => inside(lng + a! * dx, lat + b! * dy));
        if (ok && (!best || distance({ lng, lat }) < distance(best))) best = { lng, lat };
      }
    }
    expect(best, 'a point inside 第六网格').not.toBeNull();
    point = { lng: Number(best!.lng.toFixed(6)), lat: Number(best!.lat.toFixed(6)) };
    expect(inside(point.lng, point.lat)).toBe(true);
  });

  it('the resident reports on the phone with a photo (shrunk on the phone) and the browser location; a double tap files once', async () => {
    await browser.context.setGeolocation({ longitude: point.lng, latitude: point.lat, accuracy: 10 });
    await browser.context.grantPermissions(['geolocation'], { origin: server.url });
    await signInAs('resident', PHONE);
    await page.goto(server.url + '/m/report');
    const form = page.getByTestId('m-report-form');
    await form.waitFor();
    await poll(() => page.getByTestId('m-location-state').getAttribute('data-state')).toBe('located');
    expect(await page.getByTestId('m-location-state').innerText()).toContain(String(point.lng));
    await page.getByTestId('m-category').getByText('物业服务', { exact: true }).click();
    await page.getByTestId('m-description').locator('textarea').fill(description);
    // A 2400 × 1200 photo: shrunk to 1600 px JPEG in the browser, uploaded at once.
    await page.getByTestId('photo-input').setInputFiles({ name: 'rubbish.png', mimeType: 'image/png', buffer: png(2400, 1200, [120, 150, 90]) });
    await poll(() => page.getByTestId('photo-item').getAttribute('data-state')).toBe('done');
    await shot(page, 'phone-report');
    // 390 px: nothing wider than the screen.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    await page.getByTestId('m-report-submit').dblclick();
    await page.waitForURL(/\/m\/cases\/\d+$/);
    caseId = page.url().split('/').pop()!;
    await page.getByTestId('m-case').waitFor();
    caseNumber = await page.getByTestId('case-number').innerText();
    expect(await stateOf()).toBe('待受理');
    expect(await page.getByTestId('case-description').innerText()).toBe(description);
    const mine = await api<{ items: { id: string; description: string }[]; total: number }>('/api/cases?list=reported_by_me');
    expect(mine.items.filter((c) => c.description === description)).toHaveLength(1);
    const reported = await api<{ attachments: { contentType: string; width: number; height: number; eventId: string }[]; timeline: { id: string; attachmentIds: string[] }[] }>(`/api/cases/${caseId}`);
    expect(reported.attachments).toMatchObject([{ contentType: 'image/jpeg', width: 1600, height: 800, eventId: reported.timeline[0]!.id }]);
    expect(reported.timeline[0]!.attachmentIds).toHaveLength(1);
    await poll(() => loadedPhotos('m-case-photos')).toBe(1);
    await shot(page, 'phone-reported');
    await page.getByTestId('m-tab-cases').click();
    await page.getByTestId('m-case-list').getByText(caseNumber).waitFor();
    await shot(page, 'phone-my-cases');
  });

  it('the community secretary accepts and dispatches it to 第六网格 on the desktop case page', async () => {
    await signInAs('community', DESKTOP);
    await page.getByTestId('cases-badge').waitFor();
    await page.getByTestId('side-menu').getByText('事件办理').click();
    await page.getByTestId('case-table').getByText(caseNumber).waitFor();
    expect(await page.getByTestId('tab-to_accept').innerText()).toMatch(/待受理\s*[1-9]/);
    await shot(page, 'desktop-work-list');
    await page.getByTestId('case-table').getByText(caseNumber).click();
    await page.getByTestId('case-page').waitFor();
    await page.getByTestId('case-map').locator('canvas').first().waitFor().catch((e: unknown) => {
      throw new Error(`no map: ${String(e)}\n${pageErrors.join('\n')}\n${consoleErrors.join('\n')}`);
    });
    expect(pageErrors).toEqual([]);
    expect(await page.getByTestId('case-reporter').innerText()).toContain('杨');

    await page.getByTestId('action-accept').click();
    await submitAction('accept');
    await poll(stateOf).toBe('待派遣');

    await page.getByTestId('action-dispatch').click();
    // Submitting without a unit names the field.
    await page.getByTestId('action-submit').click();
    await page.getByTestId('action-form').getByText('请填写此项').waitFor();
    // The valid targets load (and reload) while the form is open: pick until the choice shows.
    await pickOption(page, page.getByTestId('action-form').locator('.ant-select', { has: page.locator('#unitId') }), { title: '第六网格', type: '第六' });
    await page.getByTestId('action-form').locator('textarea').fill('请网格员尽快上门处理');
    await shot(page, 'desktop-dispatch-form', { fullPage: false });
    await submitAction('dispatch');
    await poll(stateOf).toBe('待接单');
    await poll(() => page.getByTestId('work-orders').innerText()).toContain('第六网格');
    expect(await page.getByTestId('case-timeline').innerText()).toContain('派单');
    await shot(page, 'desktop-case-dispatched');
  });

  async function phoneAction(action: string, text?: string) {
    await page.getByTestId(`action-${action}`).click();
    const form = page.getByTestId('m-action-form');
    await form.waitFor();
    if (text) await form.locator('textarea').fill(text);
    await page.getByTestId('m-action-submit').click();
    await form.waitFor({ state: 'detached' });
  }

  it('the grid worker claims, feeds back and verifies on the phone', async () => {
    await signInAs('grid', PHONE);
    await page.goto(server.url + '/m/cases');
    await page.getByTestId('m-case-list').getByText(caseNumber).click();
    await page.getByTestId('m-case').waitFor();
    // The resident's photo, loaded in the grid worker's browser.
    await poll(() => loadedPhotos('m-case-photos')).toBe(1);
    await shot(page, 'phone-grid-case');
    await phoneAction('claim');
    await poll(stateOf).toBe('办理中');
    // The feed back with a photo of the result.
    await page.getByTestId('action-feed_back').click();
    const form = page.getByTestId('m-action-form');
    await form.waitFor();
    await form.locator('textarea').fill('已联系物业清运，现场已清理干净');
    await form.getByTestId('photo-input').setInputFiles({ name: 'clean.png', mimeType: 'image/png', buffer: png(800, 600, [200, 210, 220]) });
    await poll(() => form.getByTestId('photo-item').getAttribute('data-state')).toBe('done');
    await shot(page, 'phone-grid-feed-back-photo', { fullPage: false });
    await page.getByTestId('m-action-submit').click();
    await form.waitFor({ state: 'detached' });
    await poll(stateOf).toBe('待核查');
    await poll(() => loadedPhotos('m-case-photos')).toBe(2);
    await poll(() => page.getByTestId('timeline-photos').count()).toBe(2);
    await shot(page, 'phone-grid-fed-back');
    await phoneAction('verify_pass', '现场核查已清理');
    await poll(stateOf).toBe('待结案');
  });

  it('the community secretary closes it', async () => {
    await signInAs('community', DESKTOP);
    await page.goto(`${server.url}/cases/${caseId}`);
    // The desktop case page: both photos in the gallery, each at its step of the timeline.
    await poll(() => loadedPhotos('case-photos')).toBe(2);
    expect(await page.getByTestId('case-timeline').getByTestId('timeline-photos').count()).toBe(2);
    await page.getByTestId('action-close').click();
    await submitAction('close');
    await poll(stateOf).toBe('已结案');
    await shot(page, 'desktop-closed');
    // The page in English: states, actions and the timeline follow the language.
    await page.getByTestId('language-switch').getByText('English').click();
    await poll(stateOf).toBe('Closed');
    await poll(() => page.getByTestId('case-timeline').innerText()).toContain('Dispatch');
    await shot(page, 'desktop-closed-en');
    await page.getByTestId('language-switch').getByText('中文').click();
    await poll(stateOf).toBe('已结案');
  });

  it('the resident rates 不满意 on the phone: the case is reopened and back in the grid worker\'s list', async () => {
    await signInAs('resident', PHONE);
    await page.goto(`${server.url}/m/cases/${caseId}`);
    await page.getByTestId('action-rate').click();
    const form = page.getByTestId('m-action-form');
    // Without a rating the form says so.
    await page.getByTestId('m-action-submit').click();
    await form.getByText('请选择满意度').waitFor();
    await page.getByTestId('m-rating').getByText('不满意', { exact: true }).click();
    expect(await form.getByText('请选择满意度').count()).toBe(0);
    await form.locator('textarea').fill('楼下还有垃圾没清走');
    await shot(page, 'phone-rate', { fullPage: false });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    await page.getByTestId('m-action-submit').click();
    await form.waitFor({ state: 'detached' });
    await page.getByTestId('m-reopened').waitFor();
    expect(await stateOf()).toBe('待接单');
    expect(await page.getByTestId('case-timeline').innerText()).toContain('评价');
    await shot(page, 'phone-reopened');

    await signInAs('grid', PHONE);
    await page.goto(server.url + '/m/cases');
    await page.getByTestId('m-case-list').getByText(caseNumber).waitFor();
    const item = page.getByTestId('m-case-item').filter({ hasText: caseNumber });
    expect(await item.getByTestId('m-case-state').innerText()).toBe('待接单');
    await shot(page, 'phone-grid-list-again');
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    expect(pageErrors).toEqual([]);
  });
});
