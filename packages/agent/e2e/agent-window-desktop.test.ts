import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchBrowser } from '../../dashboard/e2e/browser.js';
import { api, tempDir, type TestServer } from '@vaahshare/testkit';
import { agentArgs, runAgent } from '../test/agent-process.js';
import { startCutProxy } from '../test/cut-proxy.js';
import { buildGui } from '../scripts/build.mjs';
import { serverWithAdmin } from '../test/helpers.js';
import { startXvfb } from '../test/xvfb.js';
import { openWindow, screenshot, showPage, text, waitForBacklog, waitForText, windowAddress } from './window.js';

const THRESHOLD_S = 10;
/**
 * What the agent records before the server becomes reachable; its upload through the uplink below takes 7 s or more.
 * The default preset records this desktop at a few kB a second (2 fps, crf 63): more would take longer than the wait.
 */
const OFFLINE_BYTES = 60_000;
const UPLINK_BYTES_PER_SECOND = 8_000;

describe("the agent's window: the idle dialog on an X11 desktop, and recordings made offline", () => {
  let t: TestServer;
  let token: string;
  let browser: Browser;
  before(async () => {
    ({ t, token } = await serverWithAdmin());
    const { body } = await api(t.url, '/api/companies', { token });
    const settings = await api(t.url, `/api/companies/${body.data[0].id}/settings`, { token, method: 'PATCH', body: { idle_threshold_seconds: THRESHOLD_S, idle_message: 'Still with us? Move the mouse to go on.' } });
    assert.equal(settings.status, 200);
    await buildGui();
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await t.dispose();
  });

  test("idle past the company's threshold: the window shows the company's idle message, until the person is back", async () => {
    const xvfb = await startXvfb();
    const dataDir = tempDir('vaahshare-agent-');
    const agent = runAgent(agentArgs(t.url, 'idle@desk', dataDir, ['--display', xvfb.display]));
    try {
      await agent.waitFor(/connected to/);
      const page = await openWindow(browser, await windowAddress(dataDir));
      await xvfb.moveMouse(10, 10);
      await agent.waitFor(/idle for \d+ s/, (THRESHOLD_S + 8) * 1000);
      const dialog = page.locator('[data-test=idle-message]');
      await dialog.waitFor({ timeout: 3000 });
      assert.equal(await dialog.innerText(), 'Still with us? Move the mouse to go on.');
      assert.equal(await page.title(), 'Are you still there? · VaahShare');
      await screenshot(page, 'idle-dialog');
      await xvfb.moveMouse(300, 200);
      await dialog.waitFor({ state: 'detached', timeout: 5000 });
      assert.match(agent.output(), /idle for \d+ s: Still with us\?/);
    } finally {
      await agent.stop('SIGTERM');
      await xvfb.stop();
    }
  });

  test('started while the server is unreachable: Connecting…, then the recording made meanwhile waits to upload, then is sent', async () => {
    const proxy = await startCutProxy(t.port);
    proxy.cut();
    const dataDir = tempDir('vaahshare-agent-');
    const agent = runAgent(agentArgs(proxy.url, 'away@desk', dataDir, ['--size', '640x360', '--bitrate', '1M']));
    try {
      await agent.waitFor(/server unreachable/);
      const page = await openWindow(browser, await windowAddress(dataDir));
      await waitForText(page, 'state-title', /^Connecting…$/);
      assert.equal(await text(page, 'company'), 'not known yet (the server has not answered)');
      await screenshot(page, 'home-connecting');
      await showPage(page, 'recordings');
      await page.waitForFunction(() => Number(document.querySelector('[data-test=segment]')?.getAttribute('data-sent') ?? -1) === 0);
      // Enough that its upload through the slow uplink below takes seconds: the window is seen to hold it back.
      await waitForBacklog(page, OFFLINE_BYTES);
      proxy.restore({ uploadBytesPerSecond: UPLINK_BYTES_PER_SECOND });
      await page.locator('[data-test=segment][data-mode=upload]').waitFor({ timeout: 20_000 });
      assert.match(await page.locator('[data-test=segment][data-mode=upload]').innerText(), /Made offline: waiting to upload/);
      await screenshot(page, 'recordings-offline-upload');
      proxy.unthrottle();
      await page.locator('[data-test=segment][data-mode=upload]').waitFor({ state: 'detached', timeout: 20_000 });
      await agent.waitFor(/uploaded \d{13}-/);
    } finally {
      await agent.stop('SIGTERM');
      await proxy.close();
    }
  });
});
