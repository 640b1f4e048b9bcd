import { sql, type Kysely } from 'kysely';
import { idColumn, type Dialect } from './columns.js';

/** The name of the group every company has (existing clients move into it). */
export const DEFAULT_GROUP_NAME = 'Default';

/**
 * Roles and groups (issue 16): clients belong to a group of their company (each company has one default group, which
 * every existing client joins); an enrollment token may name the group its new clients land in; a viewer is given
 * groups (`user_groups`) and may be allowed to download (`users.may_download`).
 */
export function rolesGroups(dialect: Dialect) {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('client_groups')
        .addColumn('id', idColumn(dialect), (c) => c.primaryKey().$call(dialect.autoIncrement))
        .addColumn('company_id', 'integer', (c) => c.notNull().references('companies.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('is_default', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('client_groups_company_name', ['company_id', 'name'])
        .execute();
      // One default group per company, whatever two nodes creating companies at once do.
      await sql`create unique index client_groups_one_default on client_groups (company_id) where is_default = 1`.execute(db);
      // Cast: PostgreSQL types a parameter in a SELECT list as text.
      await sql`insert into client_groups (company_id, name, is_default, created_at)
        select id, cast(${DEFAULT_GROUP_NAME} as text), 1, cast(${Date.now()} as bigint) from companies`.execute(db);

      // Null only between this migration's statements: every client gets a group when it is created.
      await db.schema.alterTable('clients').addColumn('group_id', 'integer', (c) => c.references('client_groups.id')).execute();
      await sql`update clients set group_id = (select g.id from client_groups g where g.company_id = clients.company_id and g.is_default = 1)`.execute(db);
      await db.schema.createIndex('clients_group').on('clients').columns(['group_id', 'user_host']).execute();
      // Null: the company's default group.
      await db.schema.alterTable('enrollment_tokens').addColumn('group_id', 'integer', (c) => c.references('client_groups.id')).execute();

      await db.schema.alterTable('users').addColumn('may_download', 'integer', (c) => c.notNull().defaultTo(0)).execute();
      await db.schema
        .createTable('user_groups')
        .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('group_id', 'integer', (c) => c.notNull().references('client_groups.id').onDelete('cascade'))
        .addPrimaryKeyConstraint('user_groups_pk', ['user_id', 'group_id'])
        .execute();
      await db.schema.createIndex('user_groups_group').on('user_groups').column('group_id').execute();
    },
  };
}
