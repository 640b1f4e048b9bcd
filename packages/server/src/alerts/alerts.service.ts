import type { Alert } from '@vaahshare/protocol';
import type { Broadcast } from '../broadcast.js';
import type { Clock } from '../infra/clock.js';
import type { NewAlert } from './alerts.repository.js';

export interface AlertsDeps {
  broadcast: Pick<Broadcast, 'toCompany'>;
  clock: Clock;
  insertAlert: (alert: NewAlert) => Promise<Alert>;
}

export type Alerts = ReturnType<typeof createAlerts>;

export function createAlerts({ broadcast, clock, insertAlert }: AlertsDeps) {
  return {
    /** Stores an idle alert of a client and tells the company's dashboards. */
    async raiseIdle(target: { companyId: number; clientId: number }, idleSeconds: number): Promise<Alert> {
      const alert = await insertAlert({ ...target, idleSeconds, now: clock.now() });
      broadcast.toCompany(target.companyId).emit('alert-created', { alert });
      return alert;
    },
  };
}
