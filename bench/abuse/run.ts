/**
 * Abuse run (issue 17, Figures): one server (its bundle, as `npm start` runs it) flooded with the cases of the
 * issue's §4 — many sockets on one token, event floods, 4 MiB frames without waiting, a 4 MB machine_info,
 * slowloris headers, 8 MiB messages before authenticating, wrong-password logins — while honest agents stream.
 *
 *   npm run bench:abuse -- [--seconds 30] [--honest 3] [--sockets 2000] [--frame-senders 4] [--slow 500] [--max-minutes 10]
 *
 * Prints the server's peak RSS (target < 300 MB), the 5xx answers and error lines (target 0), and whether the
 * honest agents stayed connected and streaming (bytes acknowledged during the flood). Method: docs/bench-log/abuse.md.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { spawnServer } from '@vaahshare/testkit/process';
import { makeWebm } from '@vaahshare/testkit/webm';
import { freePort, machine, renderTable, revision, round, rssBytes, runBenchmark, sleep, verdict } from '../presence/lib.js';
import { bigFrames, bigMachineInfo, eventFloods, logins, manySockets, preAuthMessages, slowHeaders, type Flood } from './floods.js';
import { honestAgent } from './honest.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const resultsDir = path.join(root, 'bench/results');

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '30' },
    honest: { type: 'string', default: '3' },
    sockets: { type: 'string', default: '2000' },
    'frame-senders': { type: 'string', default: '4' },
    'info-senders': { type: 'string', default: '10' },
    slow: { type: 'string', default: '500' },
    'max-minutes': { type: 'string', default: '10' },
  },
});
const count = (name: keyof typeof args) => {
  const value = Number(args[name]);
  if (!Number.isInteger(value) || value < 0) throw new Error(`--${name} must be a whole number (got ${args[name]})`);
  return value;
};

const AGENT_TOKEN = 'bench-abuse-enrollment-token-0000';
const ADMIN = { email: 'admin@bench.local', password: 'bench-abuse-password' };
const RSS_TARGET_MB = 300;
const log = (...parts: unknown[]) => console.log(`[${new Date().toISOString().slice(11, 23)}]`, ...parts);
const loadAverage = () => os.loadavg().map((l) => l.toFixed(1)).join(' ');

/** The server's RSS every 100 ms: its peak, and what it was before the flood. */
function sampleRss(pid: number) {
  let peak = 0;
  let last = 0;
  const timer = setInterval(() => {
    last = rssBytes(pid);
    peak = Math.max(peak, last);
  }, 100);
  return { peak: () => peak, last: () => last, stop: () => clearInterval(timer) };
}

/** A request a second to the server's health and the clients list while it is flooded: the 5xx it answers. */
function probe(url: string, token: string, count5xx: (status: number) => void) {
  let running = true;
  let slowestMs = 0;
  void (async () => {
    while (running) {
      for (const [pathname, auth] of [['/healthz', undefined], ['/api/clients?per_page=10', token]] as const) {
        const started = performance.now();
        const res = await fetch(`${url}${pathname}`, { headers: auth ? { authorization: `Bearer ${auth}` } : {} }).catch(() => undefined);
        slowestMs = Math.max(slowestMs, performance.now() - started);
        if (res) count5xx(res.status);
        await res?.arrayBuffer();
      }
      await sleep(1000);
    }
  })();
  return { slowestMs: () => slowestMs, stop: () => (running = false) };
}

