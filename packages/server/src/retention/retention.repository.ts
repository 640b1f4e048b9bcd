import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import type { MediaRow } from '../db/schema.js';
import { nextTurn } from '../infra/next-turn.js';
import { clientsOfGroups } from '../media/index.js';

// The queries of retention and deletion. Every statement touches a bounded number of rows, so that on SQLite
// (whose queries run on the event loop) none of them holds the loop for long, whatever the size of the library;
// loops of statements await `nextTurn` between them, so that they do not add up to one long task.

/** Recordings that may be deleted: finished. A recording still streaming or being finalized is never touched. */
export const FINISHED: Array<MediaRow['status']> = ['ready', 'error'];

/** Rows per statement: bounded work per query, and under SQLite's bound-parameter limit. */
export const BATCH = 500;
/** Rows marked or deleted per statement: each such statement updates several indexes, and SQLite's run on the event loop. */
export const DELETE_BATCH = 100;
/** Ids per aggregate query when summing a whole library (a range scan of the primary key). */
const SUM_ID_RANGE = 5_000;

export type Candidate = Pick<MediaRow, 'id' | 'client_id' | 'size' | 'started_at'>;
export type Claimed = Pick<MediaRow, 'id' | 'company_id' | 'client_id' | 'size' | 'started_at'>;

/** Which recordings a walk goes over: a company's, or one client's; optionally only those started before `before`. */
export interface WalkScope {
  companyId: number;
  clientId?: number;
  /** Clients left out (those with rules of their own replacing the company's). */
  exceptClients?: number[];
  before?: number;
}

/** The next finished recordings of a scope after `after`, oldest first (by start, then id). */
export function oldestFinished(db: Db, scope: WalkScope, after: { started_at: number; id: number } | null): Promise<Candidate[]> {
  let query = db
    .selectFrom('media')
    .select(['id', 'client_id', 'size', 'started_at'])
    .where('company_id', '=', scope.companyId)
    .where('status', 'in', FINISHED);
  if (scope.clientId !== undefined) query = query.where('client_id', '=', scope.clientId);
  if (scope.exceptClients?.length) query = query.where('client_id', 'not in', scope.exceptClients);
  if (scope.before !== undefined) query = query.where('started_at', '<', scope.before);
  if (after) query = query.where(sql<boolean>`(started_at, id) > (${after.started_at}, ${after.id})`);
  return query.orderBy('started_at').orderBy('id').limit(BATCH).execute();
}

/** Bytes and recordings of a company (all but those being deleted), per client: summed a range of ids at a time. */
export async function usageByClient(db: Db, companyId: number): Promise<Map<number, { bytes: number; recordings: number }>> {
  const usage = new Map<number, { bytes: number; recordings: number }>();
  await nextTurn();
  const bounds = await db
    .selectFrom('media')
    .select((eb) => [eb.fn.min('id').as('low'), eb.fn.max('id').as('high')])
    .executeTakeFirst();
  if (bounds?.low == null || bounds.high == null) return usage;
  for (let from = Number(bounds.low); from <= Number(bounds.high); from += SUM_ID_RANGE) {
    await nextTurn();
    const rows = await db
      .selectFrom('media')
      .select((eb) => ['client_id', eb.fn.sum<number>('size').as('bytes'), eb.fn.countAll<number>().as('recordings')])
      .where('id', '>=', from)
      .where('id', '<', from + SUM_ID_RANGE)
      .where('company_id', '=', companyId)
      .where('status', '!=', 'deleting')
      .groupBy('client_id')
      .execute();
    for (const row of rows) {
      const seen = usage.get(row.client_id) ?? { bytes: 0, recordings: 0 };
      usage.set(row.client_id, { bytes: seen.bytes + Number(row.bytes), recordings: seen.recordings + Number(row.recordings) });
    }
  }
  return usage;
}

/**
 * Marks finished recordings `deleting` for this node: from then on nobody plays, finalizes or deletes them but
 * this node, which removes their files and then the rows. Guarded by status, so of several deleters each row
 * goes to one, and a recording that is not finished is not taken.
 */
export async function claimForDeletion(db: Db, companyId: number, ids: number[], nodeId: string, now: number): Promise<Claimed[]> {
  const claimed: Claimed[] = [];
  for (let at = 0; at < ids.length; at += DELETE_BATCH) {
    await nextTurn();
    claimed.push(...(await claimBatch(db, companyId, ids.slice(at, at + DELETE_BATCH), nodeId, now).execute()));
  }
  return claimed;
}

/** One batch's claim (at most DELETE_BATCH ids): found by primary key, guarded by company and status. */
export const claimBatch = (db: Db, companyId: number, ids: number[], nodeId: string, now: number) =>
  db
    .updateTable('media')
    .set({ status: 'deleting', node_id: nodeId, updated_at: now })
    .where('id', 'in', ids)
    .where('company_id', '=', companyId)
    .where('status', 'in', FINISHED)
    .returning(['id', 'company_id', 'client_id', 'size', 'started_at']);

