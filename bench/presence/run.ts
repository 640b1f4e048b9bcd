/**
 * Presence benchmark (issue 2): our server against a bare Socket.IO server, measured in the same run.
 *
 *   npm run bench:presence -- [--agents 10000] [--workers N] [--concurrency N] [--drops 1000]
 *                             [--drop-spacing 20] [--idle-seconds 20] [--silent-trials 5]
 *                             [--targets bare,ours] [--storms sigterm,equal,kill9|none] [--cpu-prof] [--cpu-prof-agents] [--trace-gc] [--heap-snapshots]
 *                             [--heartbeat-ms N] [--grace-ms 60000] [--storm-downtime-ms 8000] [--max-minutes 40]
 *                             [--what-if backlog,sql-timing,alloc-sampling,alloc-all,write-count,admission-gate,early-listen]   (experiments, see what-if/*.mjs)
 *                             [--source-addresses K] [--fd-limit N] [--clients-every-ms N]
 *
 * Every server and every agent worker is a child process of this one; all traffic stays on loopback.
 * Beyond 10 000 agents (`--agents 50000`): one worker per 12 500 agents, the open-file limit raised for this
 * process and so for every child (capacity.ts: root, or a shell with `ulimit -n` high enough), the agents
 * spread over source addresses 127.0.0.2, 127.0.0.3, … (one address has ~28 000 local ports), and the
 * dashboard's clients list sampled during each storm.
 * Results: a table on stdout and JSON in bench/results/.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { io, type Socket } from 'socket.io-client';
import {
  counterDelta,
  cpuSeconds,
  errorLines,
  foreignLoad,
  forkWorkers,
  machine,
  ratio,
  renderTable,
  revision,
  runBenchmark,
  stopWorkers,
  verdict,
  monoMicros,
  tcpCounters,
  threadCpuSeconds,
  forceGc,
  gcOnSignal,
  writeHeapSnapshot,
  freePort,
  median,
  openFds,
  percentile,
  round,
  rssBytes,
  sleep,
  ourServerScript,
  spawnServer,
  waitUntil,
  wallNow,
  withTimeout,
  type ServerChild,
  type WorkerHandle,
} from './lib.js';
import { probeSpeed, type SpeedProbe } from './speed-probe.js';
import { login as loginAs } from '@vaahshare/testkit';
import { startProxy, type SilentProxy } from './proxy.js';
import {
  CapacityError,
  checkMachineWide,
  fdLimitOf,
  kernelSettings,
  maxSocketsPerToken,
  peerAddresses,
  raiseFdLimit,
  sourceAddresses,
} from './capacity.js';
import { sampleClientsList, type ClientsListSamples } from './clients-sampler.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const OUR_MAIN = ourServerScript(root);
const BARE_MAIN = path.join(here, 'bare-server.ts');
const WORKER = path.join(here, 'agent-worker.ts');

const { values: args } = parseArgs({
  options: {
    agents: { type: 'string', default: '10000' },
    /** Default: 2, or one per AGENTS_PER_WORKER agents beyond that. */
    workers: { type: 'string' },
    /** Connects in flight per worker; default: 500 over all workers (250 each with the usual 2). */
    concurrency: { type: 'string' },
    // 1 000: a p99 of 200 drops was their second-slowest, one GC pause away from doubling (bench log, 2026-12-02).
    drops: { type: 'string', default: '1000' },
    'drop-spacing': { type: 'string', default: '20' },
    'idle-seconds': { type: 'string', default: '20' },
    'silent-trials': { type: 'string', default: '5' },
    targets: { type: 'string', default: 'bare,ours' },
    /** Which reconnect storms to run: SIGTERM with an immediate restart, SIGTERM with equal downtime, kill -9; or none. */
    storms: { type: 'string', default: 'sigterm,equal,kill9' },
    /**
     * Experiments loaded into the server processes with --import: backlog (a listen backlog of 4096), sql-timing (times
     * each SQL statement; SQL_TIMING_FILE), alloc-sampling (SIGUSR2 to the server starts and writes a heap profile),
     * write-count (the TCP writes so far, in the server's log every 2 s).
     */
    'what-if': { type: 'string', default: '' },
    'cpu-prof': { type: 'boolean', default: false },
    /** The agent workers profiled too (`cpu-prof-agents-<target>/`): what a target's protocol costs its agents. */
    'cpu-prof-agents': { type: 'boolean', default: false },
    /** Writes each garbage collection to the servers' logs (`<target>-server.log`). */
    'trace-gc': { type: 'boolean', default: false },
    /**
     * Heap snapshots of each server before the agents connect and with them held (`<target>-{before,held}.heapsnapshot`;
     * compare with heap-diff.ts). Such a run's RSS per connection is not a figure: the memory the first snapshot took
     * stays in the process.
     */
    'heap-snapshots': { type: 'boolean', default: false },
    'heartbeat-ms': { type: 'string' },
    'grace-ms': { type: 'string', default: '60000' },
    /** A watchdog; default 40 minutes per 10 000 agents (at least 40). */
    'max-minutes': { type: 'string' },
    'storm-downtime-ms': { type: 'string', default: '8000' },
    /** How many loopback addresses the agents connect from (default: as many as the local port range needs). */
    'source-addresses': { type: 'string' },
    /** Open-file limit for this process and its children (default: what N needs, only if above the current one). */
    'fd-limit': { type: 'string' },
    /** One GET /api/clients every N ms during each storm of ours, 0 = none (default: 250 beyond 10 000 agents, else 0). */
    'clients-every-ms': { type: 'string' },
  },
});

