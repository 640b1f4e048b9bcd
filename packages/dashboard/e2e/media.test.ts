import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { api, connectAgent, login, sleep, waitUntil, type TestServer } from '@vaahshare/testkit';
import { sendFrames, startSegment } from '@vaahshare/testkit/streaming';
import { makeWebm } from '@vaahshare/testkit/webm';
import { launchBrowser, logIn, openPage, screenshot, startDashboardServer } from './browser.js';

/**
 * Sends the bytes in slices with pauses, as an agent recording in real time would: a live stream arriving
 * over time is what the player is tested with, so this wait on real time is the input, not a guess.
 */
async function streamPaced(agent: Awaited<ReturnType<typeof connectAgent>>, segmentId: string, webm: Buffer, from: number, to: number, slices: number) {
  const step = Math.ceil((to - from) / slices);
  for (let at = from; at < to; at += step) {
    await sendFrames(agent.socket, segmentId, webm, at, Math.min(at + step, to));
    await sleep(100);
  }
}

const videoState = (page: Page, selector: string) =>
  page.evaluate((s) => {
    const v = document.querySelector<HTMLVideoElement>(s);
    return v ? { readyState: v.readyState, width: v.videoWidth, time: v.currentTime, duration: v.duration, error: v.error?.message ?? null } : null;
  }, selector);

describe('dashboard: live streams and recordings in Chromium', () => {
  let t: TestServer;
  let browser: Browser;
  let page: Page;
  let webm: Buffer;

  before(async () => {
    [t, browser, webm] = await Promise.all([startDashboardServer(), launchBrowser(), makeWebm({ seconds: 12, fps: 10, gop: 10 })]);
    page = await openPage(browser);
    await logIn(page, t.url);
  });
  after(async () => {
    await browser?.close();
    await t?.dispose();
  });

  test('a stream is watched live: a tile on the Live page, then the large player with its delay', async () => {
    const agent = await connectAgent(t.url, 'eve@studio');
    await page.locator('.app-nav a[href="/live"]').click();
    await page.locator('[data-test=live-empty]').waitFor();
    await startSegment(agent.socket, 'e2e-live');
    const tile = page.locator('.live-tile[data-user-host="eve@studio"]');
    await tile.waitFor({ timeout: 2000 });
    const third = Math.floor(webm.length / 3);
    await streamPaced(agent, 'e2e-live', webm, 0, third, 8);
    await page.waitForFunction(() => (document.querySelector<HTMLVideoElement>('.live-tile-video')?.readyState ?? 0) >= 2, undefined, { timeout: 15_000 });
    await screenshot(page, 'live-desktop');

    await tile.click();
    await page.waitForURL(`${t.url}/live/${agent.client.id}`);
    await streamPaced(agent, 'e2e-live', webm, third, 2 * third, 8);
    await page.waitForFunction(() => (document.querySelector<HTMLVideoElement>('[data-test=live-video]')?.readyState ?? 0) >= 2, undefined, { timeout: 15_000 });
    const first = await videoState(page, '[data-test=live-video]');
    await streamPaced(agent, 'e2e-live', webm, 2 * third, webm.length, 8);
    assert.equal(first?.width, 320, 'the agent’s 320×240 picture is decoded');
    // Playback moves on past where it was.
    await page.waitForFunction((t0) => (document.querySelector<HTMLVideoElement>('[data-test=live-video]')?.currentTime ?? 0) > t0, first!.time, { timeout: 15_000 });
    assert.equal((await videoState(page, '[data-test=live-video]'))?.error, null);
    assert.match(await page.locator('[data-test=live-delay]').innerText(), /Delay: \d+\.\d s/);
    await screenshot(page, 'live-player-desktop');

    await agent.socket.emitWithAck('stop-streaming', { segment_id: 'e2e-live' });
    await page.locator('.player-overlay').waitFor({ timeout: 2000 }).catch(() => {});
    agent.socket.disconnect();
  });

  test('a finished recording shows up in History and plays with seeking', async () => {
    const token = await login(t.url);
    await waitUntil(async () => (await api(t.url, '/api/media?status=ready', { token })).body.data.length === 1, 60_000, 'the recording to be processed');
    await page.locator('.app-nav a[href="/history"]').click();
    const ready = page.locator('[data-test=media-table] [data-status=ready]');
    await ready.waitFor({ timeout: 15_000 });
    await page.waitForFunction(() => Boolean(document.querySelector<HTMLImageElement>('.thumb img')?.complete), undefined, { timeout: 15_000 });
    await screenshot(page, 'history-desktop');

    await page.locator('[data-test=play]').first().click();
    const video = '[data-test=recording-video]';
    await page.waitForFunction((s) => (document.querySelector<HTMLVideoElement>(s)?.readyState ?? 0) >= 1, video, { timeout: 15_000 });
    const loaded = await videoState(page, video);
    assert.ok(Math.abs(loaded!.duration - 12) < 0.5, `the whole 12 s recording (${loaded!.duration} s)`);
    const seeked = await page.evaluate(
      (s) =>
        new Promise<number>((resolve) => {
          const v = document.querySelector<HTMLVideoElement>(s)!;
          v.pause();
          v.addEventListener('seeked', () => resolve(v.currentTime), { once: true });
          v.currentTime = 9;
        }),
      video,
    );
    assert.ok(Math.abs(seeked - 9) < 0.2, `seeks to 9 s (${seeked})`);
    await page.waitForFunction((s) => (document.querySelector<HTMLVideoElement>(s)?.readyState ?? 0) >= 2, video, { timeout: 15_000 });
    await screenshot(page, 'history-player-desktop');
    const download = await page.locator('.video-dialog a[download]').getAttribute('href');
    const res = await page.request.get(`${t.url}${download}`, { headers: { range: 'bytes=0-3' } });
    assert.equal(res.status(), 206, 'the download link serves the file');
  });
});
