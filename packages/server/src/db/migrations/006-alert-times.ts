import type { Kysely } from 'kysely';

/**
 * Idle alerts named by the agent (`agent_alert_id`: a resend or the person's return updates the same alert) and the
 * whole idle span once the person is back (`away_seconds`); PROTOCOL.md §8.11.
 */
export function alertTimes() {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('alerts').addColumn('agent_alert_id', 'text').execute();
      await db.schema.alterTable('alerts').addColumn('away_seconds', 'integer').execute();
      await db.schema.createIndex('alerts_client_agent_id').unique().on('alerts').columns(['client_id', 'agent_alert_id']).execute();
    },
  };
}