const N = Number(args.agents);
if (!Number.isInteger(N) || N < 2) throw new Error('--agents must be an integer ≥ 2');
/** One worker's share: ~12 500 socket.io-client sockets keep a worker's event loop and heap comfortable. */
const AGENTS_PER_WORKER = 12_500;
/** The sizes of the usual run (10 000 agents), which bigger runs scale from. */
const USUAL_AGENTS = 10_000;
const WORKERS = args.workers ? Math.max(1, Number(args.workers)) : Math.max(2, Math.ceil(N / AGENTS_PER_WORKER));
const CONCURRENCY = args.concurrency ? Number(args.concurrency) : Math.ceil(500 / WORKERS);
/** Bigger runs get proportionally longer bounds on their waits. */
const SCALE = Math.max(1, N / USUAL_AGENTS);
const CLIENTS_EVERY_MS = Number(args['clients-every-ms'] ?? (N > USUAL_AGENTS ? 250 : 0));
const DROPS = Math.min(Number(args.drops), Math.floor(N / WORKERS) - 1);
const DROP_SPACING = Number(args['drop-spacing']);
const IDLE_SECONDS = Number(args['idle-seconds']);
const SILENT_TRIALS = Number(args['silent-trials']);
const STORM_KINDS = {
  sigterm: { signal: 'SIGTERM', mode: 'immediate' },
  equal: { signal: 'SIGTERM', mode: 'equal-downtime' },
  kill9: { signal: 'SIGKILL', mode: 'immediate' },
} as const satisfies Record<string, { signal: NodeJS.Signals; mode: StormResult['mode'] }>;
const STORMS = args.storms === 'none' ? [] : args.storms.split(',').map((name) => name.trim() as keyof typeof STORM_KINDS);
for (const name of STORMS) if (!(name in STORM_KINDS)) throw new Error(`unknown storm ${name}: --storms takes ${Object.keys(STORM_KINDS).join(',')} or none`);
const WHAT_IF = args['what-if'].split(',').map((w) => w.trim()).filter(Boolean);
for (const w of WHAT_IF) if (!fs.existsSync(path.join(here, 'what-if', `${w}.mjs`))) throw new Error(`unknown --what-if ${w}`);
const TARGETS = args.targets.split(',').map((t) => t.trim()) as Array<'bare' | 'ours'>;

const ADMIN_EMAIL = 'bench@example.com';
const ADMIN_PASSWORD = 'bench-password-123';
const AGENT_TOKEN = 'bench-enrollment-token-000000';
const CONNECT_TIMEOUT_MS = 10 * 60_000 * SCALE;
const STORM_TIMEOUT_MS = 5 * 60_000 * SCALE;
const SETTLE_MS = 5_000;
/** The equal-downtime storm: both servers listen again this long after the kill. */
const STORM_DOWNTIME_MS = Number(args['storm-downtime-ms']);


// The server holds N sockets plus its database, logs and dashboards; a worker holds its share. The limit is
// raised for this process, which every server and worker inherits.
const FD_LIMIT = args['fd-limit'] ? Number(args['fd-limit']) : N + 1000;
/** Loopback addresses the agents connect from; none: the kernel's choice (127.0.0.1), as runs of the usual size do. */
let SOURCE_ADDRESSES: string[] = [];
try {
  raiseFdLimit(FD_LIMIT, `--agents ${N}`);
  // Both ends of every agent's connection are on this machine; a storm leaves N more in TIME_WAIT for a while.
  checkMachineWide(2 * N + 5000, 3 * N);
  SOURCE_ADDRESSES = sourceAddresses(N, args['source-addresses'] ? Number(args['source-addresses']) : undefined);
} catch (err) {
  if (!(err instanceof CapacityError)) throw err;
  console.error(`bench:presence: ${err.message}`);
  process.exit(2);
}

const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const resultsDir = path.join(root, 'bench/results');
const runDir = path.join(resultsDir, `presence-${stamp}`);
fs.mkdirSync(runDir, { recursive: true });


const log = (...parts: unknown[]) => console.log(`[${new Date().toISOString().slice(11, 23)}]`, ...parts);

// ---------------------------------------------------------------- types

interface StormResult {
  signal: string;
  /** 'immediate': spawned as soon as the old process is gone; 'equal-downtime': listening STORM_DOWNTIME_MS after the kill. */
  mode: 'immediate' | 'equal-downtime';
  /** Kill sent → new process listening. */
  downtimeMs: number;
  /** CPU seconds of the new server process from its spawn until every agent acked (start-up included). */
  serverCpuSeconds: number;
  /** The same split: the main thread (JavaScript, GC pauses) and the other threads (V8's compiler and GC helpers, the thread pool). */
  serverThreadsCpuSeconds?: { main: number; others: number };
  /** CPU seconds of the agent workers from the kill until every agent acked. */
  workersCpuSeconds: number;
  agents: number;
  /** Kill sent → old process gone. */
  shutdownMs: number;
  /** New process spawned → /healthz answered. */
  startupMs: number;
  /** New process spawned → every agent acked again. */
  fromSpawnMs: number;
  /** /healthz answered → every agent acked again. */
  fromReadyMs: number;
  /** /healthz answered → the agents acked again, by share of them: where the time goes (a slow stream or a late tail). */
  ackedAfterReadyMs?: { p10: number; p50: number; p90: number; p99: number };
  completed: boolean;
  reacked: number;
  dashboardAfterRestart?: Record<string, number>;
  /** GET /api/clients, one page at a time, from the new server's start until every agent acked (ours only). */
  clientsList?: ClientsListSamples;
  api?: { disconnected: number; reconnecting: number; live: number };
  errorLevelLines?: number;
  /** Agents' `client-connected` refused or left unanswered 10 s (the agent then asks again, or drops the transport and connects again) / failed connection attempts, during the storm. */
  agentRetries?: { ackErrors: number; connectErrors: number };
  error?: string;
}

interface TargetResult {
  target: 'bare' | 'ours';
  agents: number;
  connect?: { ms: number; perWorkerMs: number[]; failed: number; perSecond: number; serverCpuSeconds: number; workersCpuSeconds: number };
  startupMs?: number;
  /** RSS before the agents and with N held (median of the idle window), and the same after a forced full GC. */
  rss?: {
    beforeBytes: number;
    heldBytes: number;
    heldMinBytes: number;
    heldMaxBytes: number;
    perConnectionBytes: number;
    afterGc?: { beforeBytes: number; heldBytes: number; perConnectionBytes: number };
  };
  fds?: number;
  /** Open-file limits of the server and of each worker, as their /proc/<pid>/limits say. */
  fdLimits?: { server: number; workers: number[] };
  /** Established connections to the server's port by peer address, after the connect phase. */
  peers?: Record<string, number>;
  /** RSS of each agent worker with its share of the agents connected (sizes the workers of bigger runs). */
  workersRssBytes?: number[];
  idleCpu?: { seconds: number; cpuSeconds: number; pctOfCore: number; workersPctOfCore: number };
  drop?: { count: number; received: number; missing: number; p50: number; p90: number; p99: number; max: number; mean: number; latencies: number[] };
  silent?: { trials: number[]; missing: number; p50: number; max: number; heartbeatMs: number };
  storms: StormResult[];
  errors?: { errorLevel: number; mentions: number; samples: string[] };
  failures: string[];
  /** CLOCK_MONOTONIC µs of each phase, to cut a `--cpu-prof` profile of the server (analyze-profile.ts). */
  phases: Array<{ name: string; pid: number; startMono: number; endMono: number }>;
  /** TCP counter increments per phase (listen-queue overflows make clients wait for SYN retransmits). */
  tcp: Record<string, Record<string, number>>;
  /**
   * CPU that processes outside this benchmark used during each phase, in % of one core (the machine may be
   * shared): machine busy time minus the server, the agent workers and this process; the steal is apart.
   */
  foreignLoadPct: Record<string, number>;
  /** The hypervisor's steal during each phase, in % of one core: this VM's CPUs waiting on its host's other VMs. */
  stealPct: Record<string, number>;
  /** The machine's speed just before each phase (speed-probe.ts): the same work, timed, with the servers idle. */
  speed: Record<string, SpeedProbe>;
}

