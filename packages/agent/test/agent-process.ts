import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../bin/vaahshare-agent.js');

export interface AgentProcess {
  child: ChildProcess;
  output: () => string;
  /** Resolves with the time (ms) the first output line matching `pattern` was printed. */
  waitFor: (pattern: RegExp, timeoutMs?: number) => Promise<number>;
  /** Sends the signal and waits for the exit code. */
  stop: (signal: NodeJS.Signals) => Promise<number | null>;
  exited: Promise<number | null>;
}

/** Runs the real `vaahshare-agent` CLI as its own process, as a user would. */
export function runAgent(args: string[], env: Record<string, string> = {}): AgentProcess {
  // A developer's own config file must not leak into tests.
  const isolated = { VAAHSHARE_CONFIG: '/nonexistent/vaahshare-agent-test/config.json', ...env };
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...isolated }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const seen: Array<{ at: number; text: string }> = [];
  const onData = (d: Buffer) => {
    output += d;
    seen.push({ at: Date.now(), text: d.toString() });
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const waitFor = async (pattern: RegExp, timeoutMs = 20_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = seen.find((s) => pattern.test(s.text));
      if (hit) return hit.at;
      if (child.exitCode !== null) throw new Error(`agent exited (${child.exitCode}) before printing ${pattern}:\n${output}`);
      if (Date.now() > deadline) throw new Error(`agent did not print ${pattern} in time:\n${output}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  return {
    child,
    output: () => output,
    waitFor,
    exited,
    stop: async (signal) => {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** `start` against a server with the test token, a throwaway data dir and the test picture, unless overridden. */
export function agentArgs(server: string, userHost: string, dataDir: string, extra: string[] = []): string[] {
  return ['start', '--server', server, '--token', 'test-enrollment-token-0000', '--user-host', userHost, '--data-dir', dataDir, '--source', 'test', '--size', '320x240', '--bitrate', '300k', ...extra];
}
