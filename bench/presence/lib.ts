/**
 * Helpers shared by the benchmarks (presence, streaming): child processes, /proc readers, statistics,
 * IPC calls, the report's table and the machine it ran on.
 */
import { execFileSync, fork, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
// `ws` is Socket.IO's own WebSocket implementation (a dependency of engine.io), hoisted in the workspace.
import WebSocket from 'ws';
import { serverNodeFlags } from '../../packages/server/scripts/build.mjs';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Wall clock in ms with sub-ms resolution; comparable between processes of one machine to about 1 ms. */
export const wallNow = () => performance.timeOrigin + performance.now();

export { freePort } from '@vaahshare/testkit/process';

/** Rejects after `ms` with a message saying what was awaited. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export async function waitUntil(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string, stepMs = 20): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(stepMs);
  }
}

// ---------------------------------------------------------------- /proc

let clockTicks: number | undefined;
export function clkTck(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** Resident set size of a process in bytes (VmRSS of /proc/<pid>/status). */
export function rssBytes(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!match) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]) * 1024;
}

/** The fields of /proc/<pid>/stat from field 3 on (index 0 is field 3). */
function statFields(pid: number): string[] {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces; the fields after it start behind the last ')'.
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** CPU time (user + system) a process used so far, in seconds (/proc/<pid>/stat fields 14 and 15). */
export function cpuSeconds(pid: number): number {
  const fields = statFields(pid);
  return (Number(fields[11]) + Number(fields[12])) / clkTck();
}

/** CPU time a process spent in the kernel (system time, /proc/<pid>/stat field 15), in seconds: its system calls, its TCP and file work. */
export function systemCpuSeconds(pid: number): number {
  return Number(statFields(pid)[12]) / clkTck();
}

/** CPU seconds of a process's children that ended and were waited for (/proc/<pid>/stat fields 16 and 17). */
export function endedChildrenCpuSeconds(pid: number): number {
  const fields = statFields(pid);
  return (Number(fields[13]) + Number(fields[14])) / clkTck();
}

/** CPU seconds so far of a process's main thread and of its other threads (thread pool, V8's GC and compiler workers). */
export function threadCpuSeconds(pid: number): { main: number; others: number } {
  const out = { main: 0, others: 0 };
  for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out[Number(tid) === pid ? 'main' : 'others'] += (Number(fields[11]) + Number(fields[12])) / clkTck();
    } catch {
      // the thread ended
    }
  }
  return out;
}

/** Like cpuSeconds, but 0 for a process that is gone. */
export function cpuSecondsOrZero(pid: number): number {
  try {
    return cpuSeconds(pid);
  } catch {
    return 0;
  }
}

/**
 * CPU seconds of the whole machine so far (/proc/stat, all CPUs): busy (user nice system irq softirq), and stolen:
 * time a CPU of this VM had work but the hypervisor ran another VM on it (a busy host, which no process here shows).
 */
function machineCpuSeconds(): { busy: number; steal: number } {
  const first = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq, steal = 0] = first;
  return { busy: (user + nice + system + irq + softirq) / clkTck(), steal: steal / clkTck() };
}

/** CPU seconds of this process (user + system). */
export function selfCpuSeconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

export function openFds(pid: number): number {
  try {
    return fs.readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return -1;
  }
}

/** What else took this machine's CPUs during a measurement, in % of one core. */
export interface ForeignLoad {
  /** Processes outside the benchmark (the machine may be shared). */
  otherPct: number;
  /** The hypervisor's steal: this VM's CPUs waiting while its host ran other VMs. */
  stealPct: number;
}

/**
 * Starts measuring what else takes the machine's CPUs: other processes (machine busy time minus `pids` and this
 * process) and the hypervisor's steal. Call the result to get both.
 */
export function foreignLoad(pids: () => number[]): () => ForeignLoad {
  const ours = () => pids().reduce((sum, pid) => sum + cpuSecondsOrZero(pid), 0) + selfCpuSeconds();
  const machine0 = machineCpuSeconds();
  const ours0 = ours();
  const t0 = wallNow();
  return () => {
    const seconds = (wallNow() - t0) / 1000;
    const machine = machineCpuSeconds();
    const other = machine.busy - machine0.busy - (ours() - ours0);
    const pct = (cpuSeconds: number) => round((Math.max(0, cpuSeconds) / seconds) * 100, 1);
    return { otherPct: pct(other), stealPct: pct(machine.steal - machine0.steal) };
  };
}

/** Microseconds of CLOCK_MONOTONIC: the time base of V8 CPU profiles (`--cpu-prof`) on Linux. */
export const monoMicros = () => Number(process.hrtime.bigint() / 1000n);

