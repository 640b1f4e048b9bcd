import type { Kysely } from 'kysely';

/**
 * Fewer index entries rewritten per connect. SQLite rewrites an index entry whenever an UPDATE's SET names one of its
 * columns, changed or not, and in a reconnect storm each such entry is a random page more in the commit
 * (docs/bench-log/presence.md, 2026-12-03 12:00). `clients_token` only repeated the first column of
 * `clients_token_created`; `clients_node` loses `is_connected`, which every connect sets, so that a connect names no
 * column of it unless the client moves to another node (presence.repository.ts, `connectClients`).
 */
export function leanClientIndexes() {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.dropIndex('clients_token').execute();
      await db.schema.dropIndex('clients_node').execute();
      await db.schema.createIndex('clients_node').on('clients').column('node_id').execute();
    },
  };
}
