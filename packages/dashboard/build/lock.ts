import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import lockfile from 'proper-lockfile';

/** A holder that died is presumed gone once its lock has not been refreshed for this long. */
const STALE_MS = 20_000;

/**
 * A lock shared by the processes of this machine (proper-lockfile: an atomic mkdir, refreshed while held, taken
 * over once stale), so a test process killed while holding it never blocks the others for good. Waits while
 * another process holds it; resolves with the function that releases it.
 */
export async function acquireLock(name: string): Promise<() => void> {
  const target = path.join(os.tmpdir(), name);
  fs.closeSync(fs.openSync(target, 'a'));
  const release = await lockfile.lock(target, {
    realpath: false,
    stale: STALE_MS,
    retries: { forever: true, minTimeout: 100, maxTimeout: 1_000 },
  });
  return () => void release().catch(() => {});
}
