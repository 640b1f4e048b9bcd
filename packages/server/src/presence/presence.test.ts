import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  api,
  connectAgent,
  connectDashboard,
  login,
  openSocket,
  connected,
  graceOver,
  heardAll,
  machineInfo,
  startServer,
  waitForEvent,
  waitUntil,
  type TestServer,
} from '@vaahshare/testkit';

// Long enough that a comeback lands within it on a loaded machine (a drop's grace must not end between cycles).
const GRACE_MS = 2000;

describe('presence lifecycle', () => {
  let t: TestServer;
  let token: string;
  let dashboard: Awaited<ReturnType<typeof connectDashboard>>;

  before(async () => {
    t = await startServer({ RECONNECT_GRACE_MS: String(GRACE_MS), PRESENCE_SWEEP_MS: '100' });
    token = await login(t.url);
    dashboard = await connectDashboard(t.url, token);
  });
  after(async () => {
    dashboard.socket.disconnect();
    await t.dispose();
  });

  test('client-connected stores the client, acks, sends settings and tells dashboards', async () => {
    const socket = openSocket(t.url);
    const settings = waitForEvent<{ idle_threshold_seconds: number }>(socket, 'settings');
    const success = waitForEvent<{ client: { user_host: string } }>(socket, 'client-connected-success');
    await connected(socket);
    const reply = await socket.emitWithAck('client-connected', { machine_info: machineInfo('ana@desk-1') });
    assert.equal(reply.ok, true);
    assert.equal((await success).client.user_host, 'ana@desk-1');
    assert.equal((await settings).idle_threshold_seconds, 300);
    await waitUntil(() => dashboard.of('ana@desk-1').length === 1);
    const event = dashboard.events.find((e) => e.client.user_host === 'ana@desk-1')!;
    assert.equal(event.event, 'client-connected');
    assert.equal(event.client.socket_id, socket.id);
    assert.equal(event.client.is_connected, true);
    assert.equal(event.client.is_reconnecting, false);
    assert.equal(event.client.meta.macAddress, '00:11:22:33:44:55');

    const { body } = await api(t.url, '/api/clients?status=live', { token });
    assert.deepEqual(body.data.map((c: { user_host: string }) => c.user_host), ['ana@desk-1']);
    socket.disconnect();
  });

  test('a drop is reconnecting at once and disconnected when the grace period ends', async () => {
    const { socket, client } = await connectAgent(t.url, 'bo@desk-2');
    const droppedAt = Date.now();
    socket.disconnect();
    // What matters is that reconnecting comes before the grace ends (asserted next), not a tighter time limit.
    await waitUntil(() => dashboard.of('bo@desk-2').length === 2, GRACE_MS, 'reconnecting');
    assert.ok(Date.now() - droppedAt < GRACE_MS, 'reconnecting is announced before the grace ends');
    const reconnecting = await api(t.url, `/api/clients/${client.id}`, { token });
    assert.equal(reconnecting.body.data.is_reconnecting, true);
    assert.ok(reconnecting.body.data.grace_deadline);

    await waitUntil(() => dashboard.of('bo@desk-2').length === 3, GRACE_MS * 5, 'disconnected');
    assert.ok(Date.now() - droppedAt >= GRACE_MS - 20, 'not disconnected before the grace ends');
    assert.deepEqual(dashboard.of('bo@desk-2'), ['client-connected', 'client-reconnecting', 'client-disconnected']);
    const detail = await api(t.url, `/api/clients/${client.id}`, { token });
    assert.equal(detail.body.data.is_connected, false);
    assert.deepEqual(
      detail.body.data.presence.map((p: { state: string }) => p.state),
      ['disconnected', 'reconnecting', 'connected'],
    );
  });

  test('app-closed disconnects at once, and the following drop changes nothing', async () => {
    const { socket } = await connectAgent(t.url, 'cy@desk-3');
    const reply = await socket.emitWithAck('app-closed');
    assert.equal(reply.ok, true);
    socket.disconnect();
    await graceOver(t.url, dashboard, GRACE_MS);
    assert.deepEqual(dashboard.of('cy@desk-3'), ['client-connected', 'client-disconnected']);
  });

  test('app-closed right before the transport closes, without waiting for the ack, is honoured', async () => {
    const { socket } = await connectAgent(t.url, 'di@desk-4');
    socket.emit('app-closed');
    socket.disconnect();
    await graceOver(t.url, dashboard, GRACE_MS);
    assert.deepEqual(dashboard.of('di@desk-4'), ['client-connected', 'client-disconnected']);
  });

  test('a comeback within grace is connected and never disconnected late', async () => {
    const first = await connectAgent(t.url, 'ed@desk-5');
    first.socket.disconnect();
    await waitUntil(() => dashboard.of('ed@desk-5').length === 2);
    const second = await connectAgent(t.url, 'ed@desk-5');
    assert.equal(second.client.id, first.client.id, 'the same client, identified by company and user_host');
    // The first connection's grace would have ended by now; no late disconnect.
    await graceOver(t.url, dashboard, GRACE_MS);
    assert.deepEqual(dashboard.of('ed@desk-5'), ['client-connected', 'client-reconnecting', 'client-connected']);
    second.socket.disconnect();
  });

  test('a second socket of the same client wins; the first one’s drop and app-closed change nothing', async () => {
    const a = await connectAgent(t.url, 'fi@desk-6');
    const b = await connectAgent(t.url, 'fi@desk-6');
    await waitUntil(() => dashboard.of('fi@desk-6').length === 2);
    const closeReply = await a.socket.emitWithAck('app-closed');
    assert.equal(closeReply.ok, true);
    a.socket.disconnect();
    await graceOver(t.url, dashboard, GRACE_MS);
    assert.deepEqual(dashboard.of('fi@desk-6'), ['client-connected', 'client-connected']);
    const { body } = await api(t.url, `/api/clients/${b.client.id}`, { token });
    assert.equal(body.data.socket_id, b.socket.id);
    assert.equal(body.data.is_connected, true);
    assert.equal(body.data.is_reconnecting, false);
    b.socket.disconnect();
  });

  test('repeating client-connected on the same socket updates meta without a new event', async () => {
    const { socket, client } = await connectAgent(t.url, 'gu@desk-7');
    await socket.emitWithAck('client-connected', { machine_info: { ...machineInfo('gu@desk-7'), platform: 'win32' } });
    await heardAll(t.url, dashboard);
    assert.deepEqual(dashboard.of('gu@desk-7'), ['client-connected']);
    const { body } = await api(t.url, `/api/clients/${client.id}`, { token });
    assert.equal(body.data.meta.platform, 'win32');
    socket.disconnect();
  });

  test('20 fast drop/reconnect cycles give strictly alternating events and the right final state', async () => {
    let last = await connectAgent(t.url, 'ha@desk-8');
    for (let i = 0; i < 20; i++) {
      last.socket.disconnect();
      last = await connectAgent(t.url, 'ha@desk-8');
    }
    await waitUntil(() => dashboard.of('ha@desk-8').length === 41, 30_000, '41 events');
    await graceOver(t.url, dashboard, GRACE_MS);
    const events = dashboard.of('ha@desk-8');
    assert.equal(events.length, 41);
    events.forEach((e, i) => assert.equal(e, i % 2 === 0 ? 'client-connected' : 'client-reconnecting', `event ${i}`));
    const { body } = await api(t.url, `/api/clients/${last.client.id}`, { token });
    assert.equal(body.data.is_connected, true);
    assert.equal(body.data.is_reconnecting, false);
    assert.equal(body.data.socket_id, last.socket.id);
    last.socket.disconnect();
  });

  test('GET /api/clients filters by status', async () => {
    // A grace period no loaded machine outruns: the reconnecting client stays so while the lists are read.
    const own = await startServer({ RECONNECT_GRACE_MS: '600000' });
    try {
      const ownToken = await login(own.url);
      const live = await connectAgent(own.url, 'io@filter-1');
      const dropped = await connectAgent(own.url, 'ju@filter-2');
      const closed = await connectAgent(own.url, 'ka@filter-3');
      await closed.socket.emitWithAck('app-closed');
      for (const agent of [dropped, closed]) agent.socket.disconnect();
      const names = async (status: string) =>
        (await api(own.url, `/api/clients?status=${status}&q=filter-`, { token: ownToken })).body.data.map((c: { user_host: string }) => c.user_host);
      await waitUntil(async () => (await names('reconnecting')).length === 1, 5000, 'the drop handled');
      assert.deepEqual(await names('live'), ['io@filter-1']);
      assert.deepEqual(await names('reconnecting'), ['ju@filter-2']);
      assert.deepEqual(await names('disconnected'), ['ka@filter-3']);
      live.socket.disconnect();
    } finally {
      await own.dispose();
    }
  });
});
