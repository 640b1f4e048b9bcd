import type { Kysely } from 'kysely';

/** Each company's quality preset for its agents' recordings (issue 20): "balanced" unless an admin picks another. */
export function qualityPresets() {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('companies').addColumn('quality_preset', 'text', (c) => c.notNull().defaultTo('balanced')).execute();
    },
  };
}