/** TCP counters of this network namespace that tell whether the listen queue overflowed. */
export function tcpCounters(): Record<string, number> {
  const wanted = ['ListenOverflows', 'ListenDrops', 'TCPSynRetrans', 'SyncookiesSent', 'TCPTimeouts'];
  const out: Record<string, number> = {};
  try {
    const lines = fs.readFileSync('/proc/net/netstat', 'utf8').split('\n');
    for (let i = 0; i + 1 < lines.length; i += 2) {
      const keys = lines[i].split(' ');
      const values = lines[i + 1].split(' ');
      if (keys[0] !== 'TcpExt:') continue;
      keys.forEach((k, j) => {
        if (wanted.includes(k)) out[k] = Number(values[j]);
      });
    }
  } catch {
    // not Linux
  }
  return out;
}

/**
 * Bytes the kernel holds on the established TCP connections of a local port (IPv4): `recvQ` arrived but not
 * yet read by the process listening there, `sendQ` written by it but not yet acknowledged by the peer.
 */
export function socketQueues(port: number): { sockets: number; recvQ: number; sendQ: number } {
  const out = { sockets: 0, recvQ: 0, sendQ: 0 };
  for (const line of fs.readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 5 || fields[3] !== '01' || parseInt(fields[1].split(':')[1], 16) !== port) continue;
    const [tx, rx] = fields[4].split(':');
    out.sockets++;
    out.sendQ += parseInt(tx, 16);
    out.recvQ += parseInt(rx, 16);
  }
  return out;
}

export function counterDelta(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.keys(after).map((k) => [k, after[k] - (before[k] ?? 0)]));
}

// ---------------------------------------------------------------- statistics

export function percentile(values: number[], p: number): number {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export const median = (values: number[]) => percentile(values, 50);

export const round = (value: number, digits = 1) => (Number.isFinite(value) ? Number(value.toFixed(digits)) : value);

export const ratio = (a: number | undefined, b: number | undefined) => (a !== undefined && b !== undefined && b !== 0 ? round(a / b, 2) : NaN);
export const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');

/** A Markdown table; the first row is the heading. */
export function renderTable(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const line = (r: string[]) => `| ${r.map((cell, c) => cell.padEnd(widths[c])).join(' | ')} |`;
  return [line(rows[0]), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.slice(1).map(line)].join('\n');
}

// ---------------------------------------------------------------- the run

/** Which server code was measured: the commit, and whether packages/ had uncommitted changes. */
export function revision(root: string) {
  const git = (...a: string[]) => {
    try {
      return execFileSync('git', a, { cwd: root }).toString().trim();
    } catch {
      return undefined;
    }
  };
  const dirty = git('status', '--porcelain', '--', 'packages');
  return { commit: git('rev-parse', '--short', 'HEAD'), packagesDirty: dirty === undefined ? undefined : dirty.length > 0 };
}

export function machine() {
  const cpuModel = /^model name\s*:\s*(.*)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? os.cpus()[0]?.model;
  return {
    nproc: os.availableParallelism(),
    cpuModel,
    memTotalGiB: round(os.totalmem() / 2 ** 30),
    node: process.version,
    kernel: os.release(),
    date: new Date().toString(),
  };
}

/**
 * Runs a benchmark's `main` and exits with its outcome. Every child is killed when the benchmark ends, however
 * it ends; after `maxMinutes` a watchdog ends it.
 */
export function runBenchmark(main: () => Promise<void>, maxMinutes: number): void {
  process.on('exit', killAllChildren);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      killAllChildren();
      process.exit(130);
    });
  }
  const watchdog = setTimeout(() => {
    console.error(`watchdog: the benchmark ran longer than ${maxMinutes} minutes; stopping`);
    killAllChildren();
    process.exit(2);
  }, maxMinutes * 60_000);
  watchdog.unref();
  main().then(
    () => process.exit(0),
    (err) => {
      console.error(err);
      killAllChildren();
      process.exit(1);
    },
  );
}

// ---------------------------------------------------------------- children

const children = new Set<ChildProcess>();

/** Every child is killed when this process ends, however it ends. */
export function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

export function killAllChildren(): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        child.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}

export interface ServerChild {
  child: ChildProcess;
  pid: number;
  url: string;
  /** Every line the server wrote on stdout and stderr. */
  lines: string[];
  exited: Promise<void>;
  /** Sends the signal and waits (bounded) for the exit; SIGKILL after `graceMs`. */
  stop: (signal: NodeJS.Signals, graceMs?: number) => Promise<void>;
}

export interface SpawnServerOptions {
  script: string;
  env: Record<string, string>;
  port: number;
  logFile: string;
  execArgv?: string[];
  readyTimeoutMs?: number;
}

/** Our server as `npm start` runs it: its bundle, built first when older than the sources. */
export function ourServerScript(root: string): string {
  execFileSync(process.execPath, [path.join(root, 'packages/server/scripts/build.mjs')], { cwd: root, stdio: 'ignore' });
  return path.join(root, 'packages/server/dist/main.js');
}

