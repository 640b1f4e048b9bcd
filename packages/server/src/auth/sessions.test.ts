import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  api,
  connectDashboard,
  login,
  openSocket,
  startServer,
  type TestServer,
} from '@vaahshare/testkit';
import { assertError, handshakeRefusal, http, rowCount } from '@vaahshare/testkit/probes';
import { purgeDeadSessions } from './sessions.js';

const MINUTE = 60_000;
const EXPIRED = 'Your session expired or is invalid: log in again';

/** A clock the test moves; every server reading of "now" goes through it. */
function fakeClock() {
  let now = Date.now();
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}

const me = (t: TestServer, token: string) => http(t.url, 'GET', '/api/auth/me', { token });

/** A dashboard socket of `token` and a promise of its disconnection by the server. */
async function dashboardOf(t: TestServer, token: string) {
  const dashboard = await connectDashboard(t.url, token);
  const cutOff = new Promise((resolve) => dashboard.socket.once('disconnect', resolve));
  return { socket: dashboard.socket, cutOff };
}

describe('session lifetime', () => {
  const clock = fakeClock();
  let t: TestServer;
  before(async () => {
    t = await startServer({ SESSION_IDLE_MINUTES: '10' }, { clock });
  });
  after(() => t.dispose());

  test('a session unused for the idle time has ended; using it moves the deadline on', async () => {
    const token = await login(t.url);
    clock.advance(9 * MINUTE);
    assert.equal((await me(t, token)).status, 200, 'used after 9 minutes');
    clock.advance(9 * MINUTE);
    assert.equal((await me(t, token)).status, 200, '18 minutes old but used 9 minutes ago');
    clock.advance(10 * MINUTE);
    assertError(await me(t, token), 401, 'unauthorized', EXPIRED, 'idle for 10 minutes');
    assert.deepEqual(await handshakeRefusal(openSocket(t.url, { app: 'backend', token })), { message: EXPIRED, data: { error: 'invalid_token' } });
  });

  test('the purge deletes expired and idle sessions, and disconnects their dashboards', async () => {
    await purgeDeadSessions(t.server.ctx);
    const idle = await login(t.url);
    const idleDashboard = await dashboardOf(t, idle);
    clock.advance(5 * MINUTE);
    const fresh = await login(t.url);
    const freshDashboard = await dashboardOf(t, fresh);
    clock.advance(6 * MINUTE);
    assert.equal(await rowCount(t, 'sessions'), 2);
    assert.equal(await purgeDeadSessions(t.server.ctx), 1);
    assert.equal(await idleDashboard.cutOff, 'io server disconnect');
    assert.equal(await rowCount(t, 'sessions'), 1);
    assert.equal((await me(t, fresh)).status, 200);
    assert.equal(freshDashboard.socket.connected, true);
    freshDashboard.socket.disconnect();
  });
});

