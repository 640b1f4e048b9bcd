import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from './harness.js';

const MB = 1024 * 1024;

export interface SmallDisk {
  dir: string;
  /** Writes a file that leaves `freeMb` free on the disk; `room()` deletes it. */
  fillTo: (freeMb: number) => void;
  room: () => void;
  unmount: () => void;
}

/**
 * A tmpfs of `sizeMb` to be a server's DATA_DIR, so that a test can really fill its disk and free it again (the server
 * reads the free space with statfs, as on a real disk); null where mounting is not allowed (it needs root).
 */
export function mountSmallDisk(sizeMb: number): SmallDisk | null {
  const dir = tempDir('vaahshare-small-disk-');
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMb}m`, 'tmpfs', dir], { stdio: 'ignore' });
  } catch {
    fs.rmSync(dir, { recursive: true, force: true });
    return null;
  }
  const filler = path.join(dir, 'filler');
  return {
    dir,
    fillTo: (freeMb) => {
      fs.rmSync(filler, { force: true });
      const { bavail, bsize } = fs.statfsSync(dir);
      fs.writeFileSync(filler, Buffer.alloc(bavail * bsize - freeMb * MB));
    },
    room: () => fs.rmSync(filler, { force: true }),
    unmount: () => {
      execFileSync('umount', [dir]);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Why a test that needs a small disk is skipped here. */
export const noSmallDisk = 'mounting a tmpfs needs root (mount -t tmpfs)';
