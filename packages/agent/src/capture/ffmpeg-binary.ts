import fs from 'node:fs';
import path from 'node:path';
import sea from 'node:sea';
import installer from '@ffmpeg-installer/ffmpeg';

/** A program on PATH (`ffmpeg`, `setpriv`, `xprintidle`, `notify-send` …), else null. */
export function findOnPath(pathEnv: string, name: string): string | null {
  const exe = process.platform === 'win32' ? `${name}.exe` : name;
  return pathEnv.split(path.delimiter).map((dir) => path.join(dir, exe)).find(isExecutable) ?? null;
}

/** The ffmpeg installed beside the self-contained executable (`npm run build:agents` ships them together). */
function besideExecutable(): string | null {
  if (!sea.isSea()) return null;
  const file = path.join(path.dirname(process.execPath), process.platform === 'win32' ? 'ffmpeg.exe' : 'ffmpeg');
  return isExecutable(file) ? file : null;
}

/**
 * The executable's own ffmpeg; else `ffmpeg` on PATH (kept up to date by the OS); else the static build npm
 * installed. `ffmpeg` (resolved on PATH by the spawn) when there is none, so the error names it.
 */
export const findFfmpeg = (pathEnv: string) => besideExecutable() ?? findOnPath(pathEnv, 'ffmpeg') ?? installer.path ?? 'ffmpeg';

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}
