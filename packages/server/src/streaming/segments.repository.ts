import { sql, type Insertable } from 'kysely';
import type { Db } from '../db/database.js';
import type { ClientRow, MediaRow, MediaTable } from '../db/schema.js';

// The queries of live segments: media rows while they are `recording`, and the client's streaming flag.

export const findSegment = (db: Db, companyId: number, segmentId: string) =>
  db.selectFrom('media').selectAll().where('company_id', '=', companyId).where('segment_id', '=', segmentId).executeTakeFirst();

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

/** Recordings whose client is gone (grace over, app closed, or lost in a crash): nobody will resume them. */
export const abandonedRecordings = (db: Db) =>
  db
    .selectFrom('media')
    .innerJoin('clients', 'clients.id', 'media.client_id')
    .select('media.id')
    .where('media.status', '=', 'recording')
    .where('clients.is_connected', '=', 0)
    .execute();

/** Marks whether the client's current connection is streaming; a stale connection changes nothing. */
export const setStreaming = (db: Db, clientId: number, generation: number, streaming: boolean) =>
  db
    .updateTable('clients')
    .set({ is_streaming: streaming ? 1 : 0 })
    .where('id', '=', clientId)
    .where('generation', '=', generation)
    .returningAll()
    .executeTakeFirst();

export const insertSegment = (db: Db, row: Insertable<MediaTable>) =>
  db.insertInto('media').values(row).returningAll().executeTakeFirstOrThrow();

/** What the streams service asks of the database, bound to one (a fake in unit tests). */
export interface SegmentsRepository {
  find: (companyId: number, segmentId: string) => Promise<MediaRow | undefined>;
  insert: (row: Insertable<MediaTable>) => Promise<MediaRow>;
  takeOver: (id: number, nodeId: string, now: number) => Promise<MediaRow | undefined>;
  updateReceived: (sizes: Array<{ id: number; size: number }>, nodeId: string, now: number) => Promise<void>;
  stillHeldBy: (ids: number[], nodeId: string) => Promise<Set<number>>;
  abandoned: () => Promise<Array<{ id: number }>>;
  setStreaming: (clientId: number, generation: number, streaming: boolean) => Promise<ClientRow | undefined>;
}

export const segmentsRepository = (db: Db): SegmentsRepository => ({
  find: (companyId, segmentId) => findSegment(db, companyId, segmentId),
  insert: (row) => insertSegment(db, row),
  takeOver: (id, nodeId, now) => takeOverSegment(db, id, nodeId, now),
  updateReceived: (sizes, nodeId, now) => updateReceived(db, sizes, nodeId, now),
  stillHeldBy: (ids, nodeId) => stillHeldBy(db, ids, nodeId),
  abandoned: () => abandonedRecordings(db),
  setStreaming: (clientId, generation, streaming) => setStreaming(db, clientId, generation, streaming),
});
