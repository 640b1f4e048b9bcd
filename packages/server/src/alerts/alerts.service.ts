import type { Alert } from '@vaahshare/protocol';
import type { Broadcast } from '../broadcast.js';
import type { Clock } from '../infra/clock.js';
import type { NewAlert } from './alerts.repository.js';

/** The queries the alerts service needs (alerts.repository.ts in the app, fakes in its fast test). */
export interface AlertsStore {
  /** Undefined when the agent's id is already taken by an alert of that client. */
  insert: (alert: NewAlert) => Promise<Alert | undefined>;
  findAgentAlert: (clientId: number, agentAlertId: string) => Promise<{ id: number; away_seconds: number | null } | undefined>;
  find: (id: number) => Promise<Alert>;
  setAwaySeconds: (id: number, awaySeconds: number) => Promise<Alert>;
  /** The client's group now: whose dashboards hear of its alerts. */
  groupOf: (clientId: number) => Promise<number | undefined>;
}

export interface AlertsDeps {
  broadcast: Pick<Broadcast, 'toGroup'>;
  clock: Clock;
  store: AlertsStore;
}

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

export type Alerts = ReturnType<typeof createAlerts>;

export function createAlerts({ broadcast, clock, store }: AlertsDeps) {
  /** The dashboards that may see the client: its company's admins and its group's viewers. */
  async function tell(target: { companyId: number; clientId: number }, event: 'alert-created' | 'alert-updated', alert: Alert) {
    const groupId = await store.groupOf(target.clientId);
    if (groupId !== undefined) broadcast.toGroup(target.companyId, groupId).emit(event, { alert });
  }

  return {
    /**
     * Stores an idle alert of a client and tells the dashboards that may see it (`alert-created`); a report for an alert
     * the agent already sent records how long the person was away (`alert-updated`), and a plain resend changes nothing.
     */
    async raiseIdle(target: { companyId: number; clientId: number }, report: IdleReport): Promise<Alert> {
      const now = clock.now();
      // The agent's clock may run ahead of the server's: an alert is never dated in the future.
      const at = Math.min(report.occurredAt === undefined ? now : Date.parse(report.occurredAt), now);
      const created = await store.insert({ ...target, idleSeconds: report.idleSeconds, at, agentAlertId: report.alertId, awaySeconds: report.awaySeconds });
      if (created) {
        await tell(target, 'alert-created', created);
        return created;
      }
      // Only an alert named by the agent can conflict: it exists already.
      const known = (await store.findAgentAlert(target.clientId, report.alertId!))!;
      const away = report.awaySeconds === undefined ? undefined : Math.round(report.awaySeconds);
      if (away === undefined || away === known.away_seconds) return store.find(known.id);
      const alert = await store.setAwaySeconds(known.id, away);
      await tell(target, 'alert-updated', alert);
      return alert;
    },
  };
}
