import type { Kysely } from 'kysely';

/**
 * Per-device credentials (PROTOCOL.md §2 "Device credential"): the sha256 of the secret the desktop got when it
 * enrolled. Existing clients have none: their next connection enrolls them, so agents installed before keep working.
 */
export function deviceSecrets() {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('clients').addColumn('device_secret_hash', 'text').execute();
    },
  };
}
