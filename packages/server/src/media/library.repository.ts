import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import type { MediaTable } from '../db/schema.js';

export interface MediaFilters {
  companyId: number;
  clientId?: number;
  /** Only the recordings of clients now in these groups (undefined: every group; empty: none). */
  groupIds?: number[];
  /** Bounds on `started_at` in ms: `from` inclusive, `before` exclusive. */
  from?: number;
  before?: number;
  source?: MediaTable['source'];
  status?: MediaTable['status'];
}

/** The ids of a company's clients in `groupIds` (a subquery; none for an empty list). */
export const clientsOfGroups = (db: Db, companyId: number, groupIds: number[]) =>
  db
    .selectFrom('clients')
    .select('id')
    .where('company_id', '=', companyId)
    .where(groupIds.length ? sql<boolean>`group_id in (${sql.join(groupIds)})` : sql<boolean>`1 = 0`);

/** One page of a company's media, newest first, and how many match in all. */
export async function listMedia(db: Db, filters: MediaFilters, page: number, perPage: number) {
  // Recordings being deleted are gone for the library already.
  let query = db.selectFrom('media').where('company_id', '=', filters.companyId).where('status', '!=', 'deleting');
  if (filters.clientId !== undefined) query = query.where('client_id', '=', filters.clientId);
  if (filters.groupIds) query = query.where('client_id', 'in', clientsOfGroups(db, filters.companyId, filters.groupIds));
  if (filters.from !== undefined) query = query.where('started_at', '>=', filters.from);
  if (filters.before !== undefined) query = query.where('started_at', '<', filters.before);
  if (filters.source) query = query.where('source', '=', filters.source);
  if (filters.status) query = query.where('status', '=', filters.status);
  const [{ total }, rows] = await Promise.all([
    query.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow(),
    query
      .selectAll()
      .orderBy('started_at', 'desc')
      .orderBy('id', 'desc')
      .limit(perPage)
      .offset((page - 1) * perPage)
      .execute(),
  ]);
  return { total: Number(total), rows };
}

/** The client's media whose `original_name` is one of `names`. */
export async function findByNames(db: Db, clientId: number, names: string[]) {
  const unique = [...new Set(names)];
  const rows = [];
  // Several hundred names per statement stays under SQLite's bound-parameter limit.
  for (let i = 0; i < unique.length; i += 500) {
    const batch = unique.slice(i, i + 500);
    rows.push(...(await db.selectFrom('media').selectAll().where('client_id', '=', clientId).where('original_name', 'in', batch).orderBy('id').execute()));
  }
  return rows;
}

export const deleteMedia = (db: Db, id: number) => db.deleteFrom('media').where('id', '=', id).execute();
