import type { Kysely } from 'kysely';
import { idColumn, type Dialect } from './columns.js';

/** Companies, their admins and sessions, and their enrollment tokens. */
async function createTenantTables(db: Kysely<unknown>, dialect: Dialect) {
  await db.schema
    .createTable('companies')
    .addColumn('id', idColumn(dialect), (c) => c.primaryKey().$call(dialect.autoIncrement))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('idle_threshold_seconds', 'integer', (c) => c.notNull().defaultTo(300))
    .addColumn('idle_message', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('users')
    .addColumn('id', idColumn(dialect), (c) => c.primaryKey().$call(dialect.autoIncrement))
    .addColumn('company_id', 'integer', (c) => c.notNull().references('companies.id'))
    .addColumn('email', 'text', (c) => c.notNull().unique())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('sessions')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('enrollment_tokens')
    .addColumn('id', idColumn(dialect), (c) => c.primaryKey().$call(dialect.autoIncrement))
    .addColumn('company_id', 'integer', (c) => c.notNull().references('companies.id'))
    .addColumn('token', 'text', (c) => c.notNull().unique())
    .addColumn('label', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('revoked_at', 'bigint')
    .execute();
}

/** Clients, their presence history, and their alerts. */
async function createPresenceTables(db: Kysely<unknown>, dialect: Dialect) {
  await db.schema
    .createTable('clients')
    .addColumn('id', idColumn(dialect), (c) => c.primaryKey().$call(dialect.autoIncrement))
    .addColumn('company_id', 'integer', (c) => c.notNull().references('companies.id'))
    .addColumn('user_host', 'text', (c) => c.notNull())
    .addColumn('socket_id', 'text')
    .addColumn('meta', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('is_connected', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('is_reconnecting', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('is_streaming', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('generation', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('node_id', 'text')
    .addColumn('grace_deadline', 'bigint')
    .addColumn('last_seen_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('clients_company_user_host', ['company_id', 'user_host'])
    .execute();
  await db.schema.createIndex('clients_grace').on('clients').columns(['is_reconnecting', 'grace_deadline']).execute();
  await db.schema.createIndex('clients_node').on('clients').columns(['node_id', 'is_connected']).execute();

  await db.schema
    .createTable('presence_events')
    .addColumn('id', idColumn(dialect), (c) => c.primaryKey().$call(dialect.autoIncrement))
    .addColumn('client_id', 'integer', (c) => c.notNull().references('clients.id').onDelete('cascade'))
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('socket_id', 'text')
    .addColumn('at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('presence_events_client').on('presence_events').columns(['client_id', 'at']).execute();
  await db.schema.createIndex('presence_events_socket').on('presence_events').column('socket_id').execute();

  await db.schema
    .createTable('alerts')
    .addColumn('id', idColumn(dialect), (c) => c.primaryKey().$call(dialect.autoIncrement))
    .addColumn('company_id', 'integer', (c) => c.notNull().references('companies.id'))
    .addColumn('client_id', 'integer', (c) => c.notNull().references('clients.id').onDelete('cascade'))
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('idle_seconds', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('acknowledged_at', 'bigint')
    .execute();
  await db.schema.createIndex('alerts_company').on('alerts').columns(['company_id', 'created_at']).execute();
}

export function initial(dialect: Dialect) {
  return {
    async up(db: Kysely<unknown>) {
      await createTenantTables(db, dialect);
      await createPresenceTables(db, dialect);
    },
  };
}