/**
 * Marks `deleting` for this node a live recording this node finalized and found empty (still `processing` here):
 * guarded by status and node, so a row that another node took over meanwhile is left to that node.
 */
export const claimProcessedEmpty = (db: Db, companyId: number, id: number, nodeId: string, now: number): Promise<Claimed[]> =>
  db
    .updateTable('media')
    .set({ status: 'deleting', updated_at: now })
    .where('id', '=', id)
    .where('company_id', '=', companyId)
    .where('status', '=', 'processing')
    .where('node_id', '=', nodeId)
    .returning(['id', 'company_id', 'client_id', 'size', 'started_at'])
    .execute();

/** The rows whose files are gone. */
export async function deleteClaimed(db: Db, ids: number[], nodeId: string): Promise<void> {
  for (let at = 0; at < ids.length; at += DELETE_BATCH) {
    await nextTurn();
    await db
      .deleteFrom('media')
      .where('id', 'in', ids.slice(at, at + DELETE_BATCH))
      .where('status', '=', 'deleting')
      .where('node_id', '=', nodeId)
      .execute();
  }
}

/**
 * Deletions interrupted by this node's crash (`mine`, at start) or by the death of another node (`gone nodes`):
 * taken over, a batch at a time, by a guarded update (each row goes to one node).
 */
export async function claimInterruptedDeletions(db: Db, of: 'mine' | 'gone nodes', nodeId: string, now: number): Promise<Claimed[]> {
  const ids = await db
    .selectFrom('media')
    .select('id')
    .where('status', '=', 'deleting')
    .where('node_id', of === 'mine' ? '=' : 'not in', of === 'mine' ? nodeId : db.selectFrom('cluster_nodes').select('id'))
    .limit(DELETE_BATCH)
    .execute();
  if (!ids.length) return [];
  await nextTurn();
  return db
    .updateTable('media')
    .set({ node_id: nodeId, updated_at: now })
    .where('id', 'in', ids.map((r) => r.id))
    .where('status', '=', 'deleting')
    .returning(['id', 'company_id', 'client_id', 'size', 'started_at'])
    .execute();
}

/** A company's recordings that the History filters select, a batch at a time after `afterId`. */
export function selectedIds(db: Db, filters: import('../media/index.js').MediaFilters, afterId: number) {
  let query = db.selectFrom('media').select(['id', 'status']).where('company_id', '=', filters.companyId).where('status', '!=', 'deleting');
  if (filters.clientId !== undefined) query = query.where('client_id', '=', filters.clientId);
  if (filters.groupIds) query = query.where('client_id', 'in', clientsOfGroups(db, filters.companyId, filters.groupIds));
  if (filters.from !== undefined) query = query.where('started_at', '>=', filters.from);
  if (filters.before !== undefined) query = query.where('started_at', '<', filters.before);
  if (filters.source) query = query.where('source', '=', filters.source);
  if (filters.status) query = query.where('status', '=', filters.status);
  return query.where('id', '>', afterId).orderBy('id').limit(BATCH).execute();
}

export const companiesWithRules = (db: Db) =>
  db
    .selectFrom('companies')
    .select(['id', 'retention_days', 'retention_max_bytes'])
    .where((eb) => eb.or([eb('retention_days', 'is not', null), eb('retention_max_bytes', 'is not', null), eb('id', 'in', eb.selectFrom('client_retention').select('company_id'))]))
    .execute();

export const companyRule = (db: Db, companyId: number) =>
  db.selectFrom('companies').select(['id', 'retention_days', 'retention_max_bytes']).where('id', '=', companyId).executeTakeFirst();

export const clientRules = (db: Db, companyId: number) =>
  db
    .selectFrom('client_retention')
    .innerJoin('clients', 'clients.id', 'client_retention.client_id')
    .select(['client_retention.client_id', 'clients.user_host', 'client_retention.retention_days', 'client_retention.retention_max_bytes'])
    .where('client_retention.company_id', '=', companyId)
    .orderBy('clients.user_host')
    .execute();

export const setCompanyRule = (db: Db, companyId: number, days: number | null, maxBytes: number | null) =>
  db.updateTable('companies').set({ retention_days: days, retention_max_bytes: maxBytes }).where('id', '=', companyId).execute();

export async function setClientRule(db: Db, companyId: number, clientId: number, days: number | null, maxBytes: number | null) {
  await db.deleteFrom('client_retention').where('client_id', '=', clientId).execute();
  if (days === null && maxBytes === null) return;
  await db.insertInto('client_retention').values({ client_id: clientId, company_id: companyId, retention_days: days, retention_max_bytes: maxBytes }).execute();
}
