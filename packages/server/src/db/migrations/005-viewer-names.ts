import type { Kysely } from 'kysely';

/** Whether the agents' windows name the people watching live (issue 15); on by default. */
export function viewerNames() {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .alterTable('companies')
        .addColumn('viewer_names_shown', 'integer', (c) => c.notNull().defaultTo(1))
        .execute();
    },
  };
}
