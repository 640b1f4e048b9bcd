import { sql, type Insertable } from 'kysely';
import type { Db } from '../db/database.js';
import type { MediaRow, MediaTable } from '../db/schema.js';

export const findMedia = (db: Db, id: number) => db.selectFrom('media').selectAll().where('id', '=', id).executeTakeFirst();

export const findSegment = (db: Db, companyId: number, segmentId: string) =>
  db.selectFrom('media').selectAll().where('company_id', '=', companyId).where('segment_id', '=', segmentId).executeTakeFirst();

export const findByName = (db: Db, clientId: number, originalName: string) =>
  db.selectFrom('media').selectAll().where('client_id', '=', clientId).where('original_name', '=', originalName).executeTakeFirst();

export const insertMedia = (db: Db, row: Insertable<MediaTable>) =>
  db.insertInto('media').values(row).returningAll().executeTakeFirstOrThrow();

export const recordingOf = (db: Db, clientId: number) =>
  db.selectFrom('media').selectAll().where('client_id', '=', clientId).where('status', '=', 'recording').execute();

/** Rows per statement of updateReceived: three parameters each, under SQLite's oldest limit of 999. */
const SIZES_PER_STATEMENT = 300;

/**
 * Stores how many bytes each recording this node writes holds so far: one statement for many recordings.
 * Not once another node took a segment over (the node guard).
 */
export async function updateReceived(
  db: Db,
  sizes: Array<{ id: number; size: number }>,
  nodeId: string,
  now: number,
): Promise<void> {
  for (let at = 0; at < sizes.length; at += SIZES_PER_STATEMENT) {
    const batch = sizes.slice(at, at + SIZES_PER_STATEMENT);
    const size = sql<number>`case id ${sql.join(batch.map((s) => sql`when ${s.id} then cast(${s.size} as bigint)`), sql` `)} end`;
    await db
      .updateTable('media')
      .set({ size, updated_at: now })
      .where('id', 'in', batch.map((s) => s.id))
      .where('status', '=', 'recording')
      .where('node_id', '=', nodeId)
      .execute();
  }
}

/**
 * This node goes on writing a segment (its agent came here from another node, or this node restarted).
 * Guarded: a segment finalized meanwhile is not taken, and the node that had it sees it is no longer its own.
 */
export const takeOverSegment = (db: Db, id: number, nodeId: string, now: number) =>
  db
    .updateTable('media')
    .set({ node_id: nodeId, updated_at: now })
    .where('id', '=', id)
    .where('status', '=', 'recording')
    .returningAll()
    .executeTakeFirst();

/** Of the segments this node has open, those still recording and still written here. */
export async function stillHeldBy(db: Db, ids: number[], nodeId: string): Promise<Set<number>> {
  const held = new Set<number>();
  // A few hundred ids per statement stays under SQLite's bound-parameter limit.
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await db
      .selectFrom('media')
      .select('id')
      .where('id', 'in', ids.slice(i, i + 500))
      .where('status', '=', 'recording')
      .where('node_id', '=', nodeId)
      .execute();
    rows.forEach((r) => held.add(r.id));
  }
  return held;
}

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

/** Recordings whose client is gone (grace over, app closed, or lost in a crash): nobody will resume them. */
export const abandonedRecordings = (db: Db) =>
  db
    .selectFrom('media')
    .innerJoin('clients', 'clients.id', 'media.client_id')
    .select('media.id')
    .where('media.status', '=', 'recording')
    .where('clients.is_connected', '=', 0)
    .execute();

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
