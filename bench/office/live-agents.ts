import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AGENT_TOKEN } from '@vaahshare/testkit';
import { childPids } from '../agent/proc.js';
import { cpuSeconds, endedChildrenCpuSeconds } from '../presence/lib.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * The agent's sources as they were at `ref` (before issue 20: VP8 at a fixed 1 Mbit/s), unpacked once under
 * `.cache/` inside the checkout so that they find this checkout's node_modules. Returns its `cli.ts`.
 */
export function agentAt(ref: string): string {
  const dir = path.join(REPO, '.cache', 'bench-office', `agent-${ref}`);
  const cli = path.join(dir, 'packages/agent/src/cli.ts');
  if (!fs.existsSync(cli)) {
    fs.mkdirSync(dir, { recursive: true });
    const archive = execFileSync('git', ['archive', ref, 'packages/agent/src', 'packages/agent/package.json'], { cwd: REPO, maxBuffer: 256 * 1024 * 1024 });
    execFileSync('tar', ['-x', '-C', dir], { input: archive });
  }
  return cli;
}

export const CURRENT_AGENT = path.join(REPO, 'packages/agent/src/cli.ts');

export interface LiveAgent {
  name: string;
  child: ChildProcess;
  userHost: string;
  output: () => string;
  waitFor: (pattern: RegExp, timeoutMs?: number) => Promise<void>;
  /** CPU seconds so far of the Node process and of its ffmpeg (the running one and any that ended: a new recording starts one). */
  cpu: () => { node: number; ffmpeg: number };
  stop: () => Promise<void>;
}

/** A real agent (`start`, x11grab of `display`, 1280×720, 10 fps, one segment, no window) run through tsx from `cli`. */
export function startAgent(name: string, cli: string, server: string, display: string, dataDir: string): LiveAgent {
  const userHost = `${name}@office`;
  const args = ['start', '--server', server, '--token', AGENT_TOKEN, '--user-host', userHost, '--data-dir', dataDir, '--source', 'screen', '--display', display,
    '--size', '1280x720', '--fps', '10', '--segment-minutes', '0', '--no-window'];
  const child = spawn(process.execPath, ['--import', 'tsx', cli, ...args], {
    cwd: REPO,
    env: { ...process.env, VAAHSHARE_CONFIG: '/nonexistent/vaahshare-bench/config.json' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d));
  child.stderr!.on('data', (d: Buffer) => (output += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ffmpegPid = () => childPids(child.pid!).find((pid) => comm(pid) === 'ffmpeg');
  return {
    name,
    child,
    userHost,
    output: () => output,
    async waitFor(pattern, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(output)) {
        if (child.exitCode !== null) throw new Error(`agent ${name} exited before ${pattern}:\n${output}`);
        if (Date.now() > deadline) throw new Error(`agent ${name} did not print ${pattern}:\n${output}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    cpu: () => {
      const ffmpeg = ffmpegPid();
      return { node: cpuSeconds(child.pid!), ffmpeg: (ffmpeg ? cpuSeconds(ffmpeg) : 0) + endedChildrenCpuSeconds(child.pid!) };
    },
    async stop() {
      if (child.exitCode === null) child.kill('SIGINT');
      await exited;
    },
  };
}

function comm(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}
