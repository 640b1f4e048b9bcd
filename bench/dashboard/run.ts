/**
 * Dashboard benchmark (issue 5), in Debian's Chromium against a real server:
 *  (a) the JavaScript of the first load of the built dashboard, gzipped, against the 300 KiB budget;
 *  (b) how long a presence change takes to be on screen after the server emits it, with 10 clients in the
 *      table (baseline) and with 1 000 (virtual scrolling), p50/p99.
 *
 *   npm run bench:dashboard -- [--clients 1000] [--flips 100]
 *
 * Server emit times are taken where presence events leave the server (its Socket.IO broadcast), page times by
 * a MutationObserver in the page (the DOM changed) and at the next animation frame (painted); both sides read
 * performance.timeOrigin + performance.now() of the same machine clock. Results: stdout and bench/results/.
 */
import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Page } from 'playwright-core';
import { DIST_DIR } from '../../packages/dashboard/build/ensure-build.js';
import { launchBrowser, logIn, openPage, startDashboardServer } from '../../packages/dashboard/e2e/browser.js';
import { connectAgent, type TestServer } from '@vaahshare/testkit';
import { percentile, round } from '../presence/lib.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const BUDGET_KIB = 300;
const { values: args } = parseArgs({ options: { clients: { type: 'string', default: '1000' }, flips: { type: 'string', default: '100' } } });

const wallNow = () => performance.timeOrigin + performance.now();
const kib = (bytes: number) => round(bytes / 1024, 1);

/** The JavaScript files a fresh tab loads for one page, with their sizes as built and gzipped. */
async function firstLoadJs(page: Page, url: string) {
  const files = new Set<string>();
  page.on('response', (res) => {
    const u = new URL(res.url());
    if (u.pathname.endsWith('.js')) files.add(u.pathname);
  });
  await page.goto(url, { waitUntil: 'networkidle' });
  const sizes = [...files].map((file) => {
    const data = fs.readFileSync(path.join(DIST_DIR, file));
    return { file, raw: data.length, gzip: zlib.gzipSync(data, { level: 9 }).length };
  });
  return { files: sizes.sort((a, b) => b.gzip - a.gzip), raw: sizes.reduce((n, f) => n + f.raw, 0), gzip: sizes.reduce((n, f) => n + f.gzip, 0) };
}

interface Emit {
  userHost: string;
  event: string;
  at: number;
}

/** Notes when each presence event leaves the server, just before Socket.IO sends it. */
function recordEmits(t: TestServer): Emit[] {
  const emits: Emit[] = [];
  const io = t.server.io;
  const to = io.to.bind(io);
  io.to = ((room: string) => {
    const operator = to(room);
    const emit = operator.emit.bind(operator) as (event: string, ...args: unknown[]) => boolean;
    (operator as { emit: unknown }).emit = (event: string, ...payload: unknown[]) => {
      if (event.startsWith('client-')) emits.push({ userHost: (payload[0] as { user_host: string }).user_host, event, at: wallNow() });
      return emit(event, ...payload);
    };
    return operator;
  }) as typeof io.to;
  return emits;
}

/** In the page: every change of a watched row's state, when the DOM changed and when the next frame ran. */
const OBSERVER = `
  window.__changes = [];
  const last = new Map();
  const scan = (domAt) => {
    for (const link of document.querySelectorAll('.clients-table a[data-user-host]')) {
      const userHost = link.getAttribute('data-user-host');
      const state = link.closest('tr').querySelector('.presence')?.getAttribute('data-state');
      if (domAt && last.has(userHost) && last.get(userHost) !== state) {
        const change = { userHost, state, domAt, paintAt: 0 };
        window.__changes.push(change);
        requestAnimationFrame(() => (change.paintAt = performance.timeOrigin + performance.now()));
      }
      last.set(userHost, state);
    }
  };
  scan(0);
  new MutationObserver(() => scan(performance.timeOrigin + performance.now())).observe(document.querySelector('.clients-table'), { subtree: true, attributes: true, childList: true, characterData: true });
`;

const stateOf = { 'client-connected': 'connected', 'client-reconnecting': 'reconnecting', 'client-disconnected': 'disconnected' } as Record<string, string>;

/** Connects agents `bench-<from…to>@host` from a child process; resolves once all are connected. */
async function connectMany(url: string, from: number, to: number): Promise<ChildProcess> {
  const child = fork(path.join(here, 'agents.ts'), [url, String(from), String(to)], { execArgv: ['--import', 'tsx'] });
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`the agents process exited with ${code}`)));
  });
  children.push(child);
  return child;
}

const children: ChildProcess[] = [];

