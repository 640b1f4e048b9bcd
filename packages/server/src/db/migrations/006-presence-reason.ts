import type { Kysely } from 'kysely';

/**
 * Why a disconnected client is disconnected (`app_closed`, `grace_expired`, `token_revoked`), and the enrollment
 * token its connection came with, so that revoking the token ends it even while it is reconnecting; PROTOCOL.md §8.12.
 */
export function presenceReason() {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('clients').addColumn('disconnect_reason', 'text').execute();
      await db.schema.alterTable('clients').addColumn('token_id', 'integer').execute();
      await db.schema.createIndex('clients_token').on('clients').column('token_id').execute();
    },
  };
}