// ---------------------------------------------------------------- helpers

const startWorkers = (target: 'bare' | 'ours') =>
  forkWorkers(WORKER, WORKERS, args['cpu-prof-agents'] ? ['--cpu-prof', '--cpu-prof-dir', path.join(runDir, `cpu-prof-agents-${target}`)] : []);
const login = (url: string) => loginAs(url, ADMIN_EMAIL, ADMIN_PASSWORD);

async function clientTotal(url: string, token: string, status: string): Promise<number> {
  const res = await fetch(`${url}/api/clients?status=${status}&per_page=1`, { headers: { authorization: `Bearer ${token}` } });
  if (res.status !== 200) throw new Error(`GET /api/clients?status=${status}: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { meta: { total: number } }).meta.total;
}

interface Dashboard {
  socket: Socket;
  counts: Record<string, number>;
  /** Resolves with performance.now() when `event` arrives for `userHost`. */
  next: (event: string, userHost: string, timeoutMs: number) => Promise<number>;
}

async function openDashboard(url: string, token: string): Promise<Dashboard> {
  const socket = io(url, { transports: ['websocket'], forceNew: true, reconnection: false, query: { app: 'backend' }, auth: { token } });
  const counts: Record<string, number> = {};
  const waiters = new Set<{ event: string; userHost: string; resolve: (at: number) => void }>();
  for (const event of ['client-connected', 'client-reconnecting', 'client-disconnected']) {
    socket.on(event, (client: { user_host?: string }) => {
      const at = performance.now();
      counts[event] = (counts[event] ?? 0) + 1;
      for (const waiter of waiters) {
        if (waiter.event === event && waiter.userHost === client?.user_host) {
          waiters.delete(waiter);
          waiter.resolve(at);
        }
      }
    });
  }
  await withTimeout(
    new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    }),
    15_000,
    'dashboard connect',
  );
  return {
    socket,
    counts,
    next: (event, userHost, timeoutMs) => {
      let waiter!: { event: string; userHost: string; resolve: (at: number) => void };
      const promise = new Promise<number>((resolve) => {
        waiter = { event, userHost, resolve };
        waiters.add(waiter);
      });
      return withTimeout(promise, timeoutMs, `${event} for ${userHost}`).finally(() => waiters.delete(waiter));
    },
  };
}

function serverEnv(target: 'bare' | 'ours', dataDir: string): Record<string, string> {
  if (target === 'bare') return { AGENT_TOKEN };
  const env: Record<string, string> = {
    DATA_DIR: dataDir,
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    AGENT_TOKEN,
    LOG_LEVEL: 'warn',
    NODE_ID: 'bench-node',
    TOTP_REQUIRED_FOR_SUPERADMINS: 'false',
    RECONNECT_GRACE_MS: String(args['grace-ms']),
    // The bench enrolls all its desktops at once, as a first rollout would with the limit raised.
    MAX_NEW_CLIENTS_PER_TOKEN_PER_HOUR: '1000000',
    // All agents share one enrollment token; the server's default (12 000) is sized for 10 000 desktops.
    MAX_SOCKETS_PER_TOKEN: String(maxSocketsPerToken(N)),
  };
  if (args['heartbeat-ms']) {
    env.HEARTBEAT_INTERVAL_MS = String(args['heartbeat-ms']);
    env.HEARTBEAT_TIMEOUT_MS = String(Math.floor(Number(args['heartbeat-ms']) / 2));
  }
  return env;
}

function startTarget(target: 'bare' | 'ours', port: number, dataDir: string) {
  // A measured server runs no inspector agent, as under `npm start` (gc-on-signal.mjs); heap snapshots need one.
  const execArgv = [...gcOnSignal, ...(args['heap-snapshots'] ? ['--inspect=127.0.0.1:0'] : [])];
  if (args['cpu-prof']) execArgv.push('--cpu-prof', '--cpu-prof-dir', path.join(runDir, `cpu-prof-${target}`));
  if (args['trace-gc']) execArgv.push('--trace-gc');
  for (const w of WHAT_IF) execArgv.push('--import', pathToFileURL(path.join(here, 'what-if', `${w}.mjs`)).href);
  return spawnServer({
    script: target === 'ours' ? OUR_MAIN : BARE_MAIN,
    env: serverEnv(target, dataDir),
    port,
    logFile: path.join(runDir, `${target}-server.log`),
    execArgv,
  });
}

/** The agents' retry counters, summed over the workers (they only grow). */
const sumRetries = (status: { ackErrors: number; connectErrors: number }[]) => ({
  ackErrors: status.reduce((n, s) => n + s.ackErrors, 0),
  connectErrors: status.reduce((n, s) => n + s.connectErrors, 0),
});

async function workerStatus(workers: WorkerHandle[]) {
  return Promise.all(workers.map((w) => w.call<any>('status', {}, 30_000)));
}

/** Taken after the RSS it goes with was read: a snapshot briefly doubles the heap's footprint. */
async function snapshot(server: ServerChild, target: string, moment: 'before' | 'held') {
  const file = path.join(runDir, `${target}-${moment}.heapsnapshot`);
  if (await writeHeapSnapshot(server, file).catch(() => false)) log(`${target}: heap snapshot ${path.relative(process.cwd(), file)}`);
  else log(`${target}: no heap snapshot (no inspector)`);
}

// ---------------------------------------------------------------- one target

async function runTarget(target: 'bare' | 'ours'): Promise<TargetResult> {
  const result: TargetResult = { target, agents: N, storms: [], failures: [], phases: [], tcp: {}, foreignLoadPct: {}, stealPct: {}, speed: {} };
  /** Times the probe's fixed work before phase `name` starts (outside its measurements). */
  const probe = (name: string) => {
    result.speed[name] = probeSpeed();
  };
  let benchPids: () => number[] = () => [];
  /** Starts measuring the CPU of everything else on the machine; call the result to record it. */
  const foreign = (name: string) => {
    const end = foreignLoad(() => benchPids());
    return () => {
      const { otherPct, stealPct } = end();
      result.foreignLoadPct[name] = otherPct;
      result.stealPct[name] = stealPct;
    };
  };
  const phase = async <T>(name: string, pid: () => number, work: () => Promise<T>): Promise<T> => {
    const startMono = monoMicros();
    const tcp0 = tcpCounters();
    const pid0 = pid();
    const endForeign = foreign(name);
    try {
      return await work();
    } finally {
      endForeign();
      result.phases.push({ name, pid: pid0, startMono, endMono: monoMicros() });
      result.tcp[name] = counterDelta(tcp0, tcpCounters());
    }
  };
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `vaahshare-bench-${target}-`));
  const allLines: string[][] = [];
  const firstSpawn = wallNow();
  let server: ServerChild = await startTarget(target, port, dataDir);
  result.startupMs = round(wallNow() - firstSpawn);
  const startups = [wallNow() - firstSpawn];
  allLines.push(server.lines);
  log(`${target}: server pid ${server.pid} on ${server.url}`);
  const token = target === 'ours' ? await login(server.url) : 'bench';
  const proxy: SilentProxy = await startProxy(port);
  const workers = await startWorkers(target);
  benchPids = () => [server.pid, ...workers.map((w) => w.child.pid!)];
  const stormDone: Array<(message: Record<string, unknown>) => void> = [];
  for (const w of workers) w.onEvent((m) => m.event === 'storm-done' && stormDone.forEach((f) => f(m)));
  let parentDashboard: Dashboard | undefined;

  const fail = (what: string, err: unknown) => {
    const message = `${what}: ${err instanceof Error ? err.message : String(err)}`;
    log(`${target}: FAILED ${message}`);
    result.failures.push(message);
  };

  try {
    await workers[0].call('dashboard', { url: server.url, token });
    // Both targets get the same two dashboards: one in worker 0 (drop latency), one here (silent drop, checks).
    parentDashboard = await openDashboard(server.url, token);
    await sleep(2000);
    const before: number[] = [];
    for (let i = 0; i < 5; i++) {
      before.push(rssBytes(server.pid));
      await sleep(200);
    }
    const gcOk = await forceGc(server).catch(() => false);
    await sleep(500);
    const beforeGc = rssBytes(server.pid);
    if (args['heap-snapshots']) await snapshot(server, target, 'before');

    // 1. connect N agents
    result.fdLimits = { server: fdLimitOf(server.pid), workers: workers.map((w) => fdLimitOf(w.child.pid!)) };
    log(`${target}: open-file limits: server ${result.fdLimits.server}, workers ${result.fdLimits.workers.join(', ')}`);
    const from = SOURCE_ADDRESSES.length ? `from ${SOURCE_ADDRESSES.join(', ')}` : 'from 127.0.0.1';
    log(`${target}: connecting ${N} agents (${WORKERS} workers, ${CONCURRENCY} in flight each, ${from})`);
    const perWorker = Math.ceil(N / WORKERS);
    const workersPids = workers.map((w) => w.child.pid!);
    const workersCpu = () => workersPids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
    const connectCpu0 = cpuSeconds(server.pid);
    const connectWorkersCpu0 = workersCpu();
    probe('connect');
    const t0 = wallNow();
    const progress = setInterval(() => {
      void workerStatus(workers).then(
        (s) => log(`${target}:   acked ${s.reduce((n, x) => n + x.acked, 0)}/${N}`),
        () => {},
      );
    }, 10_000);
    const connects = await phase('connect', () => server.pid, () => Promise.all(
      workers.map((w, i) =>
        w.call<{ ms: number; failed: number }>(
          'connect',
          {
            url: server.url,
            proxyUrl: `http://127.0.0.1:${proxy.port}`,
            localAddresses: SOURCE_ADDRESSES,
            token: AGENT_TOKEN,
            start: i * perWorker,
            count: Math.min(perWorker, N - i * perWorker),
            concurrency: CONCURRENCY,
            timeoutMs: CONNECT_TIMEOUT_MS,
          },
          CONNECT_TIMEOUT_MS + 30_000,
        ),
      ),
    )).finally(() => clearInterval(progress));
    const connectMs = wallNow() - t0;
    const failed = connects.reduce((n, c) => n + c.failed, 0);
    result.connect = {
      ms: round(connectMs),
      perWorkerMs: connects.map((c) => round(c.ms)),
      failed,
      perSecond: round((N / connectMs) * 1000),
      serverCpuSeconds: round(cpuSeconds(server.pid) - connectCpu0, 2),
      workersCpuSeconds: round(workersCpu() - connectWorkersCpu0, 2),
    };
    log(`${target}: connected in ${round(connectMs)} ms (${failed} failed)`);
    if (failed) result.failures.push(`${failed} agents did not connect`);
    result.peers = peerAddresses(port);
    log(`${target}: connections to the server by source address: ${JSON.stringify(result.peers)}`);
    result.workersRssBytes = (await workerStatus(workers)).map((w) => w.rssBytes as number);
    log(`${target}: agent workers' RSS (MiB): ${result.workersRssBytes.map((b) => round(b / 2 ** 20)).join(', ')}`);

    // 2 + 3. RSS per connection and idle CPU, with N held
    await sleep(SETTLE_MS);
    result.fds = openFds(server.pid);
    probe('idle');
    const workerCpu0 = workersCpu();
    const cpu0 = cpuSeconds(server.pid);
    const idleStart = wallNow();
    const held: number[] = [];
    await phase('idle', () => server.pid, async () => {
      for (let i = 0; i < IDLE_SECONDS; i++) {
        await sleep(1000);
        held.push(rssBytes(server.pid));
      }
    });
    const idleSeconds = (wallNow() - idleStart) / 1000;
    const cpu = cpuSeconds(server.pid) - cpu0;
    const workerCpu = workersCpu() - workerCpu0;
    result.idleCpu = {
      seconds: round(idleSeconds),
      cpuSeconds: round(cpu, 2),
      pctOfCore: round((cpu / idleSeconds) * 100, 2),
      workersPctOfCore: round((workerCpu / idleSeconds) * 100, 2),
    };
    const beforeBytes = median(before);
    const heldBytes = median(held);
    let afterGc: { beforeBytes: number; heldBytes: number; perConnectionBytes: number } | undefined;
    if (gcOk && (await forceGc(server).catch(() => false))) {
      await sleep(500);
      const heldGc = rssBytes(server.pid);
      afterGc = { beforeBytes: beforeGc, heldBytes: heldGc, perConnectionBytes: Math.round((heldGc - beforeGc) / N) };
    }
    if (args['heap-snapshots']) await snapshot(server, target, 'held');
    result.rss = {
      beforeBytes,
      heldBytes,
      heldMinBytes: Math.min(...held),
      heldMaxBytes: Math.max(...held),
      perConnectionBytes: Math.round((heldBytes - beforeBytes) / N),
      afterGc,
    };
    log(
      `${target}: RSS ${round(beforeBytes / 2 ** 20)} → ${round(heldBytes / 2 ** 20)} MiB` +
        (afterGc ? ` (after a full GC ${round(afterGc.beforeBytes / 2 ** 20)} → ${round(afterGc.heldBytes / 2 ** 20)} MiB)` : '') +
        `, idle CPU ${result.idleCpu.pctOfCore} % of a core`,
    );

    // 4. propagation latency of drops (none asked: --drops 0)
    if (DROPS > 0) {
      try {
        log(`${target}: dropping ${DROPS} agents, ${DROP_SPACING} ms apart`);
        probe('drop');
        const drop = await phase('drop', () => server.pid, () =>
          workers[0].call<{ dropped: number; latencies: number[]; missing: number }>(
            'drop',
            { count: DROPS, spacingMs: DROP_SPACING, timeoutMs: 30_000 },
            DROPS * DROP_SPACING + 90_000,
          ),
        );
        const l = drop.latencies;
        result.drop = {
          count: drop.dropped,
          received: l.length,
          missing: drop.missing,
          p50: round(percentile(l, 50), 2),
          p90: round(percentile(l, 90), 2),
          p99: round(percentile(l, 99), 2),
          max: round(Math.max(...l), 2),
          mean: round(l.reduce((a, b) => a + b, 0) / (l.length || 1), 2),
          latencies: l.map((x) => round(x, 2)),
        };
        log(`${target}: drop latency p50 ${result.drop.p50} ms p99 ${result.drop.p99} ms (${drop.missing} missing)`);
        await workers[0].call('restore', { timeoutMs: 120_000 }, 150_000);
      } catch (err) {
        fail('drop latency', err);
      }
    }

    // 6. silent drop through the proxy (our server only: the bare one has only Socket.IO's 25 s + 20 s heartbeat)
    if (target === 'ours' && parentDashboard && SILENT_TRIALS > 0) {
      const trials: number[] = [];
      let missing = 0;
      const victim = 'agent-0@bench';
      for (let trial = 0; trial < SILENT_TRIALS; trial++) {
        try {
          await waitUntil(() => proxy.live() >= 1, 30_000, 'the proxied agent to be connected');
          // A random phase against the heartbeat sweep.
          await sleep(500 + Math.random() * Number(args['heartbeat-ms'] ?? 7000));
          const reconnecting = parentDashboard.next('client-reconnecting', victim, 30_000);
          const frozenAt = performance.now();
          proxy.freeze();
          const at = await reconnecting;
          trials.push(at - frozenAt);
          log(`${target}: silent drop ${trial + 1}/${SILENT_TRIALS}: client-reconnecting after ${round(at - frozenAt)} ms`);
          const back = parentDashboard.next('client-connected', victim, 30_000);
          proxy.release();
          await back;
        } catch (err) {
          missing++;
          proxy.release();
          fail(`silent drop trial ${trial + 1}`, err);
        }
      }
      result.silent = {
        trials: trials.map((t) => round(t)),
        missing,
        p50: round(median(trials)),
        max: round(Math.max(...trials)),
        heartbeatMs: Number(args['heartbeat-ms'] ?? 7000),
      };
    }

    // 5. reconnect storms
    // kill -9 for both, so that ours is compared with a bare server that died the same way.
    const plan = STORMS.map((name) => STORM_KINDS[name]);
    for (const { signal, mode } of plan) {
      const storm: StormResult = {
        signal,
        mode,
        agents: N,
        downtimeMs: NaN,
        serverCpuSeconds: NaN,
        workersCpuSeconds: NaN,
        shutdownMs: NaN,
        startupMs: NaN,
        fromSpawnMs: NaN,
        fromReadyMs: NaN,
        completed: false,
        reacked: 0,
      };
      result.storms.push(storm);
      try {
        let acked = 0;
        let retriesBefore = { ackErrors: 0, connectErrors: 0 };
        await waitUntil(
          async () => {
            const status = await workerStatus(workers);
            acked = status.reduce((n, s) => n + s.acked, 0);
            retriesBefore = sumRetries(status);
            return acked === N;
          },
          30_000 * SCALE,
          'every agent acked before the storm',
          250,
        ).catch(() => log(`${target}: warning: ${acked}/${N} agents acked before the storm`));
        probe(`storm-${signal}-${mode}`);
        parentDashboard?.socket.disconnect();
        parentDashboard = undefined;
        const doneAt: number[] = [];
        const ackTimes: number[] = [];
        const allDone = new Promise<void>((resolve) => {
          stormDone.length = 0;
          stormDone.push((m) => {
            doneAt.push(Number(m.at));
            ackTimes.push(...(m.ackTimes as number[]));
            if (doneAt.length === workers.length) resolve();
          });
        });
        await Promise.all(workers.map((w) => w.call('storm-arm')));
        log(`${target}: storm (${mode}): ${signal} to the server with ${acked} agents held`);
        const linesBefore = server.lines.length;
        const stormWorkersCpu0 = workersCpu();
        const stormMono = monoMicros();
        const stormTcp0 = tcpCounters();
        const killedAt = wallNow();
        await server.stop(signal);
        const oldLines = server.lines.slice(linesBefore);
        storm.shutdownMs = round(wallNow() - killedAt);
        if (mode === 'equal-downtime') {
          // Spawn so that the server listens STORM_DOWNTIME_MS after the kill, whatever its start-up takes.
          const spawnAt = killedAt + STORM_DOWNTIME_MS - median(startups);
          await sleep(Math.max(0, spawnAt - wallNow()));
        }
        const spawnedAt = wallNow();
        // From here the old server is gone (its pid counts 0): everything but the new server (all of its CPU,
        // start-up included), the workers and this process is foreign.
        const endForeign = foreign(`storm-${signal}-${mode}`);
        server = await startTarget(target, port, dataDir);
        allLines.push(server.lines);
        const readyAt = wallNow();
        storm.startupMs = round(readyAt - spawnedAt);
        storm.downtimeMs = round(readyAt - killedAt);
        startups.push(readyAt - spawnedAt);
        const newPid = server.pid;
        log(`${target}: restarted (pid ${server.pid}) after ${storm.shutdownMs} ms shutdown + ${storm.startupMs} ms start-up`);
        // A dashboard that connects after the restart must see no client-disconnected (both targets get one,
        // so that both broadcast the same events during the storm; only ours is checked).
        const dashboard = await openDashboard(server.url, token);
        const clientsList = target === 'ours' && CLIENTS_EVERY_MS > 0 ? sampleClientsList(server.url, token, N, CLIENTS_EVERY_MS) : undefined;
        const progress = setInterval(() => {
          void workerStatus(workers).then(
            (s) => log(`${target}:   re-acked ${s.reduce((n, x) => n + x.stormAcked, 0)}/${N}`),
            () => {},
          );
        }, 5_000);
        try {
          await withTimeout(allDone, STORM_TIMEOUT_MS, 'every agent acked again');
          storm.completed = true;
        } catch (err) {
          fail(`${signal} ${mode} storm`, err);
        } finally {
          clearInterval(progress);
          storm.clientsList = await clientsList?.stop();
        }
        if (storm.clientsList) {
          const c = storm.clientsList;
          log(`${target}: GET /api/clients during the storm: p50 ${c.p50} ms, p99 ${c.p99} ms, max ${c.max} ms, ${c.failures}/${c.requests} failed ${c.errors.join('; ')}`);
        }
        storm.serverCpuSeconds = round(cpuSeconds(newPid), 2);
        const threads = threadCpuSeconds(newPid);
        storm.serverThreadsCpuSeconds = { main: round(threads.main, 2), others: round(threads.others, 2) };
        endForeign();
        result.phases.push({ name: `storm-${signal}-${mode}`, pid: newPid, startMono: stormMono, endMono: monoMicros() });
        result.tcp[`storm-${signal}-${mode}`] = counterDelta(stormTcp0, tcpCounters());
        storm.workersCpuSeconds = round(workersCpu() - stormWorkersCpu0, 2);
        const lastAck = doneAt.length ? Math.max(...doneAt) : wallNow();
        storm.fromSpawnMs = round(lastAck - spawnedAt);
        storm.fromReadyMs = round(lastAck - readyAt);
        const afterReady = ackTimes.map((t) => t - readyAt);
        if (afterReady.length) storm.ackedAfterReadyMs = { p10: round(percentile(afterReady, 10)), p50: round(percentile(afterReady, 50)), p90: round(percentile(afterReady, 90)), p99: round(percentile(afterReady, 99)) };
        const statusAfter = await workerStatus(workers);
        storm.reacked = statusAfter.reduce((n, s) => n + s.stormAcked, 0);
        const retriesAfter = sumRetries(statusAfter);
        storm.agentRetries = { ackErrors: retriesAfter.ackErrors - retriesBefore.ackErrors, connectErrors: retriesAfter.connectErrors - retriesBefore.connectErrors };
        log(
          `${target}: ${storm.reacked}/${N} back ${storm.fromSpawnMs} ms after the spawn (${storm.fromReadyMs} ms after ready, ` +
            `downtime ${storm.downtimeMs} ms); CPU s: server ${storm.serverCpuSeconds} (main thread ${threads.main.toFixed(2)}), workers ${storm.workersCpuSeconds}`,
        );
        parentDashboard = dashboard;
        if (target === 'ours') {
          await sleep(3000);
          storm.dashboardAfterRestart = { ...dashboard.counts };
          storm.api = {
            disconnected: await clientTotal(server.url, token, 'disconnected'),
            reconnecting: await clientTotal(server.url, token, 'reconnecting'),
            live: await clientTotal(server.url, token, 'live'),
          };
          storm.errorLevelLines = errorLines([...oldLines, ...server.lines]).errorLevel.length;
          log(`${target}: after the storm: dashboard ${JSON.stringify(storm.dashboardAfterRestart)}, api ${JSON.stringify(storm.api)}`);
          if ((dashboard.counts['client-disconnected'] ?? 0) > 0) result.failures.push(`${signal} ${mode} storm: false client-disconnected`);
          if (storm.api.disconnected > 0) result.failures.push(`${signal} ${mode} storm: ${storm.api.disconnected} clients disconnected`);
        }
      } catch (err) {
        storm.error = err instanceof Error ? err.message : String(err);
        fail(`${signal} ${mode} storm`, err);
        break;
      }
    }
  } catch (err) {
    fail('run', err);
  } finally {
    parentDashboard?.socket.disconnect();
    await stopWorkers(workers);
    await proxy.close();
    await server.stop('SIGTERM');
    const lines = allLines.flat();
    const errors = errorLines(lines);
    result.errors = { errorLevel: errors.errorLevel.length, mentions: errors.mentions.length, samples: [...errors.errorLevel, ...errors.mentions].slice(0, 5) };
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  return result;
}