async function login(url: string) {
  const res = await fetch(`${url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ADMIN) });
  if (res.status !== 200) throw new Error(`admin login failed: ${res.status}`);
  return ((await res.json()) as { token: string }).token;
}

async function main() {
  const rev = revision(root);
  const seconds = count('seconds');
  log(`abuse run: commit ${rev.commit}${rev.packagesDirty ? ' + uncommitted changes' : ''}, ${seconds} s of floods, load average ${loadAverage()}`);
  const webmSeconds = 120;
  const webm = await makeWebm({ seconds: webmSeconds, fps: 10, gop: 20, size: '640x360', bitrate: '800k' });
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vaahshare-abuse-'));
  const server = await spawnServer({
    PORT: String(await freePort()),
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    AGENT_TOKEN,
    LOG_LEVEL: 'warn',
    NODE_ID: 'bench-abuse',
    // The probe's admin logs in with its password alone (a superadmin's second factor is required by default).
    TOTP_REQUIRED_FOR_SUPERADMINS: 'false',
  });
  const pid = server.child.pid!;
  const rss = sampleRss(pid);
  let fivexx = 0;
  const count5xx = (status: number) => void (status >= 500 && fivexx++);
  try {
    const token = await login(server.url);
    await sleep(2000);
    const idleRss = rss.last();
    let flooding = false;
    const honest = Array.from({ length: count('honest') }, (_, i) => honestAgent(server.url, AGENT_TOKEN, `honest-${i}@abuse`, webm, webmSeconds, () => flooding));
    await sleep(5000);
    log(`server RSS before the flood ${round(idleRss / 2 ** 20)} MB; starting the floods (load average ${loadAverage()})`);
    const loadBefore = loadAverage();
    flooding = true;
    const probes = probe(server.url, token, count5xx);
    const floods: Flood[] = [
      await logins(server.url, count5xx),
      await slowHeaders(server.url, count('slow')),
      await preAuthMessages(server.url, 200),
      await eventFloods(server.url, AGENT_TOKEN),
      await bigMachineInfo(server.url, AGENT_TOKEN, count('info-senders')),
      await bigFrames(server.url, AGENT_TOKEN, count('frame-senders'), webm),
      await manySockets(server.url, AGENT_TOKEN, count('sockets')),
    ];
    await sleep(seconds * 1000);
    flooding = false;
    const loadDuring = loadAverage();
    probes.stop();
    const outcomes: Record<string, Record<string, number | string>> = {};
    for (const flood of floods) outcomes[flood.name] = await flood.stop();
    const honestStats = await Promise.all(honest.map(async (h) => (await h.stop(), h.stats)));
    rss.stop();
    const errorLines = server.output().split('\n').filter((line) => /"level":(50|60)/.test(line));

    const peakMb = round(rss.peak() / 2 ** 20);
    const honestOk = honestStats.every((h) => h.disconnects === 0 && h.refusals.length === 0 && h.ackedDuringFlood > 0);
    const rows = [
      ['measure', 'result', 'target', ''],
      ['server peak RSS', `${peakMb} MB (${round(idleRss / 2 ** 20)} MB before)`, `< ${RSS_TARGET_MB} MB`, verdict(peakMb < RSS_TARGET_MB)],
      ['5xx answers / error lines', `${fivexx} / ${errorLines.length}`, '0 / 0', verdict(fivexx === 0 && errorLines.length === 0)],
      ['honest agents connected and streaming', honestStats.map((h) => `${round(h.ackedDuringFlood / 1024)} KiB acked in the flood, ${h.disconnects} drops, ${h.refusals.length} refusals, longest ack gap ${round(h.longestGapMs)} ms`).join('; '), 'all, no drop, no refusal', verdict(honestOk)],
      ['slowest probe (healthz, clients list)', `${round(probes.slowestMs())} ms`, '—', ''],
    ];
    console.log(`\n${renderTable(rows)}\n`);
    for (const [name, outcome] of Object.entries(outcomes)) console.log(`${name}: ${JSON.stringify(outcome)}`);
    if (errorLines.length) console.log(`server error lines (first 5):\n  ${errorLines.slice(0, 5).join('\n  ')}`);
    console.log(`load average before the flood ${loadBefore}, at its end ${loadDuring} (2 cores, shared: noisy)`);
    fs.mkdirSync(resultsDir, { recursive: true });
    const file = path.join(resultsDir, `abuse-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    fs.writeFileSync(file, JSON.stringify({ revision: rev, machine: machine(), args, peakMb, idleMb: round(idleRss / 2 ** 20), fivexx, errorLines, honest: honestStats, outcomes, loadBefore, loadDuring }, null, 2));
    console.log(`results: ${path.relative(root, file)}`);
  } finally {
    rss.stop();
    await server.stop('SIGTERM');
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

runBenchmark(main, count('max-minutes'));
