import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { connectAgent, connected, hello, openSocket, rememberDeviceSecret, tempDir, type TestServer, type TestSocket } from '@vaahshare/testkit';
import { freePort } from '@vaahshare/testkit/process';
import { launchBrowser, logIn, openPage, rowState, screenshot, startDashboardServer, waitForOnlineCount, waitForRowState } from './browser.js';

/** An agent that comes back by itself after the server restarts, announcing itself again as the real one does. */
async function returningAgent(url: string, userHost: string): Promise<TestSocket> {
  const socket = openSocket(url, {}, true);
  socket.on('connect', () => void socket.emit('client-connected', hello(userHost), (reply) => rememberDeviceSecret(userHost, reply)));
  await connected(socket);
  return socket;
}

const countdownOf = (page: Page, userHost: string) =>
  page.locator('tr', { has: page.locator(`a[data-user-host="${userHost}"]`) }).locator('.presence-note').innerText();

/** Waits until the page's own clock has moved on by `ms` (a countdown that still ran would have changed). */
async function letPageClockRun(page: Page, ms: number) {
  const start = await page.evaluate(() => Date.now());
  await page.waitForFunction((until) => Date.now() >= until, start + ms, { polling: 100, timeout: ms + 5000 });
}

describe('dashboard: the server goes down and comes back', () => {
  const dataDir = tempDir();
  let port: number;
  let t: TestServer;
  let browser: Browser;
  let page: Page;
  const sockets: TestSocket[] = [];
  const start = () => startDashboardServer({ DATA_DIR: dataDir, PORT: String(port), RECONNECT_GRACE_MS: '60000' });

  before(async () => {
    port = await freePort();
    [t, browser] = await Promise.all([start(), launchBrowser()]);
    page = await openPage(browser);
    await logIn(page, t.url);
  });
  after(async () => {
    sockets.forEach((s) => s.disconnect());
    await browser?.close();
    await t?.dispose();
  });

  test('losing the server says so at once: a banner with the time, statuses greyed, countdowns stopped; back, all is fresh', async () => {
    sockets.push(await returningAgent(t.url, 'ana@desk-1'));
    const bo = await connectAgent(t.url, 'bo@desk-2');
    bo.socket.disconnect();
    await waitForRowState(page, 'ana@desk-1', 'connected', 5000);
    await waitForRowState(page, 'bo@desk-2', 'reconnecting', 5000);
    assert.equal(await page.locator('[data-test=server-unreachable]').count(), 0);

    const stoppedAt = Date.now();
    await t.close();
    const banner = page.locator('[data-test=server-unreachable]');
    await banner.waitFor({ timeout: 3000 });
    const shown = /Server unreachable since (\d\d):(\d\d):(\d\d)\s?([AP]M)? — statuses as of then/.exec(await banner.innerText());
    assert.ok(shown, `the banner names the moment: ${await banner.innerText()}`);
    const since = new Date(stoppedAt);
    const hour = (Number(shown[1]) % 12) + (shown[4] === 'PM' ? 12 : shown[4] === 'AM' ? 0 : Number(shown[1]) >= 12 ? 12 : 0);
    since.setHours(hour, Number(shown[2]), Number(shown[3]));
    assert.ok(Math.abs(since.getTime() - stoppedAt) < 3000, `lost at ${since.toISOString()}, stopped at ${new Date(stoppedAt).toISOString()}`);
    const greyed = await page.locator('tr', { has: page.locator('a[data-user-host="ana@desk-1"]') }).locator('.presence').evaluate((el) => getComputedStyle(el).filter);
    assert.match(greyed, /grayscale/);
    const countdown = await countdownOf(page, 'bo@desk-2');
    await letPageClockRun(page, 2100);
    assert.equal(await countdownOf(page, 'bo@desk-2'), countdown, 'the countdown stopped with the server');
    await screenshot(page, 'clients-server-unreachable-desktop');

    t = await start();
    await banner.waitFor({ state: 'detached', timeout: 15_000 });
    await waitForRowState(page, 'ana@desk-1', 'connected', 15_000);
    assert.equal(await rowState(page, 'bo@desk-2'), 'reconnecting');
    await waitForOnlineCount(page, 1);
    const fresh = await countdownOf(page, 'bo@desk-2');
    await page.waitForFunction(
      ([uh, before]) => document.querySelector(`tr:has(a[data-user-host="${uh}"]) .presence-note`)?.textContent?.trim() !== before,
      ['bo@desk-2', fresh] as const,
      { timeout: 3000 },
    );
    assert.equal(await page.locator('.shell.stale').count(), 0);
    await screenshot(page, 'clients-server-back-desktop');
  });
});
