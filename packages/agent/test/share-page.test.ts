import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import type { Client } from '@vaahshare/protocol';
import { api, connectDashboard, login, startServer, waitUntil, type TestServer } from '@vaahshare/testkit';
import { decodeFrames } from '@vaahshare/testkit/webm';
import { launchChromium } from './browser.js';
import { downloadVideo, finalizedMedia } from './helpers.js';

const BUILD = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../scripts/build.mjs');

describe('browser share page at /share (headless Chromium, fake screen)', () => {
  let t: TestServer;
  let token: string;
  let browser: Browser;
  before(async () => {
    execFileSync(process.execPath, [BUILD]);
    t = await startServer();
    token = await login(t.url);
    browser = await launchChromium();
  });
  after(async () => {
    await browser.close();
    await t.dispose();
  });

  test('a link with the token: share a screen, a dashboard watches it live, closing the tab is app-closed', async () => {
    const dash = await connectDashboard(t.url, token);
    const clients: Client[] = [];
    dash.socket.on('client-connected', (c) => clients.push(c));
    const received = { init: 0, bytes: 0 };
    dash.socket.on('stream-init', () => received.init++);
    dash.socket.on('video-frame', ({ buffer }) => (received.bytes += buffer.byteLength));

    const page = await browser.newPage();
    const cspViolations: string[] = [];
    page.on('console', (message) => {
      if (message.text().includes('Content Security Policy')) cspViolations.push(message.text());
    });
    try {
      await page.goto(`${t.url}/share?token=test-enrollment-token`);
      assert.equal(await page.inputValue('#token'), 'test-enrollment-token', 'the token comes from the link');
      await page.fill('#name', 'guest@browser-test');
      await page.click('#share');
      await page.waitForSelector('#state[data-state="live"]', { timeout: 15_000 });

      await waitUntil(() => clients.some((c) => c.user_host === 'guest@browser-test'), 5000, 'client-connected');
      const client = clients.find((c) => c.user_host === 'guest@browser-test')!;
      assert.equal(client.meta.platform, 'browser');
      assert.deepEqual(await dash.socket.timeout(5000).emitWithAck('watch', { client_id: client.id }), { ok: true });
      await waitUntil(() => received.init === 1 && received.bytes > 5000, 15_000, 'live video at the dashboard').catch(async (err) => {
        const media = (await api(t.url, `/api/media?client_id=${client.id}`, { token })).body.data;
        throw new Error(`${err.message}: ${JSON.stringify(received)} page: ${await page.textContent('#live')} error: ${await page.textContent('#error')} media: ${JSON.stringify(media)}`);
      });

      await page.close({ runBeforeUnload: true });
      await waitUntil(() => dash.of('guest@browser-test').includes('client-disconnected'), 5000, 'client-disconnected');
      assert.deepEqual(dash.of('guest@browser-test'), ['client-connected', 'client-disconnected'], 'a closed tab is a close, not a drop');
      const [media] = await finalizedMedia(t.url, token, client.id, 1);
      assert.equal(media.status, 'ready', JSON.stringify(media));
      assert.ok((await decodeFrames(await downloadVideo(t.url, token, media))).frames > 0);
      assert.deepEqual(cspViolations, [], "the share page keeps to the server's Content-Security-Policy");
    } finally {
      if (!page.isClosed()) await page.close();
      dash.socket.disconnect();
    }
  });

  test('a wrong token is refused before the screen picker opens, with the message where the eye is', async () => {
    const page = await browser.newPage();
    try {
      // Counts the times the page asks for a screen (the picker a person would see).
      await page.addInitScript(() => {
        const ask = navigator.mediaDevices.getDisplayMedia.bind(navigator.mediaDevices);
        const w = window as unknown as { pickerOpened: number };
        w.pickerOpened = 0;
        navigator.mediaDevices.getDisplayMedia = (options) => {
          w.pickerOpened++;
          return ask(options);
        };
      });
      await page.goto(`${t.url}/share/`);
      await page.fill('#token', 'not-a-token');
      await page.click('#share');
      await page.waitForSelector('#error:not([hidden])', { timeout: 10_000 });
      assert.match(await page.textContent('#error') ?? '', /does not know this enrollment token/);
      assert.equal(await page.evaluate(() => (window as unknown as { pickerOpened: number }).pickerOpened), 0, 'no screen picker for a wrong token');
      assert.equal(await page.isHidden('#live'), true, 'no empty preview');
      const error = (await page.locator('#error').boundingBox())!;
      const form = (await page.locator('#form').boundingBox())!;
      assert.ok(error.y < form.y && error.y + error.height <= page.viewportSize()!.height, `the message is above the form, on screen: ${JSON.stringify({ error, form })}`);
      assert.equal(await page.evaluate(() => document.activeElement?.id), 'token', 'the token field is ready to be corrected');

      // The right token then shares at once, and stopping returns to the form without the black box.
      await page.fill('#token', 'test-enrollment-token');
      await page.click('#share');
      await page.waitForSelector('#state[data-state="live"]', { timeout: 15_000 });
      assert.equal(await page.evaluate(() => (window as unknown as { pickerOpened: number }).pickerOpened), 1);
      assert.equal(await page.isHidden('#error'), true, 'the old refusal is gone');
      await page.click('#stop');
      await page.waitForSelector('#form:not([hidden])', { timeout: 10_000 });
      assert.equal(await page.isHidden('#live'), true);
    } finally {
      await page.close();
    }
  });
});
