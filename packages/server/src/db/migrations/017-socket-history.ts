import { sql, type Kysely } from 'kysely';

/**
 * Socket ids in the presence history only where they are looked up: an original client names one of its earlier
 * sockets in its REST calls (`/upload`, `/assets`), an agent never does. From now on only original clients' events
 * carry one (presence.repository.ts), and the index holds only those: in a reconnect storm each connect inserted a
 * random socket id into it, which cost about as much as the rest of the event's insert and its commit together
 * (docs/bench-log/presence.md, 2026-12-03). Ids already recorded stay, and stay indexed.
 */
export function socketHistory() {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.dropIndex('presence_events_socket').execute();
      await sql`create index presence_events_socket on presence_events (socket_id) where socket_id is not null`.execute(db);
    },
  };
}
