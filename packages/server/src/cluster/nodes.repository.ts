import type { Db } from '../db/database.js';

/** This node is up (at start, or again after it was taken for dead). */
export const registerNode = (db: Db, nodeId: string, now: number) =>
  db
    .insertInto('cluster_nodes')
    .values({ id: nodeId, started_at: now, heartbeat_at: now })
    .onConflict((oc) => oc.column('id').doUpdateSet({ started_at: now, heartbeat_at: now }))
    .execute();

/** When this node last beat (before a crash, the last moment its clients were known to be there). */
export const lastHeartbeat = (db: Db, nodeId: string) =>
  db
    .selectFrom('cluster_nodes')
    .select('heartbeat_at')
    .where('id', '=', nodeId)
    .executeTakeFirst()
    .then((row) => row?.heartbeat_at);

/** This node is still alive. False when its row is gone: another node found it dead and released its clients. */
export async function beat(db: Db, nodeId: string, now: number): Promise<boolean> {
  const result = await db.updateTable('cluster_nodes').set({ heartbeat_at: now }).where('id', '=', nodeId).executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/**
 * Removes the rows of nodes whose heartbeat is too old: from then on their clients and work are orphans that
 * any node may take. Removing first is what tells a node that was only slow that it lost them (see `beat`).
 */
export const forgetDeadNodes = (db: Db, deadBefore: number) =>
  db
    .deleteFrom('cluster_nodes')
    .where('heartbeat_at', '<', deadBefore)
    .returning('id')
    .execute()
    .then((rows) => rows.map((r) => r.id));

export const liveNodes = (db: Db) =>
  db
    .selectFrom('cluster_nodes')
    .select('id')
    .execute()
    .then((rows) => rows.map((r) => r.id));
