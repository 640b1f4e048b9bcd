import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { writeBuild } from '../../server/src/agent-downloads/test-helpers.js';
import { connected, machineInfo, openSocket, tempDir, type TestServer, type TestSocket } from '@vaahshare/testkit';
import { launchBrowser, logIn, openPage, screenshot, startDashboardServer } from './browser.js';

describe('dashboard: Add a desktop', () => {
  let t: TestServer;
  let browser: Browser;
  let page: Page;
  let builds: string;
  let agent: TestSocket | undefined;
  // Desktops reach this server at another address than the test's browser does.
  const PUBLIC_URL = 'https://vaahshare.example.com';

  before(async () => {
    builds = tempDir('vaahshare-builds-');
    writeBuild(builds, 'win-x64', { agent: Buffer.alloc(2_000_000, 1), ffmpeg: Buffer.from('ff') });
    [t, browser] = await Promise.all([startDashboardServer({ AGENT_BUILDS_DIR: builds, PUBLIC_URL }), launchBrowser()]);
    page = await openPage(browser);
    await logIn(page, t.url);
    await page.locator('.app-nav a[href="/settings"]').click();
    await page.locator('[data-test=add-desktop]').waitFor();
  });
  after(async () => {
    agent?.disconnect();
    await browser?.close();
    await t?.dispose();
    fs.rmSync(builds, { recursive: true, force: true });
  });

  test('each OS tab has its one line with the token and PUBLIC_URL, a copy button and the downloads', async () => {
    const card = page.locator('[data-test=add-desktop]');
    // The server keeps only the hash of AGENT_TOKEN: the line has a placeholder and says why.
    assert.equal(await card.locator('[data-test=install-command-windows]').innerText(), `irm "${PUBLIC_URL}/agent/install.ps1?token=<token>" | iex`);
    assert.match(await card.locator('[data-test=token-unknown]').innerText(), /Tokens are shown only when they are created/);
    // A token created on this page is known to it: the lines carry it.
    await page.locator('[data-test=token-label]').fill('Desks');
    await page.locator('[data-test=token-create]').click();
    const created = await page.locator('[data-test=new-token] code').getAttribute('data-token');
    assert.ok(created && created.length >= 24);
    const token = created;
    await card.locator('[data-test=token-unknown]').waitFor({ state: 'detached' });
    assert.equal(await card.locator('[data-test=install-command-windows]').innerText(), `irm "${PUBLIC_URL}/agent/install.ps1?token=${token}" | iex`);
    assert.equal(await card.locator('[data-test=download-win-x64] a').first().getAttribute('href'), `${PUBLIC_URL}/agent/download/win-x64`);
    assert.match(await card.locator('[data-test=download-win-x64]').innerText(), /Windows x64 \(2 MB\)/);
    assert.match(await card.locator('[data-test=manual-command-windows]').innerText(), new RegExp(`setup --server ${PUBLIC_URL} --token ${token}`));
    await card.locator('[data-test=install-copy-windows]').click();
    await page.locator('.p-toast-message', { hasText: 'Command copied' }).waitFor();

    await card.locator('[data-test=os-macos]').click();
    assert.equal(await card.locator('[data-test=install-command-macos]').innerText(), `curl -fsSL "${PUBLIC_URL}/agent/install.sh?token=${token}" | sh`);
    assert.match(await card.locator('[data-test=download-darwin-arm64]').innerText(), /Apple silicon: not built on this server yet — run npm run build:agents there/);
    await card.locator('[data-test=os-linux]').click();
    assert.equal(await card.locator('[data-test=install-command-linux]').innerText(), `curl -fsSL "${PUBLIC_URL}/agent/install.sh?token=${token}" | sh`);
    assert.equal(await card.locator('[data-test=share-link]').innerText(), `${PUBLIC_URL}/share?token=${token}`);
    assert.equal(await card.locator('[data-test=public-url-unset]').count(), 0);
    await screenshot(page, 'add-desktop');
  });

  test('"waiting for the first connection…" turns into the new client, linked to its page with its agent version', async () => {
    const waiting = page.locator('[data-test=first-connection]');
    assert.match(await waiting.innerText(), /Waiting for the first connection…/);
    agent = openSocket(t.url);
    await connected(agent);
    await agent.emitWithAck('client-connected', { machine_info: { ...machineInfo('new@desk-9'), agent_version: '0.1.0+4b1d2c3e5f' } });
    const arrived = waiting.locator('[data-test=new-client]', { hasText: 'new@desk-9' });
    await arrived.waitFor({ timeout: 5000 });
    assert.match(await arrived.innerText(), /new@desk-9 connected/);
    await arrived.locator('a').click();
    await page.waitForURL(/\/clients\/\d+$/);
    await page.getByText('0.1.0+4b1d2c3e5f').waitFor();
  });

  test('no line is shown before the server told its PUBLIC_URL: one with this page\'s address could be copied', async () => {
    let answer!: () => void;
    const held = new Promise<void>((resolve) => (answer = resolve));
    await page.route('**/api/agent-downloads', async (route) => {
      await held;
      await route.continue();
    });
    try {
      await page.locator('.app-nav a[href="/settings"]').click();
      await page.locator('[data-test=install-loading]').waitFor();
      assert.equal(await page.locator('[data-test=install-command-windows]').count(), 0);
      assert.equal(await page.locator('[data-test=share-link]').count(), 0);
      answer();
      assert.equal(await page.locator('[data-test=install-command-windows]').innerText(), `irm "${PUBLIC_URL}/agent/install.ps1?token=<token>" | iex`);
    } finally {
      await page.unroute('**/api/agent-downloads');
    }
  });
});

