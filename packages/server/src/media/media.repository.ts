import type { Insertable } from 'kysely';
import type { Db } from '../db/database.js';
import type { MediaRow, MediaTable } from '../db/schema.js';

export const findMedia = (db: Db, id: number) => db.selectFrom('media').selectAll().where('id', '=', id).executeTakeFirst();

export const findByName = (db: Db, clientId: number, originalName: string) =>
  db.selectFrom('media').selectAll().where('client_id', '=', clientId).where('original_name', '=', originalName).executeTakeFirst();

export const insertMedia = (db: Db, row: Insertable<MediaTable>) =>
  db.insertInto('media').values(row).returningAll().executeTakeFirstOrThrow();

/**
 * Moves a recording to processing. Guarded, so that of several callers (stop, grace expiry, sweeps on
 * several nodes) exactly one gets the row back and processes it.
 */
export const claimForProcessing = (db: Db, id: number, nodeId: string, now: number) =>
  db
    .updateTable('media')
    .set({ status: 'processing', node_id: nodeId, ended_at: now, updated_at: now })
    .where('id', '=', id)
    .where('status', '=', 'recording')
    .returningAll()
    .executeTakeFirst();

export const finishProcessing = (
  db: Db,
  id: number,
  outcome: Pick<MediaRow, 'status' | 'size' | 'duration_ms' | 'has_thumbnail' | 'error'>,
  now: number,
) =>
  db
    .updateTable('media')
    .set({ ...outcome, updated_at: now })
    .where('id', '=', id)
    .where('status', '=', 'processing')
    .returningAll()
    .executeTakeFirst();

/**
 * Items whose processing was interrupted — by this node's restart (`of: 'mine'`), or by the death of a node
 * that is gone from `cluster_nodes` (`of: 'gone nodes'`) — claimed by this node to process again from the
 * raw file. A guarded update, so that of several nodes adopting a dead node's items each goes to one.
 */
export const claimInterrupted = (db: Db, of: 'mine' | 'gone nodes', nodeId: string, now: number) =>
  db
    .updateTable('media')
    .set({ node_id: nodeId, updated_at: now })
    .where('status', '=', 'processing')
    .where('node_id', of === 'mine' ? '=' : 'not in', of === 'mine' ? nodeId : db.selectFrom('cluster_nodes').select('id'))
    .returningAll()
    .execute();
