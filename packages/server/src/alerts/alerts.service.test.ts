import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Alert } from '@vaahshare/protocol';
import { fakeBroadcast } from '../test/fakes.js';
import type { NewAlert } from './alerts.repository.js';
import { createAlerts, type AlertsStore } from './alerts.service.js';

const NOW = 1_700_000_000_000;
/** The company's idle threshold: alerts of a client closer together are one. */
const THRESHOLD_MS = 60_000;

/** An in-memory alerts table: one alert per agent id and client, as the unique index has it. */
function fakeStore() {
  const rows: Array<Alert & { agentAlertId?: string }> = [];
  const store: AlertsStore = {
    insert: async (alert: NewAlert) => {
      if (alert.agentAlertId && rows.some((r) => r.client_id === alert.clientId && r.agentAlertId === alert.agentAlertId)) return undefined;
      const row = {
        id: rows.length + 1,
        company_id: alert.companyId,
        client_id: alert.clientId,
        idle_seconds: alert.idleSeconds,
        away_seconds: alert.awaySeconds ?? null,
        repeat_count: 1,
        created_at: new Date(alert.at).toISOString(),
        agentAlertId: alert.agentAlertId,
      } as Alert & { agentAlertId?: string };
      rows.push(row);
      return row;
    },
    findAgentAlert: async (clientId, agentAlertId) => rows.find((r) => r.client_id === clientId && r.agentAlertId === agentAlertId),
    find: async (id) => rows.find((r) => r.id === id)!,
    setAwaySeconds: async (id, awaySeconds) => Object.assign(rows.find((r) => r.id === id)!, { away_seconds: awaySeconds }),
    findNear: async (clientId, at, windowMs) => rows.find((r) => r.client_id === clientId && Math.abs(Date.parse(r.created_at) - at) < windowMs),
    countRepeat: async (id) => {
      const row = rows.find((r) => r.id === id)!;
      row.repeat_count += 1;
      return row;
    },
    groupOf: async () => 9,
  };
  return { rows, store };
}

test('an idle alert is stored at the clock\'s time and told to the dashboards of its client\'s group only', async () => {
  const broadcast = fakeBroadcast();
  const { rows, store } = fakeStore();
  const alerts = createAlerts({ broadcast, clock: { now: () => NOW }, store, repeatWindowMs: async () => THRESHOLD_MS });
  const alert = await alerts.raiseIdle({ companyId: 3, clientId: 7 }, { idleSeconds: 120 });
  assert.deepEqual(rows.map((r) => [r.company_id, r.client_id, r.idle_seconds, r.created_at]), [[3, 7, 120, new Date(NOW).toISOString()]]);
  assert.deepEqual(broadcast.sent, [{ to: 'group 9 of company 3', event: 'alert-created', payload: { alert } }]);
});

test('an alert held offline keeps its real time, never one in the future; its return is told once as alert-updated', async () => {
  const broadcast = fakeBroadcast();
  const { rows, store } = fakeStore();
  const alerts = createAlerts({ broadcast, clock: { now: () => NOW }, store, repeatWindowMs: async () => THRESHOLD_MS });
  const held = { idleSeconds: 60, alertId: 'idle-1', occurredAt: new Date(NOW - 300_000).toISOString() };
  await alerts.raiseIdle({ companyId: 3, clientId: 7 }, held);
  assert.equal(rows[0]!.created_at, held.occurredAt);
  await alerts.raiseIdle({ companyId: 3, clientId: 7 }, { ...held, awaySeconds: 318.4 });
  await alerts.raiseIdle({ companyId: 3, clientId: 7 }, { ...held, awaySeconds: 318.4 });
  await alerts.raiseIdle({ companyId: 3, clientId: 8 }, { idleSeconds: 60, alertId: 'idle-2', occurredAt: new Date(NOW + 60_000).toISOString() });
  assert.equal(rows.length, 2, 'a resend is the same alert');
  assert.equal(rows[0]!.away_seconds, 318);
  assert.equal(rows[1]!.created_at, new Date(NOW).toISOString(), 'an agent clock ahead of the server does not date it later');
  assert.deepEqual(broadcast.sent.map((s) => s.event), ['alert-created', 'alert-updated', 'alert-created']);
});

test('alerts of one client closer together than the idle threshold are one alert with a count, announced as updates', async () => {
  const broadcast = fakeBroadcast();
  const { rows, store } = fakeStore();
  let now = NOW;
  const alerts = createAlerts({ broadcast, clock: { now: () => now }, store, repeatWindowMs: async () => THRESHOLD_MS });
  for (let i = 0; i < 5; i++) await alerts.raiseIdle({ companyId: 3, clientId: 7 }, { idleSeconds: 60 });
  // Named otherwise by the agent, but within the threshold of the first: no honest agent sends that.
  await alerts.raiseIdle({ companyId: 3, clientId: 7 }, { idleSeconds: 60, alertId: 'flood-1' });
  await alerts.raiseIdle({ companyId: 3, clientId: 8 }, { idleSeconds: 60 });
  assert.deepEqual(rows.map((r) => [r.client_id, r.repeat_count]), [[7, 6], [8, 1]]);
  assert.deepEqual(broadcast.sent.map((s) => s.event), ['alert-created', ...Array(5).fill('alert-updated'), 'alert-created']);

  // The person was idle again for the threshold after coming back: a new alert.
  now += THRESHOLD_MS;
  await alerts.raiseIdle({ companyId: 3, clientId: 7 }, { idleSeconds: 60, alertId: 'idle-2' });
  assert.deepEqual(rows.map((r) => [r.client_id, r.repeat_count]), [[7, 6], [8, 1], [7, 1]]);
});
