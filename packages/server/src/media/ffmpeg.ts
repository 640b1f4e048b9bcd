import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import installer from '@ffmpeg-installer/ffmpeg';

/**
 * A system ffmpeg on PATH is preferred (newer, maintained by the OS); else the one npm installed — a static build
 * of 2018 that parses what agents send with none of the security fixes since.
 */
export function resolveFfmpeg(searchPath = process.env.PATH ?? ''): { path: string; bundled: boolean } {
  for (const dir of searchPath.split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, 'ffmpeg');
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return { path: candidate, bundled: false };
    } catch {
      // not in this directory
    }
  }
  return { path: installer.path, bundled: true };
}

const ffmpeg = resolveFfmpeg();
export const FFMPEG_PATH = ffmpeg.path;

/** What the server says at start when only the bundled build is there. */
export const BUNDLED_FFMPEG_WARNING =
  "No ffmpeg on PATH: recordings are parsed with the bundled 2018 build, which lacks years of security fixes. Install your system's (apt-get install ffmpeg) and restart";

export const warnIfBundledFfmpeg = (log: { warn: (message: string) => void }, using = ffmpeg) => {
  if (using.bundled) log.warn(BUNDLED_FFMPEG_WARNING);
};

export interface FfmpegResult {
  code: number | null;
  stdout: string;
  /** The last lines ffmpeg printed on stderr: enough to say why it failed. */
  stderrTail: string;
}

/** ffmpeg was stopped on purpose (the server shuts down): its work was not done, and is not a failure of the input. */
export class FfmpegStopped extends Error {
  constructor() {
    super('ffmpeg was stopped: the server is shutting down');
    this.name = 'FfmpegStopped';
  }
}

/**
 * Runs ffmpeg to its end. `signal` stops it (SIGKILL): the promise then rejects with `FfmpegStopped`, and only once
 * the process has exited, so that nothing it was writing changes after that.
 */
export function runFfmpeg(args: string[], { timeoutMs = 10 * 60_000, signal }: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<FfmpegResult> {
  if (signal?.aborted) return Promise.reject(new FfmpegStopped());
  return new Promise((resolve, reject) => {
    const child = spawn(FFMPEG_PATH, ['-hide_banner', '-nostdin', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout = (stdout + d.toString()).slice(-8192)));
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4096)));
    const kill = () => child.kill('SIGKILL');
    const timer = setTimeout(kill, timeoutMs);
    signal?.addEventListener('abort', kill, { once: true });
    const settle = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', kill);
    };
    child.on('error', (err) => {
      settle();
      reject(err);
    });
    child.on('close', (code) => {
      settle();
      if (signal?.aborted) reject(new FfmpegStopped());
      else resolve({ code, stdout, stderrTail: stderr.trim().split('\n').slice(-3).join(' | ') });
    });
  });
}
