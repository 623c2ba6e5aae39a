import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { type Browser, screenshots, apiGet, pickOption, signInAs as signInAsIn, openDemo } from './helpers/browser.js';
import { DEMO_PASSWORD, type RunningServer } from './helpers/server.js';

/** antd puts a space between the two characters of a two-character button label. */
const label = (text: string) => new RegExp([...text].map((c) => c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('\\s*'));

/** Wait until a value is right (the UI updates asynchronously). */
const poll = <T>(fn: () => Promise<T> | T) => expect.poll(fn, { timeout: 45_000, interval: 250 });

const { shot, clear: clearOwnShots } = screenshots('s');

const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1366, height: 860 };

interface Category { code: string; nameZh: string; limits: Record<string, { unit: string; amount: number }> }
interface Department { id: string; code: string; nameZh: string; memberCount: number; unit: { level: string } }

/**
 * 事件设置 in Chromium against the real server with the demo district: the district grid centre
 * (`district`) gives 车乱停 two working days to handle, adds a department serving the district and names
 * the demo department handler (`department`, 张伟) its member.
 */
describe('case settings in Chromium', () => {
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

  const api = <T>(p: string) => apiGet<T>(page, p);

  const signInAs = (username: string, viewport: { width: number; height: number }) => signInAsIn(browser, server.url, username, DEMO_PASSWORD, viewport);

  it('the district edits the handling limit of 车乱停 to 2 工作日; a bad amount is named on its field', async () => {
    await signInAs('district', DESKTOP);
    await page.getByTestId('side-menu').getByText('事件设置').click();
    await page.waitForURL((u) => u.pathname === '/case-settings');
    const table = page.getByTestId('categories-table');
    const row = table.locator('tr', { hasText: '车乱停' });
    await row.waitFor();
    expect(await page.getByTestId('categories-read-only').count()).toBe(0);
    const before = (await api<{ items: Category[] }>('/api/case-settings/categories')).items.find((c) => c.nameZh === '车乱停')!;
    expect(before.limits.handle).not.toEqual({ unit: 'working_days', amount: 2 });

    await row.getByRole('button', { name: label('编辑') }).click();
    const drawer = page.locator('.ant-drawer').filter({ has: page.getByTestId('category-form') });
    await drawer.waitFor();
    await drawer.getByText('时限修改只对此后开始的环节生效').waitFor();
    // Zero is no limit: said on the handling limit's field.
    await drawer.locator('#limits_handle_amount').fill('0');
    await drawer.getByRole('button', { name: label('保存') }).click();
    const handleField = drawer.getByTestId('limit-field-handle');
    await poll(() => handleField.locator('.ant-form-item-explain-error').allInnerTexts()).toEqual([expect.stringContaining('大于 0')]);
    await shot(page, 'category-limit-error', { fullPage: false });

    await drawer.locator('#limits_handle_amount').fill('2');
    await pickOption(page, drawer.locator('.ant-select', { has: page.locator('#limits_handle_unit') }), { text: '工作日' });
    await drawer.getByRole('button', { name: label('保存') }).click();
    await drawer.waitFor({ state: 'hidden' });
    await poll(() => row.getByTestId('limit-handle').innerText()).toBe('2 工作日');

    const after = (await api<{ items: Category[] }>('/api/case-settings/categories')).items.find((c) => c.code === before.code)!;
    expect(after.limits.handle).toEqual({ unit: 'working_days', amount: 2 });
    // Only the handling limit changed.
    expect({ ...after.limits, handle: null }).toEqual({ ...before.limits, handle: null });
    await shot(page, 'categories');
  });

  it('a subcategory whose code exists is refused on the code field with the server\'s message', async () => {
    const table = page.getByTestId('categories-table');
    await table.locator('tr', { hasText: '城市八乱' }).getByRole('button', { name: '添加小类' }).click();
    const drawer = page.locator('.ant-drawer').filter({ has: page.getByTestId('category-form') });
    await drawer.getByText('在“城市八乱”下添加小类').waitFor();
    // The parent's limits are the starting point.
    expect(await drawer.locator('#limits_handle_amount').inputValue()).toBe('3');
    await drawer.locator('#code').fill('parking');
    await drawer.locator('#nameZh').fill('违停');
    await drawer.locator('#nameEn').fill('Illegal parking');
    await drawer.getByRole('button', { name: label('保存') }).click();
    const codeField = drawer.locator('.ant-form-item', { has: page.locator('#code') });
    await poll(() => codeField.locator('.ant-form-item-explain-error').allInnerTexts()).toEqual(['分类代码“eight_disorders.parking”已存在']);
    await drawer.getByRole('button', { name: label('取消') }).click();
    await drawer.waitFor({ state: 'hidden' });
  });

  it('the district adds a department and names the demo department handler its member', async () => {
    await page.getByRole('tab', { name: '职能部门' }).click();
    await page.waitForURL((u) => u.search === '?tab=departments');
    const table = page.getByTestId('departments-table');
    await table.waitFor();

    // A new department serving the district (the demo seed may already have the standard ones).
    await page.getByRole('button', { name: '新增部门' }).click();
    const form = page.locator('.ant-drawer').filter({ has: page.getByTestId('department-form') });
    await form.waitFor();
    await pickOption(page, form.locator('.ant-select', { has: page.locator('#unitId') }));
    await form.locator('#code').fill('city_appearance');
    await form.locator('#nameZh').fill('市容环境卫生中心');
    await form.locator('#nameEn').fill('City Appearance and Sanitation Centre');
    const posted = page.waitForResponse((r) => r.url().endsWith('/api/case-settings/departments') && r.request().method() === 'POST', { timeout: 20_000 }).catch(() => null);
    await form.getByRole('button', { name: label('保存') }).click();
    const response = await posted;
    // On failure, say what the server answered (or what the form shows when nothing was sent).
    expect(response?.status(), response ? `${await response.text()} ← ${response.request().postData()}` : `no POST seen; the form shows: ${(await form.locator('.ant-form-item-explain-error').allInnerTexts()).join(' | ')}`).toBe(201);
    await form.waitFor({ state: 'hidden' });
    const row = table.locator('tr', { hasText: '市容环境卫生中心' });
    await row.waitFor();
    const departments = (await api<{ items: Department[] }>('/api/case-settings/departments')).items;
    expect(departments.find((d) => d.code === 'city_appearance')).toMatchObject({ memberCount: 0, unit: { level: 'district' } });

    // No members yet: the drawer warns; the department handler is found by name and added.
    await row.getByRole('button', { name: '成员管理' }).click();
    const drawer = page.locator('.ant-drawer').filter({ has: page.getByTestId('members-drawer') });
    await drawer.getByTestId('no-members').waitFor();
    await pickOption(page, drawer.getByTestId('member-search'), { text: 'department', type: '张伟' });
    await drawer.getByRole('button', { name: '添加成员' }).click();
    await poll(() => drawer.getByTestId('members-table').innerText()).toContain('department');
    expect(await drawer.getByTestId('no-members').count()).toBe(0);
    await shot(page, 'department-members', { fullPage: false });
    await page.keyboard.press('Escape');
    await drawer.waitFor({ state: 'hidden' });
    await poll(() => row.getByTestId('member-count').innerText()).toBe('1');
    const dept = (await api<{ items: Department[] }>('/api/case-settings/departments')).items.find((d) => d.code === 'city_appearance')!;
    const members = await api<{ items: { username: string }[] }>(`/api/case-settings/departments/${dept.id}/members`);
    expect(members.items.map((m) => m.username)).toEqual(['department']);
    await shot(page, 'departments');
  });

  it('both tabs fit a phone', async () => {
    await page.setViewportSize(PHONE);
    await page.goto(server.url + '/case-settings');
    await page.getByTestId('categories-table').locator('tr', { hasText: '车乱停' }).waitFor();
    await shot(page, 'phone-categories', { fullPage: false });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    await page.goto(server.url + '/case-settings?tab=departments');
    await page.getByTestId('departments-table').locator('tr', { hasText: '市容环境卫生中心' }).waitFor();
    await shot(page, 'phone-departments', { fullPage: false });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
  });

  it('a street sees the categories read-only with the notice, and its own departments', async () => {
    await signInAs('street', DESKTOP);
    await page.getByTestId('side-menu').getByText('事件设置').click();
    await page.getByTestId('categories-read-only').waitFor();
    const row = page.getByTestId('categories-table').locator('tr', { hasText: '车乱停' });
    await poll(() => row.getByTestId('limit-handle').innerText()).toBe('2 工作日');
    expect(await page.getByRole('button', { name: label('编辑') }).count()).toBe(0);
    expect(await page.getByRole('button', { name: '添加大类' }).count()).toBe(0);
    expect(await row.getByRole('switch').isDisabled()).toBe(true);
    await page.getByRole('tab', { name: '职能部门' }).click();
    await page.getByTestId('departments-table').waitFor();
    // The district's departments are out of a street's reach.
    expect(await page.getByTestId('departments-table').innerText()).not.toContain('市容环境卫生中心');
    expect(pageErrors).toEqual([]);
  });
});
