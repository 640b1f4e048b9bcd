import { monitoringHoursSchema, type MonitoringHours } from '@vaahshare/protocol';
import type { Db } from '../db/database.js';

/** A company's schedules: its default and each group's own. */
export interface CompanyHours {
  default: MonitoringHours | null;
  groups: Map<number, MonitoringHours>;
}

// Stored only after validation; parsed again so that a row written by hand cannot reach an agent malformed.
const parse = (json: string): MonitoringHours | null => monitoringHoursSchema.safeParse(JSON.parse(json)).data ?? null;

export async function companyHours(db: Db, companyId: number): Promise<CompanyHours> {
  const rows = await db.selectFrom('monitoring_hours').select(['group_id', 'hours']).where('company_id', '=', companyId).execute();
  const result: CompanyHours = { default: null, groups: new Map() };
  for (const row of rows) {
    const hours = parse(row.hours);
    if (row.group_id === null) result.default = hours;
    else if (hours) result.groups.set(row.group_id, hours);
  }
  return result;
}

/** Sets (or with `hours` null removes) a company's default (`groupId` null) or a group's schedule; answers the one before. */
export async function putHours(db: Db, companyId: number, groupId: number | null, hours: MonitoringHours | null, now: number): Promise<MonitoringHours | null> {
  return db.transaction().execute(async (trx) => {
    const scope = trx.deleteFrom('monitoring_hours').where('company_id', '=', companyId);
    const deleted = await (groupId === null ? scope.where('group_id', 'is', null) : scope.where('group_id', '=', groupId)).returning('hours').executeTakeFirst();
    if (hours) await trx.insertInto('monitoring_hours').values({ company_id: companyId, group_id: groupId, hours: JSON.stringify(hours), updated_at: now }).execute();
    return deleted ? parse(deleted.hours) : null;
  });
}

/** The company and group of each of these clients (those deleted meanwhile are missing). */
export async function groupsOfClients(db: Db, clientIds: number[]) {
  const rows = [];
  // Bounded lists: a storm of connects is looked up in a few statements, none with thousands of parameters.
  for (let i = 0; i < clientIds.length; i += 500) {
    rows.push(...(await db.selectFrom('clients').select(['id', 'company_id', 'group_id']).where('id', 'in', clientIds.slice(i, i + 500)).execute()));
  }
  return rows;
}

/** The company's groups (the default first, then by name); `only`: just these (a viewer's). */
export async function groupsOf(db: Db, companyId: number, only?: number[]) {
  if (only && !only.length) return [];
  let query = db.selectFrom('client_groups').select(['id', 'name']).where('company_id', '=', companyId);
  if (only) query = query.where('id', 'in', only);
  return query.orderBy('is_default', 'desc').orderBy('name').orderBy('id').execute();
}

export const findGroup = (db: Db, id: number) => db.selectFrom('client_groups').select(['id', 'name', 'company_id']).where('id', '=', id).executeTakeFirst();
