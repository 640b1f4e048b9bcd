import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

export interface RecorderSetting {
  name: string;
  /** The first the browser supports is used. */
  mimeTypes: string[];
  videoBitsPerSecond: number;
  videoKeyFrameIntervalDuration?: number;
}

/** The share page's MediaRecorder before issue 20 (share-session.ts at 960e17a). */
export const RECORDER_BEFORE: RecorderSetting = { name: 'share page before', mimeTypes: ['video/webm;codecs=vp8', 'video/webm;codecs=vp9', 'video/webm'], videoBitsPerSecond: 1_000_000 };

/**
 * The share page's MediaRecorder settings before issue 20 and now (packages/agent/web/share-session.ts), each
 * recording Chromium's fake screen (`--use-fake-device-for-media-stream`: a still background with a moving
 * figure and a clock) for `seconds`, at once, in headless Chromium: bytes per hour and keyframes. The office
 * session cannot be shared here: Chromium does not capture the Xvfb screen ("Could not start video source").
 */
export async function shareRecorderSizes(settings: RecorderSetting[], seconds: number, dir: string) {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', '--auto-select-desktop-capture-source=Entire screen'],
  });
  try {
    const page = await browser.newPage();
    // getDisplayMedia needs a secure context: a local file is one, about:blank is not.
    const html = path.join(dir, 'recorder.html');
    fs.writeFileSync(html, '<!doctype html><title>recorder</title>');
    await page.goto(pathToFileURL(html).href);
    return await page.evaluate(
      async ({ settings, seconds }) => {
        const stream = await navigator.mediaDevices.getDisplayMedia({ video: { frameRate: 10 }, audio: false });
        const { width, height } = stream.getVideoTracks()[0].getSettings();
        const runs = settings.map(({ name, mimeTypes, ...options }) => {
          const mimeType = mimeTypes.find((t) => MediaRecorder.isTypeSupported(t));
          const recorder = new MediaRecorder(stream.clone(), { mimeType, ...options } as MediaRecorderOptions);
          const chunks: Blob[] = [];
          recorder.ondataavailable = (e) => chunks.push(e.data);
          const done = new Promise<number>((resolve) => (recorder.onstop = () => resolve(chunks.reduce((sum, c) => sum + c.size, 0))));
          recorder.start(250);
          return { name, mimeType: recorder.mimeType, recorder, done };
        });
        await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
        runs.forEach((r) => r.recorder.stop());
        return Promise.all(runs.map(async (r) => ({ name: r.name, mimeType: r.mimeType, size: `${width}x${height}`, 'MB / hour': Number(((await r.done) / 1e6 / (seconds / 3600)).toFixed(1)) })));
      },
      { settings, seconds },
    );
  } finally {
    await browser.close();
  }
}
