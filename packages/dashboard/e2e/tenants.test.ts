import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { api, connectAgent, login, waitUntil, type TestServer } from '@vaahshare/testkit';
import { sendFrames, startSegment } from '@vaahshare/testkit/streaming';
import { makeWebm } from '@vaahshare/testkit/webm';
import { launchBrowser, logIn, openPage, rowState, screenshot, startDashboardServer, waitForOnlineCount, waitForRowState } from './browser.js';

const B_EMAIL = 'boss@b-corp.example';
const B_PASSWORD = 'b-corp password';

const rowsShown = (page: Page) =>
  page.evaluate(() => [...document.querySelectorAll('.clients-table a[data-user-host]')].map((a) => a.getAttribute('data-user-host')));

describe('dashboard: a second company’s admin sees none of the first company', () => {
  let t: TestServer;
  let browser: Browser;
  let page: Page;
  const agents: Array<Awaited<ReturnType<typeof connectAgent>>> = [];
  let streamingA: Awaited<ReturnType<typeof connectAgent>>;
  let tokenB: string;

  before(async () => {
    [t, browser] = await Promise.all([startDashboardServer(), launchBrowser()]);
    const token = await login(t.url);
    const created = await api(t.url, '/api/companies', { token, body: { name: 'B Corp' } });
    assert.equal(created.status, 201);
    const user = await api(t.url, '/api/users', { token, body: { email: B_EMAIL, password: B_PASSWORD, company_id: created.body.data.id, role: 'admin' } });
    assert.equal(user.status, 201);

    // Company A: a client streaming now, an idle alert, a finished recording.
    const webm = await makeWebm({ seconds: 12, fps: 10, gop: 10 });
    streamingA = await connectAgent(t.url, 'ann@a-corp');
    await startSegment(streamingA.socket, 'a-live');
    await sendFrames(streamingA.socket, 'a-live', webm, 0, 20_000);
    await streamingA.socket.emitWithAck('alert', { type: 'idle', idle_seconds: 600 });
    const recorder = await connectAgent(t.url, 'al@a-corp');
    await startSegment(recorder.socket, 'a-done');
    await sendFrames(recorder.socket, 'a-done', webm, 0);
    await recorder.socket.emitWithAck('stop-streaming', { segment_id: 'a-done' });
    await waitUntil(async () => (await api(t.url, '/api/media?status=ready', { token })).body.data.length === 1, 60_000, 'company A’s recording');
    // Company B: one client of its own, so an empty page cannot pass for a broken one.
    tokenB = created.body.data.enrollment_token;
    agents.push(streamingA, recorder, await connectAgent(t.url, 'bob@b-corp', { token: tokenB }));

    page = await openPage(browser);
    await logIn(page, t.url, B_EMAIL, B_PASSWORD);
  });
  after(async () => {
    agents.forEach((a) => a.socket.disconnect());
    await browser?.close();
    await t?.dispose();
  });

  test('clients and the live count are only its own, also as company A changes live', async () => {
    await waitForRowState(page, 'bob@b-corp', 'connected', 2000);
    assert.deepEqual(await rowsShown(page), ['bob@b-corp']);
    await waitForOnlineCount(page, 1);
    agents.push(await connectAgent(t.url, 'amy@a-corp'));
    await streamingA.socket.emitWithAck('alert', { type: 'idle', idle_seconds: 900 });
    // B's own client drops and comes back: the page shows that after anything sent to it before.
    const bob = agents.find((a) => a.client.user_host === 'bob@b-corp')!;
    bob.socket.disconnect();
    await waitForRowState(page, 'bob@b-corp', 'reconnecting', 5000);
    agents.push(await connectAgent(t.url, 'bob@b-corp', { token: tokenB }));
    await waitForRowState(page, 'bob@b-corp', 'connected', 5000);
    assert.deepEqual(await rowsShown(page), ['bob@b-corp']);
    await waitForOnlineCount(page, 1);
    assert.equal(await page.locator('.p-toast-message').count(), 0, 'no toast for company A’s alert');
    assert.equal(await rowState(page, 'ann@a-corp'), null);
  });

  test('Live, History and Alerts are empty, and company A’s client page is not found', async () => {
    await page.locator('.app-nav a[href="/live"]').click();
    await page.locator('[data-test=live-empty]').waitFor();
    await page.locator('.app-nav a[href="/history"]').click();
    await page.locator('[data-test=media-table] .table-empty').waitFor();
    await page.locator('.app-nav a[href="/alerts"]').click();
    await page.locator('[data-test=alerts-show] >> text=All').click();
    await page.locator('[data-test=alerts-table] .table-empty').waitFor();
    await page.goto(`${t.url}/clients/${streamingA.client.id}`);
    await page.locator('.p-message-error').waitFor();
    assert.match(await page.locator('.p-message-error').innerText(), new RegExp(`Client ${streamingA.client.id} not found`));
    assert.equal(await page.locator('[data-test=machine-info]').count(), 0);
  });

  test('a superadmin follows company B with the header’s switch, live and after a reload, and comes back to A', async () => {
    const admin = await openPage(browser);
    await logIn(admin, t.url);
    await waitForRowState(admin, 'ann@a-corp', 'connected', 5000);
    assert.ok(!(await rowsShown(admin)).includes('bob@b-corp'), 'its own company first');
    const pick = async (name: string) => {
      await admin.locator('[data-test=company-switch]').click();
      await admin.getByRole('option', { name }).click();
    };

    await pick('B Corp');
    await waitUntil(async () => JSON.stringify(await rowsShown(admin)) === '["bob@b-corp"]', 5000, 'only B’s client');
    await waitForOnlineCount(admin, 1);
    // Live events of B arrive (the socket follows B now), none of A's: A's, sent first, would be on screen before B's.
    agents.push(await connectAgent(t.url, 'abe@a-corp'));
    agents.push(await connectAgent(t.url, 'bea@b-corp', { token: tokenB }));
    await waitForRowState(admin, 'bea@b-corp', 'connected', 2000);
    assert.deepEqual(await rowsShown(admin), ['bea@b-corp', 'bob@b-corp']);
    await screenshot(admin, 'clients-superadmin-following-b');
    await admin.locator('.app-nav a[href="/settings"]').click();
    await admin.locator('h1 >> text=B Corp').waitFor();

    await admin.reload();
    await admin.locator('.app-nav a[href="/clients"]').click();
    await waitUntil(async () => JSON.stringify(await rowsShown(admin)) === '["bea@b-corp","bob@b-corp"]', 5000, 'still B after a reload');

    const superToken = await login(t.url);
    const ownId = (await api(t.url, '/api/auth/me', { token: superToken })).body.data.company_id;
    const companies: Array<{ id: number; name: string }> = (await api(t.url, '/api/companies', { token: superToken })).body.data;
    await pick(companies.find((c) => c.id === ownId)!.name);
    await waitForRowState(admin, 'abe@a-corp', 'connected', 5000);
    assert.ok(!(await rowsShown(admin)).some((host) => host?.endsWith('@b-corp')), 'back to A only');
    await admin.context().close();
  });

  test('its player gets no picture of company A’s stream, which is running', async () => {
    await page.goto(`${t.url}/live/${streamingA.client.id}`);
    // The server's answer to the player's `watch`, shown: once it refused, no picture of that stream can come.
    await page.locator('[data-test=live-error]', { hasText: `Client ${streamingA.client.id} not found` }).waitFor({ timeout: 10_000 });
    const width = await page.evaluate(() => document.querySelector<HTMLElement>('[data-test=live-picture]')?.dataset.pictureWidth);
    assert.equal(width, '0', 'no picture of another company’s client');
  });
});
