import fs from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { TOTP, Secret } from 'otpauth';
import { REPO_ROOT, startServer, type RunningServer } from './server.js';

/** Debian's Chromium (`apt-get install -y chromium`); no browser is ever downloaded. */
export const CHROMIUM = process.env.LINLI_CHROMIUM ?? '/usr/bin/chromium';

export const SCREENSHOT_DIR = path.join(REPO_ROOT, 'test-results', 'screenshots');

export interface Browser {
  context: BrowserContext;
  page: Page;
  close: () => Promise<void>;
}

export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM);
}

/** A phone's screen: 390×844 CSS pixels (a common Android/iPhone size). */
export const PHONE_VIEWPORT = { width: 390, height: 844 };

/**
 * Headless Chromium with a fresh profile directory, removed on close. `phone`: a phone's viewport
 * with touch and the mobile meta-viewport handling (taps, `pointer: coarse`) in Beijing time, as the
 * phone pages meet it.
 */
export async function launchBrowser(opts: { locale?: string; phone?: boolean } = {}): Promise<Browser> {
  const userDataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'linli-e2e-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run',
    ],
    viewport: opts.phone ? PHONE_VIEWPORT : { width: 1366, height: 860 },
    // A phone in China: its clock shows Beijing time, as the worker's does.
    ...(opts.phone ? { hasTouch: true, isMobile: true, timezoneId: 'Asia/Shanghai' } : {}),
    locale: opts.locale ?? 'zh-CN',
    acceptDownloads: true,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    close: async () => {
      await context.close();
      await fs.rm(userDataDir, { recursive: true, force: true });
    },
  };
}


/**
 * Screenshots of one test file: test-results/screenshots/<prefix><nn>-<name>.png, numbered in order.
 * clear() removes that file's earlier ones and leaves the other files' (other prefixes) alone.
 */
export function screenshots(prefix: string) {
  let count = 0;
  const mine = new RegExp(`^${prefix}\\d+-.*\\.png$`);
  return {
    async shot(page: Page, name: string, opts: { fullPage?: boolean } = {}): Promise<string> {
      await fs.mkdir(SCREENSHOT_DIR, { recursive: true });
      count += 1;
      const file = path.join(SCREENSHOT_DIR, `${prefix}${String(count).padStart(2, '0')}-${name}.png`);
      // Let animations (menus, modals, messages) settle.
      await page.waitForTimeout(400);
      await page.screenshot({ path: file, fullPage: opts.fullPage ?? true });
      return file;
    },
    async clear(): Promise<void> {
      const names = await fs.readdir(SCREENSHOT_DIR).catch(() => [] as string[]);
      await Promise.all(names.filter((n) => mine.test(n)).map((n) => fs.rm(path.join(SCREENSHOT_DIR, n), { force: true })));
      count = 0;
    },
  };
}

const foundationShots = screenshots('');
/** The foundation e2e's screenshots (<nn>-<name>.png). */
export const screenshot = foundationShots.shot;
export const clearScreenshots = foundationShots.clear;

/** The current code of an authenticator app holding this base32 secret (RFC 6238, as the server). */
export function totpCode(secretBase32: string, at = Date.now()): string {
  return new TOTP({ algorithm: 'SHA1', digits: 6, period: 30, secret: Secret.fromBase32(secretBase32.replace(/\s+/g, '')) }).generate({ timestamp: at });
}

/** A GET through the signed-in browser (its session cookie), answering the JSON. */
export async function apiGet<T>(page: Page, url: string): Promise<T> {
  return page.evaluate(async (u) => {
    const res = await fetch(u, { headers: { Accept: 'application/json' } });
    if (!res.ok) throw new Error(`${u}: ${res.status} ${await res.text()}`);
    return res.json();
  }, url) as Promise<T>;
}

/**
 * Sign in on the login page as `username`, at a viewport, without the previous session's cookie
 * (signing out through the API under a mounted page is not what a user does).
 */
