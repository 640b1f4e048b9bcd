import type { Db } from '../db/database.js';

/** The query of `findClientBySocketHistory` (its plan is tested: the partial index of migration 017). */
export const socketHistoryQuery = (db: Db, socketId: string) =>
  db
    .selectFrom('presence_events')
    .innerJoin('clients', 'clients.id', 'presence_events.client_id')
    .select(['clients.id', 'clients.company_id', 'clients.user_host'])
    .where('presence_events.socket_id', '=', socketId)
    .orderBy('presence_events.id', 'desc')
    .limit(1);

/** The client a (possibly earlier) socket id of an original client belonged to, through the connection history. */
export const findClientBySocketHistory = (db: Db, socketId: string) => socketHistoryQuery(db, socketId).executeTakeFirst();
