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
  /** The client's alert dated closest to `at` within `windowMs` either side of it, if any. */
  findNear: (clientId: number, at: number, windowMs: number) => Promise<{ id: number } | undefined>;
  /** One more report stands for this alert. */
  countRepeat: (id: number) => Promise<Alert>;
  /** The client's group now: whose dashboards hear of its alerts. */
  groupOf: (clientId: number) => Promise<number | undefined>;
}

export interface AlertsDeps {
  broadcast: Pick<Broadcast, 'toGroup'>;
  clock: Clock;
  store: AlertsStore;
  /**
   * Two idle alerts of one client closer together than this are one alert (its `repeat_count` grows): the company's
   * idle threshold, since a person must be idle that long again before an honest agent raises the next one.
   */
  repeatWindowMs: (companyId: number) => Promise<number>;
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

export function createAlerts({ broadcast, clock, store, repeatWindowMs }: AlertsDeps) {
  /** The dashboards that may see the client: its company's admins and its group's viewers. */
  async function tell(target: { companyId: number; clientId: number }, event: 'alert-created' | 'alert-updated', alert: Alert) {
    const groupId = await store.groupOf(target.clientId);
    if (groupId !== undefined) broadcast.toGroup(target.companyId, groupId).emit(event, { alert });
  }

  /** A report for an alert the agent already sent: records how long the person was away (`alert-updated`), or nothing. */
  async function updateKnown(target: { companyId: number; clientId: number }, known: { id: number; away_seconds: number | null }, report: IdleReport): Promise<Alert> {
    const away = report.awaySeconds === undefined ? undefined : Math.round(report.awaySeconds);
    if (away === undefined || away === known.away_seconds) return store.find(known.id);
    const alert = await store.setAwaySeconds(known.id, away);
    await tell(target, 'alert-updated', alert);
    return alert;
  }

  /** A repeat within the window counts on the alert it repeats (`alert-updated`, never a second toast), or undefined. */
  async function countIfRepeat(target: { companyId: number; clientId: number }, at: number): Promise<Alert | undefined> {
    const near = await store.findNear(target.clientId, at, await repeatWindowMs(target.companyId));
    if (!near) return undefined;
    const alert = await store.countRepeat(near.id);
    await tell(target, 'alert-updated', alert);
    return alert;
  }

  return {
    /**
     * Stores an idle alert of a client and tells the dashboards that may see it (`alert-created`); a report for an alert
     * the agent already sent records how long the person was away (`alert-updated`), and a plain resend changes
     * nothing; another alert of the client within the company's idle threshold is counted as a repeat of that one.
     */
    async raiseIdle(target: { companyId: number; clientId: number }, report: IdleReport): Promise<Alert> {
      const now = clock.now();
      // The agent's clock may run ahead of the server's: an alert is never dated in the future.
      const at = Math.min(report.occurredAt === undefined ? now : Date.parse(report.occurredAt), now);
      const known = report.alertId === undefined ? undefined : await store.findAgentAlert(target.clientId, report.alertId);
      if (known) return updateKnown(target, known, report);
      const repeat = await countIfRepeat(target, at);
      if (repeat) return repeat;
      const created = await store.insert({ ...target, idleSeconds: report.idleSeconds, at, agentAlertId: report.alertId, awaySeconds: report.awaySeconds });
      if (created) {
        await tell(target, 'alert-created', created);
        return created;
      }
      // Only an alert named by the agent can conflict: another socket of the client stored it meanwhile.
      return updateKnown(target, (await store.findAgentAlert(target.clientId, report.alertId!))!, report);
    },
  };
}
