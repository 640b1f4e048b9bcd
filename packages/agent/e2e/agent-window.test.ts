import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchBrowser, logIn, openPage, startDashboardServer } from '../../dashboard/e2e/browser.js';
import { ADMIN_EMAIL, api, connectDashboard, login, tempDir, waitUntil, type TestServer } from '@vaahshare/testkit';
import { agentArgs, runAgent } from '../test/agent-process.js';
import { startCutProxy } from '../test/cut-proxy.js';
import { buildGui } from '../scripts/build.mjs';
import { CATCH_UP_BYTES } from '../src/progress.js';
import { openWindow, recordHeaderStates, screenshot, showPage, text, waitForBacklog, waitForText, windowAddress } from './window.js';

describe("the agent's window in Chromium, against a real agent and server", () => {
  let t: TestServer;
  let token: string;
  let browser: Browser;
  before(async () => {
    // The dashboard too: the pause shows on the client's page.
    t = await startDashboardServer();
    token = await login(t.url);
    await buildGui();
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await t.dispose();
  });

  test('Home goes live; a cut shows offline, then catching up with a moving progress bar, then live; Home shows who watches', async () => {
    const proxy = await startCutProxy(t.port);
    const dataDir = tempDir('vaahshare-agent-');
    // A picture large enough that its backlog passes the catch-up threshold within seconds at the default preset's rate.
    const agent = runAgent(agentArgs(proxy.url, 'window@desk', dataDir, ['--size', '1280x720', '--bitrate', '2M']));
    try {
      await agent.waitFor(/connected to/);
      const page = await openWindow(browser, await windowAddress(dataDir));
      await waitForText(page, 'state-title', /^Live$/);
      assert.equal(await text(page, 'company'), 'Default company');
      assert.equal(await text(page, 'server'), proxy.url);
      assert.match(await text(page, 'no-viewers'), /Nobody is watching/);
      const length = await text(page, 'recording-length');
      await waitUntil(async () => (await text(page, 'recording-length')) !== length, 3000, 'the recording length moves on');
      await screenshot(page, 'home-live');

      // The cut comes before anyone watches: a viewer starts a live-view recording, and the catch-up below is of one recording.
      proxy.cut();
      await waitForText(page, 'state-title', /^Offline since \d/, 10_000);
      assert.match(await text(page, 'state-text'), /Recording goes on here/);
      await screenshot(page, 'home-offline');
      await showPage(page, 'recordings');
      const states = await recordHeaderStates(page);
      // Well past the agent's catch-up threshold, so that the catch-up through the slow uplink below lasts seconds.
      await waitForBacklog(page, 3 * CATCH_UP_BYTES);
      await waitUntil(async () => Number(await page.locator('[data-test=progress]').first().getAttribute('data-percent')) < 60, 30_000, 'the bar falls');
      const percents: number[] = [];
      const sent: number[] = [];
      proxy.restore({ uploadBytesPerSecond: 150_000 });
      await waitUntil(
        async () => {
          const percent = Number(await page.locator('[data-test=progress]').first().getAttribute('data-percent'));
          const bytes = Number(await page.locator('[data-test=segment]').first().getAttribute('data-sent'));
          if (percent !== percents.at(-1)) percents.push(percent);
          if (bytes !== sent.at(-1)) sent.push(bytes);
          if (sent.length === 3) await screenshot(page, 'recordings-catching-up');
          return percent >= 95 && sent.length >= 4;
        },
        60_000,
        'caught up',
      );
      // While the agent is away the bar falls (capture goes on); once back, what is sent only grows, chunk by chunk.
      assert.ok(sent.every((b, i) => i === 0 || b > sent[i - 1]), `sent only grows: ${sent.join(' → ')}`);
      assert.ok(Math.min(...percents) < 60 && percents.at(-1)! >= 95, `the bar: ${percents.join(' → ')}`);
      const shown = await states();
      assert.ok(shown.some((s) => /^Catching up · [\d.]+ (KB|MB) left$/.test(s)), shown.join(', '));
      assert.match(await text(page, 'last-error'), /connection lost/);
      proxy.unthrottle();
      await showPage(page, 'home');
      await waitForText(page, 'state-title', /^Live$/, 20_000);
      assert.match(agent.output(), /sending .* MB captured while the connection was down/);

      // A dashboard watches: the person sees who, at once; and sees it end.
      const dash = await connectDashboard(t.url, token);
      const { body } = await api(t.url, '/api/clients?q=window%40desk', { token });
      assert.equal((await dash.socket.emitWithAck('watch', { client_id: body.data[0].id })).ok, true);
      await waitForText(page, 'viewers', new RegExp(ADMIN_EMAIL.replace('.', '\\.')), 5000);
      await screenshot(page, 'home-watched');
      await dash.socket.emitWithAck('unwatch', { client_id: body.data[0].id });
      await waitForText(page, 'viewers', /Nobody is watching/, 5000);
      // The company hides names: the person still sees that someone watches.
      const { body: companies } = await api(t.url, '/api/companies', { token });
      await api(t.url, `/api/companies/${companies.data[0].id}/settings`, { token, method: 'PATCH', body: { viewer_names_shown: false } });
      assert.equal((await dash.socket.emitWithAck('watch', { client_id: body.data[0].id })).ok, true);
      await waitForText(page, 'viewers', /an administrator/, 5000);
      assert.doesNotMatch(await text(page, 'viewers'), /@/);
      await dash.socket.emitWithAck('unwatch', { client_id: body.data[0].id });
      await waitForText(page, 'viewers', /Nobody is watching/, 5000);
      await api(t.url, `/api/companies/${companies.data[0].id}/settings`, { token, method: 'PATCH', body: { viewer_names_shown: true } });
      dash.socket.disconnect();

      await showPage(page, 'logs');
      await waitForText(page, 'log', /connected to .* as window@desk/);
      await waitForText(page, 'log', /caught up: live again/);
      await page.locator('[data-test=logs-copy]').click();
      const copied = await page.evaluate(() => navigator.clipboard.readText());
      assert.match(copied, /^VaahShare agent window@desk → .*: live since/);
      assert.match(copied, /connection lost/);
      await screenshot(page, 'logs');
    } finally {
      await agent.stop('SIGTERM');
      await proxy.close();
    }
  });

  test('Settings: a bad token or bad values get a clear message and change nothing; a good token is saved', async () => {
    const dataDir = tempDir('vaahshare-agent-');
    const config = path.join(dataDir, 'config.json');
    const agent = runAgent(agentArgs(t.url, 'settings@desk', dataDir), { VAAHSHARE_CONFIG: config });
    try {
      await agent.waitFor(/connected to/);
      const page = await openWindow(browser, await windowAddress(dataDir));
      await showPage(page, 'settings');
      await page.locator('[data-test=token-input]').fill('not-a-token');
      await page.locator('[data-test=save-settings]').click();
      await waitForText(page, 'settings-result', /refused the token: ask an admin for a valid enrollment token/);
      assert.equal(fs.existsSync(config), false, 'nothing saved');
      await screenshot(page, 'settings-bad-token');

      await page.locator('[data-test=token-input]').fill('test-enrollment-token-0000');
      await page.locator('[data-test=fps-input]').fill('500');
      await page.locator('[data-test=size-input]').fill('big');
      await page.locator('[data-test=save-settings]').click();
      await waitForText(page, 'settings-result', /fps must be 1-60; size must look like 1280x720/);
      assert.equal(fs.existsSync(config), false, 'nothing saved');

      await page.locator('[data-test=fps-input]').fill('5');
      await page.locator('[data-test=size-input]').fill('800x600');
      await page.locator('[data-test=save-settings]').click();
      await waitForText(page, 'settings-result', /^Saved in .*config\.json/);
      const saved = JSON.parse(fs.readFileSync(config, 'utf8'));
      assert.deepEqual({ server: saved.server, token: saved.token, fps: saved.fps, size: saved.size }, { server: t.url, token: 'test-enrollment-token-0000', fps: 5, size: '800x600' });
      assert.equal(fs.statSync(config).mode & 0o777, 0o600);
      await screenshot(page, 'settings-saved');
    } finally {
      await agent.stop('SIGTERM');
    }
  });

  test('Settings: start at login shows the real entry; switching it writes and removes the autostart entry while the agent keeps running', async () => {
    const home = tempDir('vaahshare-home-');
    // A desktop session (DISPLAY) whose user has no systemd manager (no runtime dir, no session bus): the
    // session's autostart folder is what starts the agent at login; without a desktop nothing can.
    const desktop = { HOME: home, XDG_CONFIG_HOME: path.join(home, '.config'), XDG_RUNTIME_DIR: path.join(home, 'no-runtime'), DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent' };
    const entry = path.join(home, '.config/autostart/vaahshare-agent.desktop');
    const [dataDir, headlessDataDir] = [tempDir('vaahshare-agent-'), tempDir('vaahshare-agent-')];
    const agent = runAgent(agentArgs(t.url, 'login@desk', dataDir), { ...desktop, DISPLAY: ':0' });
    const headless = runAgent(agentArgs(t.url, 'headless@box', headlessDataDir), desktop);
    try {
      await agent.waitFor(/connected to/);
      const page = await openWindow(browser, await windowAddress(dataDir));
      await showPage(page, 'settings');
      const toggle = page.locator('#start-at-login');
      await waitForText(page, 'start-at-login-state', /^Off/);
      assert.equal(await toggle.getAttribute('aria-checked'), 'false');
      await toggle.click();
      await waitForText(page, 'start-at-login-result', /The agent starts when you log in, through the desktop session's autostart/);
      await waitForText(page, 'start-at-login-state', new RegExp(`^On, through the desktop session's autostart: ${entry}`));
      assert.match(fs.readFileSync(entry, 'utf8'), /^Exec=".*node.*" ".*vaahshare-agent\.js" "start"$/m);
      await screenshot(page, 'settings-start-at-login');
      // The state comes from the entry on disk: a new page shows it, and the agent that asked still runs.
      await page.reload();
      await waitForText(page, 'start-at-login-state', /^On/);
      assert.equal(await page.locator('#start-at-login').getAttribute('aria-checked'), 'true');
      await page.locator('#start-at-login').click();
      await waitForText(page, 'start-at-login-result', /no longer starts when you log in \(removed .*vaahshare-agent\.desktop\); it keeps running now/);
      assert.equal(fs.existsSync(entry), false);
      await waitForText(page, 'header-state', /^Live$/);
      assert.equal(agent.child.exitCode, null);

      // No desktop and no systemd: the switch says why and what to do, and writes nothing.
      await headless.waitFor(/connected to/);
      const other = await openWindow(browser, await windowAddress(headlessDataDir));
      await showPage(other, 'settings');
      await other.locator('#start-at-login').click();
      await waitForText(other, 'start-at-login-result', /Cannot start the agent at login here: systemd is not running for this user here .*Add `.*start` to your desktop's startup applications instead/);
      await waitForText(other, 'start-at-login-state', /^Off/);
      assert.deepEqual(fs.readdirSync(path.join(home, '.config'), { recursive: true }), ['autostart'], 'nothing written');
    } finally {
      await Promise.all([agent.stop('SIGTERM'), headless.stop('SIGTERM')]);
    }
  });

  test('Pause: not offered while the company forbids it; allowed, a pause too long is refused, a pause stops streaming (still connected) until resumed', async () => {
    const dataDir = tempDir('vaahshare-agent-');
    const agent = runAgent(agentArgs(t.url, 'pause@desk', dataDir));
    try {
      await agent.waitFor(/connected to/);
      const page = await openWindow(browser, await windowAddress(dataDir));
      await waitForText(page, 'pause-not-allowed', /does not allow pausing/);
      await screenshot(page, 'home-pause-not-allowed');

      const { body } = await api(t.url, '/api/companies', { token });
      const companyId = body.data[0].id;
      await api(t.url, `/api/companies/${companyId}/settings`, { token, method: 'PATCH', body: { pause_allowed: true, pause_max_minutes: 20 } });
      await page.locator('[data-test=pause-minutes]').waitFor();
      await page.locator('[data-test=pause-minutes]').fill('45');
      await page.locator('[data-test=pause-reason]').fill('Private call');
      await page.locator('[data-test=pause-submit]').click();
      await waitForText(page, 'pause-result', /allows pauses of at most 20 minutes/);

      const client = async () => (await api(t.url, '/api/clients?q=pause%40desk', { token })).body.data[0];
      await waitUntil(async () => (await client()).is_streaming, 10_000, 'streaming before the pause');
      await page.locator('[data-test=pause-minutes]').fill('10');
      await page.locator('[data-test=pause-submit]').click();
      await waitForText(page, 'state-title', /^Paused until \d/);
      assert.match(await text(page, 'not-recording'), /Paused: “Private call”/);
      assert.equal(await text(page, 'header-state'), 'Paused');
      await waitUntil(async () => !(await client()).is_streaming, 10_000, 'not streaming while paused');
      assert.equal((await client()).is_connected, true, 'still connected while paused');
      await screenshot(page, 'home-paused');
      const detail = await api(t.url, `/api/clients/${(await client()).id}`, { token });
      assert.equal(detail.body.data.pauses[0].reason, 'Private call');
      assert.equal(detail.body.data.pauses[0].ended_at, null);

      await page.locator('[data-test=resume]').click();
      await waitForText(page, 'state-title', /^Live$/);
      await waitUntil(async () => (await client()).is_streaming, 10_000, 'streaming again after the pause');
      const after = await api(t.url, `/api/clients/${(await client()).id}`, { token });
      assert.ok(after.body.data.pauses[0].ended_at, 'the pause ended early');
      assert.match(agent.output(), /recording paused for 10 min: Private call[\s\S]*recording again after the pause/);

      const admin = await openPage(browser);
      await logIn(admin, t.url);
      await admin.goto(`${t.url}/clients/${(await client()).id}`);
      await admin.locator('[data-test=pauses]').waitFor();
      assert.match(await admin.locator('[data-test=pauses]').innerText(), /Private call/);
      assert.equal(await admin.locator('[data-test=presence-timeline] rect[data-state=paused]').count(), 1);
      await screenshot(admin, 'dashboard-client-pauses');
    } finally {
      await agent.stop('SIGTERM');
    }
  });
});
