import type { Kysely } from 'kysely';
import { idColumn, type Dialect } from './columns.js';

/** Pauses of the recording asked for at the desktop, and the company's policy for them (issue 15): off by default. */
export function pauses(dialect: Dialect) {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('companies').addColumn('pause_allowed', 'integer', (c) => c.notNull().defaultTo(0)).execute();
      await db.schema.alterTable('companies').addColumn('pause_max_minutes', 'integer', (c) => c.notNull().defaultTo(30)).execute();
      await db.schema
        .createTable('pauses')
        .addColumn('id', idColumn(dialect), (c) => c.primaryKey().$call(dialect.autoIncrement))
        .addColumn('company_id', 'integer', (c) => c.notNull().references('companies.id'))
        .addColumn('client_id', 'integer', (c) => c.notNull().references('clients.id').onDelete('cascade'))
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('started_at', 'bigint', (c) => c.notNull())
        .addColumn('ends_at', 'bigint', (c) => c.notNull())
        .addColumn('ended_at', 'bigint')
        .execute();
      await db.schema.createIndex('pauses_client_started').on('pauses').columns(['client_id', 'started_at']).execute();
    },
  };
}