/** Drops and brings back agents whose rows are on screen; each drop and each comeback is one change. */
async function measure(page: Page, t: TestServer, emits: Emit[], flips: number, visible: string[]) {
  emits.length = 0;
  await page.evaluate('window.__changes = []');
  for (let i = 0; i < flips; i++) {
    const userHost = visible[i % visible.length];
    const agent = await connectAgent(t.url, userHost);
    await page.waitForFunction(`window.__changes.filter((c) => c.userHost === ${JSON.stringify(userHost)}).at(-1)?.state === 'connected'`);
    agent.socket.disconnect();
    await page.waitForFunction(`window.__changes.filter((c) => c.userHost === ${JSON.stringify(userHost)}).at(-1)?.state === 'reconnecting'`);
  }
  await page.waitForTimeout(100);
  const changes = (await page.evaluate('window.__changes')) as Array<{ userHost: string; state: string; domAt: number; paintAt: number }>;
  const dom: number[] = [];
  const paint: number[] = [];
  for (const change of changes) {
    // The newest emit for this client and state before the page saw it.
    const emit = emits.filter((e) => e.userHost === change.userHost && stateOf[e.event] === change.state && e.at <= change.domAt).at(-1);
    if (!emit) continue;
    dom.push(change.domAt - emit.at);
    paint.push(change.paintAt - emit.at);
  }
  const stats = (v: number[]) => ({ n: v.length, p50: round(percentile(v, 50), 1), p99: round(percentile(v, 99), 1), max: round(Math.max(...v), 1) });
  return { dom: stats(dom), paint: stats(paint) };
}

async function main() {
  const clients = Number(args.clients);
  const flips = Number(args.flips);
  const t = await startDashboardServer({ LOG_LEVEL: 'silent' });
  const browser = await launchBrowser();
  try {
    const anonymous = await openPage(browser);
    const loginLoad = await firstLoadJs(anonymous, `${t.url}/login`);
    await logIn(anonymous, t.url);
    const clientsPage = await anonymous.context().newPage();
    const clientsLoad = await firstLoadJs(clientsPage, `${t.url}/clients`);
    await anonymous.context().close();

    const emits = recordEmits(t);
    // Persistent rows: the first ten hold still; the flipping clients sort before them, at the top of the table.
    const steadyCount = 10;
    await connectMany(t.url, 0, steadyCount);
    const flippers = ['aaa-0@flip', 'aaa-1@flip', 'aaa-2@flip'];
    const page = await openPage(browser);
    await logIn(page, t.url);
    for (const uh of flippers) (await connectAgent(t.url, uh)).socket.disconnect();
    await page.waitForFunction(`document.querySelectorAll('.clients-table a[data-user-host]').length >= 13`);
    await page.evaluate(OBSERVER);
    const baseline = await measure(page, t, emits, flips, flippers);

    await connectMany(t.url, steadyCount, clients);
    await page.waitForFunction(`document.querySelector('[data-test=clients-summary]').textContent.includes('${clients} connected')`, undefined, { timeout: 60_000 });
    const rendered = await page.evaluate(`document.querySelectorAll('.clients-table tbody tr').length`);
    const loaded = await measure(page, t, emits, flips, flippers);

    const result = {
      date: new Date().toISOString(),
      budget_kib: BUDGET_KIB,
      first_load: {
        login: { files: loginLoad.files.length, raw_kib: kib(loginLoad.raw), gzip_kib: kib(loginLoad.gzip) },
        clients: { files: clientsLoad.files.length, raw_kib: kib(clientsLoad.raw), gzip_kib: kib(clientsLoad.gzip), largest: clientsLoad.files.slice(0, 5).map((f) => `${f.file} ${kib(f.gzip)} KiB`) },
      },
      presence_ms: { [`${steadyCount + flippers.length} clients`]: baseline, [`${clients + flippers.length} clients`]: { ...loaded, rows_in_dom: rendered } },
    };
    console.log(JSON.stringify(result, null, 2));
    console.log(`\nfirst load JS (gzip): login ${result.first_load.login.gzip_kib} KiB, clients ${result.first_load.clients.gzip_kib} KiB; budget ${BUDGET_KIB} KiB`);
    console.log(`presence on screen (paint) p50/p99: ${baseline.paint.p50}/${baseline.paint.p99} ms with ${steadyCount + flippers.length} clients, ${loaded.paint.p50}/${loaded.paint.p99} ms with ${clients + flippers.length} (ratio p50 ${round(loaded.paint.p50 / baseline.paint.p50, 2)})`);
    fs.mkdirSync(path.join(here, '../results'), { recursive: true });
    fs.writeFileSync(path.join(here, `../results/dashboard-${result.date.replace(/[:.]/g, '-')}.json`), JSON.stringify(result, null, 2));
  } finally {
    children.forEach((child) => child.kill());
    await browser.close();
    await t.dispose();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