/** Starts a server script (TypeScript through tsx, or a built bundle with the flags `npm start` gives it) in its own process and waits until GET /healthz answers 200. */
export async function spawnServer(options: SpawnServerOptions): Promise<ServerChild> {
  const loader = options.script.endsWith('.ts') ? ['--import', 'tsx'] : serverNodeFlags;
  const child = track(
    spawn(process.execPath, [...(options.execArgv ?? []), ...loader, options.script], {
      env: { ...process.env, ...options.env, PORT: String(options.port), HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  const lines: string[] = [];
  const log = fs.createWriteStream(options.logFile, { flags: 'a' });
  log.write(`--- start ${new Date().toISOString()} pid ${child.pid}\n`);
  const collect = (stream: NodeJS.ReadableStream) => {
    let rest = '';
    stream.on('data', (chunk: Buffer) => {
      log.write(chunk);
      const text = rest + chunk.toString();
      const parts = text.split('\n');
      rest = parts.pop() ?? '';
      lines.push(...parts.filter(Boolean));
    });
    stream.on('end', () => {
      if (rest) lines.push(rest);
    });
  };
  collect(child.stdout!);
  collect(child.stderr!);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => log.end(`--- exit ${new Date().toISOString()} code ${child.exitCode} signal ${child.signalCode}\n`));
  const url = `http://127.0.0.1:${options.port}`;
  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${options.script} exited at start:\n${lines.join('\n')}`);
    const ok = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${options.script} did not start:\n${lines.join('\n')}`);
    }
    await sleep(25);
  }
  return {
    child,
    pid: child.pid!,
    url,
    lines,
    exited,
    stop: async (signal, graceMs = 20_000) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Node options that let `forceGc` collect a server's garbage (gc-on-signal.mjs); give them to every measured server. */
export const gcOnSignal = ['--import', new URL('./gc-on-signal.mjs', import.meta.url).href];

/**
 * Runs full garbage collections in a server started with `gcOnSignal`, so that RSS is read without the garbage of
 * earlier phases; false when the server does not answer (started without it).
 */
export async function forceGc(server: ServerChild): Promise<boolean> {
  const done = (line: string) => line.startsWith('bench-gc-done ');
  const before = server.lines.filter(done).length;
  server.child.kill('SIGWINCH');
  return waitUntil(() => server.lines.filter(done).length > before, 30_000, 'bench-gc-done').then(
    () => true,
    () => false,
  );
}

/** Calls inspector methods in turn on a server started with `--inspect=127.0.0.1:0`; false when it has no inspector. */
async function withInspector(server: ServerChild, use: (call: (method: string, onMessage?: (message: any) => void) => Promise<void>) => Promise<void>): Promise<boolean> {
  const url = server.lines.map((l) => /Debugger listening on (ws:\/\/\S+)/.exec(l)?.[1]).find(Boolean);
  if (!url) return false;
  const socket = new WebSocket(url, { maxPayload: 0 });
  let nextId = 1;
  try {
    await withTimeout(new Promise<void>((resolve, reject) => socket.once('open', () => resolve()).once('error', reject)), 5000, 'inspector connect');
    await use(async (method, onMessage) => {
      const id = nextId++;
      const done = new Promise<void>((resolve) => {
        const listener = (data: WebSocket.RawData) => {
          const message = JSON.parse(String(data)) as { id?: number };
          if (message.id === id) {
            socket.off('message', listener);
            resolve();
          } else onMessage?.(message);
        };
        socket.on('message', listener);
      });
      socket.send(JSON.stringify({ id, method }));
      await withTimeout(done, 120_000, method);
    });
    return true;
  } finally {
    socket.close();
  }
}

/**
 * Writes a heap snapshot of a server started with `--inspect=127.0.0.1:0` to `file` (for `heap-diff.ts`); it collects
 * garbage first. Only for runs that ask for snapshots (a measured server otherwise runs no inspector agent).
 */
export async function writeHeapSnapshot(server: ServerChild, file: string): Promise<boolean> {
  const out = fs.createWriteStream(file);
  const written = await withInspector(server, (call) =>
    call('HeapProfiler.takeHeapSnapshot', (message: { method?: string; params?: { chunk: string } }) => {
      if (message.method === 'HeapProfiler.addHeapSnapshotChunk') out.write(message.params!.chunk);
    }),
  );
  await new Promise<void>((resolve) => out.end(resolve));
  return written;
}

/** Pino lines at error level or above (level ≥ 50), and any other line that mentions an error. */
export function errorLines(lines: string[]): { errorLevel: string[]; mentions: string[] } {
  const errorLevel: string[] = [];
  const mentions: string[] = [];
  for (const line of lines) {
    let level: number | undefined;
    try {
      const parsed = JSON.parse(line) as { level?: unknown };
      if (typeof parsed.level === 'number') level = parsed.level;
    } catch {
      // not JSON
    }
    if (level !== undefined && level >= 50) errorLevel.push(line);
    else if (/error|SQLITE_|fail/i.test(line)) mentions.push(line);
  }
  return { errorLevel, mentions };
}

// ---------------------------------------------------------------- baseline servers

/** The HTTP server of a bare Socket.IO baseline: GET /healthz answers 200 (the benchmark waits for it). */
export function healthzServer(): http.Server {
  return http.createServer((req, res) => {
    if (req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      return;
    }
    // Socket.IO answers its own path; anything else is unknown.
    if (!req.url?.startsWith('/socket.io/')) res.writeHead(404).end();
  });
}

/** SIGTERM / SIGINT close the server (its sockets first) and exit; after 10 s it exits anyway. */
export function exitOnSignals(io: { close: (done: () => void) => unknown }): void {
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    const forced = setTimeout(() => process.exit(1), 10_000);
    forced.unref();
    void io.close(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

// ---------------------------------------------------------------- IPC with workers

export interface WorkerHandle {
  child: ChildProcess;
  call: <T = unknown>(type: string, args?: Record<string, unknown>, timeoutMs?: number) => Promise<T>;
  onEvent: (listener: (message: Record<string, unknown>) => void) => void;
}

/** A request/response channel over the IPC of a forked child; messages without `id` are events. */
export function ipcChannel(child: ChildProcess): WorkerHandle {
  let next = 1;
  const pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  const listeners: Array<(message: Record<string, unknown>) => void> = [];
  child.on('message', (raw) => {
    const message = raw as Record<string, unknown>;
    if (typeof message.id === 'number' && pending.has(message.id)) {
      const waiter = pending.get(message.id)!;
      pending.delete(message.id);
      if (message.ok) waiter.resolve(message.result);
      else waiter.reject(new Error(String(message.error)));
      return;
    }
    for (const listener of listeners) listener(message);
  });
  child.once('exit', (code, signal) => {
    for (const waiter of pending.values()) waiter.reject(new Error(`worker exited (${code ?? signal})`));
    pending.clear();
  });
  return {
    child,
    call: (type, args = {}, timeoutMs = 60_000) => {
      const id = next++;
      const reply = new Promise<any>((resolve, reject) => pending.set(id, { resolve, reject }));
      child.send({ id, type, ...args });
      return withTimeout(reply, timeoutMs, `worker ${type}`).finally(() => pending.delete(id));
    },
    onEvent: (listener) => listeners.push(listener),
  };
}

/** Forks `count` worker processes running `script` (with node flags `execArgv`) and waits until each sent `{ event: 'ready' }`. */
export async function forkWorkers(script: string, count: number, execArgv: string[] = []): Promise<WorkerHandle[]> {
  const handles: WorkerHandle[] = [];
  for (let w = 0; w < count; w++) {
    const child = track(fork(script, [], { execArgv: [...execArgv, '--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
    const handle = ipcChannel(child);
    await withTimeout(
      new Promise<void>((resolve) => handle.onEvent((m) => m.event === 'ready' && resolve())),
      30_000,
      'worker start',
    );
    handles.push(handle);
  }
  return handles;
}

/** Asks every worker to close its sockets, then ends it (SIGKILL if it does not exit). */
export async function stopWorkers(workers: WorkerHandle[]) {
  await Promise.allSettled(workers.map((w) => w.call('close-all', {}, 30_000)));
  for (const w of workers) {
    w.child.disconnect?.();
    const exited = new Promise<void>((resolve) => (w.child.exitCode !== null ? resolve() : w.child.once('exit', () => resolve())));
    await withTimeout(exited, 10_000, 'worker exit').catch(() => w.child.kill('SIGKILL'));
  }
}

/**
 * The worker side of `ipcChannel`: answers each request `{ id, type, ... }` with `{ id, ok, result | error }`
 * from `handlers[type]`, exits when the parent goes away, and tells the parent it is ready.
 */
export function serveRequests(handlers: Record<string, (msg: any) => Promise<unknown>>): void {
  process.on('message', (raw) => {
    const msg = raw as { id: number; type: string };
    const handler = handlers[msg.type];
    if (!handler) {
      process.send!({ id: msg.id, ok: false, error: `unknown request ${msg.type}` });
      return;
    }
    handler(msg).then(
      (result) => process.send!({ id: msg.id, ok: true, result }),
      (err: unknown) => process.send!({ id: msg.id, ok: false, error: err instanceof Error ? err.message : String(err) }),
    );
  });
  // The parent went away: nothing may outlive it.
  process.on('disconnect', () => process.exit(0));
  process.send!({ event: 'ready' });
}
