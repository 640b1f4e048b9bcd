import { sql, type Kysely } from 'kysely';
import { sha256 } from '../../infra/secrets.js';

/** How many leading characters of an enrollment token the dashboard shows once it was created. */
export const TOKEN_PREFIX_LENGTH = 6;

/**
 * Enrollment tokens at rest are their sha256 (a leaked database does not leak them) and a short prefix the dashboard
 * shows to tell them apart. The plain-text column becomes the hash column, so its unique index stays; every
 * existing token is hashed in place. A token is random (or AGENT_TOKEN, at least 24 characters): sha256 suffices.
 */
export function tokenHashes() {
  return {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('enrollment_tokens').renameColumn('token', 'token_hash').execute();
      await db.schema.alterTable('enrollment_tokens').addColumn('token_prefix', 'text', (c) => c.notNull().defaultTo('')).execute();
      const rows = await db.selectFrom('enrollment_tokens').select(['id', 'token_hash']).execute();
      for (const row of rows as { id: number; token_hash: string }[]) {
        await db
          .updateTable('enrollment_tokens')
          .set({ token_hash: sha256(row.token_hash), token_prefix: sql`${row.token_hash.slice(0, TOKEN_PREFIX_LENGTH)}` })
          .where('id', '=', row.id)
          .execute();
      }
    },
  };
}
