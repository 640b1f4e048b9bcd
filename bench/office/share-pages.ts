import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { chromium, type Page } from 'playwright-core';
import { AGENT_TOKEN } from '@vaahshare/testkit';

const run = promisify(execFile);

export interface SharePage {
  name: string;
  userHost: string;
  page: Page;
}

/**
 * MediaRecorder as the share page created it before issue 20 (VP8 first, 1 Mbit/s, the browser's own keyframes),
 * put in place of the page's choice for the "today" share: both pages then run the same code, same build.
 */
function recordLikeBefore() {
  const Original = window.MediaRecorder;
  window.MediaRecorder = class extends Original {
    constructor(stream: MediaStream) {
      super(stream, { mimeType: 'video/webm;codecs=vp8', videoBitsPerSecond: 1_000_000 });
    }
  } as typeof MediaRecorder;
}

/**
 * Two share pages (`/share`) in a headed Chromium on the same display, sharing its whole screen (picked without
 * a dialog), their windows lowered under the office windows so that they never show in what is captured:
 * "today" with the MediaRecorder settings of before, "share" with the page's own.
 */
export async function startSharePages(display: string, server: string): Promise<{ pages: SharePage[]; stop: () => Promise<void> }> {
  const env = { ...process.env, DISPLAY: display };
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: false,
    env,
    args: [
      '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--use-fake-ui-for-media-stream', '--auto-select-desktop-capture-source=Entire screen', '--window-position=0,0', '--window-size=640,480',
      '--disable-backgrounding-occluded-windows', '--disable-renderer-backgrounding', '--disable-background-timer-throttling',
    ],
  });
  const pages: SharePage[] = [];
  for (const name of ['share-today', 'share']) {
    const context = await browser.newContext({ viewport: null });
    const page = await context.newPage();
    if (name === 'share-today') await page.addInitScript(recordLikeBefore);
    await page.goto(`${server}/share?token=${AGENT_TOKEN}`);
    const userHost = `${name}@browser`;
    await page.fill('#name', userHost);
    await page.click('#share');
    await page.waitForSelector('#state[data-state="live"]', { timeout: 30_000 });
    pages.push({ name, userHost, page });
  }
  const ids = (await run('xdotool', ['search', '--name', 'VaahShare · share your screen'], { env })).stdout.split('\n').filter(Boolean);
  for (const id of ids) await run('xdotool', ['windowlower', id], { env });
  return {
    pages,
    stop: async () => {
      for (const { page } of pages) await page.click('#stop');
      for (const { page } of pages) await page.waitForSelector('#state[data-state="stopped"]', { timeout: 60_000 });
      await browser.close();
    },
  };
}
