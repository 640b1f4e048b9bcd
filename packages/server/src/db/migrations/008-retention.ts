import type { Kysely } from 'kysely';

/**
 * Retention (issue 16): how long a company keeps recordings and how much space they may take, and the same for a
 * single client (`client_retention`). Null is "no limit". A client's row is dropped with the client.
 */
export function retention() {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('companies').addColumn('retention_days', 'integer').execute();
      await db.schema.alterTable('companies').addColumn('retention_max_bytes', 'bigint').execute();
      await db.schema
        .createTable('client_retention')
        .addColumn('client_id', 'integer', (c) => c.primaryKey().references('clients.id').onDelete('cascade'))
        .addColumn('company_id', 'integer', (c) => c.notNull().references('companies.id'))
        .addColumn('retention_days', 'integer')
        .addColumn('retention_max_bytes', 'bigint')
        .execute();
      // The sweep walks a company's (or a client's) finished recordings oldest first.
      await db.schema.createIndex('media_client_started').on('media').columns(['client_id', 'started_at']).execute();
    },
  };
}
