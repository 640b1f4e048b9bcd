import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { buildGui } from '../scripts/build.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const BIN = path.join(ROOT, 'packages/agent/bin/vaahshare-agent.js');
export const ARTIFACTS = path.join(ROOT, 'test-artifacts', 'agent-gui');

/** The address `vaahshare-agent open --print` prints for the agents of a data directory. */
export async function windowAddress(dataDir: string): Promise<string> {
  await buildGui();
  const { stdout } = await promisify(execFile)(process.execPath, [BIN, 'open', '--print', '--data-dir', dataDir], {
    env: { ...process.env, VAAHSHARE_CONFIG: '/nonexistent/vaahshare-agent-test/config.json' },
  });
  return stdout.trim();
}

/** The window at 1280×800, as the person at the desktop sees it. */
export async function openWindow(browser: Browser, url: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(url).origin });
  const page = await context.newPage();
  await page.goto(url);
  await page.locator('[data-test=state-title]').waitFor();
  return page;
}

export async function showPage(page: Page, id: 'home' | 'recordings' | 'settings' | 'logs') {
  await page.locator(`[data-test=nav-${id}]`).click();
  await page.waitForFunction((hash) => location.hash === hash, `#${id}`);
}

export async function screenshot(page: Page, name: string) {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  // PrimeVue fades messages and dialogs in: the picture shows them once they are there.
  await page.waitForFunction(() => document.getAnimations().every((a) => a.playState !== 'running' || a.effect?.getTiming().iterations === Infinity));
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) });
}

export const text = (page: Page, test: string) => page.locator(`[data-test=${test}]`).first().innerText();

/** Waits until an element's text matches. */
export async function waitForText(page: Page, test: string, pattern: RegExp, timeout = 15_000) {
  await page.waitForFunction(
    ([sel, source, flags]) => new RegExp(source, flags).test(document.querySelector(sel)?.textContent ?? ''),
    [`[data-test=${test}]`, pattern.source, pattern.flags] as const,
    { timeout },
  );
}

/**
 * Records every text the header's state pill shows from now on; the returned function reads them. The page
 * itself watches, so a state that lasts a moment is seen however slowly a test polls.
 */
export async function recordHeaderStates(page: Page): Promise<() => Promise<string[]>> {
  await page.evaluate(() => {
    const pill = document.querySelector('[data-test=header-state]')!;
    const seen = [pill.textContent!.trim()];
    new MutationObserver(() => seen.push(pill.textContent!.trim())).observe(pill, { subtree: true, childList: true, characterData: true });
    (window as unknown as { headerStates: string[] }).headerStates = seen;
  });
  return () => page.evaluate(() => (window as unknown as { headerStates: string[] }).headerStates);
}

/** On the Recordings page: waits until the recordings listed hold at least `bytes` not yet sent. */
export async function waitForBacklog(page: Page, bytes: number, timeout = 30_000) {
  await page.waitForFunction(
    (least) => {
      const rows = [...document.querySelectorAll('[data-test=segment]')];
      return rows.reduce((sum, row) => sum + Number(row.getAttribute('data-size')) - Number(row.getAttribute('data-sent')), 0) >= least;
    },
    bytes,
    { timeout },
  );
}
