import { execFile } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { Assets } from './assets.js';

const run = promisify(execFile);

export interface OfficeWindow {
  page: Page;
  /** The X window id of its browser window (xdotool). */
  id: string;
}

export interface OfficeDesktop {
  document: OfficeWindow;
  reading: OfficeWindow;
  /** Real X input and window stacking, as the person's mouse and a window manager would do it. */
  xdotool: (...args: string[]) => Promise<string>;
  raise: (window: OfficeWindow) => Promise<void>;
  close: () => Promise<void>;
}

/**
 * Two headed Chromium windows on the virtual display, each filling the 1280×720 screen (browser frame,
 * tabs and address bar included, as on a real desktop): the document and the page being read.
 */
export async function openDesktop(display: string, assets: Assets): Promise<OfficeDesktop> {
  const env = { ...process.env, DISPLAY: display };
  const xdotool = async (...args: string[]) => (await run('xdotool', args, { env })).stdout.trim();
  const browser: Browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: false,
    env,
    args: [
      '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--window-position=0,0', '--window-size=1280,720', '--force-device-scale-factor=1',
      '--autoplay-policy=no-user-gesture-required', '--allow-file-access-from-files',
    ],
  });
  const open = async (file: string, title: string): Promise<OfficeWindow> => {
    // A context of its own: its own browser window.
    const context = await browser.newContext({ viewport: null });
    const page = await context.newPage();
    await page.goto(pathToFileURL(file).href);
    const id = await waitForWindow(xdotool, title);
    await xdotool('windowmove', id, '0', '0');
    await xdotool('windowsize', id, '1280', '720');
    return { page, id };
  };
  const document = await open(assets.document, 'Quarterly report');
  const reading = await open(assets.reading, 'Staff handbook');
  return {
    document,
    reading,
    xdotool,
    raise: async (window) => void (await xdotool('windowraise', window.id)),
    close: () => browser.close(),
  };
}

/** The top-level window whose title holds `title` (Chromium names its window after the page). */
async function waitForWindow(xdotool: (...args: string[]) => Promise<string>, title: string): Promise<string> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const ids = await xdotool('search', '--onlyvisible', '--name', title).catch(() => '');
    const id = ids.split('\n').filter(Boolean).at(-1);
    if (id) return id;
    if (Date.now() > deadline) throw new Error(`no window titled “${title}” appeared on the display`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
