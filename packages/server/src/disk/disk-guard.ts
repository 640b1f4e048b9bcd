import type { DiskStatus } from '@vaahshare/protocol';

/** What `fs.promises.statfs` tells of a file system (the part the guard reads). */
export interface FsStats {
  bavail: number;
  bsize: number;
  blocks: number;
}

export interface DiskGuardDeps {
  statfs: (dir: string) => Promise<FsStats>;
  dataDir: string;
  minFreeBytes: number;
  /** Called on every change between low and enough room. */
  onChange: (status: DiskStatus) => void;
  now: () => number;
}

/**
 * After a write failed for want of space, video stays refused at least this long, whatever the free space reads, and
 * twice as long after each further failure (up to FULL_HOLD_MAX_MS) until a write goes through. Under a quota, or with
 * blocks reserved for root, `statfs` shows room that writes do not get: without the hold the disk would read low and
 * fine by turns, every check, and the admins' banner with it.
 */
export const FULL_HOLD_MS = 2_000;
export const FULL_HOLD_MAX_MS = 5 * 60_000;

/**
 * Once low, video is taken again only with this much more than the minimum free (a tenth of it), so that a disk
 * hovering at the limit does not flip between refusing and accepting with every frame written.
 */
export const resumeAt = (minFreeBytes: number) => Math.ceil(minFreeBytes * 1.1);

/**
 * Whether DATA_DIR has room for new video: below `minFreeBytes` free it is low (new video is refused) until the
 * free space is back above `resumeAt`. A write that failed for want of space (`noteFull`) makes it low at once, and
 * keeps it low for a while (FULL_HOLD_MS) however much room `statfs` shows.
 */
export function createDiskGuard({ statfs, dataDir, minFreeBytes, onChange, now }: DiskGuardDeps) {
  let status: DiskStatus = { free_bytes: 0, total_bytes: 0, min_free_bytes: minFreeBytes, low: false };
  const waiting: Array<() => void> = [];
  /** Failed writes since the last one that went through, and until when the last of them holds the disk low. */
  let failures = 0;
  let heldUntil = -Infinity;

  function set(next: DiskStatus) {
    const changed = next.low !== status.low;
    status = next;
    if (!changed) return;
    onChange(status);
    if (!status.low) waiting.splice(0).forEach((resolve) => resolve());
  }

  async function check(): Promise<DiskStatus> {
    const stats = await statfs(dataDir);
    const free = stats.bavail * stats.bsize;
    const low = now() < heldUntil || (status.low ? free < resumeAt(minFreeBytes) : free < minFreeBytes);
    set({ free_bytes: free, total_bytes: stats.blocks * stats.bsize, min_free_bytes: minFreeBytes, low });
    return status;
  }

  return {
    check,
    status: () => status,
    isLow: () => status.low,
    /** A write failed with ENOSPC (or EDQUOT): low now, and held low for a while, whatever the checks say. */
    noteFull() {
      // Writes of many streams fail together: only a failure after the last hold ended makes the next one longer.
      if (now() >= heldUntil) {
        heldUntil = now() + Math.min(FULL_HOLD_MS * 2 ** failures, FULL_HOLD_MAX_MS);
        failures++;
      }
      set({ ...status, low: true });
    },
    /** A write went through: the next failure holds the disk low for the shortest time again. */
    noteWritten() {
      failures = 0;
    },
    /** Until when a failed write holds the disk low (a past time when none does). */
    heldUntil: () => heldUntil,
    /** Resolves once there is room (at once when there is). */
    whenRoom: () => (status.low ? new Promise<void>((resolve) => waiting.push(resolve)) : Promise.resolve()),
  };
}

export type DiskGuard = ReturnType<typeof createDiskGuard>;

/** Whether an error is a write refused for want of space. */
export const isOutOfSpace = (err: unknown) => ['ENOSPC', 'EDQUOT'].includes((err as NodeJS.ErrnoException)?.code ?? '');
