/**
 * One server under the streaming load: S agents stream to it, one viewer each; while they do, its CPU, RSS,
 * backlog and relay latency are measured. The server and the workers are child processes.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  cpuSeconds,
  errorLines,
  forceGc,
  gcOnSignal,
  foreignLoad,
  forkWorkers,
  freePort,
  median,
  monoMicros,
  percentile,
  round,
  rssBytes,
  sleep,
  socketQueues,
  systemCpuSeconds,
  threadCpuSeconds,
  ourServerScript,
  spawnServer,
  stopWorkers,
  waitUntil,
  wallNow,
  type ServerChild,
  type WorkerHandle,
} from '../presence/lib.js';
import { login } from '@vaahshare/testkit';

export type Target = 'bare' | 'ours';

export interface Options {
  root: string;
  runDir: string;
  streams: number;
  workers: number;
  bitsPerSecond: number;
  chunkMs: number;
  warmupSeconds: number;
  seconds: number;
  source: string;
  cpuProf: boolean;
  /** Extra Node/V8 flags for both servers (`--trace-gc` lands in the server's log). */
  nodeOptions: string[];
  log: (...parts: unknown[]) => void;
}

interface WorkerStatus {
  streams: number;
  produced: number;
  frames: number;
  sent: number;
  acked: number;
  relayed: number;
  inFlight: number;
  maxUnacked: number;
  maxViewerLag: number;
  problems: { ackErrors: number; mismatches: number; disconnects: number; exhausted: number; samples: string[] };
}

export interface Sample {
  /** Seconds since the window opened. */
  t: number;
  rssBytes: number;
  acked: number;
  relayed: number;
  frames: number;
  /** Bytes the agents' recorders produced that the server has not acked yet / the viewers have not received yet (all streams). */
  unacked: number;
  viewerLag: number;
  /** The most bytes one stream had produced but not acked. */
  maxUnacked: number;
  recvQ: number;
  sendQ: number;
}

