import { sql, type Kysely } from 'kysely';

/**
 * Sessions end after SESSION_IDLE_MINUTES without use (`last_seen_at`), and are found by user (log out everywhere,
 * a disabled user) and by expiry (the purge); a disabled user keeps its row but cannot log in (docs/SECURITY.md).
 */
export function accountSecurity() {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('sessions').addColumn('last_seen_at', 'bigint', (c) => c.notNull().defaultTo(0)).execute();
      await sql`update sessions set last_seen_at = created_at`.execute(db);
      await db.schema.createIndex('sessions_user').on('sessions').column('user_id').execute();
      await db.schema.createIndex('sessions_expires').on('sessions').column('expires_at').execute();
      await db.schema.alterTable('users').addColumn('disabled_at', 'bigint').execute();
    },
  };
}
