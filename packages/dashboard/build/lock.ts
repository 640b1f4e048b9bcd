import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * A lock shared by processes of this machine (a directory holding the owner's pid): waits while a live process
 * holds it, takes it over from a dead one. Resolves with the function that releases it.
 */
export async function acquireLock(name: string): Promise<() => void> {
  const dir = path.join(os.tmpdir(), `${name}.lock`);
  const owner = path.join(dir, 'pid');
  for (;;) {
    try {
      fs.mkdirSync(dir);
      fs.writeFileSync(owner, String(process.pid));
      return () => fs.rmSync(dir, { recursive: true, force: true });
    } catch {
      const pid = Number(fs.readFileSync(owner, { encoding: 'utf8', flag: 'a+' }) || 0);
      // A directory without a pid yet is being taken right now; a dead owner's lock is stale.
      if (pid && !alive(pid)) fs.rmSync(dir, { recursive: true, force: true });
      else await new Promise((r) => setTimeout(r, 200));
    }
  }
}
