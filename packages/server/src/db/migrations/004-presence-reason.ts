import type { Kysely } from 'kysely';

/** Why a disconnected client is disconnected (`app_closed`, `grace_expired`, `token_revoked`); PROTOCOL.md §8.11. */
export function presenceReason() {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('clients').addColumn('disconnect_reason', 'text').execute();
    },
  };
}