// ---------------------------------------------------------------- report

const mib = (bytes: number) => round(bytes / 2 ** 20);
const kib = (bytes: number) => round(bytes / 1024, 1);

function table(results: TargetResult[]) {
  const bare = results.find((r) => r.target === 'bare');
  const ours = results.find((r) => r.target === 'ours');
  const rows: string[][] = [['measure', 'ours', 'bare', 'ours/bare', 'target', 'verdict']];
  const f = (v: number | undefined, unit = '') => (v === undefined || Number.isNaN(v) ? 'n/a' : `${v}${unit}`);
  rows.push(['1. connect all agents (ms)', f(ours?.connect?.ms), f(bare?.connect?.ms), f(ratio(ours?.connect?.ms, bare?.connect?.ms)), '—', '']);
  rows.push([
    '   CPU s: server / agent workers',
    ours?.connect ? `${ours.connect.serverCpuSeconds} / ${ours.connect.workersCpuSeconds}` : 'n/a',
    bare?.connect ? `${bare.connect.serverCpuSeconds} / ${bare.connect.workersCpuSeconds}` : 'n/a',
    '',
    '',
    '',
  ]);
  const connectTcp = (r?: TargetResult) => (r?.tcp.connect ? `${r.tcp.connect.ListenOverflows ?? '?'} / ${r.tcp.connect.TCPSynRetrans ?? '?'}` : 'n/a');
  rows.push(['   listen-queue overflows / SYN retransmits', connectTcp(ours), connectTcp(bare), '', '', '']);
  rows.push(['   server start-up (ms)', f(ours?.startupMs), f(bare?.startupMs), f(ratio(ours?.startupMs, bare?.startupMs)), '', '']);
  const rssRatio = ratio(ours?.rss?.perConnectionBytes, bare?.rss?.perConnectionBytes);
  rows.push([
    '2. RSS per connection (KiB)',
    f(ours?.rss && kib(ours.rss.perConnectionBytes)),
    f(bare?.rss && kib(bare.rss.perConnectionBytes)),
    f(rssRatio),
    '≤ 1.5× bare',
    Number.isNaN(rssRatio) ? '' : verdict(rssRatio <= 1.5),
  ]);
  const range = (r?: TargetResult) => (r?.rss ? `${mib(r.rss.beforeBytes)} → ${mib(r.rss.heldBytes)} (${mib(r.rss.heldMinBytes)}–${mib(r.rss.heldMaxBytes)})` : 'n/a');
  rows.push(['   RSS before → held, median (min–max) (MiB)', range(ours), range(bare), '', '', '']);
  const gcPer = (r?: TargetResult) => r?.rss?.afterGc?.perConnectionBytes;
  const gcRatio = ratio(gcPer(ours), gcPer(bare));
  rows.push([
    '   same after a forced full GC (KiB/conn)',
    f(gcPer(ours) !== undefined ? kib(gcPer(ours)!) : undefined),
    f(gcPer(bare) !== undefined ? kib(gcPer(bare)!) : undefined),
    f(gcRatio),
    '≤ 1.5× bare',
    Number.isNaN(gcRatio) ? '' : verdict(gcRatio <= 1.5),
  ]);
  rows.push([
    `3. idle CPU, ${IDLE_SECONDS} s (% of a core)`,
    f(ours?.idleCpu?.pctOfCore),
    f(bare?.idleCpu?.pctOfCore),
    f(ratio(ours?.idleCpu?.pctOfCore, bare?.idleCpu?.pctOfCore)),
    '≤ 10 %',
    ours?.idleCpu ? verdict(ours.idleCpu.pctOfCore <= 10) : '',
  ]);
  const p50Ratio = ratio(ours?.drop?.p50, bare?.drop?.p50);
  const p99Ratio = ratio(ours?.drop?.p99, bare?.drop?.p99);
  rows.push(['4. drop → client-reconnecting p50 (ms)', f(ours?.drop?.p50), f(bare?.drop?.p50), f(p50Ratio), '≤ 2× bare', Number.isNaN(p50Ratio) ? '' : verdict(p50Ratio <= 2)]);
  rows.push(['   p90 (ms)', f(ours?.drop?.p90), f(bare?.drop?.p90), f(ratio(ours?.drop?.p90, bare?.drop?.p90)), '', '']);
  rows.push(['   p99 (ms)', f(ours?.drop?.p99), f(bare?.drop?.p99), f(p99Ratio), '≤ 2× bare', Number.isNaN(p99Ratio) ? '' : verdict(p99Ratio <= 2)]);
  rows.push(['   received / dropped', ours?.drop ? `${ours.drop.received}/${ours.drop.count}` : 'n/a', bare?.drop ? `${bare.drop.received}/${bare.drop.count}` : 'n/a', '', '', '']);
  const stormRows = (label: string, o: StormResult | undefined, b: StormResult | undefined, judged: boolean) => {
    const spawnRatio = ratio(o?.fromSpawnMs, b?.fromSpawnMs);
    const readyRatio = ratio(o?.fromReadyMs, b?.fromReadyMs);
    const judge = (r: number) => (judged && !Number.isNaN(r) ? verdict(r <= 1.5) : '');
    rows.push([`${label}: spawn → all acked (ms)`, f(o?.fromSpawnMs), f(b?.fromSpawnMs), f(spawnRatio), judged ? '≤ 1.5× bare' : '', judge(spawnRatio)]);
    rows.push(['   listening → all acked (ms)', f(o?.fromReadyMs), f(b?.fromReadyMs), f(readyRatio), judged ? '≤ 1.5× bare' : '', judge(readyRatio)]);
    const times = (s?: StormResult) => (s ? `${s.shutdownMs} / ${s.startupMs} / ${s.downtimeMs}` : 'n/a');
    rows.push(['   shutdown / start-up / downtime (ms)', times(o), times(b), '', '', '']);
    const curve = (s?: StormResult) => (s?.ackedAfterReadyMs ? `${s.ackedAfterReadyMs.p10} / ${s.ackedAfterReadyMs.p50} / ${s.ackedAfterReadyMs.p90} / ${s.ackedAfterReadyMs.p99}` : 'n/a');
    rows.push(['   listening → 10 / 50 / 90 / 99 % acked (ms)', curve(o), curve(b), '', '', '']);
    const threads = (s: StormResult) => (s.serverThreadsCpuSeconds ? ` (${s.serverThreadsCpuSeconds.main} + ${s.serverThreadsCpuSeconds.others})` : '');
    const cpu = (s?: StormResult) => (s ? `${s.serverCpuSeconds}${threads(s)} / ${s.workersCpuSeconds}` : 'n/a');
    rows.push(['   CPU s: server (main + other threads) / agent workers', cpu(o), cpu(b), '', '', '']);
    const tcp = (r: TargetResult | undefined, s?: StormResult) => {
      const c = s && r?.tcp[`storm-${s.signal}-${s.mode}`];
      return c ? `${c.ListenOverflows ?? '?'} / ${c.TCPSynRetrans ?? '?'}` : 'n/a';
    };
    rows.push(['   listen-queue overflows / SYN retransmits', tcp(ours, o), tcp(bare, b), '', '', '']);
    const retries = (s?: StormResult) => (s?.agentRetries ? `${s.agentRetries.ackErrors} / ${s.agentRetries.connectErrors}` : 'n/a');
    rows.push(['   agents: client-connected refused or unanswered / failed connects', retries(o), retries(b), '', '', '']);
    if (o?.clientsList) {
      const c = o.clientsList;
      rows.push([
        '   GET /api/clients meanwhile p50 / p99 / max (ms), failed',
        `${f(c.p50)} / ${f(c.p99)} / ${f(c.max)}, ${c.failures}/${c.requests}`,
        'n/a',
        '',
        'p99 ≤ 200, 0 failed',
        verdict(c.failures === 0 && c.p99 <= 200),
      ]);
    }
    if (o?.api) {
      const clean = (o.dashboardAfterRestart?.['client-disconnected'] ?? 0) === 0 && o.api.disconnected === 0 && !o.errorLevelLines;
      rows.push([
        '   false disconnects (event, api) / error lines',
        `${o.dashboardAfterRestart?.['client-disconnected'] ?? 0}, ${o.api.disconnected} / ${o.errorLevelLines}`,
        'n/a',
        '',
        '0 / 0',
        verdict(clean),
      ]);
    }
  };
  const storm = (r: TargetResult | undefined, signal: string, mode: string) => r?.storms.find((s) => s.signal === signal && s.mode === mode);
  stormRows('5. storm SIGTERM, immediate restart', storm(ours, 'SIGTERM', 'immediate'), storm(bare, 'SIGTERM', 'immediate'), true);
  stormRows(`5'. storm SIGTERM, equal ${STORM_DOWNTIME_MS} ms downtime`, storm(ours, 'SIGTERM', 'equal-downtime'), storm(bare, 'SIGTERM', 'equal-downtime'), true);
  if (storm(ours, 'SIGKILL', 'immediate')) stormRows('5b. storm kill -9, immediate restart', storm(ours, 'SIGKILL', 'immediate'), storm(bare, 'SIGKILL', 'immediate'), true);
  if (ours?.silent) {
    rows.push([
      `6. silent drop → client-reconnecting (ms)`,
      `p50 ${ours.silent.p50}, max ${ours.silent.max}`,
      'n/a',
      '',
      '≤ 10000',
      verdict(ours.silent.missing === 0 && ours.silent.max <= 10_000),
    ]);
  }
  const byPhase = (l: Record<string, number> | undefined) => {
    if (!l) return 'n/a';
    const storms = Object.keys(l).filter((k) => k.startsWith('storm-')).map((k) => l[k]);
    return `${l.connect ?? '?'} / ${l.idle ?? '?'} / ${l.drop ?? '?'} / ${storms.join(', ') || '?'}`;
  };
  rows.push(['other processes\' CPU, % of a core: connect / idle / drop / storms', byPhase(ours?.foreignLoadPct), byPhase(bare?.foreignLoadPct), '', '(noise)', '']);
  rows.push(['hypervisor steal, % of a core: the same phases', byPhase(ours?.stealPct), byPhase(bare?.stealPct), '', '(noise)', '']);
  const speeds = (r: TargetResult | undefined, of: keyof SpeedProbe) =>
    byPhase(r?.speed && Object.fromEntries(Object.entries(r.speed).map(([name, probe]) => [name, probe[of]])));
  rows.push(['machine speed before each phase, CPU probe (ms): the same phases', speeds(ours, 'cpuMs'), speeds(bare, 'cpuMs'), '', '(noise)', '']);
  rows.push(['   memory probe (ms)', speeds(ours, 'memoryMs'), speeds(bare, 'memoryMs'), '', '(noise)', '']);
  return renderTable(rows);
}

