import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'node:test';
import type { Client } from '@vaahshare/protocol';
import { createPinia, setActivePinia } from 'pinia';
import { presenceOf, useClientsStore } from './clients';

const client = (id: number, userHost: string, state: 'connected' | 'reconnecting' | 'disconnected', streaming = false): Client => ({
  id,
  company_id: 1,
  user_host: userHost,
  socket_id: state === 'disconnected' ? null : `s${id}`,
  meta: {},
  is_connected: state !== 'disconnected',
  is_reconnecting: state === 'reconnecting',
  is_streaming: streaming,
  grace_deadline: state === 'reconnecting' ? new Date().toISOString() : null,
  last_seen_at: new Date().toISOString(),
  disconnect_reason: state === 'disconnected' ? 'app_closed' : null,
});

describe('clients store (presence events as the seed’s backend store handles them)', () => {
  beforeEach(() => setActivePinia(createPinia()));

  test('client-connected adds a client or updates it in place; the live count follows every event', () => {
    const store = useClientsStore();
    store.apply(client(2, 'bo@pc', 'connected'));
    store.apply(client(1, 'ana@pc', 'connected'));
    assert.deepEqual(store.list.map((c) => c.user_host), ['ana@pc', 'bo@pc']);
    assert.equal(store.liveCount, 2);
    const row = store.get(1)!;
    store.apply(client(1, 'ana@pc', 'reconnecting'));
    assert.equal(store.get(1), row, 'the same object, so only its row re-renders');
    assert.equal(presenceOf(row), 'reconnecting');
    assert.equal(store.liveCount, 1);
    store.apply(client(1, 'ana@pc', 'disconnected'));
    assert.equal(store.liveCount, 1);
    assert.equal(store.list.length, 2, 'a disconnected client stays in the clients list');
    store.apply(client(1, 'ana@pc', 'connected'));
    assert.equal(store.liveCount, 2);
  });

  test('the live-sessions list holds streaming connected clients and drops one the moment it leaves', () => {
    const store = useClientsStore();
    store.apply(client(1, 'ana@pc', 'connected', true));
    store.apply(client(2, 'bo@pc', 'connected', false));
    assert.deepEqual(store.streaming.map((c) => c.id), [1]);
    store.apply(client(1, 'ana@pc', 'reconnecting', false));
    assert.deepEqual(store.streaming, []);
  });
});
