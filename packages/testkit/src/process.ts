import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * How long a server process may take to answer /healthz. Not a measure of anything: a bound so that a server
 * that hangs fails the test instead of the run. A loaded machine (load average 8 on 2 cores) starts the
 * bundle in seconds; the bound is far above that.
 */
const READY_WITHIN_MS = 180_000;

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  output: () => string;
  /** Sends the signal and waits for the process to exit. */
  stop: (signal: NodeJS.Signals) => Promise<void>;
}

interface ServerBuild {
  buildServer: () => Promise<string>;
  serverNodeFlags: string[];
}

let bundle: Promise<{ main: string; flags: string[] }> | undefined;

/**
 * The server's bundle, as `npm start` runs it (packages/server/scripts/build.mjs rebuilds it only when a source
 * is newer): looked at once per test process, so that nodes started together do not build it twice.
 */
function serverBundle(): Promise<{ main: string; flags: string[] }> {
  bundle ??= (async () => {
    const serverDir = path.dirname(createRequire(import.meta.url).resolve('@vaahshare/server/package.json'));
    const build = (await import(pathToFileURL(path.join(serverDir, 'scripts', 'build.mjs')).href)) as ServerBuild;
    return { main: await build.buildServer(), flags: build.serverNodeFlags };
  })();
  return bundle;
}

const loadAverage = () => os.loadavg().map((l) => l.toFixed(1)).join(' ');

/** Resolves once the server answers /healthz; rejects if it exits first. */
async function ready(child: ChildProcess, url: string, exited: Promise<void>): Promise<void> {
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + READY_WITHIN_MS;
  while (!gone) {
    if (await fetch(`${url}/healthz`).then((r) => r.ok, () => false)) return;
    if (Date.now() > deadline) throw new Error(`did not answer /healthz within ${READY_WITHIN_MS / 1000} s`);
    // Polling is the readiness signal here: the server logs nothing at the tests' log level.
    await Promise.race([new Promise((r) => setTimeout(r, 100)), exited]);
  }
  throw new Error(`exited at start (code ${child.exitCode}, signal ${child.signalCode})`);
}

/** Runs the server's bundle (`dist/main.js`, as `npm start` does) as its own process, and waits until it is ready. */
export async function spawnServer(env: Record<string, string>): Promise<ServerProcess> {
  const { main, flags } = await serverBundle();
  const child = spawn(process.execPath, [...flags, main], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${env.PORT}`;
  try {
    await ready(child, url, exited);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`server ${env.NODE_ID ?? ''} on port ${env.PORT} failed to start: ${(err as Error).message}; load average ${loadAverage()}; its output:\n${output}`);
  }
  return {
    child,
    url,
    output: () => output,
    stop: async (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

/** The processes named `name` that this process started and that are still there (Linux: read from /proc). */
export function childProcesses(name: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc').filter((dir) => /^\d+$/.test(dir))) {
    // "pid (comm) state ppid …"; gone between the listing and the read is not ours any more.
    const stat = readStat(entry);
    const match = stat.match(/^\d+ \((.*)\) \S+ (\d+)/s);
    if (match?.[1] === name && Number(match[2]) === process.pid) pids.push(Number(entry));
  }
  return pids;
}

function readStat(pid: string): string {
  try {
    return fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return '';
  }
}