// ---------------------------------------------------------------- main

async function main() {
  const rev = revision(root);
  log(`server code: commit ${rev.commit}${rev.packagesDirty ? ' + uncommitted changes in packages/' : ''}`);
  log(`presence benchmark: ${N} agents, ${WORKERS} workers, targets ${TARGETS.join(', ')}; logs in ${path.relative(root, runDir)}`);
  if (N > USUAL_AGENTS) log(`kernel: ${JSON.stringify(kernelSettings())}`);
  if (WHAT_IF.length) log(`what-if experiments loaded into the servers: ${WHAT_IF.join(', ')} (not the servers as shipped)`);
  const results: TargetResult[] = [];
  for (const target of TARGETS) {
    results.push(await runTarget(target));
    await sleep(3000);
  }
  const report = {
    date: new Date().toISOString(),
    machine: machine(),
    revision: rev,
    kernel: kernelSettings(),
    options: { whatIf: WHAT_IF, agents: N, workers: WORKERS, concurrencyPerWorker: CONCURRENCY, sourceAddresses: SOURCE_ADDRESSES, fdLimit: fdLimitOf('self'), clientsEveryMs: CLIENTS_EVERY_MS, drops: DROPS, dropSpacingMs: DROP_SPACING, idleSeconds: IDLE_SECONDS, silentTrials: SILENT_TRIALS, graceMs: Number(args['grace-ms']), heartbeatMs: args['heartbeat-ms'] ? Number(args['heartbeat-ms']) : 'default (7000)' },
    results,
    table: table(results),
  };
  const file = path.join(resultsDir, `presence-${stamp}.json`);
  fs.writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\n${report.table}\n`);
  for (const r of results) {
    if (r.failures.length) console.log(`${r.target} failures:\n  ${r.failures.join('\n  ')}`);
    if (r.errors?.samples.length) console.log(`${r.target} server error lines (${r.errors.errorLevel} error-level, ${r.errors.mentions} other mentions):\n  ${r.errors.samples.join('\n  ')}`);
  }
  console.log(`results: ${path.relative(root, file)}`);
}

runBenchmark(main, Number(args['max-minutes'] ?? 40 * SCALE));
