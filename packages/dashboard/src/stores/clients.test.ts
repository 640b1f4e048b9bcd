import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import type { Client } from '@vaahshare/protocol';
import { createPinia, setActivePinia } from 'pinia';
import { clientsApi } from '../api';
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
  device_enrolled: true,
  group_id: 1,
});

describe('clients store (presence events as the seed’s backend store handles them)', () => {
  const fetchAll = clientsApi.all;
  beforeEach(() => setActivePinia(createPinia()));
  afterEach(() => (clientsApi.all = fetchAll));

  test('client-connected adds a client or updates it in place; the online count follows every event', () => {
    const store = useClientsStore();
    store.apply(client(2, 'bo@pc', 'connected'));
    store.apply(client(1, 'ana@pc', 'connected'));
    assert.deepEqual(store.list.map((c) => c.user_host), ['ana@pc', 'bo@pc']);
    assert.equal(store.counts.connected, 2);
    const row = store.get(1)!;
    store.apply(client(1, 'ana@pc', 'reconnecting'));
    assert.equal(store.get(1), row, 'the same object, so only its row re-renders');
    assert.equal(presenceOf(row), 'reconnecting');
    assert.equal(store.counts.connected, 1);
    store.apply(client(1, 'ana@pc', 'disconnected'));
    assert.equal(store.counts.connected, 1);
    assert.equal(store.list.length, 2, 'a disconnected client stays in the clients list');
    store.apply(client(1, 'ana@pc', 'connected'));
    assert.equal(store.counts.connected, 2);
  });

  test('the live-sessions list holds streaming connected clients and drops one the moment it leaves', () => {
    const store = useClientsStore();
    store.apply(client(1, 'ana@pc', 'connected', true));
    store.apply(client(2, 'bo@pc', 'connected', false));
    assert.deepEqual(store.streaming.map((c) => c.id), [1]);
    store.apply(client(1, 'ana@pc', 'reconnecting', false));
    assert.deepEqual(store.streaming, []);
  });

  test('the counts by presence follow every change of every client, and a refresh starts them afresh', async () => {
    const store = useClientsStore();
    store.apply(client(1, 'ana@pc', 'connected'));
    store.apply(client(2, 'bo@pc', 'connected'));
    store.apply(client(3, 'cy@pc', 'reconnecting'));
    store.apply(client(2, 'bo@pc', 'disconnected'));
    store.apply(client(2, 'bo@pc', 'disconnected'));
    assert.deepEqual({ ...store.counts }, { connected: 1, reconnecting: 1, disconnected: 1 });
    clientsApi.all = async () => [client(3, 'cy@pc', 'connected', true)];
    await store.refresh();
    assert.deepEqual({ ...store.counts }, { connected: 1, reconnecting: 0, disconnected: 0 });
    assert.deepEqual(store.streaming.map((c) => c.id), [3]);
  });

  test('a tab that lost the server shows statuses as of then: countdowns stop there until a refresh succeeds', async () => {
    const store = useClientsStore();
    store.apply(client(1, 'ana@pc', 'reconnecting'));
    assert.equal(store.statusTime(5000), 5000, 'with the server, statuses are shown at the clock');
    store.markUnreachable(1000);
    store.markUnreachable(2000);
    assert.equal(store.unreachableSince, 1000, 'since the first moment it was lost');
    assert.equal(store.statusTime(5000), 1000);
    clientsApi.all = async () => {
      throw new Error('still down');
    };
    await store.refresh();
    assert.equal(store.unreachableSince, 1000, 'a failed refresh brings nothing fresh');
    clientsApi.all = async () => [client(1, 'ana@pc', 'connected')];
    await store.refresh();
    assert.equal(store.unreachableSince, null);
    assert.equal(store.statusTime(5000), 5000);
    assert.equal(presenceOf(store.get(1)!), 'connected');
  });

  test('the list stays sorted by user_host as clients arrive, whether by event or by a refresh', async () => {
    const store = useClientsStore();
    for (const [id, userHost] of [[3, 'cy@pc'], [1, 'ana@pc'], [4, 'dee@pc'], [2, 'bo@pc']] as const) store.apply(client(id, userHost, 'connected'));
    store.apply(client(1, 'ana@pc', 'reconnecting'));
    assert.deepEqual(store.list.map((c) => c.user_host), ['ana@pc', 'bo@pc', 'cy@pc', 'dee@pc']);
    clientsApi.all = async () => [client(9, 'zed@pc', 'connected'), client(8, 'al@pc', 'connected')];
    await store.refresh();
    store.apply(client(7, 'm@pc', 'connected'));
    assert.deepEqual(store.list.map((c) => c.user_host), ['al@pc', 'm@pc', 'zed@pc']);
  });

  test('a client moved out of a viewer’s groups leaves its list and its counts; one moved in joins them', () => {
    const store = useClientsStore();
    const handlers = new Map<string, (payload: Client) => void>();
    const socket = { on: (event: string, handler: (payload: Client) => void) => handlers.set(event, handler) };
    store.bind(socket as never, (c) => c.group_id === 1);
    store.apply(client(1, 'ana@pc', 'connected', true));
    store.apply(client(2, 'bo@pc', 'connected'));
    handlers.get('client-updated')!({ ...client(1, 'ana@pc', 'connected', true), group_id: 2 });
    assert.deepEqual(store.list.map((c) => c.user_host), ['bo@pc']);
    assert.equal(store.counts.connected, 1);
    assert.deepEqual(store.streaming, []);
    handlers.get('client-updated')!(client(3, 'cy@pc', 'connected'));
    assert.deepEqual(store.list.map((c) => c.user_host), ['bo@pc', 'cy@pc']);
    assert.equal(store.counts.connected, 2);
  });

  test('a filtered view hears of each change of a known client (new ones change the list instead)', () => {
    const store = useClientsStore();
    const changed: string[] = [];
    const stop = store.onChange((c) => changed.push(`${c.user_host} ${presenceOf(c)}`));
    store.apply(client(1, 'ana@pc', 'connected'));
    store.apply(client(1, 'ana@pc', 'reconnecting'));
    stop();
    store.apply(client(1, 'ana@pc', 'connected'));
    assert.deepEqual(changed, ['ana@pc reconnecting']);
  });
});
