import { sql, type ExpressionBuilder, type SelectQueryBuilder } from 'kysely';
import type { Db } from '../db/database.js';
import type { AuditEntryRow, Database, NewAuditEntry } from '../db/schema.js';

const DAY_MS = 86_400_000;

/** What `GET /api/audit` selects; `companyId` undefined: every company (a superadmin's view). */
export interface AuditFilters {
  companyId?: number;
  actor?: string;
  target?: string;
  action?: string;
  from?: number;
  before?: number;
}

export const insertAuditEntries = async (db: Db, entries: NewAuditEntry[]) => {
  if (entries.length) await db.insertInto('audit_entries').values(entries).execute();
};

/** `%text%` for LIKE, with the text's own % _ \ taken literally. */
const containing = (text: string) => `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
const likeLower = (column: 'actor_email' | 'target_label', text: string) => sql<boolean>`lower(${sql.ref(column)}) like ${containing(text)} escape '\\'`;

function filtered(db: Db, f: AuditFilters): SelectQueryBuilder<Database, 'audit_entries', object> {
  return db.selectFrom('audit_entries').where((eb: ExpressionBuilder<Database, 'audit_entries'>) => {
    const all = [];
    if (f.companyId !== undefined) all.push(eb('company_id', '=', f.companyId));
    if (f.action) all.push(eb('action', '=', f.action));
    if (f.from !== undefined) all.push(eb('at', '>=', f.from));
    if (f.before !== undefined) all.push(eb('at', '<', f.before));
    if (f.actor) all.push(eb(likeLower('actor_email', f.actor), '=', sql<boolean>`true`));
    if (f.target) {
      const byId = /^\d{1,9}$/.test(f.target) ? [eb('target_id', '=', Number(f.target))] : [];
      all.push(eb.or([eb(likeLower('target_label', f.target), '=', sql<boolean>`true`), ...byId]));
    }
    return eb.and(all);
  });
}

/** One page of entries, newest first, and how many match. */
export async function listAuditEntries(db: Db, filters: AuditFilters, page: number, perPage: number) {
  const { total } = await filtered(db, filters).select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow();
  const rows = await filtered(db, filters)
    .selectAll()
    .orderBy('at', 'desc')
    .orderBy('id', 'desc')
    .limit(perPage)
    .offset((page - 1) * perPage)
    .execute();
  return { total: Number(total), rows };
}

/** Every matching entry, newest first, read a page at a time (by id: stable while new entries arrive). */
export async function* eachAuditEntry(db: Db, filters: AuditFilters, pageSize = 1000): AsyncGenerator<AuditEntryRow> {
  let below: { at: number; id: number } | undefined;
  for (;;) {
    let query = filtered(db, filters).selectAll();
    if (below) {
      const { at, id } = below;
      query = query.where((eb) => eb.or([eb('at', '<', at), eb.and([eb('at', '=', at), eb('id', '<', id)])]));
    }
    const rows = await query.orderBy('at', 'desc').orderBy('id', 'desc').limit(pageSize).execute();
    yield* rows;
    if (rows.length < pageSize) return;
    below = rows[rows.length - 1];
  }
}

/**
 * The audit retention sweep's delete, the only one the server runs on the trail: each company's entries older
 * than its `audit_retention_days`, and entries of no company older than `defaultDays`. Returns how many went.
 */
export async function deleteExpiredAuditEntries(db: Db, now: number, defaultDays: number): Promise<number> {
  const companies = await db.selectFrom('companies').select(['id', 'audit_retention_days']).execute();
  let deleted = 0;
  for (const { id, audit_retention_days } of companies) {
    const result = await db.deleteFrom('audit_entries').where('company_id', '=', id).where('at', '<', now - audit_retention_days * DAY_MS).executeTakeFirst();
    deleted += Number(result.numDeletedRows);
  }
  const orphans = await db.deleteFrom('audit_entries').where('company_id', 'is', null).where('at', '<', now - defaultDays * DAY_MS).executeTakeFirst();
  return deleted + Number(orphans.numDeletedRows);
}
