import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { api, connectAgent, login, sleep, waitUntil, type TestServer } from '@vaahshare/testkit';
import { sendFrames, startSegment } from '@vaahshare/testkit/streaming';
import { makeWebm } from '@vaahshare/testkit/webm';
import { WebmDemuxer } from '../src/lib/webm-demuxer.js';
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

/**
 * The live view's picture: which player shows it, how wide, and something that changes when the picture moves
 * on (the <canvas>'s pixels, the <video>'s position). A width of 0 while no picture is shown.
 */
const livePicture = (page: Page) =>
  page.evaluate(() => {
    const picture = document.querySelector<HTMLCanvasElement | HTMLVideoElement>('[data-test=live-picture]');
    if (!picture) return null;
    const moment = picture instanceof HTMLCanvasElement ? picture.toDataURL() : String(picture.currentTime);
    return { player: picture.dataset.player, width: Number(picture.dataset.pictureWidth), moment, error: picture instanceof HTMLVideoElement ? (picture.error?.message ?? null) : null };
  });

/**
 * Waits until the live view has the stream's header (its "waiting" overlay is gone): frames sent after this reach it.
 * Sent before, on a loaded machine, they could all be gone before the view watched, leaving it a stream that has
 * stopped moving, where MediaSource shows no picture.
 */
const watching = (page: Page) => page.locator('.player-overlay').waitFor({ state: 'detached', timeout: 15_000 });

/** Waits for a picture; when none comes, says what the page's players were doing (a timeout alone tells nothing). */
const pictureShown = (page: Page) =>
  page
    .waitForFunction(() => Number(document.querySelector<HTMLElement>('[data-test=live-picture]')?.dataset.pictureWidth) > 0, undefined, { timeout: 15_000 })
    .catch(async (err: Error) => {
      const state = await page.evaluate(() => {
        const v = document.querySelector('video');
        const c = document.querySelector('canvas');
        const ranges = v ? Array.from({ length: v.buffered.length }, (_, i) => [v.buffered.start(i), v.buffered.end(i)]) : [];
        return {
          video: v && { test: v.dataset.test, pictureWidth: v.dataset.pictureWidth, readyState: v.readyState, width: v.videoWidth, time: v.currentTime, ranges, paused: v.paused, error: v.error?.message },
          canvas: c && { test: c.dataset.test, pictureWidth: c.dataset.pictureWidth },
          shownError: document.querySelector('[data-test=live-error]')?.textContent ?? null,
        };
      });
      throw new Error(`${err.message}; the page's players: ${JSON.stringify(state)}`);
    });

/** Waits until the live picture differs from `before`: the stream keeps being shown. */
async function pictureMovesOn(page: Page, before: string) {
  await waitUntil(async () => (await livePicture(page))?.moment !== before, 15_000, 'the live picture to move on');
}

/** The stream with every frame's bytes replaced by noise: WebM a server accepts, video no decoder can read. */
function withUndecodableFrames(webm: Buffer): Buffer {
  const spoilt = Buffer.from(webm);
  let at = 0;
  let seed = 1;
  new WebmDemuxer({
    tracks: () => undefined,
    frame: ({ data }) => {
      at = spoilt.indexOf(data, at);
      for (let i = 0; i < data.length; i++) spoilt[at + i] = (seed = (seed * 1103515245 + 12345) % 2 ** 31) >>> 16;
      at += data.length;
    },
  }).push(webm);
  return spoilt;
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
    await watching(page);
    await streamPaced(agent, 'e2e-live', webm, third, 2 * third, 8);
    await pictureShown(page);
    const first = await livePicture(page);
    // Chromium on the test server's loopback origin (a secure context) has WebCodecs: each frame is drawn as it arrives.
    assert.equal(first?.player, 'webcodecs');
    assert.equal(first?.width, 320, 'the agent’s 320×240 picture is decoded');

    // A browser without WebCodecs watches the same stream through the MediaSource <video>.
    const withoutWebCodecs = await openPage(browser);
    await withoutWebCodecs.addInitScript(() => Reflect.deleteProperty(window, 'VideoDecoder'));
    await logIn(withoutWebCodecs, t.url);
    await withoutWebCodecs.goto(`${t.url}/live/${agent.client.id}`);
    await watching(withoutWebCodecs);
    const fiveSixths = Math.floor(2.5 * third);
    await streamPaced(agent, 'e2e-live', webm, 2 * third, fiveSixths, 4);
    await pictureShown(withoutWebCodecs);
    const played = await livePicture(withoutWebCodecs);
    assert.equal(played?.player, 'mediasource');
    assert.equal(played?.width, 320);

    // Both pictures move on past where they were while the stream goes on, with no error.
    await Promise.all([pictureMovesOn(page, first!.moment), pictureMovesOn(withoutWebCodecs, played!.moment), streamPaced(agent, 'e2e-live', webm, fiveSixths, webm.length, 4)]);
    assert.equal((await livePicture(withoutWebCodecs))?.error, null);
    assert.equal(await page.locator('[data-test=live-error]').count(), 0);
    assert.equal(await withoutWebCodecs.locator('[data-test=live-error]').count(), 0);
    await withoutWebCodecs.context().close();
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

  test('a live stream that cannot be decoded: no picture, and the page says why', async () => {
    const agent = await connectAgent(t.url, 'mallory@studio');
    const spoilt = withUndecodableFrames(webm.subarray(0, Math.floor(webm.length / 4)));
    await startSegment(agent.socket, 'e2e-undecodable');
    await page.goto(`${t.url}/live/${agent.client.id}`);
    await streamPaced(agent, 'e2e-undecodable', spoilt, 0, spoilt.length, 8);
    // WebCodecs fails on the first frame, the view falls back to MediaSource, which fails too and says so.
    await page.locator('[data-test=live-error]', { hasText: 'The live stream could not be decoded' }).waitFor({ timeout: 15_000 });
    assert.deepEqual(await livePicture(page).then((p) => [p?.player, p?.width]), ['mediasource', 0]);
    await screenshot(page, 'live-player-undecodable');
    agent.socket.disconnect();
  });
});
