import type { Alert } from '@vaahshare/protocol';
import { sql } from 'kysely';
import { toIso, type Db } from '../db/database.js';

export interface NewAlert {
  companyId: number;
  clientId: number;
  idleSeconds: number;
  /** When the threshold was crossed. */
  at: number;
  agentAlertId?: string;
  awaySeconds?: number;
}

const alertColumns = [
  'alerts.id',
  'alerts.company_id',
  'alerts.client_id',
  'clients.user_host',
  'alerts.type',
  'alerts.idle_seconds',
  'alerts.away_seconds',
  'alerts.repeat_count',
  'alerts.created_at',
  'alerts.acknowledged_at',
] as const;

const selectAlerts = (db: Db) =>
  db.selectFrom('alerts').innerJoin('clients', 'clients.id', 'alerts.client_id').select(alertColumns);

type AlertRow = Awaited<ReturnType<ReturnType<typeof selectAlerts>['executeTakeFirstOrThrow']>>;

const toAlert = (row: AlertRow): Alert => ({
  ...row,
  created_at: toIso(row.created_at)!,
  acknowledged_at: toIso(row.acknowledged_at),
});

export const findAlert = async (db: Db, id: number) => toAlert(await selectAlerts(db).where('alerts.id', '=', id).executeTakeFirstOrThrow());

/** Stores a new alert; undefined when the agent's id is already taken by an alert of that client. */
export async function insertAlert(db: Db, alert: NewAlert): Promise<Alert | undefined> {
  const row = await db
    .insertInto('alerts')
    .values({
      company_id: alert.companyId,
      client_id: alert.clientId,
      type: 'idle',
      idle_seconds: Math.round(alert.idleSeconds),
      agent_alert_id: alert.agentAlertId ?? null,
      away_seconds: alert.awaySeconds === undefined ? null : Math.round(alert.awaySeconds),
      created_at: alert.at,
      acknowledged_at: null,
    })
    .onConflict((oc) => oc.columns(['client_id', 'agent_alert_id']).doNothing())
    .returning('id')
    .executeTakeFirst();
  return row && findAlert(db, row.id);
}

/** The alert a client's agent named `agentAlertId`. */
export async function findAgentAlert(db: Db, clientId: number, agentAlertId: string) {
  return db.selectFrom('alerts').select(['id', 'away_seconds']).where('client_id', '=', clientId).where('agent_alert_id', '=', agentAlertId).executeTakeFirst();
}

/** Records how long the person was away; the alert as it is now. */
export async function setAwaySeconds(db: Db, id: number, awaySeconds: number): Promise<Alert> {
  await db.updateTable('alerts').set({ away_seconds: awaySeconds }).where('id', '=', id).execute();
  return findAlert(db, id);
}

/** The client's alert dated closest to `at`, within `windowMs` either side (index `alerts_client_time`). */
export async function findAlertNear(db: Db, clientId: number, at: number, windowMs: number) {
  const candidates = await db
    .selectFrom('alerts')
    .select(['id', 'created_at'])
    .where('client_id', '=', clientId)
    .where('created_at', '>', at - windowMs)
    .where('created_at', '<', at + windowMs)
    .orderBy('created_at', 'desc')
    .limit(2)
    .execute();
  return candidates.sort((a, b) => Math.abs(Number(a.created_at) - at) - Math.abs(Number(b.created_at) - at))[0];
}

/** Counts one more report on an alert; the alert as it is now. */
export async function countRepeat(db: Db, id: number): Promise<Alert> {
  await db.updateTable('alerts').set((eb) => ({ repeat_count: eb('repeat_count', '+', 1) })).where('id', '=', id).execute();
  return findAlert(db, id);
}

export interface AlertsFilter {
  companyId: number;
  clientId?: number;
  /** Only alerts of clients now in these groups (undefined: every group; empty: none). */
  groupIds?: number[];
  acknowledged?: boolean;
  page: number;
  perPage: number;
}

export async function listAlerts(db: Db, filter: AlertsFilter) {
  let query = selectAlerts(db).where('alerts.company_id', '=', filter.companyId);
  if (filter.clientId) query = query.where('alerts.client_id', '=', filter.clientId);
  if (filter.groupIds) query = filter.groupIds.length ? query.where('clients.group_id', 'in', filter.groupIds) : query.where(sql<boolean>`1 = 0`);
  if (filter.acknowledged !== undefined) query = query.where('alerts.acknowledged_at', filter.acknowledged ? 'is not' : 'is', null);
  const [{ total }, rows] = await Promise.all([
    query.clearSelect().select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow(),
    query.orderBy('alerts.created_at', 'desc').orderBy('alerts.id', 'desc').limit(filter.perPage).offset((filter.page - 1) * filter.perPage).execute(),
  ]);
  return { total: Number(total), alerts: rows.map(toAlert) };
}

/** The company an alert belongs to, if it exists. */
export async function companyOfAlert(db: Db, alertId: number): Promise<number | undefined> {
  const row = await db.selectFrom('alerts').select('company_id').where('id', '=', alertId).executeTakeFirst();
  return row?.company_id;
}

export async function acknowledgeAlert(db: Db, companyId: number, alertId: number, now: number) {
  await db
    .updateTable('alerts')
    .set({ acknowledged_at: now })
    .where('id', '=', alertId)
    .where('company_id', '=', companyId)
    .where('acknowledged_at', 'is', null)
    .execute();
  const row = await selectAlerts(db).where('alerts.id', '=', alertId).where('alerts.company_id', '=', companyId).executeTakeFirst();
  return row && toAlert(row);
}
