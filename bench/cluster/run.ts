/**
 * Cluster benchmark (issue 6): the same load on one node and on two nodes (PostgreSQL + Redis, nginx in
 * front), in one run, with the ratio of the two.
 *
 *   npm run bench:cluster -- [--agents 10000] [--drops 200] [--drop-spacing 20] [--streamers 4] [--max-minutes 30]
 *                            [--workers N] [--source-addresses K] [--fd-limit N]
 *
 * Needs TEST_DATABASE_URL (a PostgreSQL server where it may create databases), TEST_REDIS_URL and Debian's
 * nginx — what `.ci/run` starts. Every server and worker is a child process; all traffic stays on 127.0.0.1.
 *
 * Per layout: N agents in agent worker processes (bench/presence/agent-worker.ts), two halves: the first
 * half's agents come through nginx (its ip_hash hashes the first three bytes of an IPv4 address, so it sends
 * all of 127.0.0.0/24 to one node: the victim), the second half's go straight to the other node, where the
 * dashboards are. So on two nodes every measured event crosses nodes (Redis). Each half has one worker per
 * 12 500 agents (one each at 10 000); beyond one source address's ports (`--agents 50000`: 2 × 25 000) the
 * agents connect from 127.0.0.2, 127.0.0.3, …, and the open-file limit is raised for this process and so for
 * every child (the nodes, nginx, the workers), as bench:presence does.
 * 1. propagation: K of the victim's agents drop one at a time; drop → `client-reconnecting` on the other
 *    node's dashboard.
 * 2. node death: the victim is killed with kill -9 while S agents stream through nginx. One node: it is
 *    started again on its port. Two nodes: its agents reconnect through nginx to the other node. Measured:
 *    kill → every one of its agents acked again; kill → the dashboard showing each of them (reconnecting,
 *    or connected on the other node); acknowledged bytes the streams lost on resume.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { io as ioClient } from 'socket.io-client';
import { api, freshDatabaseEnv, login, tempDir, testEnv, AGENT_TOKEN } from '@vaahshare/testkit';
import { reconnectingAgent, streamAcrossDrops } from '@vaahshare/testkit/cluster';
import { startNginx } from '@vaahshare/testkit/nginx';
import { makeWebm } from '@vaahshare/testkit/webm';
import {
  CapacityError,
  checkMachineWide,
  checkOneSourcePorts,
  maxSocketsPerToken,
  peerAddresses,
  raiseFdLimit,
  sourceAddresses,
} from '../presence/capacity.js';
import {
  forkWorkers,
  freePort,
  killAllChildren,
  percentile,
  round,
  ourServerScript,
  spawnServer,
  stopWorkers,
  waitUntil,
  wallNow,
  withTimeout,
  type ServerChild,
  type WorkerHandle,
} from '../presence/lib.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const MAIN = ourServerScript(root);
const AGENT_WORKER = path.join(here, '../presence/agent-worker.ts');

const { values: args } = parseArgs({
  options: {
    agents: { type: 'string', default: '10000' },
    drops: { type: 'string', default: '200' },
    'drop-spacing': { type: 'string', default: '20' },
    streamers: { type: 'string', default: '4' },
    concurrency: { type: 'string', default: '250' },
    /** A watchdog; default 30 minutes per 10 000 agents (at least 30). */
    'max-minutes': { type: 'string' },
    /** Agent workers, an even number (half of them per half of the agents); default one per 12 500 agents of a half, at least 2. */
    workers: { type: 'string' },
    /** How many loopback addresses the agents connect from (default: as many as the local port range needs). */
    'source-addresses': { type: 'string' },
    /** Open-file limit for this process and its children (default: what N needs, only if above the current one). */
    'fd-limit': { type: 'string' },
  },
});
const N = Number(args.agents);
const HALF = Math.floor(N / 2);
const DROPS = Math.min(Number(args.drops), HALF - 1);
const STREAMERS = Number(args.streamers);
const WORKERS_PER_HALF = args.workers ? Math.max(1, Math.floor(Number(args.workers) / 2)) : Math.ceil(HALF / 12_500);
/** Bigger runs get proportionally longer bounds on their waits. */
const SCALE = Math.max(1, N / 10_000);
/** How long the agents of a killed node have to be acked again. */
const DEATH_TIMEOUT_MS = 180_000 * SCALE;

for (const name of ['TEST_DATABASE_URL', 'TEST_REDIS_URL']) {
  if (!process.env[name]) {
    console.error(`${name} is not set: the cluster benchmark needs PostgreSQL and Redis (start them as .ci/run does)`);
    process.exit(2);
  }
}

