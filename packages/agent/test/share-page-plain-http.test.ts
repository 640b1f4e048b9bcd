import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { AGENT_TOKEN, startServer, waitUntil, type TestServer } from '@vaahshare/testkit';
import { launchChromium } from './browser.js';

const BUILD = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../scripts/build.mjs');

describe('the share page over plain http:// from another machine (headless Chromium)', () => {
  let t: TestServer;
  let browser: Browser;
  let remote: string;
  before(async () => {
    execFileSync(process.execPath, [BUILD]);
    // 127.0.0.2: loopback, yet not a name the page takes for "this machine" (as a LAN address would be).
    t = await startServer({ HOST: '127.0.0.2' });
    remote = `http://127.0.0.2:${t.port}`;
    // Browsers capture screens only in secure contexts: this one treats the plain origin as one, as a person's
    // browser would have to be told to; the page's own opt-in is what is tested.
    browser = await launchChromium([`--unsafely-treat-insecure-origin-as-secure=${remote}`]);
  });
  after(async () => {
    await browser.close();
    await t.dispose();
  });

  test('says the connection is unencrypted and shares only once the person ticks the opt-in', async () => {
    const page = await browser.newPage();
    try {
      await page.goto(`${remote}/share?token=${AGENT_TOKEN}`);
      const warning = page.locator('#plain-http');
      await warning.waitFor();
      assert.match(await warning.innerText(), /This page reached the server over plain http:\/\/: your token and your screen would cross the\s+network unencrypted/);
      assert.equal(await page.isDisabled('#share'), true, 'no sharing without the opt-in');
      await page.fill('#name', 'guest@plain-http');
      await page.check('#insecure');
      assert.equal(await page.isDisabled('#share'), false);
      await page.click('#share');
      await page.waitForSelector('#state[data-state="live"]', { timeout: 15_000 });
      await waitUntil(
        async () => (await t.server.ctx.db.selectFrom('clients').select('user_host').execute()).some((c) => c.user_host === 'guest@plain-http'),
        5000,
        'the client',
      );
    } finally {
      await page.close();
    }
  });

  test('on this machine (127.0.0.1 / localhost) the page asks nothing', async () => {
    const local = await startServer();
    const page = await browser.newPage();
    try {
      await page.goto(`${local.url}/share?token=${AGENT_TOKEN}`);
      await page.locator('#share').waitFor();
      assert.equal(await page.isHidden('#plain-http'), true);
      assert.equal(await page.isDisabled('#share'), false);
    } finally {
      await page.close();
      await local.dispose();
    }
  });
});
