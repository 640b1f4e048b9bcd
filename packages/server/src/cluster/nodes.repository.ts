import type { Db } from '../db/database.js';

/** This node is up (at start, or again after it was taken for dead). */
export const registerNode = (db: Db, nodeId: string, now: number) =>
  db
    .insertInto('cluster_nodes')
    .values({ id: nodeId, started_at: now, heartbeat_at: now })
    .onConflict((oc) => oc.column('id').doUpdateSet({ started_at: now, heartbeat_at: now }))
    .execute();

/**
 * This node is still alive. Guarded by the previous heartbeat being recent: false means the other nodes
 * may have taken this node for dead (and released its clients) — or forgotten its row.
 */
export async function beat(db: Db, nodeId: string, now: number, deadBefore: number): Promise<boolean> {
  const result = await db
    .updateTable('cluster_nodes')
    .set({ heartbeat_at: now })
    .where('id', '=', nodeId)
    .where('heartbeat_at', '>=', deadBefore)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export const findDeadNodes = (db: Db, nodeId: string, deadBefore: number) =>
  db
    .selectFrom('cluster_nodes')
    .select('id')
    .where('heartbeat_at', '<', deadBefore)
    .where('id', '!=', nodeId)
    .execute()
    .then((rows) => rows.map((r) => r.id));

/** Once a dead node's clients and work are handed over; not if it came back meanwhile. */
export const forgetNode = (db: Db, nodeId: string, deadBefore: number) =>
  db.deleteFrom('cluster_nodes').where('id', '=', nodeId).where('heartbeat_at', '<', deadBefore).execute();
