import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import installer from '@ffmpeg-installer/ffmpeg';

/** A system ffmpeg on PATH is preferred (newer, maintained by the OS); else the one npm installed. */
function resolveFfmpeg(): string {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, 'ffmpeg');
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return installer.path;
}

export const FFMPEG_PATH = resolveFfmpeg();

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