describe('dashboard: Add a desktop without PUBLIC_URL', () => {
  test('uses the address the page was opened with, and says PUBLIC_URL is unset', async () => {
    const [t, browser] = await Promise.all([startDashboardServer(), launchBrowser()]);
    try {
      const page = await openPage(browser);
      await logIn(page, t.url);
      await page.locator('.app-nav a[href="/settings"]').click();
      await page.locator('[data-test=public-url-unset]').waitFor();
      assert.equal(await page.locator('[data-test=install-command-windows]').innerText(), `irm "${t.url}/agent/install.ps1?token=<token>" | iex`);
      assert.match(await page.locator('[data-test=public-url-unset]').innerText(), new RegExp(`these use the address this page was opened with \\(${t.url}\\)`));
    } finally {
      await browser.close();
      await t.dispose();
    }
  });
});

describe('dashboard: Add a desktop for a server at a plain http:// address', () => {
  test('every line carries the opt-in the agent and the scripts ask for, and the card says why and what to set', async () => {
    // Only shown: the address desktops would use (loopback, so that even a browser's preconnect stays on this machine).
    const PUBLIC_URL = 'http://127.0.0.2:3999';
    const builds = tempDir('vaahshare-builds-');
    writeBuild(builds, 'linux-x64', { agent: Buffer.alloc(1000, 1), ffmpeg: Buffer.from('ff') });
    const [t, browser] = await Promise.all([startDashboardServer({ PUBLIC_URL, AGENT_BUILDS_DIR: builds }), launchBrowser()]);
    try {
      const page = await openPage(browser);
      await logIn(page, t.url);
      await page.locator('.app-nav a[href="/settings"]').click();
      const notice = page.locator('[data-test=plain-http-notice]');
      await notice.waitFor();
      assert.match(await notice.innerText(), /over plain http:\/\/ \(http:\/\/127\.0\.0\.2:3999\).*--insecure \(-Insecure in PowerShell\).*TLS_CERT and TLS_KEY/s);
      assert.equal(
        await page.locator('[data-test=install-command-windows]').innerText(),
        `& ([scriptblock]::Create((irm "${PUBLIC_URL}/agent/install.ps1?token=<token>"))) -Insecure`,
      );
      await page.locator('[data-test=os-linux]').click();
      assert.equal(await page.locator('[data-test=install-command-linux]').innerText(), `curl -fsSL "${PUBLIC_URL}/agent/install.sh?token=<token>" | sh -s -- --insecure`);
      assert.match(await page.locator('[data-test=manual-command-linux]').innerText(), new RegExp(`setup --server ${PUBLIC_URL} --token <token> --insecure && `));
      await screenshot(page, 'add-desktop-plain-http');
    } finally {
      await browser.close();
      await t.dispose();
      fs.rmSync(builds, { recursive: true, force: true });
    }
  });
});
