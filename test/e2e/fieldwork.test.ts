import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { type Browser, screenshots, apiGet, signInAs as signInAsIn, openDemo } from './helpers/browser.js';
import { DEMO_PASSWORD, type RunningServer } from './helpers/server.js';
import { beijingDate } from '../../src/shared/dates.js';
import type { ChecklistView, ComplianceView } from '../../src/web/api/fieldwork.js';

/** Wait until a value is right (the UI updates asynchronously). */
const poll = <T>(fn: () => Promise<T> | T) => expect.poll(fn, { timeout: 45_000, interval: 250 });

const { shot, clear: clearOwnShots } = screenshots('f');

const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1366, height: 860 };

/**
 * Field work in Chromium against the real server (demo district, 黄艳娇 of 龙湖东岸社区 第六网格, who has
 * visit rules and four weeks of work): on the phone she opens today's checklist, sees overdue visits,
 * records one and sees it ticked; the community secretary sees her figures on 走访考核 and her day.
 */
describe('field work in Chromium', () => {
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  let householdId = '';
  const findings = `${Date.now() % 100000} 老人身体状况良好，提醒按时服药`;

  beforeAll(async () => {
    ({ server, browser, page } = await openDemo(clearOwnShots, pageErrors));
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  const api = <T>(p: string) => apiGet<T>(page, p);
  const signInAs = (username: string, viewport: { width: number; height: number }) => signInAsIn(browser, server.url, username, DEMO_PASSWORD, viewport);

  it('shows the grid worker her checklist on the phone with overdue visits', async () => {
    await signInAs('grid', PHONE);
    const checklist = await api<ChecklistView>('/api/checklist');
    const due = checklist.visits.buildings.flatMap((b) => b.items).filter((h) => !h.ticked);
    expect(due.length, 'the demo rules leave visits due').toBeGreaterThan(0);
    // The demo's slipped special households are overdue on any day (three of them go unvisited for ten days).
    const overdue = due.filter((h) => h.state === 'overdue');
    expect(overdue.length, 'the demo leaves overdue care visits').toBeGreaterThan(0);
    householdId = overdue[0]!.householdId;

    await page.goto(server.url + '/m/today');
    await page.getByTestId('m-today-quota').waitFor();
    await poll(() => page.getByTestId('m-today-household').count()).toBe(checklist.visits.buildings.flatMap((b) => b.items).length);
    const overdueShown = await page.getByTestId('m-today-overdue').count();
    expect(overdueShown).toBe(overdue.length);
    expect(overdueShown).toBeGreaterThan(0);
    expect(await page.getByTestId('m-today-visits').innerText()).toContain(`${checklist.visits.ticked} / ${checklist.visits.total}`);
    expect(await page.getByTestId('m-today-quota').innerText()).toContain(`${checklist.quota.done}`);
    expect(await page.getByTestId('m-field-nav').innerText()).toContain('巡查');
    await shot(page, 'phone-today', { fullPage: false });
  });

  it('records a visit online and sees it ticked on the checklist', async () => {
    await page.locator(`[data-testid=m-today-household][data-household="${householdId}"]`).first().click();
    await page.waitForURL((u) => u.pathname === `/m/visit/${householdId}`);
    await page.getByTestId('m-visit-household').waitFor();
    const residents = await page.getByTestId('m-visit-resident').count();
    if (residents > 0) await page.getByTestId('m-visit-met').first().click();
    else await page.getByTestId('m-visit-nobody').click();
    await page.getByText('关爱走访', { exact: true }).click();
    await page.getByTestId('m-visit-findings').locator('textarea:not([readonly])').fill(findings);
    await shot(page, 'phone-visit');
    await page.getByTestId('m-visit-submit').click();
    await page.waitForURL((u) => u.pathname === '/m/today');
    await poll(() => page.locator(`[data-testid=m-today-household][data-household="${householdId}"]`).first().getAttribute('data-ticked')).toBe('true');
    const visits = await api<{ items: { findings: string | null; kind: string; visitor: { name: string } }[] }>(`/api/visits?householdId=${householdId}`);
    expect(visits.items[0]).toMatchObject({ findings, kind: 'care', visitor: { name: '黄艳娇' } });
    await page.locator(`[data-testid=m-today-household][data-household="${householdId}"]`).first().evaluate((el) => el.scrollIntoView({ block: 'center' }));
    await shot(page, 'phone-today-ticked', { fullPage: false });
    expect(pageErrors).toEqual([]);
  });

  it('writes a diary entry and walks a short patrol on the phone', async () => {
    await page.getByTestId('m-field-nav-diary').click();
    await page.waitForURL((u) => u.pathname === '/m/diary');
    const body = `${Date.now() % 100000} 楼下老人反映路灯不亮`;
    await page.getByTestId('m-diary-body').locator('textarea:not([readonly])').fill(body);
    await page.getByTestId('m-diary-save').click();
    await poll(() => page.getByTestId('m-diary-list').innerText()).toContain(body);
    await shot(page, 'phone-diary', { fullPage: false });

    const checklist = await api<ChecklistView>('/api/checklist');
    const b = checklist.visits.buildings.find((x) => x.lng !== null && x.lat !== null)!;
    await browser.context.grantPermissions(['geolocation'], { origin: server.url });
    await browser.context.setGeolocation({ longitude: b.lng!, latitude: b.lat!, accuracy: 10 });
    await page.getByTestId('m-field-nav-patrol').click();
    await page.getByTestId('m-patrol-start').click();
    await poll(() => page.getByTestId('m-patrol-running').getAttribute('data-points')).toBe('1');
    await browser.context.setGeolocation({ longitude: b.lng! + 0.0005, latitude: b.lat!, accuracy: 10 });
    await poll(() => page.getByTestId('m-patrol-running').getAttribute('data-points')).toBe('2');
    // A reload keeps the running patrol and its route.
    await page.reload();
    await poll(() => page.getByTestId('m-patrol-running').getAttribute('data-points')).toBe('2');
    await page.getByTestId('m-patrol-notes').locator('textarea:not([readonly])').fill('巡查中未发现异常');
    await shot(page, 'phone-patrol', { fullPage: false });
    await page.getByTestId('m-patrol-stop').click();
    await page.locator('.adm-dialog-button').filter({ hasText: '结束巡查' }).click();
    await page.getByTestId('m-patrol-start').waitFor();
    await poll(async () => (await api<{ items: { notes: string | null; pointCount: number }[] }>('/api/patrols?limit=5')).items[0]?.notes).toBe('巡查中未发现异常');
    expect(pageErrors).toEqual([]);
  });

  it('shows the community secretary 黄艳娇’s figures and her day on 走访考核', async () => {
    await signInAs('community', DESKTOP);
    await page.goto(server.url + '/fieldwork');
    const row = page.locator('[data-testid=fw-worker-row][data-name="黄艳娇"]');
    await row.waitFor();
    await page.getByTestId('fw-chart').locator('canvas').waitFor();
    const me = await api<{ bindings: { unitId: string }[] }>('/api/auth/me');
    // The page's default period: the last 28 Beijing days.
    const today = beijingDate(new Date());
    const from = beijingDate(new Date(Date.parse(`${today}T12:00:00+08:00`) - 27 * 86_400_000));
    const compliance = await api<ComplianceView>(`/api/fieldwork/compliance?unitId=${me.bindings[0]!.unitId}&from=${from}&to=${today}`);
    const her = compliance.workers.find((w) => w.name === '黄艳娇')!;
    expect(her.figures.visitsDone).toBeGreaterThan(0);
    expect(await row.getByTestId('fw-visits').innerText()).toBe(`${her.figures.visitsDone} / ${her.figures.visitsDue}`);
    await shot(page, 'desktop-compliance');

    await row.getByTestId('fw-worker-day').click();
    await page.getByTestId('fw-day').waitFor();
    await poll(() => page.getByTestId('fw-day-visit').count()).toBeGreaterThan(0);
    expect(await page.getByTestId('fw-day-visits').innerText()).toContain(findings);
    await shot(page, 'desktop-worker-day');
    expect(await page.getByTestId('fw-export').getAttribute('href')).toContain('/api/fieldwork/compliance.xlsx');
    expect(pageErrors).toEqual([]);
  });
});
