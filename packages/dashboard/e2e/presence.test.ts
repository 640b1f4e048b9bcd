import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { api, connectAgent, login, type TestServer } from '@vaahshare/testkit';
import { launchBrowser, onlineCount, logIn, openPage, rowState, screenshot, startDashboardServer, waitForOnlineCount, waitForRowState } from './browser.js';

const GRACE_MS = 3000;

describe('dashboard: login and live presence in Chromium', () => {
  let t: TestServer;
  let browser: Browser;
  let page: Page;

  before(async () => {
    [t, browser] = await Promise.all([
      startDashboardServer({ RECONNECT_GRACE_MS: String(GRACE_MS), PRESENCE_SWEEP_MS: '200' }),
      launchBrowser(),
    ]);
    page = await openPage(browser);
  });
  after(async () => {
    await browser?.close();
    await t?.dispose();
  });

  test('every page is behind the login; a wrong password says so; the right one opens the clients', async () => {
    await page.goto(`${t.url}/history`);
    await page.waitForURL(`${t.url}/login?next=/history`);
    await screenshot(page, 'login-desktop');
    await page.locator('[data-test=email]').fill('admin@example.com');
    await page.locator('#password').fill('not the password');
    await page.locator('[data-test=login-submit]').click();
    await page.locator('[data-test=login-error]').waitFor();
    assert.equal(await page.locator('[data-test=login-error]').innerText(), 'Wrong e-mail or password');
    await logIn(page, t.url);
    assert.equal(await onlineCount(page), 0);
  });

  test('an agent connects: its row shows connected and the live count rises within a second', async () => {
    const before = await onlineCount(page);
    const agent = await connectAgent(t.url, 'ana@desk-1');
    await waitForRowState(page, 'ana@desk-1', 'connected', 1000);
    await page.waitForFunction((n) => Number.parseInt(document.querySelector('[data-test=online-count]')!.textContent!, 10) === n, before + 1, { timeout: 1000 });
    agent.socket.disconnect();
    await waitForRowState(page, 'ana@desk-1', 'reconnecting', 2000);
  });

  test('a drop shows reconnecting with a countdown, and disconnected with "last seen" when grace ends', async () => {
    const agent = await connectAgent(t.url, 'bo@desk-2');
    await waitForRowState(page, 'bo@desk-2', 'connected', 1000);
    // bo alone is online: ana, of the test before, dropped.
    await waitForOnlineCount(page, 1);
    agent.socket.disconnect();
    await waitForRowState(page, 'bo@desk-2', 'reconnecting', 1000);
    await waitForOnlineCount(page, 0);
    const note = await page.locator('tr', { has: page.locator('a[data-user-host="bo@desk-2"]') }).locator('.presence-note').innerText();
    assert.match(note, /^0:0[0-3]$/, `the countdown to the end of grace, not ${JSON.stringify(note)}`);
    await screenshot(page, 'clients-reconnecting-desktop');
    await waitForRowState(page, 'bo@desk-2', 'disconnected', GRACE_MS + 3000);
    const seen = await page.locator('tr', { has: page.locator('a[data-user-host="bo@desk-2"]') }).locator('.presence-note').innerText();
    assert.equal(seen, 'last seen just now');
  });

  test('app-closed makes the row disconnected at once, without reconnecting', async () => {
    const agent = await connectAgent(t.url, 'cy@desk-3');
    await waitForRowState(page, 'cy@desk-3', 'connected', 1000);
    const seen: string[] = [];
    await page.exposeFunction('recordState', (s: string) => seen.push(s));
    // A string, not a function: the test runner's transpiler would add helpers the page does not have.
    await page.evaluate(`
      new MutationObserver(() => {
        const cell = document.querySelector('.clients-table a[data-user-host="cy@desk-3"]')?.closest('tr')?.querySelector('.presence');
        window.recordState(cell?.getAttribute('data-state') ?? 'gone');
      }).observe(document.querySelector('.clients-table'), { subtree: true, attributes: true, attributeFilter: ['data-state'] });
    `);
    const reply = await agent.socket.timeout(2000).emitWithAck('app-closed');
    assert.equal(reply.ok, true);
    agent.socket.disconnect();
    await waitForRowState(page, 'cy@desk-3', 'disconnected', 1000);
    // A later presence change on the same dashboard socket: any state of cy's the server sent before it has arrived by then.
    const later = await connectAgent(t.url, 'cy-later@desk-3b');
    await waitForRowState(page, 'cy-later@desk-3b', 'connected', 5000);
    later.socket.disconnect();
    assert.equal(await rowState(page, 'cy@desk-3'), 'disconnected');
    assert.ok(!seen.includes('reconnecting'), `never reconnecting, saw ${seen.join(', ')}`);
  });

  test('a revoked token shows its client refused at once, not reconnecting for the grace period', async () => {
    const admin = await login(t.url);
    const companyId = (await api(t.url, '/api/auth/me', { token: admin })).body.data.company_id;
    const created = (await api(t.url, `/api/companies/${companyId}/tokens`, { token: admin, body: { label: 'to revoke' } })).body.data;
    await connectAgent(t.url, 'di@desk-4', { token: created.token });
    await waitForRowState(page, 'di@desk-4', 'connected', 1000);
    const revoked = await api(t.url, `/api/companies/${companyId}/tokens/${created.id}`, { token: admin, method: 'DELETE' });
    assert.equal(revoked.status, 200);
    await waitForRowState(page, 'di@desk-4', 'disconnected', 1000);
    const note = await page.locator('tr', { has: page.locator('a[data-user-host="di@desk-4"]') }).locator('.presence-note').innerText();
    assert.equal(note, 'refused: token revoked');
  });

  test('after the dashboard socket reconnects, presence missed while offline is shown', async () => {
    await page.context().setOffline(true);
    // The socket notices: Chromium closes WebSockets when it goes offline.
    await page.locator('[data-test=server-unreachable]').waitFor({ timeout: 10_000 });
    // A desktop of its own: di@desk-4 enrolled with the revoked token's secret in the test before.
    const agent = await connectAgent(t.url, 'ed@desk-5');
    await page.context().setOffline(false);
    await waitForRowState(page, 'ed@desk-5', 'connected', 10_000);
    await page.locator('[data-test=server-unreachable]').waitFor({ state: 'detached' });
    agent.socket.disconnect();
  });

  test('logging out in another tab sends this one to the login page; logging out here does too', async () => {
    const other = await page.context().newPage();
    await other.goto(`${t.url}/settings`);
    await other.locator('[data-test=logout]').click();
    await other.waitForURL(`${t.url}/login`);
    await page.waitForURL(/\/login/, { timeout: 5000 });
    await logIn(page, t.url);
    await page.locator('[data-test=logout]').click();
    await page.waitForURL(`${t.url}/login`);
    await page.goto(`${t.url}/clients`);
    await page.waitForURL(`${t.url}/login?next=/clients`);
    await other.close();
  });
});