/** Loopback addresses the agents connect from; none: the kernel's choice (127.0.0.1), as runs of the usual size do. */
let SOURCE_ADDRESSES: string[] = [];
try {
  // A node may hold every agent (one node; or the survivor of two), nginx two sockets per agent of its half.
  raiseFdLimit(args['fd-limit'] ? Number(args['fd-limit']) : N + 1000, `--agents ${N}`);
  checkMachineWide(3 * N + 5000, 3 * N);
  // nginx connects to the victim node from 127.0.0.1 only: its half must fit one address's ports.
  checkOneSourcePorts(HALF + STREAMERS + 100, 'nginx');
  // A socket bound to a source address takes a port of that address whatever it connects to: both halves count.
  SOURCE_ADDRESSES = sourceAddresses(N, args['source-addresses'] ? Number(args['source-addresses']) : undefined);
} catch (err) {
  if (!(err instanceof CapacityError)) throw err;
  console.error(`bench:cluster: ${err.message}`);
  process.exit(2);
}

const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const runDir = path.join(root, 'bench/results', `cluster-${stamp}`);
fs.mkdirSync(runDir, { recursive: true });
const log = (line: string) => console.log(`${new Date().toISOString().slice(11, 19)} ${line}`);

interface LayoutResult {
  layout: string;
  connect: { ms: number; failed: number };
  propagation: { count: number; missing: number; p50: number; p99: number; max: number };
  death: {
    victimAgents: number;
    /** NaN when not all of them were acked again within DEATH_TIMEOUT_MS; `ackedAgain` says how many were. */
    allAckedMs: number;
    ackedAgain: number;
    dashboard: { p50: number; p99: number; max: number; missing: number } | null;
    afterwards: { reconnecting: number; disconnected: number };
    streams: { count: number; lostAckedBytes: number; filesEqual: boolean };
  };
}

const stats = (values: number[]) => ({ p50: round(percentile(values, 50), 1), p99: round(percentile(values, 99), 1), max: round(Math.max(...values), 1) });

/** A dashboard that notes, per agent, when it first heard of it after `since` was set. */
function deathWatcher(url: string, token: string) {
  const socket = ioClient(url, { transports: ['websocket'], forceNew: true, reconnection: false, query: { app: 'backend' }, auth: { token } });
  const firstHeard = new Map<string, number>();
  let since = Infinity;
  for (const event of ['client-reconnecting', 'client-connected']) {
    socket.on(event, (client: { user_host: string }) => {
      const at = wallNow();
      if (at >= since && !firstHeard.has(client.user_host)) firstHeard.set(client.user_host, at);
    });
  }
  return {
    ready: withTimeout(new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('connect_error', reject)), 15_000 * SCALE, 'dashboard'),
    arm: (at: number) => (since = at),
    firstHeard,
    close: () => socket.disconnect(),
  };
}

async function clientCount(url: string, token: string, status: string) {
  const { body } = await api(url, `/api/clients?status=${status}&per_page=1`, { token });
  return body.meta.total as number;
}

