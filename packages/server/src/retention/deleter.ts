import fs from 'node:fs';
import pLimit from 'p-limit';
import { groupsOfClients } from '../access/index.js';
import type { Broadcast } from '../broadcast.js';
import type { Db } from '../db/database.js';
import type { Actor, DomainEventBus } from '../events/domain-events.js';
import type { Clock } from '../infra/clock.js';
import { nextTurn } from '../infra/next-turn.js';
import { mediaPaths } from '../media/index.js';
import * as repo from './retention.repository.js';
import type { Claimed } from './retention.repository.js';

/** Files removed at once: the thread pool (4 threads) keeps room for the streams' writes. */
const UNLINK_CONCURRENCY = 4;

export interface DeleterDeps {
  db: Db;
  clock: Clock;
  events: DomainEventBus;
  broadcast: Pick<Broadcast, 'toGroup'>;
  dataDir: string;
  nodeId: string;
}

/**
 * `resumed`: a deletion that a crash interrupted, finished (who asked for it was announced with none); `empty`: a live
 * segment that held no video frame (media's `live-recording-empty`).
 */
export type DeletionReason = 'user' | 'retention' | 'client-deleted' | 'resumed' | 'empty';
export interface Deleted {
  deleted: number;
  bytes: number;
}

/**
 * Deletes recordings so that a crash at any point leaves nothing half done: the rows are first marked `deleting`
 * (no longer listed, played or finalized), then their files are removed, then the rows. A crash after the mark
 * leaves `deleting` rows whose files may partly exist; the next sweep (`finishInterrupted`) removes the rest.
 * So a listed recording always has its files, and no file outlives its row past the next sweep.
 */
export function createDeleter(deps: DeleterDeps) {
  const { db, clock, nodeId, dataDir } = deps;
  const unlinkLimit = pLimit(UNLINK_CONCURRENCY);
  // One unlink each (rm would stat first): most rows have two of their four possible files.
  const remove = (file: string) =>
    unlinkLimit(() =>
      fs.promises.unlink(file).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
      }),
    );

  async function removeFilesAndRows(claimed: Claimed[]) {
    await Promise.all(
      claimed.flatMap((row) => {
        const paths = mediaPaths(dataDir, row);
        return [remove(paths.final), remove(paths.raw), remove(paths.thumbnail), remove(`${paths.final}.part`)];
      }),
    );
    await repo.deleteClaimed(db, claimed.map((row) => row.id), nodeId);
    // The audit trail's INSERT that announcing the batch starts runs in a turn of its own.
    await nextTurn();
  }

  /** On the bus, and to the dashboards of each recording's group (a viewer learns nothing of other groups' ids). */
  async function announce(companyId: number, claimed: Claimed[], reason: DeletionReason, actor: Actor | null) {
    if (!claimed.length) return;
    const media = claimed.map((row) => ({ id: row.id, clientId: row.client_id, size: row.size, startedAt: row.started_at }));
    deps.events.emit('media-deleted', { companyId, media, reason, actor });
    const groups = await groupsOfClients(db, media.map((m) => m.clientId));
    const idsByGroup = new Map<number, number[]>();
    for (const { id, clientId } of media) {
      const groupId = groups.get(clientId);
      if (groupId !== undefined) idsByGroup.set(groupId, [...(idsByGroup.get(groupId) ?? []), id]);
    }
    for (const [groupId, ids] of idsByGroup) deps.broadcast.toGroup(companyId, groupId).emit('media-deleted', { ids });
  }

  /**
   * Deletes those of `ids` (one company's) that are finished, a small batch at a time (marked, files, rows, told);
   * the others are left as they are.
   */
  async function deleteFinished(companyId: number, ids: number[], reason: DeletionReason, actor: Actor | null): Promise<Deleted> {
    const done = { deleted: 0, bytes: 0 };
    for (let at = 0; at < ids.length; at += repo.DELETE_BATCH) {
      const claimed = await repo.claimForDeletion(db, companyId, ids.slice(at, at + repo.DELETE_BATCH), nodeId, clock.now());
      await removeFilesAndRows(claimed);
      await announce(companyId, claimed, reason, actor);
      done.deleted += claimed.length;
      done.bytes += claimed.reduce((sum, row) => sum + Number(row.size), 0);
    }
    return done;
  }

  /**
   * A live recording this node just finalized and found empty (still `processing` here): deleted as any other, by
   * the system, reason `empty`. A crash before the mark leaves it `processing`, finalized (and found empty) again at
   * the next start; one after it, `deleting`, finished as any interrupted deletion.
   */
  async function deleteEmpty(companyId: number, mediaId: number): Promise<Deleted> {
    const claimed = await repo.claimProcessedEmpty(db, companyId, mediaId, nodeId, clock.now());
    await removeFilesAndRows(claimed);
    await announce(companyId, claimed, 'empty', null);
    return { deleted: claimed.length, bytes: claimed.reduce((sum, row) => sum + Number(row.size), 0) };
  }

  /** Deletions a crash interrupted (this node's at start, dead nodes' on every sweep) are finished here. */
  async function finishInterrupted(of: 'mine' | 'gone nodes'): Promise<number> {
    let finished = 0;
    for (let batch = await repo.claimInterruptedDeletions(db, of, nodeId, clock.now()); batch.length; ) {
      await removeFilesAndRows(batch);
      for (const companyId of new Set(batch.map((row) => row.company_id))) {
        await announce(companyId, batch.filter((row) => row.company_id === companyId), 'resumed', null);
      }
      finished += batch.length;
      batch = await repo.claimInterruptedDeletions(db, of, nodeId, clock.now());
    }
    return finished;
  }

  return { deleteFinished, deleteEmpty, finishInterrupted, removeFilesAndRows };
}

export type Deleter = ReturnType<typeof createDeleter>;
