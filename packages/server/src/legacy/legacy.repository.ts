import type { Db } from '../db/database.js';

/** The client a (possibly earlier) socket id belonged to, through the connection history. */
export const findClientBySocketHistory = (db: Db, socketId: string) =>
  db
    .selectFrom('presence_events')
    .innerJoin('clients', 'clients.id', 'presence_events.client_id')
    .select(['clients.id', 'clients.company_id', 'clients.user_host'])
    .where('presence_events.socket_id', '=', socketId)
    .orderBy('presence_events.id', 'desc')
    .limit(1)
    .executeTakeFirst();
