import { sql, type Kysely } from 'kysely';
import { idColumn, type Dialect } from './columns.js';

/**
 * The audit trail (issue 16): who did what, when, from which address. Append-only: a trigger refuses any
 * UPDATE on both engines; rows go only through the audit retention sweep (`companies.audit_retention_days`).
 */
export function audit(dialect: Dialect) {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('companies').addColumn('audit_retention_days', 'integer', (c) => c.notNull().defaultTo(365)).execute();
      await db.schema
        .createTable('audit_entries')
        .addColumn('id', idColumn(dialect), (c) => c.primaryKey().$call(dialect.autoIncrement))
        .addColumn('at', 'bigint', (c) => c.notNull())
        // Null: not known to belong to a company (a failed login with an unknown e-mail); superadmins see it.
        .addColumn('company_id', 'integer')
        .addColumn('actor_kind', 'text', (c) => c.notNull())
        .addColumn('actor_user_id', 'integer')
        .addColumn('actor_email', 'text')
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('target_kind', 'text')
        .addColumn('target_id', 'integer')
        .addColumn('target_label', 'text')
        .addColumn('ip', 'text')
        .addColumn('details', 'text')
        .execute();
      await db.schema.createIndex('audit_entries_company_at').on('audit_entries').columns(['company_id', 'at']).execute();
      await db.schema.createIndex('audit_entries_at').on('audit_entries').column('at').execute();
      if (dialect.name === 'postgres') {
        await sql`create function audit_entries_append_only() returns trigger language plpgsql as $$
          begin raise exception 'audit entries are append-only'; end $$`.execute(db);
        await sql`create trigger audit_entries_no_update before update on audit_entries
          for each row execute function audit_entries_append_only()`.execute(db);
      } else {
        await sql`create trigger audit_entries_no_update before update on audit_entries
          begin select raise(abort, 'audit entries are append-only'); end`.execute(db);
      }
    },
  };
}
