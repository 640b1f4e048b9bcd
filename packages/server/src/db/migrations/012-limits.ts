import type { Kysely } from 'kysely';

/**
 * Limits on what a token holder can make the server store (docs/SECURITY.md "Limits"): idle alerts repeated within
 * the idle threshold are one alert with a count (`repeat_count`), found by client and time; the desktops an
 * enrollment token added within the last hour are counted by token and creation time.
 */
export function limits() {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('alerts').addColumn('repeat_count', 'integer', (c) => c.notNull().defaultTo(1)).execute();
      await db.schema.createIndex('alerts_client_time').on('alerts').columns(['client_id', 'created_at']).execute();
      await db.schema.createIndex('clients_token_created').on('clients').columns(['token_id', 'created_at']).execute();
    },
  };
}