export interface Distribution {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export interface TargetResult {
  target: Target;
  startupMs: number;
  connectMs: number;
  chunkBytes: number;
  window: { seconds: number; serverCpuPct: number; workersCpuPct: number; foreignPct: number; stealPct: number; serverThreadsPct: { main: number; others: number }; serverSystemPct: number };
  ingest: { offeredMbps: number; ackedMbps: number; relayedMbps: number; ackedBytes: number; writtenBytes?: number };
  rss: { idle: number; connected: number; streamingMedian: number; streamingMin: number; streamingMax: number; afterGc?: { idle: number; connected: number; streaming: number } };
  /** Frames the agents sent in the window and their mean size: one per recorder chunk while the server keeps up. */
  frames: { count: number; meanBytes: number };
  backlog: { slopeBytesPerSecond: number; first: Sample; last: Sample; maxUnackedPerStream: number; drainMs: number; drained: boolean };
  relay: Distribution;
  ack: Distribution;
  problems: WorkerStatus['problems'];
  serverErrorLines: string[];
  failures: string[];
  samples: Sample[];
  /** CLOCK_MONOTONIC µs of the window, to cut a `--cpu-prof` profile (bench/presence/analyze-profile.ts --phase stream). */
  phases: Array<{ name: string; pid: number; startMono: number; endMono: number }>;
}

const ADMIN_EMAIL = 'bench@example.com';
const ADMIN_PASSWORD = 'bench-password-123';
const AGENT_TOKEN = 'bench-enrollment-token-000000';
const CONNECT_CONCURRENCY = 25;
const DRAIN_TIMEOUT_MS = 30_000;

const here = path.dirname(fileURLToPath(import.meta.url));
const WORKER = path.join(here, 'stream-worker.ts');

export function distribution(values: number[]): Distribution {
  return {
    count: values.length,
    p50: round(percentile(values, 50), 2),
    p90: round(percentile(values, 90), 2),
    p99: round(percentile(values, 99), 2),
    max: round(values.reduce((a, b) => Math.max(a, b), 0), 2),
  };
}

/** Least-squares slope of y over t. */
function slope(points: Array<{ t: number; y: number }>): number {
  const n = points.length;
  if (n < 2) return NaN;
  const mt = points.reduce((s, p) => s + p.t, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  const num = points.reduce((s, p) => s + (p.t - mt) * (p.y - my), 0);
  const den = points.reduce((s, p) => s + (p.t - mt) ** 2, 0);
  return num / den;
}

function startServer(target: Target, o: Options, port: number, dataDir: string): Promise<ServerChild> {
  // forceGc's signal handler (gc-on-signal.mjs): a measured server runs no inspector agent, as under `npm start`.
  const execArgv = [...gcOnSignal, ...o.nodeOptions];
  if (o.cpuProf) execArgv.push('--cpu-prof', '--cpu-prof-dir', path.join(o.runDir, `cpu-prof-${target}`));
  const env: Record<string, string> =
    target === 'bare'
      ? {}
      : // A long grace: an agent dropped by an overloaded machine must not have its recording finalized mid-run.
        { DATA_DIR: dataDir, ADMIN_EMAIL, ADMIN_PASSWORD, AGENT_TOKEN, LOG_LEVEL: 'warn', NODE_ID: 'bench-node', RECONNECT_GRACE_MS: '600000', TOTP_REQUIRED_FOR_SUPERADMINS: 'false' };
  return spawnServer({
    script: target === 'ours' ? ourServerScript(o.root) : path.join(here, 'bare-relay.ts'),
    env,
    port,
    logFile: path.join(o.runDir, `${target}-server.log`),
    execArgv,
  });
}

async function totals(workers: WorkerHandle[]): Promise<WorkerStatus> {
  const all = await Promise.all(workers.map((w) => w.call<WorkerStatus>('status', {}, 30_000)));
  const add = (pick: (s: WorkerStatus) => number) => all.reduce((n, s) => n + pick(s), 0);
  const most = (pick: (s: WorkerStatus) => number) => Math.max(...all.map(pick));
  return {
    streams: add((s) => s.streams),
    produced: add((s) => s.produced),
    frames: add((s) => s.frames),
    sent: add((s) => s.sent),
    acked: add((s) => s.acked),
    relayed: add((s) => s.relayed),
    inFlight: add((s) => s.inFlight),
    maxUnacked: most((s) => s.maxUnacked),
    maxViewerLag: most((s) => s.maxViewerLag),
    problems: {
      ackErrors: add((s) => s.problems.ackErrors),
      mismatches: add((s) => s.problems.mismatches),
      disconnects: add((s) => s.problems.disconnects),
      exhausted: add((s) => s.problems.exhausted),
      samples: all.flatMap((s) => s.problems.samples).slice(0, 5),
    },
  };
}

/** Size of every raw recording under the data directory: what our server wrote. */
function rawBytesOnDisk(dataDir: string): number {
  const media = path.join(dataDir, 'media');
  if (!fs.existsSync(media)) return 0;
  return fs
    .readdirSync(media, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.raw.webm'))
    .reduce((n, e) => n + fs.statSync(path.join(e.parentPath, e.name)).size, 0);
}

async function gcRss(server: ServerChild): Promise<number | undefined> {
  if (!(await forceGc(server).catch(() => false))) return undefined;
  await sleep(500);
  return rssBytes(server.pid);
}

export async function measureTarget(target: Target, o: Options): Promise<TargetResult> {
  const log = (...parts: unknown[]) => o.log(`${target}:`, ...parts);
  const failures: string[] = [];
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `vaahshare-bench-streaming-${target}-`));
  const spawnedAt = wallNow();
  const server = await startServer(target, o, port, dataDir);
  const startupMs = round(wallNow() - spawnedAt);
  let workers: WorkerHandle[] = [];
  try {
    const viewerToken = target === 'ours' ? await login(server.url, ADMIN_EMAIL, ADMIN_PASSWORD) : 'bench';
    workers = await forkWorkers(WORKER, o.workers);
    const workerPids = workers.map((w) => w.child.pid!);
    const workersCpu = () => workerPids.reduce((n, pid) => n + cpuSeconds(pid), 0);
    await sleep(1000);
    const idleGc = await gcRss(server);
    const idle = rssBytes(server.pid);

    log(`connecting ${o.streams} agents and ${o.streams} viewers`);
    const connectStart = wallNow();
    const perWorker = Math.ceil(o.streams / o.workers);
    const shares = workers.map((_, i) => ({ from: i * perWorker, count: Math.max(0, Math.min(perWorker, o.streams - i * perWorker)) }));
    await Promise.all(
      workers.map((w, i) =>
        w.call('connect', { url: server.url, agentToken: AGENT_TOKEN, viewerToken, ...shares[i], concurrency: CONNECT_CONCURRENCY }, 120_000),
      ),
    );
    const connectMs = round(wallNow() - connectStart);
    await sleep(2000);
    const connectedGc = await gcRss(server);
    const connected = rssBytes(server.pid);

    const started = await Promise.all(
      workers.map((w, i) =>
        w.call<{ chunkBytes: number }>('start', { source: o.source, bitsPerSecond: o.bitsPerSecond, chunkMs: o.chunkMs, phaseOf: [shares[i].from, o.streams] }, 120_000),
      ),
    );
    log(`streaming (${started[0].chunkBytes} B every ${o.chunkMs} ms per stream); warm-up ${o.warmupSeconds} s`);
    await sleep(o.warmupSeconds * 1000);

    // The window: everything below is measured over the same span.
    await Promise.all(workers.map((w) => w.call('window')));
    const endForeign = foreignLoad(() => [server.pid, ...workerPids]);
    const startMono = monoMicros();
    const t0 = wallNow();
    const cpu0 = cpuSeconds(server.pid);
    const system0 = systemCpuSeconds(server.pid);
    const threads0 = threadCpuSeconds(server.pid);
    const workersCpu0 = workersCpu();
    const samples: Sample[] = [];
    const sample = async () => {
      const s = await totals(workers);
      const q = socketQueues(port);
      samples.push({
        t: round((wallNow() - t0) / 1000, 2),
        rssBytes: rssBytes(server.pid),
        acked: s.acked,
        relayed: s.relayed,
        frames: s.frames,
        unacked: s.produced - s.acked,
        viewerLag: s.produced - s.relayed,
        maxUnacked: s.maxUnacked,
        recvQ: q.recvQ,
        sendQ: q.sendQ,
      });
    };
    await sample();
    for (let second = 1; second <= o.seconds; second++) {
      await sleep(Math.max(0, t0 + second * 1000 - wallNow()));
      await sample();
      if (second % 10 === 0) {
        const [a, b] = [samples[samples.length - 11] ?? samples[0], samples[samples.length - 1]];
        const mbps = (((b.acked - a.acked) * 8) / (b.t - a.t) / 1e6).toFixed(1);
        log(`  ${second} s: ${mbps} Mbit/s acked, unacked ${b.unacked} B, viewer lag ${b.viewerLag} B, RSS ${round(b.rssBytes / 2 ** 20)} MiB`);
      }
    }
    const seconds = (wallNow() - t0) / 1000;
    const serverCpu = cpuSeconds(server.pid) - cpu0;
    const serverSystem = systemCpuSeconds(server.pid) - system0;
    const threads = threadCpuSeconds(server.pid);
    const workersCpuUsed = workersCpu() - workersCpu0;
    const { otherPct: foreignPct, stealPct } = endForeign();
    const phases = [{ name: 'stream', pid: server.pid, startMono, endMono: monoMicros() }];
    const first = samples[0];
    const last = samples[samples.length - 1];

    await Promise.all(workers.map((w) => w.call('pause')));
    const drainStart = wallNow();
    let status = await totals(workers);
    const drained = await waitUntil(
      async () => {
        status = await totals(workers);
        return status.acked === status.produced && status.relayed === status.produced;
      },
      DRAIN_TIMEOUT_MS,
      'every byte sent to be acked and relayed',
      50,
    ).then(
      () => true,
      () => false,
    );
    const drainMs = round(wallNow() - drainStart);
    if (!drained) failures.push(`after ${DRAIN_TIMEOUT_MS} ms, ${status.produced - status.acked} B unacked and ${status.produced - status.relayed} B not relayed`);
    const latencies = (await Promise.all(workers.map((w) => w.call<{ relay: number[]; ack: number[] }>('samples', {}, 60_000)))).reduce(
      (all, s) => ({ relay: all.relay.concat(s.relay), ack: all.ack.concat(s.ack) }),
      { relay: [] as number[], ack: [] as number[] },
    );
    const streamingGc = await gcRss(server);
    const writtenBytes = target === 'ours' ? rawBytesOnDisk(dataDir) : undefined;
    if (writtenBytes !== undefined && writtenBytes !== status.acked) failures.push(`${writtenBytes} B on disk but ${status.acked} B acked`);
    const problems = status.problems;
    if (problems.ackErrors || problems.mismatches || problems.disconnects || problems.exhausted) failures.push(`problems: ${JSON.stringify(problems)}`);

    const rssSeries = samples.map((s) => s.rssBytes);
    const mbps = (bytes: number) => round((bytes * 8) / seconds / 1e6, 1);
    return {
      target,
      startupMs,
      connectMs,
      chunkBytes: started[0].chunkBytes,
      window: {
        seconds: round(seconds, 1),
        serverCpuPct: round((serverCpu / seconds) * 100, 1),
        workersCpuPct: round((workersCpuUsed / seconds) * 100, 1),
        foreignPct,
        stealPct,
        serverThreadsPct: { main: round(((threads.main - threads0.main) / seconds) * 100, 1), others: round(((threads.others - threads0.others) / seconds) * 100, 1) },
        serverSystemPct: round((serverSystem / seconds) * 100, 1),
      },
      ingest: {
        offeredMbps: round((o.streams * o.bitsPerSecond) / 1e6, 1),
        ackedMbps: mbps(last.acked - first.acked),
        relayedMbps: mbps(last.relayed - first.relayed),
        ackedBytes: status.acked,
        writtenBytes,
      },
      rss: {
        idle,
        connected,
        streamingMedian: median(rssSeries),
        streamingMin: Math.min(...rssSeries),
        streamingMax: Math.max(...rssSeries),
        afterGc: idleGc && connectedGc && streamingGc ? { idle: idleGc, connected: connectedGc, streaming: streamingGc } : undefined,
      },
      frames: { count: last.frames - first.frames, meanBytes: Math.round((last.acked - first.acked) / Math.max(1, last.frames - first.frames)) },
      backlog: {
        slopeBytesPerSecond: round(slope(samples.map((s) => ({ t: s.t, y: s.unacked + s.viewerLag }))), 0),
        first,
        last,
        maxUnackedPerStream: Math.max(...samples.map((s) => s.maxUnacked)),
        drainMs,
        drained,
      },
      relay: distribution(latencies.relay),
      ack: distribution(latencies.ack),
      problems,
      serverErrorLines: errorLines(server.lines).errorLevel.slice(0, 5),
      failures,
      samples,
      phases,
    };
  } finally {
    await stopWorkers(workers);
    await server.stop('SIGTERM');
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
