import type { Kysely } from 'kysely';
import { idColumn, type Dialect } from './columns.js';

export function media(dialect: Dialect) {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('media')
        .addColumn('id', idColumn(dialect), (c) => c.primaryKey().$call(dialect.autoIncrement))
        .addColumn('company_id', 'integer', (c) => c.notNull().references('companies.id'))
        .addColumn('client_id', 'integer', (c) => c.notNull().references('clients.id').onDelete('cascade'))
        .addColumn('segment_id', 'text', (c) => c.notNull())
        .addColumn('original_name', 'text', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('size', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('duration_ms', 'bigint')
        .addColumn('has_thumbnail', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('error', 'text')
        .addColumn('node_id', 'text')
        .addColumn('started_at', 'bigint', (c) => c.notNull())
        .addColumn('ended_at', 'bigint')
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('media_company_segment', ['company_id', 'segment_id'])
        .addUniqueConstraint('media_client_name', ['client_id', 'original_name'])
        .execute();
      await db.schema.createIndex('media_status').on('media').columns(['status', 'client_id']).execute();
      await db.schema.createIndex('media_company_started').on('media').columns(['company_id', 'started_at']).execute();
    },
  };
}
