import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { QUALITY_PRESET_MB_PER_HOUR, QUALITY_PRESETS } from '@vaahshare/protocol';
import type { Browser, Page } from 'playwright-core';
import { api, connectAgent, connected, login, openSocket, sleep, waitUntil, type TestServer } from '@vaahshare/testkit';
import { handshakeRefusal } from '@vaahshare/testkit/probes';
import { sendFrames, startSegment } from '@vaahshare/testkit/streaming';
import { makeWebm } from '@vaahshare/testkit/webm';
import {
  DESKTOP,
  PHONE,
  clickAndConfirm,
  closeDashboardSession,
  cspViolations,
  logIn,
  openDashboardSession,
  openPage,
  screenshot,
  waitForRowState,
  type Agent,
  type DashboardSession,
} from './browser.js';

describe('dashboard: alerts, client detail, settings, and every page at desktop and phone size', () => {
  let session: DashboardSession | undefined;
  let t: TestServer, browser: Browser, page: Page, token: string, webm: Buffer;
  const agents: Agent[] = [];
  let ana: Agent;
  let eve: Agent;
  let feeding = true;
  let feeder: Promise<void> = Promise.resolve();

  /**
   * eve streams in real time for the whole suite, so live tiles always have fresh pictures: the pace is the point.
   * When the recording runs out, a new segment starts, as an agent's do: a stream that stops moving gives a late
   * viewer no picture (Chromium's player waits for frames after the live edge that never come), and on a loaded
   * machine the tests before the phone pass take longer than one recording.
   */
  async function feedEve(long: Buffer) {
    const slice = Math.ceil(long.length / 120);
    for (let segment = 1; feeding; segment++) {
      if (segment > 1) {
        await eve.socket.timeout(5000).emitWithAck('stop-streaming', { segment_id: `eve-${segment - 1}` });
        await startSegment(eve.socket, `eve-${segment}`);
      }
      for (let at = 0; feeding && at < long.length; at += slice) {
        await sendFrames(eve.socket, `eve-${segment}`, long, at, Math.min(at + slice, long.length));
        await sleep(500);
      }
    }
  }

  before(async () => {
    let long: Buffer;
    [session, long] = await Promise.all([openDashboardSession({ seconds: 12, fps: 10, gop: 10 }), makeWebm({ seconds: 60, fps: 10, gop: 10 })]);
    ({ t, browser, page, token, webm } = session);
    ana = await connectAgent(t.url, 'ana@desk-1');
    // A finished recording of ana, a reconnecting and a disconnected client.
    await startSegment(ana.socket, 'ana-1');
    await sendFrames(ana.socket, 'ana-1', webm, 0);
    await ana.socket.emitWithAck('stop-streaming', { segment_id: 'ana-1' });
    const bo = await connectAgent(t.url, 'bo@laptop');
    bo.socket.disconnect();
    const cy = await connectAgent(t.url, 'cy@kiosk');
    await cy.socket.emitWithAck('app-closed');
    cy.socket.disconnect();
    eve = await connectAgent(t.url, 'eve@studio');
    await startSegment(eve.socket, 'eve-1');
    feeder = feedEve(long);
    agents.push(ana, eve);
    await waitUntil(async () => (await api(t.url, `/api/media?status=ready&client_id=${ana.client.id}`, { token })).body.data.length === 1, 60_000, 'the recording');
    await logIn(page, t.url);
  });
  after(async () => {
    feeding = false;
    await feeder;
    await closeDashboardSession(session ?? {}, agents);
  });

  test('an idle alert pops up as a toast, is listed, and can be acknowledged', async () => {
    const period = { type: 'idle' as const, idle_seconds: 420, alert_id: 'idle-e2e', occurred_at: new Date().toISOString() };
    await ana.socket.emitWithAck('alert', period);
    const toast = page.locator('.p-toast-message');
    await toast.waitFor({ timeout: 2000 });
    assert.match(await toast.innerText(), /ana@desk-1 is idle[\s\S]*No input for 7 min/);
    assert.equal(await page.locator('[data-test=alerts-badge]').innerText(), '1');
    await page.locator('.app-nav a[href="/alerts"]').click();
    await page.locator('[data-test=acknowledge]').waitFor();
    // The person comes back: the listed alert says how long they were away.
    await ana.socket.emitWithAck('alert', { ...period, away_seconds: 751 });
    await page.locator('[data-test=alerts-table]', { hasText: 'Away for 12 min 31 s' }).waitFor({ timeout: 2000 });
    await screenshot(page, 'alerts-desktop');
    await page.locator('[data-test=acknowledge]').click();
    await page.locator('[data-test=alerts-table] .table-empty').waitFor();
    await page.locator('[data-test=alerts-badge]').waitFor({ state: 'detached' });
    const listed = await api(t.url, '/api/alerts', { token });
    assert.notEqual(listed.body.data[0].acknowledged_at, null);
  });

  test('the client page shows machine info, the presence timeline, recordings and alerts', async () => {
    await page.locator('.app-nav a[href="/clients"]').click();
    await page.locator('.clients-table a[data-user-host="ana@desk-1"]').click();
    await page.waitForURL(`${t.url}/clients/${ana.client.id}`);
    await page.locator('[data-test=machine-info] >> text=Linux 6.1').waitFor();
    await page.locator('[data-test=media-table] [data-status=ready]').waitFor();
    const states = await page.locator('[data-test=presence-timeline] rect').evaluateAll((rects) => rects.map((r) => r.getAttribute('data-state')));
    assert.equal(states.at(-1), 'connected', 'today ends connected');
    assert.ok(states.includes('unknown'), 'before its first connection nothing is known');
    await page.waitForFunction(() => Boolean(document.querySelector<HTMLImageElement>('.thumb img')?.complete));
    await screenshot(page, 'client-detail-desktop');
  });

  test('the client page resets a desktop’s enrollment: its agent is cut and the next connection enrolls again', async () => {
    const lost = await connectAgent(t.url, 'lost@desk-9');
    const cut = new Promise((resolve) => lost.socket.once('disconnect', resolve));
    await page.goto(`${t.url}/clients/${lost.client.id}`);
    await page.locator('[data-test=device-enrollment] [data-enrolled=true]').waitFor();
    await clickAndConfirm(page, page.locator('[data-test=reset-enrollment]'));
    await page.locator('[data-test=device-enrollment] >> text=Enrollment reset').waitFor();
    await cut;
    const row = await t.server.ctx.db.selectFrom('clients').select('device_secret_hash').where('id', '=', lost.client.id).executeTakeFirstOrThrow();
    assert.equal(row.device_secret_hash, null);
    // Without the old secret (a reinstalled desktop): enrolled again, and the page says so.
    const again = openSocket(t.url);
    await connected(again);
    const reply = await again.timeout(5000).emitWithAck('client-connected', { machine_info: { user_host: 'lost@desk-9' } });
    assert.ok(reply.ok && reply.device_secret);
    await page.locator('[data-test=device-enrollment] [data-enrolled=true]').waitFor();
    again.disconnect();
  });

  test('settings: a token is created, copied into the install command, and revoked', async () => {
    await page.locator('.app-nav a[href="/settings"]').click();
    await page.locator('[data-test=token-label]').fill('Office laptops');
    await page.locator('[data-test=token-create]').click();
    const row = page.locator('[data-test=tokens-table] tr', { hasText: 'Office laptops' });
    await row.waitFor();
    const created = await row.locator('[data-test=new-token] code').getAttribute('data-token');
    assert.ok(created && created.length >= 24);
    assert.equal(await row.locator('[data-token-prefix]').innerText(), `${created.slice(0, 6)}…`);
    const agent = openSocket(t.url, { token: created });
    await connected(agent);
    agent.disconnect();
    assert.equal(await page.locator('[data-test=install-command-windows]').innerText(), `irm "${t.url}/agent/install.ps1?token=${created}" | iex`);
    await screenshot(page, 'settings-desktop');
    await clickAndConfirm(page, row.locator('[data-test=token-revoke]'));
    await row.locator('text=revoked').waitFor();
    const refused = await handshakeRefusal(openSocket(t.url, { token: created }));
    assert.deepEqual(refused.data, { error: 'invalid_token' });
    await page.waitForFunction((revoked) => !document.querySelector('[data-test=install-command-windows]')!.textContent!.includes(revoked), created);
  });

  test('settings: idle threshold and message are saved; a new admin can log in', async () => {
    await page.locator('[data-test=idle-minutes] input').fill('0');
    await page.locator('[data-test=idle-save]').click();
    await page.locator('.card .p-message-error', { hasText: 'The idle threshold must be at least 10 seconds.' }).waitFor();
    await page.locator('[data-test=idle-minutes] input').fill('7');
    await page.locator('[data-test=idle-message]').fill('Still there? Move the mouse.');
    await page.locator('[data-test=idle-save]').click();
    await page.locator('.p-toast-message', { hasText: 'Idle settings saved' }).waitFor();
    const companyId = (await api(t.url, '/api/auth/me', { token })).body.data.company_id;
    const settings = await api(t.url, `/api/companies/${companyId}/settings`, { token });
    assert.deepEqual(settings.body.data, {
      idle_threshold_seconds: 420, idle_message: 'Still there? Move the mouse.', viewer_names_shown: true, pause_allowed: false, pause_max_minutes: 30, audit_retention_days: 365,
      quality_preset: 'balanced',
    });
    // What the agent's window may show and do: names hidden, pauses of up to 15 minutes.
    await page.locator('[data-test=viewer-names-shown]').click();
    await page.locator('[data-test=pause-allowed]').click();
    await page.locator('[data-test=pause-max] input').fill('15');
    await page.locator('[data-test=agent-window-save]').click();
    await page.locator('.p-toast-message', { hasText: 'Desktop settings saved' }).waitFor();
    const desktop = (await api(t.url, `/api/companies/${companyId}/settings`, { token })).body.data;
    assert.deepEqual([desktop.viewer_names_shown, desktop.pause_allowed, desktop.pause_max_minutes], [false, true, 15]);
    // The recording quality: each preset shown with its measured size; the choice reaches the server (and its agents).
    for (const preset of QUALITY_PRESETS) {
      const text = await page.locator(`[data-test=quality-${preset}]`).innerText();
      assert.match(text, new RegExp(`${preset} — about ${QUALITY_PRESET_MB_PER_HOUR[preset]} MB per desktop-hour`));
    }
    await page.locator('[data-test=quality-archive] input').click();
    await page.locator('[data-test=quality-settings-save]').click();
    await page.locator('.p-toast-message', { hasText: 'Recording quality saved' }).waitFor();
    assert.equal((await api(t.url, `/api/companies/${companyId}/settings`, { token })).body.data.quality_preset, 'archive');

    await page.locator('[data-test=user-email]').fill('second@example.com');
    await page.locator('[data-test=user-password] input').fill('short');
    await page.locator('[data-test=user-create]').click();
    await page.locator('.card .p-message-error', { hasText: 'at least 8 characters' }).waitFor();
    await page.locator('[data-test=user-password] input').fill('second admin password');
    await page.locator('[data-test=user-create]').click();
    await page.locator('[data-test=users-table] >> text=second@example.com').waitFor();
    assert.ok(await login(t.url, 'second@example.com', 'second admin password'));
  });

  test('screenshots of every page at 1280×720 and on a phone', async () => {
    for (const [name, viewport] of [['desktop', DESKTOP], ['phone', PHONE]] as const) {
      const shot = name === 'desktop' ? page : await openPage(browser, viewport);
      if (name === 'phone') {
        await shot.goto(`${t.url}/login`);
        await screenshot(shot, 'login-phone');
        await logIn(shot, t.url);
      }
      await shot.goto(`${t.url}/clients`);
      await waitForRowState(shot, 'ana@desk-1', 'connected', 5000);
      await screenshot(shot, `clients-${name}`);
      await shot.goto(`${t.url}/live`);
      await shot.waitForFunction(() => (document.querySelector<HTMLVideoElement>('.live-tile-video')?.readyState ?? 0) >= 2, undefined, { timeout: 15_000 });
      await screenshot(shot, `live-${name}`);
      await shot.goto(`${t.url}/live/${eve.client.id}`);
      await shot.waitForFunction(() => Number(document.querySelector<HTMLElement>('[data-test=live-picture]')?.dataset.pictureWidth) > 0, undefined, { timeout: 15_000 });
      await shot.locator('[data-test=live-delay]', { hasText: / s$/ }).waitFor({ timeout: 3000 });
      await screenshot(shot, `live-player-${name}`);
      await shot.goto(`${t.url}/clients/${ana.client.id}`);
      await shot.locator('[data-test=media-table] [data-status=ready]').waitFor();
      await screenshot(shot, `client-detail-${name}`);
      await shot.goto(`${t.url}/history`);
      // ana's recording, and eve's once one of hers ran out.
      await shot.locator('[data-test=media-table] [data-status=ready]').first().waitFor();
      await screenshot(shot, `history-${name}`);
      await shot.goto(`${t.url}/alerts`);
      await shot.locator('[data-test=alerts-table]').waitFor();
      await screenshot(shot, `alerts-${name}`);
      await shot.goto(`${t.url}/settings`);
      await shot.locator('[data-test=tokens-table] code').first().waitFor();
      await screenshot(shot, `settings-${name}`);
      // Nothing may be wider than the screen: a phone would have to scroll sideways.
      const overflow = await shot.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `${name}: the page is ${overflow}px wider than the screen`);
    }
  });

  test('settings: an admin disables, resets and removes a user', async () => {
    const created = await api(t.url, '/api/users', { token, body: { email: 'third@example.com', password: 'third password', company_id: (await api(t.url, '/api/auth/me', { token })).body.data.company_id } });
    assert.equal(created.status, 201);
    await page.goto(`${t.url}/settings`);
    const row = page.locator('[data-test=users-table] tr', { hasText: 'third@example.com' });
    await row.locator('[data-test=user-disable]').click();
    await row.locator('[data-test=user-disabled]').waitFor();
    await assert.rejects(login(t.url, 'third@example.com', 'third password'), /403/);
    await row.locator('[data-test=user-enable]').click();
    await row.locator('[data-test=user-disabled]').waitFor({ state: 'detached' });
    await row.locator('[data-test=user-reset]').click();
    await page.locator('[data-test=reset-password] input').fill('third new password');
    await page.locator('[data-test=reset-submit]').click();
    await page.locator('.p-toast-message', { hasText: 'third@example.com has a new password' }).waitFor();
    // The modal dialog gone for good (its mask, which blocks the page's scrolling, and the focus it gives back).
    await page.locator('.p-dialog-mask').waitFor({ state: 'detached' });
    assert.ok(await login(t.url, 'third@example.com', 'third new password'));
    await clickAndConfirm(page, row.locator('[data-test=user-remove]'));
    await row.waitFor({ state: 'detached' });
    await assert.rejects(login(t.url, 'third@example.com', 'third new password'), /401/);
  });

  test('settings: one changes one’s own password, then logs out everywhere', async () => {
    // Tall enough that the confirmation pops up without scrolling (a scroll closes it).
    const own = await openPage(browser, { width: 1280, height: 1600 });
    try {
      await logIn(own, t.url, 'second@example.com', 'second admin password');
      const other = await login(t.url, 'second@example.com', 'second admin password');
      await own.goto(`${t.url}/settings`);
      await own.locator('[data-test=current-password] input').fill('not it');
      await own.locator('[data-test=new-password] input').fill('second new password');
      await own.locator('[data-test=change-password]').click();
      await own.locator('[data-test=account-card] .p-message-error', { hasText: 'The current password is wrong' }).waitFor();
      await own.locator('[data-test=current-password] input').fill('second admin password');
      await own.locator('[data-test=change-password]').click();
      await own.locator('.p-toast-message', { hasText: 'Password changed' }).waitFor();
      assert.equal((await api(t.url, '/api/auth/me', { token: other })).status, 401, 'the other session ended');
      const kept = await login(t.url, 'second@example.com', 'second new password');
      // The password change re-renders the account card under the popup (its session list follows the change), which
      // closes PrimeVue's ConfirmPopup: wait for the page to settle, and ask again if the popup went away.
      await own.locator('.p-toast-message', { hasText: 'Password changed' }).waitFor({ state: 'detached', timeout: 15_000 }).catch(() => {});
      await clickAndConfirm(own, own.locator('[data-test=logout-everywhere]'));
      await own.waitForURL(`${t.url}/login`);
      assert.equal((await api(t.url, '/api/auth/me', { token: kept })).status, 401, 'every session ended');
    } finally {
      await own.context().close();
    }
  });

  test("no page of this suite broke the server's Content-Security-Policy", () => {
    assert.deepEqual(cspViolations, []);
  });
});
