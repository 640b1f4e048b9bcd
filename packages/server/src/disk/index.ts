import fs from 'node:fs';
import type { DiskStatus } from '@vaahshare/protocol';
import type { AppContext } from '../context.js';
import { AppError } from '../errors.js';
import type { Feature } from '../feature.js';
import { every } from '../infra/background.js';
import { addDiskGauges } from '../infra/metrics.js';
import { createDiskGuard, isOutOfSpace } from './disk-guard.js';
import { networkFileSystemOf } from './file-system.js';

export { isOutOfSpace } from './disk-guard.js';
export { networkFileSystemOf } from './file-system.js';

/** How often the free space of DATA_DIR is read (one statfs: cheap). */
export const DISK_CHECK_MS = 1000;
/** How long an agent waits before sending refused video again. */
export const STORAGE_RETRY_MS = 2000;

export type DiskFace = ReturnType<typeof createDiskFeature>;

/**
 * The free space of DATA_DIR: below MIN_FREE_DISK_MB new video is refused (`storage_full`, never acknowledged:
 * agents keep it and send it again), the admins are told (log, dashboards' banner, `/metrics`), and video is
 * taken again by itself once there is room.
 */
export function createDiskFeature(ctx: AppContext) {
  const { log, config } = ctx;
  const guard = createDiskGuard({
    statfs: (dir) => fs.promises.statfs(dir),
    dataDir: config.DATA_DIR,
    minFreeBytes: config.MIN_FREE_DISK_MB * 1024 * 1024,
    now: () => ctx.clock.now(),
    onChange: (status) => {
      const mb = (bytes: number) => Math.floor(bytes / 1024 / 1024);
      if (status.low) log.error({ free_mb: mb(status.free_bytes), dir: config.DATA_DIR }, lowMessage(status, config.MIN_FREE_DISK_MB, guard.heldUntil() - ctx.clock.now()));
      else log.info({ free_mb: mb(status.free_bytes) }, 'disk space back: new video is accepted again');
      ctx.events.emit('disk-space-changed', { low: status.low, freeBytes: status.free_bytes, minFreeBytes: status.min_free_bytes });
      ctx.broadcast.toDashboardsHere().emit('storage-status', status);
    },
  });
  addDiskGauges(ctx.metrics, () => guard.status());
  let stop = () => {};

  /** Refuses new video while the disk is low. */
  function requireRoom() {
    if (guard.isLow()) throw storageFull();
  }

  return {
    guard,
    requireRoom,
    /** The network file system DATA_DIR is on (NFS, CIFS, …), or null: there any write may wait on the network. */
    networkFileSystem: () => networkFileSystemOf(config.DATA_DIR),
    /** Runs a write; one that fails for want of space is refused as `storage_full` (and the disk is low now). */
    async writing<T>(write: () => Promise<T>): Promise<T> {
      try {
        const written = await write();
        guard.noteWritten();
        return written;
      } catch (err) {
        if (!isOutOfSpace(err)) throw err;
        guard.noteFull();
        throw storageFull();
      }
    },
    start: async () => {
      await guard.check();
      stop = every(log, 'disk space check', DISK_CHECK_MS, () => guard.check());
    },
    stop: async () => stop(),
  } satisfies Feature & Record<string, unknown>;
}

/** Why video is refused now: too little free, or a write that failed although the file system shows room. */
function lowMessage(status: DiskStatus, minFreeMb: number, heldForMs: number) {
  const refused = 'new video is refused (agents keep it)';
  if (status.free_bytes < status.min_free_bytes) return `disk space low: less than MIN_FREE_DISK_MB=${minFreeMb} free; ${refused} until there is room`;
  return `a write to DATA_DIR failed for want of space (ENOSPC or EDQUOT) although the file system shows room: a quota, or blocks reserved for root? ${refused}; trying again in ${Math.ceil(heldForMs / 1000)} s`;
}

const storageFull = () =>
  new AppError('storage_full', 'The server is short of disk space: keep the video and send it again later', 507, { retry_after_ms: STORAGE_RETRY_MS });
