import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { type Browser, screenshots, apiGet, signInAs as signInAsIn, openDemo } from './helpers/browser.js';
import { DEMO_PASSWORD, type RunningServer } from './helpers/server.js';
import type { CockpitSummary } from '../../src/web/api/cockpit.js';

const { shot, clear: clearOwnShots } = screenshots('k');
const DESKTOP = { width: 1440, height: 900 };

/**
 * The cockpit 数据驾驶舱 in Chromium on the demo district: the street secretary (龙阳街道) opens it
 * from the menu, sees the KPI cards with their year-on-year lines and the four charts drawn; the
 * community secretary sees her community's; a click on the map opens the case list.
 */
describe('the cockpit in Chromium', () => {
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    ({ server, browser, page } = await openDemo(clearOwnShots, pageErrors));
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  const signInAs = (username: string) => signInAsIn(browser, server.url, username, DEMO_PASSWORD, DESKTOP);

  it('shows the street its KPI cards and charts for this year', async () => {
    await signInAs('street');
    await page.getByRole('menuitem', { name: '数据驾驶舱' }).click();
    await page.waitForURL((u) => u.pathname === '/cockpit');
    await page.getByTestId('cockpit-kpi-total').waitFor();
    const data = await apiGet<CockpitSummary>(page, '/api/cockpit/summary');
    expect(data.unit.level).toBe('street');
    expect(data.current.total, 'the demo has cases this year').toBeGreaterThan(0);
    for (const k of ['total', 'response', 'resolution', 'satisfaction', 'ontime', 'hours', 'overdue']) {
      const text = await page.getByTestId(`cockpit-kpi-${k}`).innerText();
      expect(text, k).toContain('同比');
      expect(text, k).toContain('环比');
    }
    expect(await page.getByTestId('cockpit-kpi-total').innerText()).toContain(String(data.current.total));
    // Each chart has drawn on its canvas.
    for (const id of ['cockpit-category-chart', 'cockpit-trend-chart', 'cockpit-map', 'cockpit-source-chart']) {
      const canvas = page.getByTestId(id).locator('canvas');
      await canvas.first().waitFor();
      const box = await canvas.first().boundingBox();
      expect(box?.width ?? 0, id).toBeGreaterThan(100);
    }
    // The definition of a rate is one hover away.
    await page.getByTestId('cockpit-tip-resolution').hover();
    await page.getByText('已办结的事件 ÷（上报事件 − 不予受理 − 合并）。').waitFor();
    await page.waitForTimeout(800); // the charts' entry animation
    await shot(page, 'street-this-year');
    expect(pageErrors).toEqual([]);
  });

  it('switches to last month and to the community of the community secretary', async () => {
    await Promise.all([
      page.waitForResponse((r) => r.url().includes('/api/cockpit/summary') && r.status() === 200),
      page.getByTestId('cockpit-preset').getByText('上月').click(),
    ]);
    await page.getByTestId('cockpit-kpi-total').waitFor();
    expect(await page.getByTestId('cockpit-period').innerText()).toMatch(/统计期 \d{4}-\d{2}-01 至/);

    await signInAs('community');
    await page.goto(server.url + '/cockpit');
    await page.getByTestId('cockpit-kpi-total').waitFor();
    const data = await apiGet<CockpitSummary>(page, '/api/cockpit/summary');
    expect(data.unit.level).toBe('community');
    await page.getByTestId('cockpit-map').locator('canvas').first().waitFor();
    await page.waitForTimeout(800);
    await shot(page, 'community-this-year');
    // A click on a grid (a little off the map's centre, where grids meet) opens the case list.
    await page.getByTestId('cockpit-map').scrollIntoViewIfNeeded();
    const map = await page.getByTestId('cockpit-map').boundingBox();
    await page.mouse.click(map!.x + map!.width * 0.45, map!.y + map!.height * 0.3);
    await page.waitForURL((u) => u.pathname === '/cases');
    // … filtered to that grid and the period: as many cases as the map counted for it.
    const clicked = new URL(page.url()).searchParams;
    const grid = data.grids.find((g) => g.id === clicked.get('unitId'));
    expect(grid, `the clicked grid ${clicked.get('unitId')}`).toBeTruthy();
    expect(clicked.get('from')).toBe(`${data.period.from}T00:00:00+08:00`);
    await page.getByTestId('case-scope-filter').waitFor();
    await expect.poll(() => page.getByText(`共 ${grid!.count} 件`).count(), { timeout: 15_000 }).toBeGreaterThan(0);
    // The notice names the grid (with its community) and the period.
    const notice = `只显示 ${data.unit.name} ${grid!.name} ${data.period.from} 至 ${data.period.to} 上报的事件`;
    await expect.poll(() => page.getByTestId('case-scope-filter').innerText(), { timeout: 15_000 }).toContain(notice);
    await shot(page, 'cases-of-a-grid');
    expect(pageErrors).toEqual([]);
  });

  it('names the category too when the drill-down comes from the category chart', async () => {
    await page.goto(server.url + '/cockpit');
    await page.getByTestId('cockpit-kpi-total').waitFor();
    const data = await apiGet<CockpitSummary>(page, '/api/cockpit/summary');
    const category = [...data.byCategory].sort((a, b) => b.total - a.total)[0]!;
    const from = `${data.period.from}T00:00:00+08:00`;
    const to = new Date(Date.parse(`${data.period.to}T00:00:00+08:00`) + 86_400_000).toISOString();
    await page.goto(`${server.url}/cases?${new URLSearchParams({ list: 'all', unitId: data.unit.id, from, to, categoryCode: category.code })}`);
    const notice = `只显示 ${data.unit.name} ${data.period.from} 至 ${data.period.to} 上报的“${category.name}”类事件`;
    await expect.poll(() => page.getByTestId('case-scope-filter').innerText(), { timeout: 15_000 }).toContain(notice);
    await shot(page, 'cases-of-a-category');

    // A link to a unit the caller may not see keeps the notice's general wording.
    await signInAs('grid');
    const unitAnswer = page.waitForResponse((r) => r.url().includes(`/api/units/${data.unit.id}`));
    await page.goto(`${server.url}/cases?${new URLSearchParams({ list: 'all', unitId: data.unit.id, from, to })}`);
    expect((await unitAnswer).status()).toBe(404);
    await page.getByTestId('case-scope-filter').waitFor();
    expect(await page.getByTestId('case-scope-filter').innerText()).toContain(`只显示所选区域 ${data.period.from} 至 ${data.period.to} 上报的事件`);
    expect(pageErrors).toEqual([]);
  });
});
