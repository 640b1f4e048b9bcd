import type { Group } from '@vaahshare/protocol';
import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import type { ClientGroupRow, ClientRow } from '../db/schema.js';

const toGroup = (row: ClientGroupRow & { clients: number | string }): Group => ({
  id: row.id,
  company_id: row.company_id,
  name: row.name,
  is_default: row.is_default === 1,
  clients: Number(row.clients),
});

const withCounts = (db: Db) =>
  db
    .selectFrom('client_groups')
    .selectAll('client_groups')
    .select((eb) => eb.selectFrom('clients').whereRef('clients.group_id', '=', 'client_groups.id').select(eb.fn.countAll<number>().as('n')).as('clients'));

/** A company's groups (the default first, then by name); `only`: just these (a viewer's). */
export async function listGroups(db: Db, companyId: number, only?: number[]): Promise<Group[]> {
  let query = withCounts(db).where('company_id', '=', companyId);
  if (only) query = only.length ? query.where('id', 'in', only) : query.where(sql<boolean>`1 = 0`);
  const rows = await query.orderBy('is_default', 'desc').orderBy('name').orderBy('id').execute();
  return rows.map((row) => toGroup({ ...row, clients: row.clients ?? 0 }));
}

export async function findGroup(db: Db, id: number): Promise<Group | undefined> {
  const row = await withCounts(db).where('id', '=', id).executeTakeFirst();
  return row && toGroup({ ...row, clients: row.clients ?? 0 });
}

export const findGroupByName = (db: Db, companyId: number, name: string) =>
  db.selectFrom('client_groups').select('id').where('company_id', '=', companyId).where('name', '=', name).executeTakeFirst();

export async function insertGroup(db: Db, companyId: number, name: string, now: number): Promise<Group> {
  const row = await db.insertInto('client_groups').values({ company_id: companyId, name, is_default: 0, created_at: now }).returningAll().executeTakeFirstOrThrow();
  return toGroup({ ...row, clients: 0 });
}

export const renameGroup = (db: Db, id: number, name: string) => db.updateTable('client_groups').set({ name }).where('id', '=', id).execute();

/** The company's default group's id. */
export async function defaultGroupOf(db: Db, companyId: number): Promise<number> {
  const row = await db.selectFrom('client_groups').select('id').where('company_id', '=', companyId).where('is_default', '=', 1).executeTakeFirstOrThrow();
  return row.id;
}

export interface Moved {
  /** The clients as they are now, in their new group. */
  rows: ClientRow[];
  /** Each moved client's group before. */
  from: Map<number, number>;
}

/**
 * Moves `clientIds` into `groupId` (those in it already stay). If one of them is not a client of `companyId`, nothing
 * moves and its id is answered as `missing`.
 */
export async function moveClients(db: Db, companyId: number, groupId: number, clientIds: number[]): Promise<Moved & { missing?: number }> {
  return db.transaction().execute(async (trx) => {
    const wanted = [...new Set(clientIds)];
    const before = await trx.selectFrom('clients').select(['id', 'group_id']).where('company_id', '=', companyId).where('id', 'in', wanted).execute();
    const found = new Set(before.map((b) => b.id));
    const missing = wanted.find((id) => !found.has(id));
    const moving = before.filter((b) => b.group_id !== groupId);
    if (missing !== undefined || !moving.length) return { rows: [], from: new Map(), missing };
    const rows = await trx.updateTable('clients').set({ group_id: groupId }).where('id', 'in', moving.map((b) => b.id)).returningAll().execute();
    return { rows, from: new Map(moving.map((b) => [b.id, b.group_id])) };
  });
}

/**
 * Deletes a group: its clients move to the company's default group and its tokens to the default (null); the
 * viewers given it lose it. Answers the moved clients and the viewers who had it.
 */
export async function deleteGroup(db: Db, group: Group): Promise<Moved & { viewers: number[] }> {
  return db.transaction().execute(async (trx) => {
    const defaultId = await defaultGroupOf(trx, group.company_id);
    const rows = await trx.updateTable('clients').set({ group_id: defaultId }).where('group_id', '=', group.id).returningAll().execute();
    await trx.updateTable('enrollment_tokens').set({ group_id: null }).where('group_id', '=', group.id).execute();
    const viewers = await trx.deleteFrom('user_groups').where('group_id', '=', group.id).returning('user_id').execute();
    await trx.deleteFrom('client_groups').where('id', '=', group.id).execute();
    return { rows, from: new Map(rows.map((row) => [row.id, group.id])), viewers: viewers.map((v) => v.user_id) };
  });
}
