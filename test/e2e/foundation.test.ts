import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { CHROMIUM, chromiumAvailable, clearScreenshots, launchBrowser, screenshot, settledBox, totpCode, pickOption, type Browser } from './helpers/browser.js';
import { DEMO_PASSWORD, startServer, type RunningServer } from './helpers/server.js';

/** A button's accessible name: antd spaces out two-character Chinese labels ("保 存"); icons add their own names ("plus 新增下级"). */
const label = (text: string) => new RegExp([...text].map((c) => c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('\\s*'));

/** Wait until a value is right (the UI updates asynchronously). */
const poll = <T>(fn: () => Promise<T> | T) => expect.poll(fn, { timeout: 45_000, interval: 200 });

/**
 * The foundation in a real browser against the real server (embedded PostgreSQL, demo district):
 * sign-in, the hierarchy browser with its map, creating a grid, a field error, the language switch,
 * sign-out; authenticator enrolment for the admin and the auditor; users & roles; the audit log.
 */
describe('foundation in Chromium', () => {
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    if (!chromiumAvailable()) {
      throw new Error(`No Chromium at ${CHROMIUM}: install Debian's with \`apt-get install -y chromium fonts-noto-cjk\` (or set LINLI_CHROMIUM)`);
    }
    await clearScreenshots();
    server = await startServer();
    browser = await launchBrowser();
    page = browser.page;
    page.setDefaultTimeout(45_000); // generous: CI machines are 2 shared cores
    page.on('pageerror', (e) => pageErrors.push(String(e)));
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  async function signIn(username: string) {
    await page.locator('#username').fill(username);
    await page.locator('#password').fill(DEMO_PASSWORD);
    await page.locator('button[type=submit]').click();
  }

  /** Enrol an authenticator from the secret shown on the page; returns the recovery codes shown. */
  async function enrol(name: string): Promise<string[]> {
    const enrolment = page.getByTestId('mfa-enrollment');
    await poll(() => enrolment.locator('img').count()).toBe(1);
    const shown = await page.getByTestId('mfa-secret').innerText();
    const secret = /[A-Z2-7]{16,}/.exec(shown.replace(/\s+/g, ''))?.[0];
    expect(secret, `secret on the page: "${shown}"`).toBeTruthy();
    await screenshot(page, `${name}-enrol`);
    await enrolment.locator('#code').fill(totpCode(secret!));
    await enrolment.getByRole('button', { name: label('确认绑定') }).click();
    const codes = page.getByTestId('recovery-codes').locator('span');
    await poll(() => codes.count()).toBe(10);
    await screenshot(page, `${name}-recovery-codes`);
    const list = await codes.allInnerTexts();
    await page.getByRole('button', { name: label('我已保存恢复码') }).click();
    await page.getByTestId('side-menu').waitFor();
    return list;
  }

  async function signOut(name: string) {
    await page.getByRole('button', { name: label(name) }).click();
    await page.locator('#username').waitFor();
    expect(new URL(page.url()).pathname).toBe('/login');
  }

  it('signs the community secretary in and keeps the Secure session cookie on loopback http', async () => {
    await page.goto(server.url + '/');
    await page.locator('#username').waitFor();
    expect(new URL(page.url()).pathname).toBe('/login');
    expect(await page.getByText('账号登录').count()).toBe(1);
    await screenshot(page, 'login');

    // A wrong password: the server's message is shown as it comes.
    await page.locator('#username').fill('community');
    await page.locator('#password').fill('not-the-password');
    await page.locator('button[type=submit]').click();
    await poll(() => page.getByTestId('login-error').innerText()).toContain('用户名或密码错误');

    await signIn('community');
    await page.getByTestId('side-menu').waitFor();
    const cookie = (await browser.context.cookies(server.url)).find((c) => c.name === 'linli_sid');
    expect(cookie, 'session cookie kept by Chromium').toBeDefined();
    expect(cookie!.secure).toBe(true);
    expect(cookie!.httpOnly).toBe(true);
    expect(cookie!.sameSite).toBe('Strict');
    const menu = await page.getByTestId('side-menu').innerText();
    expect(menu).toContain('组织架构');
    expect(menu).toContain('我的账号');
    expect(menu).not.toContain('审计日志');
    expect(await page.getByTestId('current-user').innerText()).toContain('陈念');
  });

  it('browses the tree: the community, its grids, the map', async () => {
    expect(new URL(page.url()).pathname).toBe('/units');
    const tree = page.getByTestId('unit-tree');
    await tree.getByText('龙湖东岸社区').waitFor();
    await tree.getByText('第一网格').waitFor();
    await tree.getByText('第六网格').waitFor();
    await page.getByTestId('unit-title').getByText('龙湖东岸社区').waitFor();
    // The community's boundary and its six grids drawn on a canvas.
    await page.getByTestId('unit-map').locator('canvas').waitFor();
    expect(await page.getByTestId('unit-map-empty').count()).toBe(0);
    expect(await page.getByTestId('unit-stats').innerText()).toContain('居民');
    await screenshot(page, 'units-community');

    // Clicking a grid's polygon on the map selects that grid.
    const map = page.getByTestId('unit-map');
    const box = (await map.boundingBox())!;
    await page.mouse.click(box.x + box.width * 0.5, box.y + box.height * 0.3);
    await poll(() => page.getByTestId('unit-title').innerText()).toMatch(/^第.网格$/);
    expect(new URL(page.url()).searchParams.get('unit')).toBeTruthy();

    // A grid from the tree: its detail and its micro-grids.
    await tree.getByText('第六网格').click();
    await page.getByTestId('unit-title').getByText('第六网格').waitFor();
    await page.getByTestId('unit-map').locator('canvas').waitFor();
    await screenshot(page, 'units-grid');
    await tree.getByText('龙湖东岸社区').click();
    await page.getByTestId('unit-title').getByText('龙湖东岸社区').waitFor();
  });

  it('shows a field error for an empty name, then creates 第七网格', async () => {
    await page.getByRole('button', { name: label('新增下级') }).click();
    const modal = page.locator('.ant-modal').filter({ has: page.getByTestId('unit-form') });
    await modal.waitFor();
    expect(await modal.innerText()).toContain('可留空');
    await modal.getByRole('button', { name: label('保存') }).click();
    const error = modal.locator('.ant-form-item-explain-error');
    await error.first().waitFor();
    expect(await error.first().innerText()).toContain('名称');
    await screenshot(page, 'unit-form-error', { fullPage: false });

    await modal.locator('#name').fill('第七网格');
    await modal.getByRole('button', { name: label('保存') }).click();
    await modal.waitFor({ state: 'hidden' });
    const tree = page.getByTestId('unit-tree');
    await tree.getByText('第七网格').waitFor();
    await page.getByTestId('unit-title').getByText('第七网格').waitFor();
    // No boundary was given: the map says so plainly.
    await page.getByTestId('unit-map-empty').waitFor();
    await screenshot(page, 'unit-created');

    // Draw its boundary by pasting a GeoJSON Feature: the geometry is taken out of it.
    await page.getByRole('button', { name: label('编辑') }).click();
    await modal.waitFor();
    await modal.locator('#boundary').fill(JSON.stringify({
      type: 'Feature',
      properties: { name: '第七网格' },
      geometry: { type: 'Polygon', coordinates: [[[114.2216, 30.5393], [114.2240, 30.5393], [114.2240, 30.5410], [114.2216, 30.5410], [114.2216, 30.5393]]] },
    }));
    await modal.getByRole('button', { name: label('保存') }).click();
    await modal.waitFor({ state: 'hidden' });
    await page.getByTestId('unit-map').locator('canvas').waitFor();
    await screenshot(page, 'unit-boundary-drawn');
  });

  it('draws 第八网格 on the map by clicking four corners, saves it and shows it', async () => {
    const tree = page.getByTestId('unit-tree');
    await tree.getByText('龙湖东岸社区').click();
    await page.getByTestId('unit-title').getByText('龙湖东岸社区').waitFor();
    await page.getByRole('button', { name: label('新增下级') }).click();
    const modal = page.locator('.ant-modal').filter({ has: page.getByTestId('unit-form') });
    await modal.waitFor();
    await modal.locator('#name').fill('第八网格');
    await modal.getByRole('button', { name: label('保存') }).click();
    await modal.waitFor({ state: 'hidden' });
    await page.getByTestId('unit-title').getByText('第八网格').waitFor();
    await page.getByTestId('unit-map-empty').waitFor();
    const id = new URL(page.url()).searchParams.get('unit');
    expect(id).toBeTruthy();

    // Edit → draw on the map: the community's outline, the grids alongside and the buildings to go by.
    await page.getByRole('button', { name: label('编辑') }).click();
    await modal.waitFor();
    await modal.getByRole('button', { name: label('在地图上绘制') }).click();
    const drawer = page.locator('.ant-modal').filter({ has: page.getByTestId('boundary-drawer') });
    const canvas = page.getByTestId('boundary-drawer');
    await canvas.waitFor();
    // The community and its seven grids (第七网格 has its boundary now) as outlines, the buildings as points.
    expect(await canvas.locator('path').count()).toBe(8);
    expect(await canvas.locator('circle').count()).toBeGreaterThan(40);
    expect(await drawer.getByRole('button', { name: label('完成') }).isDisabled()).toBe(true);

    // Where the canvas is once the modal has finished opening (its zoom moves it).
    const box = await settledBox(canvas);
    const at = (fx: number, fy: number) => page.mouse.click(box.x + box.width * fx, box.y + box.height * fy);
    const vertices = canvas.getByTestId('draw-vertex');
    await at(0.40, 0.30);
    await at(0.63, 0.27);
    // A stray click, taken back.
    await at(0.90, 0.90);
    await poll(() => vertices.count()).toBe(3);
    await drawer.getByRole('button', { name: label('撤销上一点') }).click();
    await poll(() => vertices.count()).toBe(2);
    await at(0.66, 0.68);
    await at(0.38, 0.72);
    await poll(() => vertices.count()).toBe(4);
    expect(await page.getByTestId('draw-count').innerText()).toContain('4');
    // The pointer over the canvas shows where the next corner would go.
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.85);
    await screenshot(page, 'unit-draw-corners', { fullPage: false });

    await drawer.getByRole('button', { name: label('完成') }).click();
    await drawer.waitFor({ state: 'hidden' });
    const drawn = JSON.parse(await modal.locator('#boundary').inputValue()) as { type: string; coordinates: number[][][] };
    expect(drawn.type).toBe('Polygon');
    const ring = drawn.coordinates[0]!;
    expect(ring).toHaveLength(5);
    expect(ring[4]).toEqual(ring[0]);
    // Clicked inside the community's box, left to right, top to bottom as on screen.
    for (const [lng, lat] of ring) {
      expect(lng).toBeGreaterThan(114.2215);
      expect(lng).toBeLessThan(114.2325);
      expect(lat).toBeGreaterThan(30.5392);
      expect(lat).toBeLessThan(30.5468);
    }
    expect(ring[1]![0]).toBeGreaterThan(ring[0]![0]!);
    expect(ring[3]![1]).toBeLessThan(ring[0]![1]!);

    await modal.getByRole('button', { name: label('保存') }).click();
    await modal.waitFor({ state: 'hidden' });
    await page.getByTestId('unit-map').locator('canvas').waitFor();
    expect(await page.getByTestId('unit-map-empty').count()).toBe(0);
    const saved = await page.evaluate(async (unitId) => (await fetch(`/api/units/${unitId}`)).json(), id);
    expect(saved.unit.boundary).toEqual(drawn);
    await screenshot(page, 'unit-boundary-clicked');

    // The community's map now holds 第八网格 among its grids.
    await tree.getByText('龙湖东岸社区').click();
    await page.getByTestId('unit-title').getByText('龙湖东岸社区').waitFor();
    await page.getByTestId('unit-map').locator('canvas').waitFor();
    await screenshot(page, 'units-community-eighth');
  });

  it('stays usable at phone width', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    // The side menu folds away; the tree and the detail stack.
    await poll(() => page.getByTestId('side-menu').isVisible()).toBe(false);
    await page.getByTestId('unit-tree').getByText('第七网格').waitFor();
    await screenshot(page, 'units-phone');
    await page.getByRole('button', { name: label('展开或收起菜单') }).click();
    await poll(() => page.getByTestId('side-menu').isVisible()).toBe(true);
    await screenshot(page, 'units-phone-menu', { fullPage: false });
    await page.getByTestId('side-menu').getByText('我的账号').click();
    await poll(() => page.getByTestId('side-menu').isVisible()).toBe(false);
    await page.getByTestId('two-factor').waitFor();
    await screenshot(page, 'account-phone');
    await page.setViewportSize({ width: 1366, height: 860 });
    await page.goBack();
    await page.getByTestId('unit-tree').getByText('第七网格').waitFor();
  });

  it('switches to English and signs out', async () => {
    await page.getByTestId('language-switch').getByText('English').click();
    await poll(() => page.getByTestId('side-menu').innerText()).toContain('Hierarchy');
    const menu = await page.getByTestId('side-menu').innerText();
    expect(menu).toContain('My account');
    expect(await page.getByRole('button', { name: label('Add sub-unit') }).count()).toBe(1);
    await screenshot(page, 'units-english');

    await signOut('Sign out');
    expect(await page.getByText('Sign in', { exact: true }).count()).toBeGreaterThan(0);
    await screenshot(page, 'signed-out');
  });

  it('the admin enrols an authenticator at first sign-in and opens Users & roles', async () => {
    await signIn('admin');
    // The admin's own language (Chinese) applies once signed in.
    const codes = await enrol('admin');
    for (const c of codes) expect(c).toMatch(/^[0-9a-f]{4}(-[0-9a-f]{4}){3}$/);
    expect(await page.getByTestId('current-user').innerText()).toContain('系统管理员');

    await page.getByTestId('side-menu').getByText('用户与角色').click();
    const table = page.getByTestId('users-table');
    await table.getByText('community', { exact: true }).waitFor();
    expect(await table.innerText()).toContain('陈念');
    await screenshot(page, 'users');

    // The community secretary's roles, read-only for the system admin (the security admin gives roles).
    await table.locator('tr', { hasText: 'community' }).getByRole('button', { name: label('角色') }).click();
    const roles = page.locator('.ant-drawer').filter({ hasText: '陈念' });
    await roles.getByText('社区工作人员').waitFor();
    expect(await roles.getByText('授予角色').count()).toBe(0);
    await page.keyboard.press('Escape');
    await roles.waitFor({ state: 'hidden' });

    // A new account: the password policy speaks on the password field, then it is created.
    await page.getByRole('button', { name: label('新建账号') }).click();
    const drawer = page.locator('.ant-drawer').filter({ has: page.getByTestId('user-form') });
    await drawer.waitFor();
    await drawer.locator('#username').fill('wangfang');
    await drawer.locator('#displayName').fill('王芳');
    await drawer.locator('#password').fill('short');
    await pickOption(page, drawer.locator('.ant-select', { has: page.locator('#unitId') }), { title: '龙湖东岸社区', type: '龙湖东岸' });
    await drawer.getByRole('button', { name: label('保存') }).click();
    await poll(() => drawer.locator('.ant-form-item-explain-error').allInnerTexts()).toEqual([expect.stringContaining('密码')]);
    await screenshot(page, 'user-create-error', { fullPage: false });
    await drawer.locator('#password').fill('Wang-Fang-2024!');
    await drawer.getByRole('button', { name: label('保存') }).click();
    await drawer.waitFor({ state: 'hidden' });
    await table.getByText('wangfang', { exact: true }).waitFor();

    await page.getByTestId('side-menu').getByText('我的账号').click();
    await page.getByTestId('two-factor').getByText('已启用').waitFor();
    await screenshot(page, 'account-admin');
    await signOut('退出登录');
  });

  it("the auditor enrols and reads the admin's and the community's actions in the audit log", async () => {
    await signIn('auditor');
    await enrol('auditor');
    expect(new URL(page.url()).pathname).toBe('/audit');
    const menu = await page.getByTestId('side-menu').innerText();
    expect(menu).toContain('审计日志');
    expect(menu).not.toContain('用户与角色');

    const table = page.getByTestId('audit-table');
    await table.getByText('admin', { exact: true }).first().waitFor();
    const all = await table.innerText();
    expect(all).toContain('auth.mfa_enable');
    // The account the admin created, and the community's sign-out, are in the log too.
    expect(all).toContain('user.create');
    expect(all).toContain('community');
    await screenshot(page, 'audit');

    // Only the community secretary's actions: the grid they created is among them.
    await page.getByTestId('audit-filters').locator('#actor').fill('community');
    await page.getByRole('button', { name: label('查询') }).click();
    const creates = table.getByText('unit.create');
    await poll(() => creates.count()).toBe(2);
    const text = await table.innerText();
    expect(text).not.toContain('admin');
    // Newest first: the older of the two is 第七网格 (第八网格 was drawn after it).
    await creates.last().click();
    await table.getByText('第七网格').waitFor();
    await screenshot(page, 'audit-community-expanded');

    // Export with visible progress, saved as a download.
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: label('导出 CSV') }).click();
    const file = await download;
    expect(file.suggestedFilename()).toMatch(/\.csv$/);
    await page.getByTestId('export-progress').getByText('导出完成').waitFor();
    await screenshot(page, 'audit-export');

    await signOut('退出登录');
    expect(pageErrors, pageErrors.join('\n')).toEqual([]);
  });
});
