import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { api, connectAgent, login, type TestServer } from '@vaahshare/testkit';
import { addRecording } from '@vaahshare/testkit/recordings';
import { sendFrames, startSegment } from '@vaahshare/testkit/streaming';
import { makeWebm } from '@vaahshare/testkit/webm';
import { launchBrowser, logIn, openPage, screenshot, startDashboardServer, waitForOnlineCount, waitForRowState, type Agent } from './browser.js';

const VIEWER_EMAIL = 'vera@viewer.example';
const VIEWER_PASSWORD = 'viewer password 1';

const rowsShown = (page: Page) =>
  page.evaluate(() => [...document.querySelectorAll('.clients-table a[data-user-host]')].map((a) => a.getAttribute('data-user-host')));
const navLinks = (page: Page) => page.evaluate(() => [...document.querySelectorAll('.app-nav a')].map((a) => a.textContent?.trim()));

describe('dashboard: a viewer sees the clients, live screens and recordings of its groups only', () => {
  let t: TestServer;
  let browser: Browser;
  let page: Page;
  const agents: Agent[] = [];

  before(async () => {
    [t, browser] = await Promise.all([startDashboardServer(), launchBrowser()]);
    const admin = await login(t.url);
    const companyId = (await api(t.url, '/api/auth/me', { token: admin })).body.data.company_id;
    const sales = (await api(t.url, '/api/groups', { token: admin, body: { name: 'Sales' } })).body.data;
    const salesToken = (await api(t.url, `/api/companies/${companyId}/tokens`, { token: admin, body: { label: 'sales', group_id: sales.id } })).body.data.token;
    const viewer = { email: VIEWER_EMAIL, password: VIEWER_PASSWORD, company_id: companyId, role: 'viewer', group_ids: [sales.id] };
    assert.equal((await api(t.url, '/api/users', { token: admin, body: viewer })).status, 201);

    // Both stream: Sales's by its token's group, the other in the default group; each has a finished recording.
    const webm = await makeWebm({ seconds: 4, fps: 10, gop: 10 });
    const ann = await connectAgent(t.url, 'ann@sales-pc', { token: salesToken });
    const bob = await connectAgent(t.url, 'bob@other-pc');
    agents.push(ann, bob);
    for (const agent of agents) {
      await startSegment(agent.socket, `live-${agent.client.id}`);
      await sendFrames(agent.socket, `live-${agent.client.id}`, webm, 0, 20_000);
      await addRecording(t.server.ctx.db, t.dataDir, { companyId, clientId: agent.client.id, ageMs: 3_600_000 });
    }
    page = await openPage(browser);
    await logIn(page, t.url, VIEWER_EMAIL, VIEWER_PASSWORD);
  });
  after(async () => {
    agents.forEach((a) => a.socket.disconnect());
    await browser?.close();
    await t?.dispose();
  });

  test('its pages are Clients, Live, History and Alerts (no Audit, no settings), each with its group’s client only', async () => {
    await waitForRowState(page, 'ann@sales-pc', 'connected', 5000);
    assert.deepEqual(await navLinks(page), ['Clients', 'Live', 'History', 'Alerts', 'Account']);
    assert.deepEqual(await rowsShown(page), ['ann@sales-pc']);
    await waitForOnlineCount(page, 1);
    assert.equal(await page.locator('[data-test=clients-move]').count(), 0, 'a viewer moves nobody');
    await screenshot(page, 'clients-viewer');

    await page.locator('.app-nav a[href="/live"]').click();
    await page.locator('[data-test=live-grid]').waitFor();
    assert.deepEqual(await page.locator('[data-test=live-grid] [data-user-host]').evaluateAll((tiles) => tiles.map((t) => t.getAttribute('data-user-host'))), ['ann@sales-pc']);

    await page.locator('.app-nav a[href="/history"]').click();
    await page.locator('[data-test=media-table] [data-test=play]').waitFor();
    assert.equal(await page.locator('[data-test=media-table] [data-test=play]').count(), 1, 'its group’s finished recording only');
    // Its live recording (still recording) is listed too: every title is of its group's client.
    const titles = await page.locator('[data-test=media-title]').evaluateAll((cells) => cells.map((c) => c.textContent ?? ''));
    assert.ok(titles.length >= 1 && titles.every((title) => title.includes('ann@sales-pc')), titles.join(' | '));
    assert.equal(await page.locator('[data-test=delete-selected]').count(), 0, 'no deleting');
    assert.equal(await page.locator('[data-test=media-table] a[aria-label=Download]').count(), 0, 'no download without the right');
    assert.equal(await page.locator('[data-test=delete-media]').count(), 0);
    await screenshot(page, 'history-viewer');
  });

  test('the audit page and another group’s client send it home or say not found; its account page is its own', async () => {
    await page.goto(`${t.url}/audit`);
    await page.waitForURL(`${t.url}/clients`);
    const bob = agents[1]!;
    await page.goto(`${t.url}/clients/${bob.client.id}`);
    await page.locator('.p-message-error', { hasText: `Client ${bob.client.id} not found` }).waitFor();
    await page.goto(`${t.url}/live/${bob.client.id}`);
    await page.locator('[data-test=live-error]', { hasText: `Client ${bob.client.id} not found` }).waitFor({ timeout: 10_000 });
    await page.locator('.app-nav a[href="/settings"]').click();
    await page.locator('h1', { hasText: 'Your account' }).waitFor();
    assert.equal(await page.locator('[data-test=tokens-table]').count(), 0, 'no enrollment tokens');
    assert.equal(await page.locator('[data-test=users-table]').count(), 0, 'no users');
  });
});
