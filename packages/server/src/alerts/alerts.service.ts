import type { Alert } from '@vaahshare/protocol';
import { companyRoom, type AppContext } from '../context.js';
import { findAgentAlert, findAlert, insertAlert, setAwaySeconds } from './alerts.repository.js';

type AlertsContext = Pick<AppContext, 'db' | 'io' | 'clock'>;

/** What an agent reports of an idle period (PROTOCOL.md §8.11); the original client sends `idleSeconds` only. */
export interface IdleReport {
  idleSeconds: number;
  /** The agent's id of the idle period: a repeat updates that alert instead of adding one. */
  alertId?: string;
  /** When the threshold was crossed, for an alert the agent held while offline. */
  occurredAt?: string;
  /** The whole idle span, once the person is back. */
  awaySeconds?: number;
}

/**
 * Stores an idle alert of a client and tells the company's dashboards (`alert-created`); a report for an alert the
 * agent already sent records how long the person was away (`alert-updated`), and a plain resend changes nothing.
 */
export async function raiseIdleAlert(ctx: AlertsContext, target: { companyId: number; clientId: number }, report: IdleReport): Promise<Alert> {
  const now = ctx.clock.now();
  // The agent's clock may run ahead of the server's: an alert is never dated in the future.
  const at = Math.min(report.occurredAt === undefined ? now : Date.parse(report.occurredAt), now);
  const created = await insertAlert(ctx.db, { ...target, idleSeconds: report.idleSeconds, at, agentAlertId: report.alertId, awaySeconds: report.awaySeconds });
  if (created) {
    ctx.io.to(companyRoom(target.companyId)).emit('alert-created', { alert: created });
    return created;
  }
  // Only an alert named by the agent can conflict: it exists already.
  const known = (await findAgentAlert(ctx.db, target.clientId, report.alertId!))!;
  const away = report.awaySeconds === undefined ? undefined : Math.round(report.awaySeconds);
  if (away === undefined || away === known.away_seconds) return findAlert(ctx.db, known.id);
  const alert = await setAwaySeconds(ctx.db, known.id, away);
  ctx.io.to(companyRoom(target.companyId)).emit('alert-updated', { alert });
  return alert;
}
