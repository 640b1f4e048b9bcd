import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { connected, machineInfo, openSocket, tempDir, type TestServer } from '@vaahshare/testkit';
import { launchBrowser, logIn, openPage, screenshot, startDashboardServer } from './browser.js';

/** A linux-x64 build as `npm run build:agents` leaves it (only the manifest matters here). */
function heldBuild(dir: string, version: string) {
  fs.mkdirSync(path.join(dir, 'linux-x64'), { recursive: true });
  const file = { size: 1, sha256: 'a'.repeat(64) };
  const manifest = { platform: 'linux-x64', version, node: '20', built_at: new Date().toISOString(), agent: { file: 'vaahshare-agent', ...file }, ffmpeg: { file: 'ffmpeg', ...file } };
  fs.writeFileSync(path.join(dir, 'linux-x64', 'manifest.json'), JSON.stringify(manifest));
}

describe('dashboard: each client’s agent version and self-update state, live, in Chromium', () => {
  let t: TestServer;
  let browser: Browser;
  let page: Page;
  let builds: string;

  before(async () => {
    builds = tempDir('vaahshare-builds-');
    heldBuild(builds, '2.0.0+two');
    [t, browser] = await Promise.all([startDashboardServer({ AGENT_BUILDS_DIR: builds }), launchBrowser()]);
    page = await openPage(browser);
    await logIn(page, t.url);
  });
  after(async () => {
    await browser?.close();
    await t?.dispose();
    fs.rmSync(builds, { recursive: true, force: true });
  });

  const agentCell = () => page.locator('tr', { has: page.locator('a[data-user-host="old@desk-9"]') }).locator('[data-test=agent-version]');

  test('an agent of another build shows "update pending", then "updating" and "update failed" with its reason as it reports them', async () => {
    const socket = openSocket(t.url);
    await connected(socket);
    const reply = await socket.timeout(5000).emitWithAck('client-connected', { machine_info: { ...machineInfo('old@desk-9'), agent_version: '1.0.0+one', agent_platform: 'linux-x64' } });
    assert.ok(reply.ok);
    await agentCell().locator('[data-update=pending]').waitFor({ timeout: 5000 });
    assert.equal(await agentCell().locator('code').innerText(), '1.0.0+one');
    assert.equal(await agentCell().locator('.update-pill').innerText(), 'update pending');
    assert.equal(await agentCell().locator('.update-pill').getAttribute('title'), 'Update pending: 1.0.0+one → 2.0.0+two');

    await socket.timeout(5000).emitWithAck('agent-update-status', { state: 'updating', version: '2.0.0+two' });
    await agentCell().locator('[data-update=updating]').waitFor({ timeout: 2000 });
    await socket.timeout(5000).emitWithAck('agent-update-status', { state: 'failed', version: '2.0.0+two', reason: 'the new agent exited (code 3) before it connected' });
    await agentCell().locator('[data-update=failed]').waitFor({ timeout: 2000 });
    assert.equal(await agentCell().locator('.update-pill').getAttribute('title'), 'Update to 2.0.0+two failed: the new agent exited (code 3) before it connected');
    await screenshot(page, 'clients-agent-update-failed-desktop');

    await page.locator('a[data-user-host="old@desk-9"]').click();
    await page.locator('[data-fact="Agent update"]').waitFor();
    assert.equal(await page.locator('[data-fact="Agent version"]').innerText(), '1.0.0+one');
    assert.equal(await page.locator('[data-fact="Agent update"]').innerText(), 'Update to 2.0.0+two failed: the new agent exited (code 3) before it connected');
    socket.disconnect();
  });
});
