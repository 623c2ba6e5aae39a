import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { type Browser, screenshots, openDemo, pickOption } from './helpers/browser.js';
import { DEMO_PASSWORD, type RunningServer } from './helpers/server.js';

const { shot, clear: clearOwnShots } = screenshots('h');
const DESKTOP = { width: 1366, height: 900 };

/**
 * 12345 order import in Chromium against the real server (demo district): the secretary of
 * 龙湖东岸社区 creates the community's hotline source, uploads a CSV export, confirms the mapping
 * proposed from its headers, reads the preview, commits, and opens a created case.
 */
describe('12345 hotline import in Chromium', () => {
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  const stamp = String(Date.now() % 1_000_000);
  let csvFile = '';

  beforeAll(async () => {
    ({ server, browser, page } = await openDemo(clearOwnShots, pageErrors));
    const csv = [
      '受理编号,受理时间,联系人,联系电话,事发地址,诉求内容,问题分类,紧急程度,截止时间',
      `WH${stamp}01,2026-11-20 09:30,张先生,13800138000,龙湖东岸社区第六网格小区东门,东门外夜市摊贩占道经营到深夜,占道经营,紧急,2026-11-23 18:00`,
      `WH${stamp}02,2026/11/20 10:15:00,李女士,027-84561234,,咨询高龄津贴办理流程,民生咨询,一般,2026-11-25`,
      `,2026-11-20 11:00,王先生,,,没有工单编号的行,其他,一般,`,
    ].join('\r\n');
    csvFile = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'linli-hotline-')), '12345工单.csv');
    await fs.writeFile(csvFile, '\ufeff' + csv + '\r\n');
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('the community secretary creates a source and uploads a CSV export', async () => {
    await page.setViewportSize(DESKTOP);
    await page.goto(server.url + '/login');
    await page.locator('#username').fill('community');
    await page.locator('#password').fill(DEMO_PASSWORD);
    await page.locator('button[type=submit]').click();
    await page.waitForURL((u) => u.pathname !== '/login');
    await page.getByTestId('side-menu').getByText('12345 工单导入').click();
    await page.waitForURL((u) => u.pathname === '/hotline-import');

    await page.getByTestId('hotline-new-source').click();
    await page.locator('#hotline-source-name').fill('武汉市12345');
    await pickOption(page, page.locator('.ant-select', { has: page.locator('#hotline-source-unit') }), { title: '龙湖东岸社区', type: '龙湖东岸' });
    await page.locator('#hotline-source-save').click();
    await expect.poll(() => page.getByTestId('hotline-source').innerText()).toContain('武汉市12345');

    await page.getByTestId('hotline-upload').locator('input[type=file]').setInputFiles(csvFile);
    await page.getByTestId('hotline-start-upload').click();
    await page.getByTestId('hotline-mapping').waitFor();
  });

  it('the mapping step proposes every column from the headers', async () => {
    const mapping = page.getByTestId('hotline-mapping');
    await expect.poll(() => page.getByTestId('map-orderNo').innerText()).toContain('受理编号');
    expect(await page.getByTestId('map-deadline').innerText()).toContain('截止时间');
    expect(await page.getByTestId('map-callerPhone').innerText()).toContain('联系电话');
    expect(await mapping.innerText()).toContain('东门外夜市摊贩占道经营到深夜');
    // 占道经营 and 民生咨询 are listed for the category table; the default category is 民生诉求.
    const table = page.getByTestId('map-categories');
    expect(await table.innerText()).toContain('占道经营');
    expect(await page.getByTestId('map-default-category').innerText()).toContain('民生诉求');
    // 占道经营 → 店外经营 (街面秩序).
    await pickOption(page, table.locator('tr', { hasText: '占道经营' }).locator('.ant-select'), { text: '店外经营', type: '店外经营' });
    await shot(page, 'hotline-mapping');
    await page.getByTestId('hotline-validate').click();
  });

  it('the preview shows new orders, remarks and errors', async () => {
    await expect.poll(() => page.getByTestId('hotline-job').getAttribute('data-status'), { timeout: 45_000 }).toBe('ready');
    const counts = page.getByTestId('hotline-counts');
    await expect.poll(() => counts.innerText()).toMatch(/新工单\s*1/);
    expect(await counts.innerText()).toMatch(/有提示\s*1/);
    expect(await counts.innerText()).toMatch(/有错误\s*1/);
    const rows = page.getByTestId('hotline-rows');
    await expect.poll(() => rows.innerText()).toContain(`WH${stamp}01`);
    const text = await rows.innerText();
    expect(text).toContain('按名称：第六网格');
    expect(text).toContain('接收单位：龙湖东岸社区');
    expect(text).toContain('工单编号：必填');
    await shot(page, 'hotline-preview');
  });

  it('commits and the created case shows its 12345 order number', async () => {
    await page.getByTestId('hotline-commit').click();
    await expect.poll(() => page.getByTestId('hotline-job').getAttribute('data-status'), { timeout: 45_000 }).toBe('committed');
    expect(await page.getByTestId('hotline-result').innerText()).toContain('新建 2 件事件');
    const link = page.getByTestId('hotline-case-link').first();
    await link.waitFor();
    await shot(page, 'hotline-committed');
    await link.click();
    await page.waitForURL((u) => u.pathname.startsWith('/cases/'));
    await page.getByTestId('case-state').first().waitFor();
    await expect.poll(() => page.locator('body').innerText()).toContain('东门外夜市摊贩占道经营到深夜');
    expect(await page.locator('body').innerText()).toContain(`WH${stamp}01`);
    // The hotline's own deadline (18:00 Beijing on the 23rd, shown in the browser's time zone) is beside its number.
    expect(await page.getByTestId('hotline-deadline').innerText()).toMatch(/2026.*11.*2[34]/);
    await shot(page, 'hotline-case');
    expect(pageErrors).toEqual([]);
  });
});
