import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Alert } from '@vaahshare/protocol';
import {
  api,
  connectAgent,
  connectDashboard,
  graceOver,
  login,
  roundTrip,
  startServer,
  waitUntil,
  type TestServer,
} from '@vaahshare/testkit';
import { assertError, http } from '@vaahshare/testkit/probes';

const GRACE_MS = 300;

type Dashboard = Awaited<ReturnType<typeof connectDashboard>> & { alerts: Alert[]; all: string[] };

/** A dashboard that also records `alert-created` and the name of every event it receives. */
async function dashboard(url: string, token: string, auth: Record<string, unknown> = {}): Promise<Dashboard> {
  const d = await connectDashboard(url, token, auth);
  const alerts: Alert[] = [];
  const all: string[] = [];
  d.socket.on('alert-created', ({ alert }) => alerts.push(alert));
  d.socket.onAny((event: string) => all.push(event));
  return { ...d, alerts, all };
}

describe('tenant isolation', () => {
  let t: TestServer;
  let superToken: string;
  let companyA: number;
  let companyB: number;
  let tokenB: string;
  let adminB: string;
  let dashA: Dashboard;
  let dashB: Dashboard;
  /** B's admin asking to follow company A: refused silently, it still follows B. */
  let dashBPrying: Dashboard;
  /** The superadmin following B. */
  let dashSuperOnB: Dashboard;

  before(async () => {
    t = await startServer({ RECONNECT_GRACE_MS: String(GRACE_MS), PRESENCE_SWEEP_MS: '100' });
    superToken = await login(t.url);
    companyA = (await api(t.url, '/api/auth/me', { token: superToken })).body.data.company_id;
    const created = await api(t.url, '/api/companies', { token: superToken, body: { name: 'Company B' } });
    assert.equal(created.status, 201);
    companyB = created.body.data.id;
    tokenB = created.body.data.enrollment_token;
    const user = await api(t.url, '/api/users', {
      token: superToken,
      body: { email: 'admin@b.example', password: 'b-password', company_id: companyB },
    });
    assert.equal(user.status, 201);
    adminB = await login(t.url, 'admin@b.example', 'b-password');
    dashA = await dashboard(t.url, superToken);
    dashB = await dashboard(t.url, adminB);
    dashBPrying = await dashboard(t.url, adminB, { company_id: companyA });
    dashSuperOnB = await dashboard(t.url, superToken, { company_id: companyB });
  });
  after(async () => {
    for (const d of [dashA, dashB, dashBPrying, dashSuperOnB]) d?.socket.disconnect();
    await t.dispose();
  });

  test('company A’s agents connect, drop, close and raise alerts: B sees none of it, A sees all of it', async () => {
    const ana = await connectAgent(t.url, 'ana@shared-host');
    const bo = await connectAgent(t.url, 'bo@a-only');
    assert.equal(ana.client.company_id, companyA);

    const alertReply = await ana.socket.timeout(5000).emitWithAck('alert', { type: 'idle', idle_seconds: 300 });
    assert.equal(alertReply.ok, true);
    const closeReply = await bo.socket.timeout(5000).emitWithAck('app-closed');
    assert.equal(closeReply.ok, true);
    bo.socket.disconnect();
    ana.socket.disconnect();

    await waitUntil(() => dashA.of('ana@shared-host').length === 3, GRACE_MS * 10, 'ana disconnected after grace');
    assert.deepEqual(dashA.of('ana@shared-host'), ['client-connected', 'client-reconnecting', 'client-disconnected']);
    assert.deepEqual(dashA.of('bo@a-only'), ['client-connected', 'client-disconnected']);
    assert.equal(dashA.alerts.length, 1);
    assert.equal(dashA.alerts[0].client_id, ana.client.id);
    assert.equal(dashA.alerts[0].company_id, companyA);

    for (const [name, d] of [['B', dashB], ['B asking for A', dashBPrying], ['superadmin on B', dashSuperOnB]] as const) {
      await roundTrip(d.socket);
      assert.deepEqual(d.all, [], `${name} dashboard received ${d.all.join(', ')}`);
    }

    // B's REST shows none of A's clients or alerts.
    for (const status of ['', '?status=live', '?status=reconnecting', '?status=disconnected', '?q=shared']) {
      const list = await api(t.url, `/api/clients${status}`, { token: adminB });
      assert.deepEqual(list.body, { data: [], meta: { total: 0, page: 1, per_page: 100 } }, `B /api/clients${status}`);
    }
    for (const id of [ana.client.id, bo.client.id]) {
      assertError(await http(t.url, 'GET', `/api/clients/${id}`, { token: adminB }), 404, 'not_found', `Client ${id} not found`, 'B reads A’s client');
    }
    assert.deepEqual((await api(t.url, '/api/alerts', { token: adminB })).body, { data: [], meta: { total: 0, page: 1, per_page: 100 } });
    assert.deepEqual((await api(t.url, `/api/alerts?client_id=${ana.client.id}`, { token: adminB })).body.data, []);
    const alertId = dashA.alerts[0].id;
    assertError(
      await http(t.url, 'POST', `/api/alerts/${alertId}/acknowledge`, { token: adminB }),
      404,
      'not_found',
      `Alert ${alertId} not found`,
      'B acknowledges A’s alert',
    );
    const alertRow = await t.server.ctx.db.selectFrom('alerts').select('acknowledged_at').where('id', '=', alertId).executeTakeFirstOrThrow();
    assert.equal(alertRow.acknowledged_at, null, 'A’s alert is still unacknowledged');
    // Asking for A by id is forbidden to B's admin.
    const forbidden = 'You may only act on your own company';
    assertError(await http(t.url, 'GET', `/api/clients?company_id=${companyA}`, { token: adminB }), 403, 'forbidden', forbidden, 'clients of A');
    assertError(await http(t.url, 'GET', `/api/alerts?company_id=${companyA}`, { token: adminB }), 403, 'forbidden', forbidden, 'alerts of A');

    // A's REST has them all.
    const listA = await api(t.url, '/api/clients', { token: superToken });
    assert.deepEqual(listA.body.data.map((c: { user_host: string }) => c.user_host), ['ana@shared-host', 'bo@a-only']);
    const alertsA = await api(t.url, '/api/alerts', { token: superToken });
    assert.deepEqual(alertsA.body.data.map((a: Alert) => a.id), [alertId]);
  });

  test('an agent of B with the same user_host as one of A is a different client, and each side sees only its own', async () => {
    const a = await connectAgent(t.url, 'cy@same-name');
    const b = await connectAgent(t.url, 'cy@same-name', { token: tokenB });
    assert.notEqual(b.client.id, a.client.id);
    assert.equal(a.client.company_id, companyA);
    assert.equal(b.client.company_id, companyB);

    await waitUntil(() => dashB.of('cy@same-name').length === 1 && dashA.of('cy@same-name').length === 1, 2000, 'both announced');
    assert.equal(dashB.events.find((e) => e.client.user_host === 'cy@same-name')!.client.id, b.client.id);
    assert.equal(dashA.events.find((e) => e.client.user_host === 'cy@same-name')!.client.id, a.client.id);
    assert.equal(dashSuperOnB.of('cy@same-name').length, 1, 'a superadmin following B sees B’s agent');
    assert.equal(dashBPrying.of('cy@same-name').length, 1, 'B’s admin follows B whatever it asks for');

    // Both alerts land in their own company only.
    const bAlert = await b.socket.timeout(5000).emitWithAck('alert', { type: 'idle', idle_seconds: 42 });
    const aAlert = await a.socket.timeout(5000).emitWithAck('alert', { type: 'idle', idle_seconds: 43 });
    assert.ok(bAlert.ok && aAlert.ok);
    await waitUntil(() => dashB.alerts.length === 1 && dashA.alerts.length === 2, 2000, 'alerts');
    assert.deepEqual([dashB.alerts[0].client_id, dashB.alerts[0].company_id, dashB.alerts[0].idle_seconds], [b.client.id, companyB, 42]);
    assert.deepEqual([dashA.alerts[1].client_id, dashA.alerts[1].idle_seconds], [a.client.id, 43]);

    // A's agent dropping and closing leaves B's same-named client connected on its socket.
    a.socket.emit('app-closed');
    a.socket.disconnect();
    await waitUntil(() => dashA.of('cy@same-name').length === 2, 2000, 'A closed');
    await graceOver(t.url, dashA, GRACE_MS);
    const detailB = await api(t.url, `/api/clients/${b.client.id}`, { token: adminB });
    assert.equal(detailB.body.data.is_connected, true);
    assert.equal(detailB.body.data.is_reconnecting, false);
    assert.equal(detailB.body.data.socket_id, b.socket.id);
    assert.deepEqual(detailB.body.data.presence.map((p: { state: string }) => p.state), ['connected']);
    assert.deepEqual(dashB.of('cy@same-name'), ['client-connected']);
    assertError(await http(t.url, 'GET', `/api/clients/${a.client.id}`, { token: adminB }), 404, 'not_found', `Client ${a.client.id} not found`);

    const listB = await api(t.url, '/api/clients', { token: adminB });
    assert.deepEqual(listB.body.data.map((c: { id: number }) => c.id), [b.client.id]);
    const alertsB = await api(t.url, '/api/alerts', { token: adminB });
    assert.deepEqual(alertsB.body.data.map((x: Alert) => x.client_id), [b.client.id]);
    const listA = await api(t.url, '/api/clients?q=same-name', { token: superToken });
    assert.deepEqual(listA.body.data.map((c: { id: number; is_connected: boolean }) => [c.id, c.is_connected]), [[a.client.id, false]]);

    // B's admin may acknowledge its own alert.
    const ack = await api(t.url, `/api/alerts/${dashB.alerts[0].id}/acknowledge`, { token: adminB, method: 'POST' });
    assert.equal(ack.status, 200);
    assert.ok(ack.body.data.acknowledged_at);
    // The superadmin may acknowledge any company's alert (the dashboard lets it follow any company).
    // An idle period of its own: further than the idle threshold from the first (a closer one would repeat it).
    const earlier = new Date(Date.now() - 10 * 60_000).toISOString();
    assert.ok((await b.socket.timeout(5000).emitWithAck('alert', { type: 'idle', idle_seconds: 44, occurred_at: earlier })).ok);
    await waitUntil(() => dashB.alerts.length === 2, 2000, 'B\'s second alert');
    const bySuper = await api(t.url, `/api/alerts/${dashB.alerts[1].id}/acknowledge`, { token: superToken, method: 'POST' });
    assert.equal(bySuper.status, 200, JSON.stringify(bySuper.body));
    assert.equal(bySuper.body.data.company_id, companyB);
    const openB = await api(t.url, '/api/alerts?acknowledged=false', { token: adminB });
    assert.deepEqual(openB.body.data, [], 'B sees both its alerts acknowledged');
    b.socket.disconnect();
  });
});
