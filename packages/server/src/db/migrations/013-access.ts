import type { Kysely } from 'kysely';

/**
 * Access (issue 17): a TOTP second factor per user (its secret, the last time step a code was accepted for, so a
 * code is never taken twice; hashed recovery codes; the half-done logins waiting for their code), whether a
 * company requires a second factor of its admins, and whether it accepts original VaahShare clients and from
 * which addresses.
 */
export function access() {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('users').addColumn('totp_secret', 'text').execute();
      await db.schema.alterTable('users').addColumn('totp_pending_secret', 'text').execute();
      await db.schema.alterTable('users').addColumn('totp_enabled_at', 'bigint').execute();
      await db.schema.alterTable('users').addColumn('totp_last_step', 'bigint').execute();
      await db.schema
        .createTable('recovery_codes')
        .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('code_hash', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('recovery_codes_pk', ['user_id', 'code_hash'])
        .execute();
      await db.schema
        .createTable('login_challenges')
        .addColumn('token_hash', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.alterTable('companies').addColumn('require_admin_totp', 'integer', (c) => c.notNull().defaultTo(0)).execute();
      await db.schema.alterTable('companies').addColumn('original_clients', 'integer', (c) => c.notNull().defaultTo(0)).execute();
      // The allow-list, one address or CIDR per line, as the admin saved it (normalised).
      await db.schema.alterTable('companies').addColumn('original_clients_from', 'text', (c) => c.notNull().defaultTo('')).execute();
    },
  };
}
