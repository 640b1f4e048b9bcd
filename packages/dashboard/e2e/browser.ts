import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { ADMIN_EMAIL, ADMIN_PASSWORD, login, startServer, type connectAgent, type TestServer } from '@vaahshare/testkit';
import { makeWebm, type WebmOptions } from '@vaahshare/testkit/webm';
import { DIST_DIR, ensureDashboardBuild } from '../build/ensure-build.js';
import { acquireLock } from '../build/lock.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const ARTIFACTS = path.join(ROOT, 'test-artifacts', 'dashboard');

export const DESKTOP = { width: 1280, height: 720 };
export const PHONE = { width: 390, height: 844 };

/**
 * Debian's Chromium, as every browser test of the project drives it. One browser test file runs at a time
 * (a machine-wide lock until the browser closes): on 2 cores, several Chromiums next to the rest of the
 * suite starve the server tests and make every timing in them meaningless.
 */
export async function launchBrowser(): Promise<Browser> {
  const release = await acquireLock('vaahshare-browser-tests');
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--autoplay-policy=no-user-gesture-required',
    ],
  }).catch((err: unknown) => {
    release();
    throw err;
  });
  browser.on('disconnected', release);
  return browser;
}

/** A real server (the test harness) serving the built dashboard; the build happens once per test run. */
export async function startDashboardServer(overrides: Record<string, string> = {}): Promise<TestServer> {
  await ensureDashboardBuild({ quiet: true });
  return startServer({ DASHBOARD_DIR: DIST_DIR, ...overrides });
}

/** What Chromium refused because of the server's Content-Security-Policy, on every page opened by `openPage`. */
export const cspViolations: string[] = [];

export type Agent = Awaited<ReturnType<typeof connectAgent>>;

/** What a dashboard e2e file works with: the server, Chromium, an admin's API token, a page, a test recording. */
export interface DashboardSession {
  t: TestServer;
  browser: Browser;
  token: string;
  page: Page;
  webm: Buffer;
}

/** Starts the server, Chromium and the test recording side by side, then logs in over the API and opens a page. */
export async function openDashboardSession(webmOptions: WebmOptions): Promise<DashboardSession> {
  const [t, browser, webm] = await Promise.all([startDashboardServer(), launchBrowser(), makeWebm(webmOptions)]);
  return { t, browser, webm, token: await login(t.url), page: await openPage(browser) };
}

/** Disconnects the file's agents, closes Chromium (and its lock) and stops the server; for a half-started session too. */
export async function closeDashboardSession(session: Partial<DashboardSession>, agents: Agent[]) {
  agents.forEach((a) => a.socket.disconnect());
  await session.browser?.close();
  await session.t?.dispose();
}

export async function openPage(browser: Browser, viewport = DESKTOP): Promise<Page> {
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1, isMobile: viewport.width < 600, hasTouch: viewport.width < 600 });
  const page = await context.newPage();
  page.on('console', (message) => {
    if (message.text().includes('Content Security Policy')) cspViolations.push(`${page.url()}: ${message.text()}`);
  });
  return page;
}

/** Logs in through the login form and waits for the clients page with its data. */
export async function logIn(page: Page, url: string, email = ADMIN_EMAIL, password = ADMIN_PASSWORD) {
  await page.goto(`${url}/login`);
  await page.locator('[data-test=email]').fill(email);
  await page.locator('#password').fill(password);
  await page.locator('[data-test=login-submit]').click();
  await page.waitForURL(`${url}/clients`);
  await page.locator('[data-test=online-count]').waitFor();
}

/**
 * Clicks a button that asks first, then confirms. The button is centred before: PrimeVue's ConfirmPopup closes on
 * any scroll or resize, and at the foot of the long Settings page, reaching its accept button would scroll. One that
 * comes while it opens (CI saw it once: the popup went from the page before it could be clicked) closes it unanswered:
 * then the button is clicked again, as a person would: nothing was done meanwhile.
 */
export async function clickAndConfirm(page: Page, trigger: Locator) {
  const accept = page.locator('.p-confirmpopup-accept-button');
  for (let attempt = 1; ; attempt++) {
    await trigger.evaluate((el) => el.scrollIntoView({ block: 'center' }));
    await trigger.click();
    try {
      await accept.click({ timeout: 5000 });
      return;
    } catch (err) {
      if (attempt === 3 || (await accept.count()) > 0) throw err;
    }
  }
}

export async function screenshot(page: Page, name: string) {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  // Tables fade their loading mask out after the data arrived: wait for it to be gone.
  await page.waitForFunction(() => !document.querySelector('.p-datatable-mask'), undefined, { timeout: 3000 }).catch(() => {});
  // PrimeVue fades rows, messages and dialogs in: the picture shows them once they are there (endless ones, a live dot, aside).
  await page.waitForFunction(() => document.getAnimations().every((a) => a.playState !== 'running' || a.effect?.getTiming().iterations === Infinity));
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) });
}

/** The presence state shown in the clients table for one client (null while its row is absent). */
export function rowState(page: Page, userHost: string): Promise<string | null> {
  return page.evaluate((uh) => {
    const link = document.querySelector(`.clients-table a[data-user-host="${CSS.escape(uh)}"]`);
    return link?.closest('tr')?.querySelector('.presence')?.getAttribute('data-state') ?? null;
  }, userHost);
}

/** The header's count of clients online (connected) now. */
export function onlineCount(page: Page): Promise<number> {
  return page.evaluate(() => Number.parseInt(document.querySelector('[data-test=online-count]')?.textContent ?? '', 10));
}

/**
 * Waits until the header's online count shows `count`: the counts on screen follow presence within a quarter
 * of a second (`useShownCounts`), not in the frame that paints the row.
 */
export async function waitForOnlineCount(page: Page, count: number, timeout = 2000) {
  await page.waitForFunction((n) => Number.parseInt(document.querySelector('[data-test=online-count]')?.textContent ?? '', 10) === n, count, { timeout });
}

/** Waits until the row of a client shows a state; `timeout` is the budget the test allows. */
export async function waitForRowState(page: Page, userHost: string, state: string, timeout: number) {
  await page.waitForFunction(
    ([uh, wanted]) => {
      const link = document.querySelector(`.clients-table a[data-user-host="${CSS.escape(uh)}"]`);
      return link?.closest('tr')?.querySelector('.presence')?.getAttribute('data-state') === wanted;
    },
    [userHost, state] as const,
    { timeout },
  );
}
