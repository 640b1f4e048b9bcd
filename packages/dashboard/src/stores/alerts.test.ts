import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import type { Alert, ListBody } from '@vaahshare/protocol';
import { createPinia, setActivePinia } from 'pinia';
import { alertsApi } from '../api';
import { useAlertsStore } from './alerts';

const alert = (id: number, acknowledged = false): Alert => ({
  id,
  company_id: 1,
  client_id: 1,
  user_host: 'ana@desk-1',
  type: 'idle',
  idle_seconds: 420,
  away_seconds: null,
  repeat_count: 1,
  created_at: new Date().toISOString(),
  acknowledged_at: acknowledged ? new Date().toISOString() : null,
});

/** Refreshes the store while the server's answer (`listed`) is held back, and `live` alerts arrive meanwhile. */
async function refreshWhile(store: ReturnType<typeof useAlertsStore>, listed: Alert[], live: Alert[]) {
  let release!: () => void;
  const answered = new Promise<ListBody<Alert>>((resolve) => {
    release = () => resolve({ data: listed, meta: { total: listed.length, page: 1, per_page: 200 } });
  });
  alertsApi.list = () => answered;
  const refreshed = store.refresh();
  live.forEach(store.add);
  release();
  await refreshed;
}

describe('alerts store', () => {
  const realList = alertsApi.list;
  beforeEach(() => setActivePinia(createPinia()));
  afterEach(() => {
    alertsApi.list = realList;
  });

  test('an alert that arrives live while the list is on its way is kept when the older list lands', async () => {
    const store = useAlertsStore();
    await refreshWhile(store, [alert(1, true)], [alert(2)]);
    assert.deepEqual(store.recent.map((a) => a.id), [2, 1]);
    assert.equal(store.unacknowledged, 1);
  });

  test('a live alert the list already holds is kept once, as the list has it', async () => {
    const store = useAlertsStore();
    await refreshWhile(store, [alert(2, true), alert(1, true)], [alert(2)]);
    assert.deepEqual(store.recent.map((a) => a.id), [2, 1]);
    assert.equal(store.unacknowledged, 0, 'the list is newer about what was acknowledged');
  });

  test('an updated alert (its person came back) replaces the one held, and is announced to lists', () => {
    const store = useAlertsStore();
    store.add(alert(4));
    store.add(alert(5));
    store.update({ ...alert(4), away_seconds: 900 });
    assert.deepEqual(store.recent.map((a) => [a.id, a.away_seconds]), [[5, null], [4, 900]]);
    assert.equal(store.lastUpdated?.away_seconds, 900);
  });

  test('what the store held before the refresh started is replaced by the list', async () => {
    const store = useAlertsStore();
    store.add(alert(7));
    await refreshWhile(store, [alert(3)], []);
    assert.deepEqual(store.recent.map((a) => a.id), [3]);
  });
});