describe('passwords and users', () => {
  let t: TestServer;
  let acmeId: number;
  let superToken: string;
  const json = { 'content-type': 'application/json' };
  const send = (method: string, pathname: string, token: string, body?: unknown) =>
    http(t.url, method, pathname, { token, headers: body === undefined ? {} : json, body: body === undefined ? undefined : JSON.stringify(body) });

  /** A user of Acme (as its admin creates them) with a logged-in session. */
  async function acmeUser(email: string, role = 'admin') {
    const created = await api(t.url, '/api/users', { token: superToken, body: { email, password: 'first-password', company_id: acmeId, role } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return { id: created.body.data.id as number, token: await login(t.url, email, 'first-password') };
  }

  before(async () => {
    t = await startServer();
    superToken = await login(t.url);
    acmeId = (await api(t.url, '/api/companies', { token: superToken, body: { name: 'Acme' } })).body.data.id;
  });
  after(() => t.dispose());

  test('changing one’s password takes the current one, and ends the other sessions of that user', async () => {
    const user = await acmeUser('pat@acme.example');
    const other = await login(t.url, 'pat@acme.example', 'first-password');
    const otherDashboard = await dashboardOf(t, other);

    assertError(await send('POST', '/api/auth/password', user.token, { current_password: 'wrong', new_password: 'second-password' }), 403, 'forbidden', 'The current password is wrong');
    assertError(await send('POST', '/api/auth/password', user.token, { current_password: 'first-password', new_password: 'short' }), 400, 'bad_request', 'Invalid body: new_password: password must have at least 8 characters');
    assert.equal((await me(t, other)).status, 200, 'refused changes end nothing');

    const changed = await send('POST', '/api/auth/password', user.token, { current_password: 'first-password', new_password: 'second-password' });
    assert.deepEqual([changed.status, changed.body], [200, { ok: true }]);
    assert.equal(await otherDashboard.cutOff, 'io server disconnect');
    assertError(await me(t, other), 401, 'unauthorized', EXPIRED, 'the other session');
    assert.equal((await me(t, user.token)).status, 200, 'the session that changed it stays');
    await assert.rejects(login(t.url, 'pat@acme.example', 'first-password'));
    assert.ok(await login(t.url, 'pat@acme.example', 'second-password'));
  });

  test('log out everywhere ends every session of the user and disconnects its dashboards', async () => {
    const user = await acmeUser('lou@acme.example');
    const second = await login(t.url, 'lou@acme.example', 'first-password');
    const dashboards = [await dashboardOf(t, user.token), await dashboardOf(t, second)];
    const out = await send('POST', '/api/auth/logout-all', user.token);
    assert.deepEqual([out.status, out.body], [200, { ok: true, ended_sessions: 2 }]);
    for (const dashboard of dashboards) assert.equal(await dashboard.cutOff, 'io server disconnect');
    for (const token of [user.token, second]) assertError(await me(t, token), 401, 'unauthorized', EXPIRED);
    assert.equal((await me(t, superToken)).status, 200, 'other users stay logged in');
  });

  test('an admin resets a password: the user’s sessions end, the new password works', async () => {
    const admin = await acmeUser('boss@acme.example');
    const user = await acmeUser('kim@acme.example');
    const dashboard = await dashboardOf(t, user.token);
    const reset = await send('PUT', `/api/users/${user.id}/password`, admin.token, { password: 'set-by-boss' });
    assert.deepEqual([reset.status, reset.body], [200, { ok: true }]);
    assert.equal(await dashboard.cutOff, 'io server disconnect');
    assertError(await me(t, user.token), 401, 'unauthorized', EXPIRED);
    assert.ok(await login(t.url, 'kim@acme.example', 'set-by-boss'));

    assertError(await send('PUT', `/api/users/${admin.id}/password`, admin.token, { password: 'another-one' }), 400, 'bad_request', 'Change your own password in your account settings (it takes the current one)');
    assertError(await send('PUT', '/api/users/1/password', admin.token, { password: 'another-one' }), 404, 'not_found', 'User 1 not found', 'a user of another company');
    assertError(await send('PUT', '/api/users/999/password', admin.token, { password: 'another-one' }), 404, 'not_found', 'User 999 not found');
    const chief = await acmeUser('chief@acme.example', 'superadmin');
    assertError(await send('PUT', `/api/users/${chief.id}/password`, admin.token, { password: 'another-one' }), 403, 'forbidden', 'Only a superadmin may change a superadmin');
    assert.equal((await me(t, chief.token)).status, 200);
  });

  test('a disabled user is logged out at once and cannot log in until enabled again', async () => {
    const admin = await acmeUser('head@acme.example');
    const user = await acmeUser('sam@acme.example');
    const dashboard = await dashboardOf(t, user.token);
    const disabled = await send('PATCH', `/api/users/${user.id}`, admin.token, { disabled: true });
    assert.deepEqual([disabled.status, disabled.body], [200, { data: { id: user.id, email: 'sam@acme.example', company_id: acmeId, role: 'admin', group_ids: [], may_download: true, disabled: true, second_factor: false } }]);
    assert.equal(await dashboard.cutOff, 'io server disconnect');
    assertError(await me(t, user.token), 401, 'unauthorized', EXPIRED);
    const refused = await http(t.url, 'POST', '/api/auth/login', { headers: json, body: JSON.stringify({ email: 'sam@acme.example', password: 'first-password' }) });
    assertError(refused, 403, 'account_disabled', 'Your account is disabled: ask an admin of your company');
    const listed = await send('GET', '/api/users', admin.token);
    assert.equal(listed.body.data.find((u: { id: number }) => u.id === user.id).disabled, true);

    assertError(await send('PATCH', `/api/users/${admin.id}`, admin.token, { disabled: true }), 400, 'bad_request', 'You cannot disable your own account');
    assert.equal((await send('PATCH', `/api/users/${user.id}`, admin.token, { disabled: false })).body.data.disabled, false);
    assert.ok(await login(t.url, 'sam@acme.example', 'first-password'));
  });

  test('a removed user is gone with its sessions and dashboards', async () => {
    const admin = await acmeUser('owner@acme.example');
    const user = await acmeUser('ex@acme.example');
    const dashboard = await dashboardOf(t, user.token);
    const removed = await send('DELETE', `/api/users/${user.id}`, admin.token);
    assert.deepEqual([removed.status, removed.body], [200, { ok: true }]);
    assert.equal(await dashboard.cutOff, 'io server disconnect');
    assertError(await me(t, user.token), 401, 'unauthorized', EXPIRED);
    await assert.rejects(login(t.url, 'ex@acme.example', 'first-password'));
    assert.equal((await send('GET', '/api/users', admin.token)).body.data.some((u: { id: number }) => u.id === user.id), false);
    assertError(await send('DELETE', `/api/users/${admin.id}`, admin.token), 400, 'bad_request', 'You cannot remove your own account');
    assert.equal((await me(t, superToken)).status, 200);
  });
});
