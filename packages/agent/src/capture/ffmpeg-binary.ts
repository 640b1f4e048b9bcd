import fs from 'node:fs';
import path from 'node:path';
import installer from '@ffmpeg-installer/ffmpeg';

/** A program on PATH (`ffmpeg`, `setpriv`, `xprintidle`, `notify-send` …), else null. */
export function findOnPath(pathEnv: string, name: string): string | null {
  const exe = process.platform === 'win32' ? `${name}.exe` : name;
  return pathEnv.split(path.delimiter).map((dir) => path.join(dir, exe)).find(isExecutable) ?? null;
}

/** `ffmpeg` on PATH when there is one (kept up to date by the OS), else the static build npm installed. */
export const findFfmpeg = (pathEnv: string) => findOnPath(pathEnv, 'ffmpeg') ?? installer.path;

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}
