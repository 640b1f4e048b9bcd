import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { io as ioClient } from 'socket.io-client';
import {
  ADMIN_EMAIL,
  ADMIN_PASSWORD,
  AGENT_TOKEN,
  api,
  connectAgent,
  connectDashboard,
  connected,
  login,
  openSocket,
  startServer,
  waitUntil,
  type TestServer,
} from '@vaahshare/testkit';
import { assertError, handshakeRefusal, http, rowCount } from '@vaahshare/testkit/probes';

const json = { 'content-type': 'application/json' };

describe('auth', () => {
  let t: TestServer;
  let superToken: string;
  let defaultCompanyId: number;

  before(async () => {
    t = await startServer();
    const res = await api(t.url, '/api/auth/login', { body: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD } });
    superToken = res.body.token;
    defaultCompanyId = res.body.user.company_id;
  });
  after(async () => {
    await t.dispose();
  });

  test('login answers a token, the user and an httpOnly session cookie holding that token', async () => {
    const res = await http(t.url, 'POST', '/api/auth/login', {
      headers: json,
      body: JSON.stringify({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD }),
    });
    assert.equal(res.status, 200);
    assert.deepEqual(Object.keys(res.body).sort(), ['token', 'user']);
    assert.equal(typeof res.body.token, 'string');
    assert.ok(res.body.token.length >= 32, 'a long random token');
    assert.deepEqual(res.body.user, { id: res.body.user.id, email: ADMIN_EMAIL, company_id: defaultCompanyId, role: 'superadmin' });

    const cookies = res.headers.getSetCookie();
    assert.equal(cookies.length, 1);
    const [pair, ...attributes] = cookies[0].split(';').map((p) => p.trim());
    assert.equal(pair, `vaahshare_session=${res.body.token}`);
    assert.ok(attributes.includes('HttpOnly'), `HttpOnly in ${cookies[0]}`);
    assert.ok(attributes.includes('Path=/'), `Path=/ in ${cookies[0]}`);
    assert.ok(attributes.includes('SameSite=Lax'), `SameSite=Lax in ${cookies[0]}`);

    // The e-mail is matched whatever its case and surrounding spaces.
    const relaxed = await api(t.url, '/api/auth/login', { body: { email: `  ${ADMIN_EMAIL.toUpperCase()} `, password: ADMIN_PASSWORD } });
    assert.equal(relaxed.status, 200);
    assert.equal(relaxed.body.user.email, ADMIN_EMAIL);
  });

  test('a wrong password and an unknown e-mail are both 401 with the same JSON error, and no session', async () => {
    const sessions = await rowCount(t, 'sessions');
    const wrong = await http(t.url, 'POST', '/api/auth/login', {
      headers: json,
      body: JSON.stringify({ email: ADMIN_EMAIL, password: 'not the password' }),
    });
    assertError(wrong, 401, 'unauthorized', 'Wrong e-mail or password', 'wrong password');
    assert.deepEqual(wrong.headers.getSetCookie(), []);
    const unknown = await http(t.url, 'POST', '/api/auth/login', {
      headers: json,
      body: JSON.stringify({ email: 'nobody@example.com', password: ADMIN_PASSWORD }),
    });
    assertError(unknown, 401, 'unauthorized', 'Wrong e-mail or password', 'unknown e-mail');
    assert.deepEqual(unknown.headers.getSetCookie(), []);
    assert.equal(await rowCount(t, 'sessions'), sessions);
  });

  test('REST accepts the bearer token or the session cookie, and refuses neither / a bad one with 401', async () => {
    const token = await login(t.url);
    const me = { data: { id: 1, email: ADMIN_EMAIL, company_id: defaultCompanyId, role: 'superadmin', group_ids: [], may_download: true, second_factor: { enabled: false, required: false } } };
    const byBearer = await http(t.url, 'GET', '/api/auth/me', { token });
    assert.equal(byBearer.status, 200);
    assert.deepEqual(byBearer.body, me);
    const byCookie = await http(t.url, 'GET', '/api/auth/me', { headers: { cookie: `vaahshare_session=${token}` } });
    assert.equal(byCookie.status, 200);
    assert.deepEqual(byCookie.body, me);
    const clients = await http(t.url, 'GET', '/api/clients', { headers: { cookie: `vaahshare_session=${token}` } });
    assert.equal(clients.status, 200);
    assert.deepEqual(clients.body, { data: [], meta: { total: 0, page: 1, per_page: 100 } });

    assertError(await http(t.url, 'GET', '/api/clients'), 401, 'unauthorized', 'Log in first: send Authorization: Bearer <token>', 'nothing');
    assertError(
      await http(t.url, 'GET', '/api/clients', { token: 'not-a-session' }),
      401,
      'unauthorized',
      'Your session expired or is invalid: log in again',
      'bad bearer',
    );
    assertError(
      await http(t.url, 'GET', '/api/clients', { headers: { cookie: 'vaahshare_session=not-a-session' } }),
      401,
      'unauthorized',
      'Your session expired or is invalid: log in again',
      'bad cookie',
    );
    // An enrollment token is an agent's credential, not a dashboard login.
    assertError(
      await http(t.url, 'GET', '/api/clients', { token: AGENT_TOKEN }),
      401,
      'unauthorized',
      'Your session expired or is invalid: log in again',
      'agent token',
    );
  });

  test('logout ends the session: the token, the cookie and a dashboard socket are refused from then on', async () => {
    const token = await login(t.url);
    const other = await login(t.url);
    const open = await connectDashboard(t.url, token);
    const stays = await connectDashboard(t.url, other);
    const cutOff = new Promise((resolve) => open.socket.once('disconnect', resolve));
    const out = await http(t.url, 'POST', '/api/auth/logout', { token });
    assert.equal(out.status, 200);
    assert.equal(await cutOff, 'io server disconnect', 'a dashboard open with the session is disconnected at once');
    assert.equal(stays.socket.connected, true, 'another session’s dashboard stays');
    stays.socket.disconnect();
    assert.deepEqual(out.body, { ok: true });
    const cleared = out.headers.getSetCookie();
    assert.equal(cleared.length, 1);
    assert.match(cleared[0], /^vaahshare_session=;/);
    assert.match(cleared[0], /Expires=Thu, 01 Jan 1970 00:00:00 GMT/);

    const expired = 'Your session expired or is invalid: log in again';
    assertError(await http(t.url, 'GET', '/api/auth/me', { token }), 401, 'unauthorized', expired, 'bearer after logout');
    assertError(
      await http(t.url, 'GET', '/api/auth/me', { headers: { cookie: `vaahshare_session=${token}` } }),
      401,
      'unauthorized',
      expired,
      'cookie after logout',
    );
    assert.deepEqual(await handshakeRefusal(openSocket(t.url, { app: 'backend', token })), {
      message: expired,
      data: { error: 'invalid_token' },
    });
    // Only that session ended.
    assert.equal((await http(t.url, 'GET', '/api/auth/me', { token: other })).status, 200);

    // Logging out through the cookie alone works too.
    const third = await login(t.url);
    const byCookie = await http(t.url, 'POST', '/api/auth/logout', { headers: { cookie: `vaahshare_session=${third}` } });
    assert.equal(byCookie.status, 200);
    assertError(await http(t.url, 'GET', '/api/auth/me', { token: third }), 401, 'unauthorized', expired, 'after cookie logout');
  });

  test('a dashboard socket without a token or with a bad one is refused at the handshake', async () => {
    assert.deepEqual(await handshakeRefusal(openSocket(t.url, { app: 'backend', token: null })), {
      message: 'Log in first: a dashboard socket needs auth.token',
      data: { error: 'token_required' },
    });
    assert.deepEqual(await handshakeRefusal(openSocket(t.url, { app: 'backend', token: 'not-a-session' })), {
      message: 'Your session expired or is invalid: log in again',
      data: { error: 'invalid_token' },
    });
    assert.deepEqual(await handshakeRefusal(openSocket(t.url, { app: 'backend', token: AGENT_TOKEN })), {
      message: 'Your session expired or is invalid: log in again',
      data: { error: 'invalid_token' },
    });
    // A superadmin following a company that does not exist is refused, whatever the size of the id.
    for (const companyId of [999, 3_000_000_000]) {
      assert.deepEqual(
        await handshakeRefusal(openSocket(t.url, { app: 'backend', auth: { token: superToken, company_id: companyId } })),
        { message: `Company ${companyId} does not exist`, data: { error: 'unknown_company' } },
      );
    }

    const token = await login(t.url);
    const byToken = openSocket(t.url, { app: 'backend', token });
    await connected(byToken);
    byToken.disconnect();
    // The session cookie alone is enough (a browser on the same origin sends it).
    const byCookie = openSocket(t.url, { app: 'backend', token: null, extraHeaders: { cookie: `vaahshare_session=${token}` } });
    await connected(byCookie);
    byCookie.disconnect();
  });

  test('an agent without a token, with a wrong, revoked or NUL-bearing token is refused, and nothing is written', async () => {
    const before = { clients: await rowCount(t, 'clients'), events: await rowCount(t, 'presence_events') };
    const required = {
      message: 'An enrollment token is required: start the agent with --token <token> (see the dashboard settings)',
      data: { error: 'token_required' },
    };
    const invalid = { message: 'Unknown or revoked enrollment token: ask your admin for a current one', data: { error: 'invalid_token' } };

    assert.deepEqual(await handshakeRefusal(openSocket(t.url, { token: null })), required);
    assert.deepEqual(await handshakeRefusal(openSocket(t.url, { token: '' })), required);
    // Without LEGACY_AGENTS, an original client (no token) is refused like any agent.
    assert.deepEqual(await handshakeRefusal(openSocket(t.url, { app: 'electron', token: null })), required);
    assert.deepEqual(await handshakeRefusal(openSocket(t.url, { token: 'wrong-token-123' })), invalid);
    assert.deepEqual(await handshakeRefusal(openSocket(t.url, { app: 'electron', token: 'wrong-token-123' })), invalid);
    assert.deepEqual(await handshakeRefusal(openSocket(t.url, { token: 'nul\u0000token' })), invalid);
    // A dashboard login is not an enrollment token.
    assert.deepEqual(await handshakeRefusal(openSocket(t.url, { token: superToken })), invalid);

    const created = await api(t.url, `/api/companies/${defaultCompanyId}/tokens`, { token: superToken, body: { label: 'to revoke' } });
    assert.equal(created.status, 201);
    const usable = await connectAgent(t.url, 'rev@oked', { token: created.body.data.token });
    usable.socket.disconnect();
    await waitUntil(async () => (await rowCount(t, 'presence_events')) === before.events + 2, 5000, 'its drop recorded');
    const revoked = await api(t.url, `/api/companies/${defaultCompanyId}/tokens/${created.body.data.id}`, { token: superToken, method: 'DELETE' });
    assert.equal(revoked.status, 200);
    const afterUse = { clients: await rowCount(t, 'clients'), events: await rowCount(t, 'presence_events') };
    assert.deepEqual(await handshakeRefusal(openSocket(t.url, { token: created.body.data.token })), invalid);

    // Connected, reconnecting, then disconnected by the revoke (its agent cannot come back with that token).
    assert.deepEqual(afterUse, { clients: before.clients + 1, events: before.events + 3 }, 'only the accepted agent wrote rows');
    assert.deepEqual({ clients: await rowCount(t, 'clients'), events: await rowCount(t, 'presence_events') }, afterUse);
  });

  test('a socket with an unknown or missing query.app is refused at the handshake', async () => {
    const unknownApp = { message: 'Unknown app: connect with query.app "agent" or "backend"', data: { error: 'unknown_app' } };
    assert.deepEqual(await handshakeRefusal(openSocket(t.url, { app: 'toaster' })), unknownApp);
    assert.deepEqual(await handshakeRefusal(openSocket(t.url, { app: 'x'.repeat(10_000) })), unknownApp);
    const noApp = ioClient(t.url, { transports: ['websocket'], forceNew: true, reconnection: false, auth: { token: AGENT_TOKEN } });
    assert.deepEqual(await handshakeRefusal(noApp), unknownApp);
    const noAppDashboard = ioClient(t.url, { transports: ['websocket'], forceNew: true, reconnection: false, auth: { token: superToken } });
    assert.deepEqual(await handshakeRefusal(noAppDashboard), unknownApp);
  });

  describe('POST /api/users', () => {
    let acme: { id: number; name: string };
    let acmeAdmin: string;

    before(async () => {
      const company = await api(t.url, '/api/companies', { token: superToken, body: { name: 'Acme' } });
      assert.equal(company.status, 201);
      acme = company.body.data;
    });

    test('a superadmin creates an admin of any company, who can then log in to that company', async () => {
      const users = await rowCount(t, 'users');
      const res = await api(t.url, '/api/users', {
        token: superToken,
        body: { email: 'Boss@Acme.example', password: 'acme-password', company_id: acme.id, role: 'admin' },
      });
      assert.equal(res.status, 201);
      const user = { id: res.body.data.id, email: 'boss@acme.example', company_id: acme.id, role: 'admin' };
      assert.deepEqual(res.body, { data: { ...user, group_ids: [], may_download: true, disabled: false, second_factor: false } });
      const loggedIn = await api(t.url, '/api/auth/login', { body: { email: 'boss@acme.example', password: 'acme-password' } });
      assert.equal(loggedIn.status, 200);
      assert.deepEqual(loggedIn.body.user, user);
      acmeAdmin = loggedIn.body.token;

      // The role defaults to admin; a superadmin may create one for its own company too.
      const own = await api(t.url, '/api/users', {
        token: superToken,
        body: { email: 'second@default.example', password: 'default-password', company_id: defaultCompanyId },
      });
      assert.equal(own.status, 201);
      assert.equal(own.body.data.role, 'admin');
      assert.equal(own.body.data.company_id, defaultCompanyId);
      assert.equal(await rowCount(t, 'users'), users + 2);
    });

    test('an admin creates users of its own company only, and never a superadmin', async () => {
      const users = await rowCount(t, 'users');
      const ok = await api(t.url, '/api/users', {
        token: acmeAdmin,
        body: { email: 'helper@acme.example', password: 'helper-password', company_id: acme.id },
      });
      assert.equal(ok.status, 201);
      assert.deepEqual(ok.body.data, { id: ok.body.data.id, email: 'helper@acme.example', company_id: acme.id, role: 'admin', group_ids: [], may_download: true, disabled: false, second_factor: false });

      const otherCompany = await http(t.url, 'POST', '/api/users', {
        token: acmeAdmin,
        headers: json,
        body: JSON.stringify({ email: 'mole@default.example', password: 'mole-password', company_id: defaultCompanyId }),
      });
      assertError(otherCompany, 403, 'forbidden', 'You may only act on your own company', 'admin → other company');
      const superadmin = await http(t.url, 'POST', '/api/users', {
        token: acmeAdmin,
        headers: json,
        body: JSON.stringify({ email: 'king@acme.example', password: 'king-password', company_id: acme.id, role: 'superadmin' }),
      });
      assertError(superadmin, 403, 'forbidden', 'Only a superadmin may create a superadmin', 'admin → superadmin');
      const anonymous = await http(t.url, 'POST', '/api/users', {
        headers: json,
        body: JSON.stringify({ email: 'anon@acme.example', password: 'anon-password', company_id: acme.id }),
      });
      assertError(anonymous, 401, 'unauthorized', 'Log in first: send Authorization: Bearer <token>', 'no login');
      assert.equal(await rowCount(t, 'users'), users + 1);
      assert.equal((await api(t.url, '/api/auth/login', { body: { email: 'mole@default.example', password: 'mole-password' } })).status, 401);
    });

    test('a duplicate e-mail is 409, a short password 400, a missing company 404; nothing is written', async () => {
      const users = await rowCount(t, 'users');
      const post = (body: unknown) => http(t.url, 'POST', '/api/users', { token: superToken, headers: json, body: JSON.stringify(body) });
      assertError(
        await post({ email: ADMIN_EMAIL, password: 'whatever-password', company_id: acme.id }),
        409,
        'conflict',
        `A user with e-mail ${ADMIN_EMAIL} already exists`,
        'duplicate',
      );
      assertError(
        await post({ email: 'BOSS@acme.EXAMPLE', password: 'whatever-password', company_id: acme.id }),
        409,
        'conflict',
        'A user with e-mail boss@acme.example already exists',
        'duplicate in another case',
      );
      assertError(
        await post({ email: 'short@acme.example', password: 'seven77', company_id: acme.id }),
        400,
        'bad_request',
        'Invalid body: password: password must have at least 8 characters',
        'short password',
      );
      assertError(
        await post({ email: 'ghost@nowhere.example', password: 'ghost-password', company_id: 999 }),
        404,
        'not_found',
        'Company 999 not found',
        'no such company',
      );
      assertError(
        await post({ email: 'ghost@nowhere.example', password: 'ghost-password', company_id: acme.id, role: 'root' }),
        400,
        'bad_request',
        'Invalid body: role: role must be one of superadmin, admin, viewer, auditor',
        'unknown role',
      );
      assert.equal(await rowCount(t, 'users'), users);
    });
  });
});

test('an ADMIN_EMAIL written with capitals can log in', async () => {
  const t = await startServer({ ADMIN_EMAIL: 'Boss@Example.COM' });
  try {
    const res = await api(t.url, '/api/auth/login', { body: { email: 'Boss@Example.COM', password: ADMIN_PASSWORD } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.user.email, 'boss@example.com');
    assert.equal(res.body.user.role, 'superadmin');
  } finally {
    await t.dispose();
  }
});
