import { sql, type Kysely } from 'kysely';
import { idColumn, type Dialect } from './columns.js';

/**
 * Monitoring hours (issue 16, docs/PROTOCOL.md §8.24): a company's default schedule (`group_id` null) and a group's
 * own, as the JSON of `monitoringHoursSchema`. A company without a row records always, as before.
 */
export function monitoringHours(dialect: Dialect) {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('monitoring_hours')
        .addColumn('id', idColumn(dialect), (c) => c.primaryKey().$call(dialect.autoIncrement))
        .addColumn('company_id', 'integer', (c) => c.notNull().references('companies.id'))
        // A deleted group's schedule goes with it: its clients move to the default group and follow the default.
        .addColumn('group_id', 'integer', (c) => c.references('client_groups.id').onDelete('cascade'))
        .addColumn('hours', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('monitoring_hours_company').on('monitoring_hours').column('company_id').execute();
      // One default per company and one schedule per group.
      await sql`create unique index monitoring_hours_company_default on monitoring_hours (company_id) where group_id is null`.execute(db);
      await sql`create unique index monitoring_hours_group on monitoring_hours (group_id) where group_id is not null`.execute(db);
    },
  };
}
