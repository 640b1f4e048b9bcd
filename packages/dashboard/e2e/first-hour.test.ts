import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page, Route } from 'playwright-core';
import { api, connectAgent, type TestServer } from '@vaahshare/testkit';
import { sendFrames, startSegment } from '@vaahshare/testkit/streaming';
import { closeDashboardSession, logIn, openDashboardSession, screenshot, waitForOnlineCount, waitForRowState, type Agent, type DashboardSession } from './browser.js';

/** Holds the next request to `path` until the test lets it through; resolves once it was sent. */
function holdNext(page: Page, path: string): Promise<Route> {
  return new Promise((resolve) => {
    void page.route(`**${path}`, (route) => resolve(route), { times: 1 });
  });
}

/** What a person sees first: the login form, the words for presence, "last seen" and the recordings. */
describe('dashboard: the first hour of a new admin', () => {
  let session: DashboardSession | undefined;
  let t: TestServer, page: Page, token: string, webm: Buffer;
  const agents: Agent[] = [];

  before(async () => {
    session = await openDashboardSession({ seconds: 4, fps: 10, gop: 10 });
    ({ t, page, token, webm } = session);
  });
  after(() => closeDashboardSession(session ?? {}, agents));

  test('login: an error from the last attempt is gone while the next one is being checked', async () => {
    await page.goto(`${t.url}/login`);
    await page.locator('[data-test=email]').fill('admin');
    await page.locator('#password').fill('not the password');
    await page.locator('[data-test=login-submit]').click();
    assert.equal(await page.locator('[data-test=login-error]').innerText(), 'Enter a valid e-mail address');
    await page.locator('[data-test=email]').fill('admin@example.com');
    const held = holdNext(page, '/api/auth/login');
    await page.locator('[data-test=login-submit]').click();
    const check = await held;
    assert.equal(await page.locator('[data-test=login-error]').count(), 0, 'no stale e-mail error during the password check');
    await check.continue();
    await page.locator('[data-test=login-error] >> text=Wrong e-mail or password').waitFor();
    await logIn(page, t.url);
  });

  test('adding an admin: the e-mail error does not stay up while the server checks the next try', async () => {
    await page.goto(`${t.url}/settings`);
    await page.locator('[data-test=user-email]').fill('new-admin');
    await page.locator('[data-test=user-password] input').fill('a long enough password');
    await page.locator('[data-test=user-create]').click();
    const form = page.locator('form', { has: page.locator('[data-test=user-create]') });
    await form.locator('.p-message >> text=Enter a valid e-mail address').waitFor();
    await page.locator('[data-test=user-email]').fill('new-admin@example.com');
    const held = holdNext(page, '/api/users');
    await page.locator('[data-test=user-create]').click();
    const check = await held;
    assert.equal(await form.locator('.p-message').count(), 0);
    await check.continue();
    await page.locator('[data-test=users-table] >> text=new-admin@example.com').waitFor();
  });

  test('presence is "online"; "live" is only for streaming', async () => {
    await page.goto(`${t.url}/clients`);
    const ana = await connectAgent(t.url, 'ana@desk-1');
    agents.push(ana);
    await waitForRowState(page, 'ana@desk-1', 'connected', 5000);
    await waitForOnlineCount(page, 1);
    assert.equal(await page.locator('[data-test=online-count]').innerText(), '1 online');
    const row = page.locator('tr', { has: page.locator('a[data-user-host="ana@desk-1"]') });
    assert.equal(await row.locator('.presence-label').innerText(), 'Online');
    await page.locator('[data-test=clients-summary] >> text="1 online · 0 reconnecting · 0 offline"').waitFor({ timeout: 2000 });
    assert.equal(await row.locator('.streaming-pill').count(), 0, 'online but not streaming: not live');
  });

  test('a status filter follows presence: a client leaves "Online" when it drops and is back when it returns', async () => {
    const cy = await connectAgent(t.url, 'cy@desk-3');
    await waitForRowState(page, 'cy@desk-3', 'connected', 5000);
    await page.locator('[data-test=clients-status]').click();
    await page.locator('.p-select-option', { hasText: 'Online' }).click();
    const cyRow = page.locator('.clients-table a[data-user-host="cy@desk-3"]');
    await cyRow.waitFor();
    cy.socket.disconnect();
    await cyRow.waitFor({ state: 'detached', timeout: 5000 });
    assert.equal(await page.locator('.clients-table a[data-user-host="ana@desk-1"]').count(), 1, 'the others stay');
    agents.push(await connectAgent(t.url, 'cy@desk-3'));
    await cyRow.waitFor({ timeout: 5000 });
    await page.locator('[data-test=clients-search]').fill('desk-3');
    // The rows follow the search right after the field paints the keystroke.
    await page.waitForFunction(() => document.querySelectorAll('.clients-table .client-row').length === 1, undefined, { timeout: 5000 });
    assert.equal(await page.locator('.clients-table .client-row a[data-user-host="cy@desk-3"]').count(), 1);
    await page.locator('[data-test=clients-search]').fill('');
    await page.locator('[data-test=clients-status] .p-select-clear-icon').click();
  });

  test('"last seen" is "online now" while connected, and the moment the connection dropped after', async () => {
    const bo = await connectAgent(t.url, 'bo@desk-2');
    await page.goto(`${t.url}/clients/${bo.client.id}`);
    const lastSeen = page.locator('[data-fact="Last seen"]');
    await page.locator('[data-fact="Last seen"] >> text=online now').waitFor();
    const connectedAt = (await api(t.url, `/api/clients/${bo.client.id}`, { token })).body.data.last_seen_at as string;
    // The drop must be a different second from the connection, or the two could not be told apart.
    await page.waitForFunction((at) => Date.now() >= Date.parse(at) + 1100, connectedAt);
    bo.socket.disconnect();
    await page.locator('.presence[data-state=reconnecting]').waitFor();
    const droppedAt = (await api(t.url, `/api/clients/${bo.client.id}`, { token })).body.data.last_seen_at as string;
    assert.ok(Date.parse(droppedAt) > Date.parse(connectedAt), 'the server keeps when the connection dropped');
    const expected = await page.evaluate((at) => new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' }).format(new Date(at)), droppedAt);
    await page.waitForFunction((text) => document.querySelector('[data-fact="Last seen"]')?.textContent === text, expected, { timeout: 3000 });
    assert.notEqual(await lastSeen.innerText(), 'online now');
    await screenshot(page, 'client-last-seen-desktop');
  });

  test('recordings are titled by client and time span; one being made says so and its length ticks', async () => {
    const ana = agents[0];
    await startSegment(ana.socket, 'seg_first_hour_1');
    await sendFrames(ana.socket, 'seg_first_hour_1', webm, 0, 4096);
    await page.goto(`${t.url}/history`);
    const title = page.locator('[data-test=media-title]').first();
    await title.waitFor();
    const started = (await api(t.url, '/api/media', { token })).body.data[0].started_at as string;
    const day = await page.evaluate((at) => {
      const d = new Date(at);
      return `${new Intl.DateTimeFormat(undefined, { weekday: 'short', day: 'numeric', month: 'short' }).format(d)} ${new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' }).format(d)}`;
    }, started);
    assert.equal(await title.innerText(), `ana@desk-1 · ${day}`);
    const tag = page.locator('[data-test=media-table] [data-status=recording]');
    const length = await tag.innerText();
    assert.match(length, /^recording · \d+:\d\d$/);
    await page.waitForFunction((before) => document.querySelector('[data-test=media-table] [data-status=recording]')?.textContent !== before, length, { timeout: 3000 });
    assert.match(await page.locator('[data-test=media-table] .media-id').first().innerText(), /seg_first_hour_1/, 'the segment id is still there as a detail');
    await screenshot(page, 'history-recording-desktop');

    await sendFrames(ana.socket, 'seg_first_hour_1', webm, 4096);
    await ana.socket.emitWithAck('stop-streaming', { segment_id: 'seg_first_hour_1' });
    await page.locator('[data-test=media-table] [data-status=ready]').waitFor({ timeout: 60_000 });
    assert.match(await title.innerText(), /^ana@desk-1 · .+ \d\d?:\d\d(\s?[AP]M)?–\d\d?:\d\d(\s?[AP]M)?$/);
    await page.goto(`${t.url}/clients/${ana.client.id}`);
    const onClientPage = page.locator('[data-test=media-title]').first();
    await onClientPage.waitFor();
    assert.doesNotMatch(await onClientPage.innerText(), /seg_/);
    await screenshot(page, 'client-recordings-desktop');
  });
});
