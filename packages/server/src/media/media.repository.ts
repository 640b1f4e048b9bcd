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

/** Stores how many bytes each recording holds so far: one statement for many recordings. */
export async function updateReceived(db: Db, sizes: Array<{ id: number; size: number }>, now: number): Promise<void> {
  for (let at = 0; at < sizes.length; at += SIZES_PER_STATEMENT) {
    const batch = sizes.slice(at, at + SIZES_PER_STATEMENT);
    const size = sql<number>`case id ${sql.join(batch.map((s) => sql`when ${s.id} then cast(${s.size} as bigint)`), sql` `)} end`;
    await db
      .updateTable('media')
      .set({ size, updated_at: now })
      .where('id', 'in', batch.map((s) => s.id))
      .where('status', '=', 'recording')
      .execute();
  }
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

/** Items this node was processing when it stopped: processing starts again from the raw file. */
export const interruptedProcessing = (db: Db, nodeId: string) =>
  db.selectFrom('media').selectAll().where('status', '=', 'processing').where('node_id', '=', nodeId).execute();
