import type { Kysely } from 'kysely';

/** One row per server node: its heartbeat tells the other nodes it is alive (issue 6). */
export function clusterNodes() {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('cluster_nodes')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('started_at', 'bigint', (c) => c.notNull())
        .addColumn('heartbeat_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  };
}