async function runLayout(nodeCount: 1 | 2): Promise<LayoutResult> {
  const layout = nodeCount === 1 ? '1 node' : '2 nodes';
  const database = await freshDatabaseEnv();
  const dataDir = tempDir('vaahshare-bench-cluster-');
  const env = testEnv(dataDir, {
    ...database.env,
    LOG_LEVEL: 'warn',
    // The bench enrolls all its desktops at once, as a first rollout would with the limit raised.
    MAX_NEW_CLIENTS_PER_TOKEN_PER_HOUR: '1000000',
    // All agents share one enrollment token, and a node may hold all of them; the default is sized for 10 000.
    MAX_SOCKETS_PER_TOKEN: String(maxSocketsPerToken(N)),
    ...(nodeCount === 2 ? { REDIS_URL: process.env.TEST_REDIS_URL!, REDIS_PREFIX: `bench-${randomBytes(4).toString('hex')}` } : {}),
  });
  const ports = await Promise.all(Array.from({ length: nodeCount }, () => freePort()));
  const start = (i: number) =>
    spawnServer({ script: MAIN, env: { ...env, NODE_ID: `bench-${i + 1}` }, port: ports[i], logFile: path.join(runDir, `${nodeCount}-node-${i + 1}.log`) });
  const servers: ServerChild[] = [];
  for (let i = 0; i < nodeCount; i++) servers.push(await start(i));
  const nginx = await startNginx(ports);
  let workers: WorkerHandle[] = [];
  try {
    const { body: health } = await api(nginx.url, '/healthz');
    const victimIndex = Number(health.node_id.split('-')[1]) - 1;
    const victim = servers[victimIndex];
    const other = servers[nodeCount === 2 ? 1 - victimIndex : 0];
    const token = await login(other.url);
    workers = await forkWorkers(AGENT_WORKER, 2 * WORKERS_PER_HALF);
    // The first half's workers (through nginx, the victim's agents) and the second half's (straight to the other node).
    const viaNginx = workers.slice(0, WORKERS_PER_HALF);
    await viaNginx[0].call('dashboard', { url: other.url, token });

    const from = SOURCE_ADDRESSES.length ? SOURCE_ADDRESSES.join(', ') : '127.0.0.1';
    log(`${layout}: connecting ${N} agents (half through nginx to ${health.node_id}, half straight to the other node; ${workers.length} workers, from ${from})`);
    const perWorker = Math.ceil(HALF / WORKERS_PER_HALF);
    const connectTimeoutMs = 300_000 * SCALE;
    const connectStart = wallNow();
    const connected = await Promise.all(
      workers.map((w, i) => {
        const half = i < WORKERS_PER_HALF ? 0 : 1;
        const first = (i % WORKERS_PER_HALF) * perWorker;
        const count = Math.min(perWorker, HALF - first);
        const share = { url: half === 0 ? nginx.url : other.url, token: AGENT_TOKEN, start: half * HALF + first, count, localAddresses: SOURCE_ADDRESSES };
        return w.call<{ failed: number }>('connect', { ...share, concurrency: Number(args.concurrency), timeoutMs: connectTimeoutMs }, connectTimeoutMs + 30_000);
      }),
    );
    const connect = { ms: round(wallNow() - connectStart, 0), failed: connected.reduce((n, c) => n + c.failed, 0) };
    log(`${layout}: connected in ${connect.ms} ms (${connect.failed} failed)`);
    const peers = (url: string) => JSON.stringify(peerAddresses(Number(new URL(url).port)));
    log(`${layout}: connections by source address: to nginx ${peers(nginx.url)}, to the other node ${peers(other.url)}`);

    log(`${layout}: dropping ${DROPS} agents of ${health.node_id}, ${args['drop-spacing']} ms apart`);
    const drop = await viaNginx[0].call<{ latencies: number[]; missing: number }>('drop', { count: DROPS, spacingMs: Number(args['drop-spacing']), timeoutMs: 60_000 }, 120_000);
    const propagation = { count: drop.latencies.length, missing: drop.missing, ...stats(drop.latencies) };
    log(`${layout}: drop → client-reconnecting p50 ${propagation.p50} ms p99 ${propagation.p99} ms`);
    await viaNginx[0].call('restore', { timeoutMs: 120_000 }, 150_000);

    const webm = await makeWebm({ seconds: 10, fps: 10, gop: 10 });
    const streamers = Array.from({ length: STREAMERS }, (_, i) => reconnectingAgent(nginx.url, `stream-${i}@bench`));
    const acked = await Promise.all(streamers.map((agent, i) => streamAcrossDrops(agent, `bench-${i}`, webm, 0, Math.floor(webm.length / 2))));

    const watcher = nodeCount === 2 ? deathWatcher(other.url, token) : null;
    await watcher?.ready;
    // Every worker of the victim's half says when all of its agents were acked again; the last one ends the storm.
    const stormDone = Promise.all(
      viaNginx.map((w) => new Promise<number>((resolve) => w.onEvent((m) => m.event === 'storm-done' && resolve(m.at as number)))),
    ).then((times) => Math.max(...times));
    await Promise.all(viaNginx.map((w) => w.call('storm-arm')));
    log(`${layout}: kill -9 of ${health.node_id} with ${HALF} of its agents and ${STREAMERS} streams`);
    const killedAt = wallNow();
    watcher?.arm(killedAt);
    await victim.stop('SIGKILL');
    if (nodeCount === 1) servers[0] = await start(0);
    const doneAt = await withTimeout(stormDone, DEATH_TIMEOUT_MS, 'every agent of the dead node acked again').catch(() => NaN);
    const allAckedMs = round(doneAt - killedAt, 0);
    const stormAcked = (await Promise.all(viaNginx.map((w) => w.call<{ stormAcked: number }>('status')))).reduce((n, s) => n + s.stormAcked, 0);
    const within = `within ${DEATH_TIMEOUT_MS / 1000} s`;
    log(`${layout}: ${stormAcked} of ${HALF} agents of the dead node acked again${Number.isNaN(doneAt) ? ` ${within} (not all)` : `, all ${allAckedMs} ms after the kill`}`);

    let dashboard: LayoutResult['death']['dashboard'] = null;
    if (watcher) {
      const agentDelays = () => [...watcher.firstHeard].filter(([userHost]) => userHost.startsWith('agent-')).map(([, at]) => at - killedAt);
      await waitUntil(() => agentDelays().length >= HALF, 15_000 * SCALE, 'the dashboard hearing of every agent').catch(() => undefined);
      const delays = agentDelays();
      dashboard = { ...stats(delays), missing: HALF - delays.length };
      watcher.close();
      log(`${layout}: dashboard on the other node heard of them p50 ${dashboard.p50} ms p99 ${dashboard.p99} ms max ${dashboard.max} ms`);
    }

    let lostAckedBytes = 0;
    const finished = await Promise.all(
      streamers.map((agent, i) =>
        streamAcrossDrops(agent, `bench-${i}`, webm, acked[i]).catch((err: Error) => {
          // Only a resume below what was acknowledged is a loss; a stream that could not go on is "not complete".
          const held = /holds (\d+)/.exec(err.message);
          if (held) lostAckedBytes += acked[i] - Number(held[1]);
          else log(`${layout}: stream ${i} could not go on: ${err.message}`);
          return -1;
        }),
      ),
    );
    const filesEqual = finished.every((n) => n === webm.length);
    // Once every agent is back (the other worker's too, after a one-node restart): nobody may be left behind.
    const ackedNow = async () => (await Promise.all(workers.map((w) => w.call<{ acked: number }>('status')))).reduce((n, s) => n + s.acked, 0);
    await waitUntil(async () => (await ackedNow()) === 2 * HALF, 60_000 * SCALE, 'every agent acked').catch(() => undefined);
    const afterwards = { reconnecting: await clientCount(other.url, token, 'reconnecting'), disconnected: await clientCount(other.url, token, 'disconnected') };
    for (const agent of streamers) agent.socket.disconnect();
    return {
      layout,
      connect,
      propagation,
      death: { victimAgents: HALF, allAckedMs, ackedAgain: stormAcked, dashboard, afterwards, streams: { count: STREAMERS, lostAckedBytes, filesEqual } },
    };
  } finally {
    await stopWorkers(workers);
    await nginx.stop();
    for (const server of servers) await server.stop('SIGTERM', 10_000);
    await database.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

function table(one: LayoutResult, two: LayoutResult) {
  const ratio = (a: number, b: number) => (b > 0 ? `${round(a / b, 2)}×` : 'n/a');
  const row = (what: string, a: number | string, b: number | string, r = '') => `| ${what} | ${a} | ${b} | ${r} |`;
  return [
    `| ${N} agents | 1 node | 2 nodes | 2 ÷ 1 |`,
    '| --- | --- | --- | --- |',
    row('connect all (ms)', one.connect.ms, two.connect.ms, ratio(two.connect.ms, one.connect.ms)),
    row('drop → client-reconnecting p50 (ms)', one.propagation.p50, two.propagation.p50, ratio(two.propagation.p50, one.propagation.p50)),
    row('drop → client-reconnecting p99 (ms)', one.propagation.p99, two.propagation.p99, ratio(two.propagation.p99, one.propagation.p99)),
    row('drop → client-reconnecting max (ms)', one.propagation.max, two.propagation.max),
    row('events missing', one.propagation.missing, two.propagation.missing),
    row(`kill -9 → its ${HALF} agents acked again (ms)`, one.death.allAckedMs, two.death.allAckedMs, ratio(two.death.allAckedMs, one.death.allAckedMs)),
    row(`… of them acked again within ${DEATH_TIMEOUT_MS / 1000} s`, one.death.ackedAgain, two.death.ackedAgain),
    row('kill -9 → other node\'s dashboard shows each p50 / p99 / max (ms)', 'n/a (its only dashboard died)', two.death.dashboard ? `${two.death.dashboard.p50} / ${two.death.dashboard.p99} / ${two.death.dashboard.max}` : 'n/a'),
    row('… agents never shown', 'n/a', two.death.dashboard?.missing ?? 'n/a'),
    row('reconnecting / disconnected afterwards', `${one.death.afterwards.reconnecting} / ${one.death.afterwards.disconnected}`, `${two.death.afterwards.reconnecting} / ${two.death.afterwards.disconnected}`),
    row(`acknowledged bytes lost (${STREAMERS} streams)`, one.death.streams.lostAckedBytes, two.death.streams.lostAckedBytes),
    row('streams complete, byte for byte', String(one.death.streams.filesEqual), String(two.death.streams.filesEqual)),
  ].join('\n');
}

async function main() {
  const watchdog = setTimeout(() => {
    console.error(`the benchmark ran longer than ${args['max-minutes']} minutes: stopping`);
    killAllChildren();
    process.exit(3);
  }, Number(args['max-minutes'] ?? 30 * SCALE) * 60_000);
  watchdog.unref();
  const one = await runLayout(1);
  const two = await runLayout(2);
  const output = table(one, two);
  console.log(`\n${output}\n`);
  const file = path.join(runDir, 'results.json');
  fs.writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), agents: N, drops: DROPS, one, two, table: output }, null, 2));
  log(`results: ${path.relative(root, file)}`);
}

main()
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => {
    killAllChildren();
    // Sockets of the streamers may keep the loop alive; everything measured is written by now.
    setTimeout(() => process.exit(), 500).unref();
  });
