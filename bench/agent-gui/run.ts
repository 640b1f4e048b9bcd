/**
 * What the agent's window costs while nobody looks at it (issue 15), run under
 * `flock /tmp/vaahshare-bench.lock npm run bench:agent-gui`:
 *
 * the same `vaahshare-agent start --source test` three ways, one after the other, in rounds —
 *   `no window`   with `--no-window` (the baseline: what the agent costs without it);
 *   `closed`      with its window, never opened;
 *   `was open`    with its window opened (the page's live updates running) for a while, then closed —
 * and for each, after a warm-up, the agent process's (Node's, not ffmpeg's) RSS and CPU over a window.
 *
 *   npm run bench:agent-gui -- [--rounds 3] [--seconds 30]
 */
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { agentArgs, runAgent } from '../../packages/agent/test/agent-process.js';
import { login, tempDir, testEnv } from '../../packages/server/src/test/harness.js';
import { freePort, spawnServer } from '../../packages/server/src/test/process.js';
import { measure } from '../agent/proc.js';
import { median, round, sleep } from '../presence/lib.js';
import { windowAddress } from '../../packages/agent/e2e/window.js';

const { values: opts } = parseArgs({ options: { rounds: { type: 'string', default: '3' }, seconds: { type: 'string', default: '30' } } });
const ROUNDS = Number(opts.rounds);
const SECONDS = Number(opts.seconds);
const WARMUP_MS = 8000;
const OPEN_MS = 10_000;

const work = tempDir('vaahshare-bench-agent-gui-');
const server = await spawnServer(testEnv(path.join(work, 'server'), { PORT: String(await freePort()), LOG_LEVEL: 'warn' }));
await login(server.url);

type Mode = 'no window' | 'closed' | 'was open';

/** Holds the page's live updates (the Server-Sent Events stream the window reads) open for a while. */
async function openPageFor(url: string, ms: number) {
  await new Promise<void>((resolve, reject) => {
    const req = http.get(`${url}api/events`, (res) => {
      let events = 0;
      res.on('data', () => events++);
      setTimeout(() => {
        req.destroy();
        if (events < 3) reject(new Error(`only ${events} updates while open`));
        else resolve();
      }, ms);
    });
    req.on('error', () => undefined);
  });
}

async function run(mode: Mode, round: number) {
  const dataDir = tempDir('vaahshare-bench-agent-gui-');
  const agent = runAgent(agentArgs(server.url, `bench-${round}-${mode.replace(' ', '-')}@gui`, dataDir, mode === 'no window' ? ['--no-window'] : []));
  try {
    await agent.waitFor(/connected to/);
    if (mode === 'was open') await openPageFor(await windowAddress(dataDir), OPEN_MS);
    await sleep(WARMUP_MS);
    const usage = await measure([agent.child.pid!], SECONDS);
    return { rss: usage.rssMedianMb, cpu: usage.cpu[0] };
  } finally {
    await agent.stop('SIGTERM');
  }
}

const results: Record<Mode, Array<{ rss: number; cpu: number }>> = { 'no window': [], closed: [], 'was open': [] };
const load = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');
console.log(`load before: ${load()}`);
for (let round = 1; round <= ROUNDS; round++) {
  for (const mode of Object.keys(results) as Mode[]) {
    const r = await run(mode, round);
    results[mode].push(r);
    console.log(`round ${round} ${mode.padEnd(9)}: RSS ${round2(r.rss)} MB, CPU ${round2(r.cpu)} %`);
  }
}
console.log(`load after: ${load()}`);
const base = median(results['no window'].map((r) => r.rss));
const baseCpu = median(results['no window'].map((r) => r.cpu));
console.log('\nmode       RSS median  over no window   CPU median  over no window');
for (const [mode, rs] of Object.entries(results)) {
  const rss = median(rs.map((r) => r.rss));
  const cpu = median(rs.map((r) => r.cpu));
  console.log(`${mode.padEnd(10)} ${round2(rss).toString().padStart(7)} MB  ${round2(rss - base).toString().padStart(8)} MB  ${round2(cpu).toString().padStart(9)} %  ${round2(cpu - baseCpu).toString().padStart(8)} %`);
}
await server.stop('SIGTERM');
process.exit(0);

function round2(n: number) {
  return round(n, 2);
}
