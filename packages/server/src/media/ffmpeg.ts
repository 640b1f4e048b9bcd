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

export function runFfmpeg(args: string[], timeoutMs = 10 * 60_000): Promise<FfmpegResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(FFMPEG_PATH, ['-hide_banner', '-nostdin', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout = (stdout + d.toString()).slice(-8192)));
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4096)));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderrTail: stderr.trim().split('\n').slice(-3).join(' | ') });
    });
  });
}
