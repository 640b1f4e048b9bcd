import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { Alert, Client } from '@vaahshare/protocol';
import { api, connectAgent, connectDashboard, heardAll, roundTrip, waitForEvent, waitUntil, type TestServer } from '@vaahshare/testkit';
import { useRolesServer, type RolesFixture } from '../test/roles-fixture.js';

type Dashboard = Awaited<ReturnType<typeof connectDashboard>> & { alerts: Alert[]; updated: Client[]; all: string[] };

/** A dashboard socket that also keeps its alerts, its client updates and the name of everything it hears. */
async function dashboard(url: string, token: string): Promise<Dashboard> {
  const d = await connectDashboard(url, token);
  const alerts: Alert[] = [];
  const updated: Client[] = [];
  const all: string[] = [];
  d.socket.on('alert-created', ({ alert }) => alerts.push(alert));
  d.socket.on('client-updated', (client) => updated.push(client));
  d.socket.onAny((event: string) => all.push(event));
  return { ...d, alerts, updated, all };
}

describe('roles and groups over sockets', () => {
  const server = useRolesServer();
  let t: TestServer;
  let f: RolesFixture;
  before(() => ({ t, f } = server));

  test('presence and alerts reach the admins and the viewers of the client’s group only; an auditor hears nothing', async () => {
    const admin = await dashboard(t.url, f.tokens.admin);
    const viewer = await dashboard(t.url, f.tokens.viewer);
    const auditor = await dashboard(t.url, f.tokens.auditor);
    const dee = await connectAgent(t.url, 'dee@support-2');
    await api(t.url, `/api/groups/${f.support.id}/clients`, { token: f.tokens.admin, body: { client_ids: [dee.client.id] } });
    const eve = await connectAgent(t.url, 'eve@sales-2', { token: f.salesToken });
    for (const agent of [dee, eve]) assert.equal((await agent.socket.timeout(5000).emitWithAck('alert', { type: 'idle', idle_seconds: 120 })).ok, true);
    dee.socket.disconnect();
    // A witness of Sales after all of it: whatever the viewer would have heard of it came first.
    await heardAll(t.url, viewer, f.salesToken);
    await waitUntil(() => admin.alerts.length === 2 && admin.of('dee@support-2').length === 2, 5000, 'both alerts and dee’s drop at the admin');
    assert.deepEqual(viewer.of('dee@support-2'), [], 'nothing of another group');
    assert.deepEqual(viewer.of('eve@sales-2'), ['client-connected']);
    assert.deepEqual(viewer.alerts.map((a) => a.user_host), ['eve@sales-2']);
    assert.deepEqual(viewer.updated, [], 'not told of a move between groups it does not have');
    assert.deepEqual(admin.of('dee@support-2'), ['client-connected', 'client-reconnecting']);
    assert.deepEqual(admin.updated.map((c) => [c.user_host, c.group_id]), [['dee@support-2', f.support.id]]);
    // Everything was sent before the viewer heard its witness: a round trip now comes after anything sent to the auditor.
    await roundTrip(auditor.socket);
    assert.deepEqual(auditor.all, [], `the auditor heard ${auditor.all.join(', ')}`);
    eve.socket.disconnect();
  });

  test('a viewer watches its groups’ clients only; an auditor watches nobody', async () => {
    const viewer = await dashboard(t.url, f.tokens.viewer);
    const auditor = await dashboard(t.url, f.tokens.auditor);
    assert.deepEqual(await viewer.socket.timeout(5000).emitWithAck('watch', { client_id: f.clients.ann }), { ok: true });
    for (const id of [f.clients.bob, f.clients.cy]) {
      const refused = await viewer.socket.timeout(5000).emitWithAck('watch', { client_id: id });
      assert.deepEqual(refused, { ok: false, error: 'not_found', message: `Client ${id} not found` });
    }
    const auditorWatch = await auditor.socket.timeout(5000).emitWithAck('watch', { client_id: f.clients.ann });
    assert.deepEqual(auditorWatch, { ok: false, error: 'forbidden', message: 'Your role may not watch live' });
    const views = await t.server.ctx.db.selectFrom('audit_entries').select(['actor_user_id', 'target_id']).where('action', '=', 'live-view-started').execute();
    assert.deepEqual(views.map((v) => [v.actor_user_id, v.target_id]), [[f.users.viewer, f.clients.ann]], 'only the allowed view is on record');
  });

  test('a client moved out of a viewer’s groups: its dashboard is told and its live view of it is cut (and recorded as ended)', async () => {
    const viewer = await dashboard(t.url, f.tokens.viewer);
    assert.deepEqual(await viewer.socket.timeout(5000).emitWithAck('watch', { client_id: f.clients.ann }), { ok: true });
    const cut = waitForEvent(viewer.socket, 'disconnect');
    const moved = await api(t.url, `/api/groups/${f.support.id}/clients`, { token: f.tokens.admin, body: { client_ids: [f.clients.ann] } });
    assert.deepEqual(moved.body, { data: { moved: 1 } });
    assert.equal(await cut, 'io server disconnect');
    assert.deepEqual(viewer.updated.map((c) => [c.user_host, c.group_id]), [['ann@sales-pc', f.support.id]], 'told before it was cut');
    await waitUntil(async () => {
      const ended = await t.server.ctx.db.selectFrom('audit_entries').select('id').where('action', '=', 'live-view-ended').where('actor_user_id', '=', f.users.viewer).execute();
      return ended.length > 0;
    }, 5000, 'the cut view recorded as ended');
    const again = await dashboard(t.url, f.tokens.viewer);
    assert.deepEqual(await again.socket.timeout(5000).emitWithAck('watch', { client_id: f.clients.ann }), { ok: false, error: 'not_found', message: `Client ${f.clients.ann} not found` });
    await api(t.url, `/api/groups/${f.sales.id}/clients`, { token: f.tokens.admin, body: { client_ids: [f.clients.ann] } });
  });

  test('a user whose access changes is disconnected everywhere and comes back with what the new access allows', async () => {
    const viewer = await dashboard(t.url, f.tokens.downloader);
    const cut = waitForEvent(viewer.socket, 'disconnect');
    const body = { role: 'viewer', group_ids: [f.support.id], may_download: true };
    assert.equal((await api(t.url, `/api/users/${f.users.downloader}/access`, { token: f.tokens.admin, method: 'PUT', body })).status, 200);
    assert.equal(await cut, 'io server disconnect');
    const back = await dashboard(t.url, f.tokens.downloader);
    assert.deepEqual(await back.socket.timeout(5000).emitWithAck('watch', { client_id: f.clients.bob }), { ok: true });
    const refused = await back.socket.timeout(5000).emitWithAck('watch', { client_id: f.clients.ann });
    assert.deepEqual(refused, { ok: false, error: 'not_found', message: `Client ${f.clients.ann} not found` });
  });
});
