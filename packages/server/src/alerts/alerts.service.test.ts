import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Alert } from '@vaahshare/protocol';
import { fakeBroadcast } from '../test/fakes.js';
import type { NewAlert } from './alerts.repository.js';
import { createAlerts } from './alerts.service.js';

test('an idle alert is stored at the clock\'s time and told to the company\'s dashboards only', async () => {
  const broadcast = fakeBroadcast();
  const stored: NewAlert[] = [];
  const alerts = createAlerts({
    broadcast,
    clock: { now: () => 1_700_000_000_000 },
    insertAlert: async (alert) => {
      stored.push(alert);
      return { id: 9, company_id: alert.companyId, client_id: alert.clientId, idle_seconds: alert.idleSeconds } as Alert;
    },
  });
  const alert = await alerts.raiseIdle({ companyId: 3, clientId: 7 }, 120);
  assert.deepEqual(stored, [{ companyId: 3, clientId: 7, idleSeconds: 120, now: 1_700_000_000_000 }]);
  assert.deepEqual(broadcast.sent, [{ to: 'company 3', event: 'alert-created', payload: { alert } }]);
});
