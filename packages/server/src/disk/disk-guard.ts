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
}

/**
 * Once low, video is taken again only with this much more than the minimum free (a tenth of it), so that a disk
 * hovering at the limit does not flip between refusing and accepting with every frame written.
 */
export const resumeAt = (minFreeBytes: number) => Math.ceil(minFreeBytes * 1.1);

/**
 * Whether DATA_DIR has room for new video: below `minFreeBytes` free it is low (new video is refused) until the
 * free space is back above `resumeAt`. A write that failed for want of space (`noteFull`) makes it low at once.
 */
export function createDiskGuard({ statfs, dataDir, minFreeBytes, onChange }: DiskGuardDeps) {
  let status: DiskStatus = { free_bytes: 0, total_bytes: 0, min_free_bytes: minFreeBytes, low: false };
  const waiting: Array<() => void> = [];

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
    const low = status.low ? free < resumeAt(minFreeBytes) : free < minFreeBytes;
    set({ free_bytes: free, total_bytes: stats.blocks * stats.bsize, min_free_bytes: minFreeBytes, low });
    return status;
  }

  return {
    check,
    status: () => status,
    isLow: () => status.low,
    /** A write failed with ENOSPC (or EDQUOT): low now, whatever the last check said. */
    noteFull: () => set({ ...status, free_bytes: 0, low: true }),
    /** Resolves once there is room (at once when there is). */
    whenRoom: () => (status.low ? new Promise<void>((resolve) => waiting.push(resolve)) : Promise.resolve()),
  };
}

export type DiskGuard = ReturnType<typeof createDiskGuard>;

/** Whether an error is a write refused for want of space. */
export const isOutOfSpace = (err: unknown) => ['ENOSPC', 'EDQUOT'].includes((err as NodeJS.ErrnoException)?.code ?? '');