export async function signInAs(browser: Browser, baseUrl: string, username: string, password: string, viewport: { width: number; height: number }): Promise<void> {
  const { page } = browser;
  await page.setViewportSize(viewport);
  await page.goto('about:blank');
  await browser.context.clearCookies();
  await page.goto(baseUrl + '/login');
  await page.locator('#username').fill(username);
  await page.locator('#password').fill(password);
  await page.locator('button[type=submit]').click();
  await page.waitForURL((u) => u.pathname !== '/login');
}

/**
 * The usual start of an e2e file: Chromium present (else a clear error), the file's old screenshots
 * cleared, the demo server started, a browser launched whose page errors are collected.
 */
export async function openDemo(clearShots: () => Promise<void>, pageErrors: string[], opts: { phone?: boolean } = {}): Promise<{ server: RunningServer; browser: Browser; page: Page }> {
  if (!chromiumAvailable()) {
    throw new Error(`No Chromium at ${CHROMIUM}: install Debian's with \`apt-get install -y chromium fonts-noto-cjk\` (or set LINLI_CHROMIUM)`);
  }
  await clearShots();
  const server = await startServer();
  const browser = await launchBrowser({ phone: opts.phone });
  const page = browser.page;
  page.setDefaultTimeout(45_000);
  page.on('pageerror', (e) => pageErrors.push(`${page.url()}: ${e.stack ?? String(e)}`));
  return { server, browser, page };
}

/**
 * An element's box once it has stopped moving: a modal opens with a zoom from the button that opened
 * it, and a click placed from a box read during that animation lands somewhere else (on a map: at
 * another coordinate). Two readings 150 ms apart must agree.
 */
export async function settledBox(locator: Locator): Promise<{ x: number; y: number; width: number; height: number }> {
  let prev = await locator.boundingBox();
  for (let i = 0; i < 100; i++) {
    await new Promise((r) => setTimeout(r, 150));
    const box = await locator.boundingBox();
    if (box && prev && box.x === prev.x && box.y === prev.y && box.width === prev.width && box.height === prev.height) return box;
    prev = box;
  }
  throw new Error('settledBox: the element kept moving for 15 s');
}

/**
 * Choose an option of an antd Select and make sure the choice took. A click that lands while the
 * option list re-renders under the pointer (search results or a reload arriving) is lost: the option
 * is replaced between mouse down and mouse up, and the select stays empty. Seen on CI for the
 * building, room and serving-unit pickers, and reproduced in a loop (about one pick in fifteen on a
 * searched building). So: open, type, click the option, check that the select shows it — else close
 * the list and pick again.
 *
 * `select` is the Select's root (`.ant-select`); the option is the one whose title is `title`
 * exactly, else the first whose text contains `text`, else the first enabled one. Returns what the
 * select was checked to show.
 */
export async function pickOption(page: Page, select: Locator, choice: { title?: string; text?: string; type?: string } = {}): Promise<string> {
  const options = page.locator('.ant-select-dropdown:visible .ant-select-item-option:not(.ant-select-item-option-disabled)');
  const option = choice.title !== undefined
    ? options.and(page.locator(`[title="${choice.title.replace(/"/g, '\\"')}"]`))
    : choice.text !== undefined ? options.filter({ hasText: choice.text }) : options;
  for (let attempt = 1; ; attempt++) {
    await select.click();
    if (choice.type !== undefined) {
      // Replace whatever a lost attempt left in the search box.
      await page.keyboard.press('ControlOrMeta+A');
      await page.keyboard.type(choice.type);
    }
    const target = option.first();
    await target.waitFor();
    const want = choice.title ?? choice.text ?? (await target.getAttribute('title')) ?? (await target.innerText()).split('\n')[0]!.trim();
    await target.click();
    const deadline = Date.now() + 3_000;
    while (Date.now() < deadline) {
      if ((await select.innerText()).includes(want)) return want;
      await new Promise((r) => setTimeout(r, 100));
    }
    if (attempt === 4) throw new Error(`pickOption: "${want}" did not stay chosen after ${attempt} picks; the select shows "${await select.innerText()}"`);
    // Close the list the lost click left open (only then: Escape on a closed select closes the drawer).
    if (await page.locator('.ant-select-dropdown:visible').count()) await page.keyboard.press('Escape');
  }
}
