import type { Alert } from '@vaahshare/protocol';
import { toIso, type Db } from '../db/database.js';

export interface NewAlert {
  companyId: number;
  clientId: number;
  idleSeconds: number;
  now: number;
}

const alertColumns = [
  'alerts.id',
  'alerts.company_id',
  'alerts.client_id',
  'clients.user_host',
  'alerts.type',
  'alerts.idle_seconds',
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

export async function insertAlert(db: Db, alert: NewAlert): Promise<Alert> {
  const { id } = await db
    .insertInto('alerts')
    .values({
      company_id: alert.companyId,
      client_id: alert.clientId,
      type: 'idle',
      idle_seconds: Math.round(alert.idleSeconds),
      created_at: alert.now,
      acknowledged_at: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return toAlert(await selectAlerts(db).where('alerts.id', '=', id).executeTakeFirstOrThrow());
}

export interface AlertsFilter {
  companyId: number;
  clientId?: number;
  acknowledged?: boolean;
  page: number;
  perPage: number;
}

export async function listAlerts(db: Db, filter: AlertsFilter) {
  let query = selectAlerts(db).where('alerts.company_id', '=', filter.companyId);
  if (filter.clientId) query = query.where('alerts.client_id', '=', filter.clientId);
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
