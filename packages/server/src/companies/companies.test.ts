import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Settings } from '@vaahshare/protocol';
import { DEFAULT_IDLE_MESSAGE } from './companies.repository.js';
import {
  ADMIN_EMAIL,
  ADMIN_PASSWORD,
  AGENT_TOKEN,
  api,
  connectAgent,
  connectDashboard,
  connected,
  login,
  machineInfo,
  openSocket,
  roundTrip,
  startServer,
  waitUntil,
  type TestServer,
} from '@vaahshare/testkit';
import { assertError, handshakeRefusal, http, rowCount } from '@vaahshare/testkit/probes';

const json = { 'content-type': 'application/json' };
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const INVALID_TOKEN = { message: 'Unknown or revoked enrollment token: ask your admin for a current one', data: { error: 'invalid_token' } };

/** An agent that records every `settings` it receives, from the one that follows `client-connected` on. */
async function agentWithSettings(url: string, userHost: string, token: string) {
  const socket = openSocket(url, { token });
  const settings: Settings[] = [];
  socket.on('settings', (s) => settings.push(s));
  await connected(socket);
  const reply = await socket.timeout(5000).emitWithAck('client-connected', { machine_info: machineInfo(userHost) });
  if (!reply.ok) throw new Error(reply.message);
  await waitUntil(() => settings.length === 1, 2000, 'the first settings');
  return { socket, client: reply.client, settings };
}

describe('companies and enrollment tokens', () => {
  let t: TestServer;
  let superToken: string;
  let defaultCompanyId: number;
  let acme: { id: number; name: string; enrollment_token: string };
  let acmeAdmin: string;

  before(async () => {
    t = await startServer();
    const res = await api(t.url, '/api/auth/login', { body: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD } });
    superToken = res.body.token;
    defaultCompanyId = res.body.user.company_id;
  });
  after(async () => {
    await t.dispose();
  });

  test('a superadmin creates a company with its first enrollment token; an admin may not', async () => {
    const res = await api(t.url, '/api/companies', { token: superToken, body: { name: '  Acme  ' } });
    assert.equal(res.status, 201);
    assert.deepEqual(Object.keys(res.body.data).sort(), ['enrollment_token', 'id', 'name']);
    assert.equal(res.body.data.name, 'Acme');
    assert.match(res.body.data.enrollment_token, /^[A-Za-z0-9_-]{32}$/);
    assert.notEqual(res.body.data.id, defaultCompanyId);
    acme = res.body.data;

    const list = await api(t.url, '/api/companies', { token: superToken });
    assert.deepEqual(list.body, {
      data: [
        { id: defaultCompanyId, name: 'Default company' },
        { id: acme.id, name: 'Acme' },
      ],
      meta: { total: 2, page: 1, per_page: 2 },
    });

    const user = await api(t.url, '/api/users', {
      token: superToken,
      body: { email: 'admin@acme.example', password: 'acme-password', company_id: acme.id },
    });
    assert.equal(user.status, 201);
    acmeAdmin = await login(t.url, 'admin@acme.example', 'acme-password');

    const companies = await rowCount(t, 'companies');
    const tokens = await rowCount(t, 'enrollment_tokens');
    const refused = await http(t.url, 'POST', '/api/companies', { token: acmeAdmin, headers: json, body: JSON.stringify({ name: 'Rogue' }) });
    assertError(refused, 403, 'forbidden', 'Only a superadmin may do this', 'admin creates a company');
    const anonymous = await http(t.url, 'POST', '/api/companies', { headers: json, body: JSON.stringify({ name: 'Rogue' }) });
    assertError(anonymous, 401, 'unauthorized', 'Log in first: send Authorization: Bearer <token>', 'no login');
    assert.equal(await rowCount(t, 'companies'), companies);
    assert.equal(await rowCount(t, 'enrollment_tokens'), tokens);

    // An admin sees only its own company.
    const own = await api(t.url, '/api/companies', { token: acmeAdmin });
    assert.deepEqual(own.body, { data: [{ id: acme.id, name: 'Acme' }], meta: { total: 1, page: 1, per_page: 1 } });
  });

  test('an agent with the new company’s token lands in that company, seen by its admin only', async () => {
    const { socket, client } = await connectAgent(t.url, 'ana@acme-desk', { token: acme.enrollment_token });
    assert.equal(client.company_id, acme.id);
    const acmeClients = await api(t.url, '/api/clients', { token: acmeAdmin });
    assert.deepEqual(acmeClients.body.data.map((c: { id: number }) => c.id), [client.id]);
    const defaultClients = await api(t.url, '/api/clients', { token: superToken });
    assert.deepEqual(defaultClients.body.data, [], 'the superadmin’s own company does not have it');
    const following = await api(t.url, `/api/clients?company_id=${acme.id}`, { token: superToken });
    assert.deepEqual(following.body.data.map((c: { id: number }) => c.id), [client.id], 'a superadmin may look into Acme');
    socket.disconnect();
  });

  test('tokens are listed, created and revoked; a revoked token is refused, the others still work', async () => {
    const listed = await api(t.url, `/api/companies/${acme.id}/tokens`, { token: acmeAdmin });
    assert.equal(listed.status, 200);
    assert.equal(listed.body.data.length, 1);
    const [first] = listed.body.data;
    // Listed by prefix: the server keeps only the token's hash.
    assert.deepEqual(first, { id: first.id, company_id: acme.id, token_prefix: acme.enrollment_token.slice(0, 6), label: 'default', group_id: null, created_at: first.created_at, revoked_at: null });
    assert.match(first.created_at, ISO);
    assert.deepEqual(listed.body.meta, { total: 1, page: 1, per_page: 1 });

    const created = await api(t.url, `/api/companies/${acme.id}/tokens`, { token: acmeAdmin, body: { label: 'laptops' } });
    assert.equal(created.status, 201);
    const laptops = created.body.data;
    // Shown once, in the answer that created it.
    assert.deepEqual(laptops, { id: laptops.id, company_id: acme.id, token: laptops.token, token_prefix: laptops.token.slice(0, 6), label: 'laptops', group_id: null, created_at: laptops.created_at, revoked_at: null });
    assert.notEqual(laptops.token, acme.enrollment_token);
    const unlabelled = await api(t.url, `/api/companies/${acme.id}/tokens`, { token: superToken, body: {} });
    assert.equal(unlabelled.status, 201);
    assert.equal(unlabelled.body.data.label, null);
    const again = await api(t.url, `/api/companies/${acme.id}/tokens`, { token: acmeAdmin });
    assert.deepEqual(again.body.data.map((x: { id: number }) => x.id), [first.id, laptops.id, unlabelled.body.data.id]);

    const agent = await connectAgent(t.url, 'bo@acme-laptop', { token: laptops.token });
    assert.equal(agent.client.company_id, acme.id);
    const bystander = await connectAgent(t.url, 'di@acme-desk', { token: acme.enrollment_token });
    const cutOff = new Promise((resolve) => agent.socket.once('disconnect', resolve));
    // Another desktop of that token dropped a moment ago: it is reconnecting.
    const dropped = await connectAgent(t.url, 'ed@acme-laptop', { token: laptops.token });
    dropped.socket.disconnect();
    await waitUntil(async () => (await api(t.url, `/api/clients/${dropped.client.id}`, { token: acmeAdmin })).body.data.is_reconnecting, 5000, 'reconnecting');
    const dashboard = await connectDashboard(t.url, acmeAdmin);

    const revoked = await api(t.url, `/api/companies/${acme.id}/tokens/${laptops.id}`, { token: acmeAdmin, method: 'DELETE' });
    assert.equal(await cutOff, 'io server disconnect', 'an agent connected with the revoked token loses its connection at once');
    // Its agent stops (the handshake refuses it from now on): refused at once, not reconnecting for a grace period.
    await waitUntil(() => dashboard.of('bo@acme-laptop').length > 0 && dashboard.of('ed@acme-laptop').length > 0, 5000, 'the revoked clients announced');
    // Whatever else the revoke caused has reached the dashboard after a round trip on its socket.
    await roundTrip(dashboard.socket);
    for (const userHost of ['bo@acme-laptop', 'ed@acme-laptop']) {
      assert.deepEqual(
        dashboard.events.filter((e) => e.client.user_host === userHost).map((e) => [e.event, e.client.is_connected, e.client.disconnect_reason]),
        [['client-disconnected', false, 'token_revoked']],
        userHost,
      );
    }
    const listedClient = (await api(t.url, `/api/clients/${agent.client.id}`, { token: acmeAdmin })).body.data;
    assert.deepEqual([listedClient.is_connected, listedClient.is_reconnecting, listedClient.disconnect_reason], [false, false, 'token_revoked']);
    dashboard.socket.disconnect();
    await roundTrip(bystander.socket);
    assert.equal(bystander.socket.connected, true, 'agents of the company’s other tokens stay');
    bystander.socket.disconnect();
    assert.equal(revoked.status, 200);
    assert.equal(revoked.body.data.id, laptops.id);
    assert.match(revoked.body.data.revoked_at, ISO);
    const twice = await http(t.url, 'DELETE', `/api/companies/${acme.id}/tokens/${laptops.id}`, { token: acmeAdmin });
    assertError(twice, 404, 'not_found', `Active token ${laptops.id} not found`, 'revoked twice');

    const clients = await rowCount(t, 'clients');
    assert.deepEqual(await handshakeRefusal(openSocket(t.url, { token: laptops.token })), INVALID_TOKEN);
    assert.equal(await rowCount(t, 'clients'), clients, 'a refused agent writes nothing');
    // The company's other token still enrolls.
    const still = await connectAgent(t.url, 'cy@acme-desk', { token: acme.enrollment_token });
    assert.equal(still.client.company_id, acme.id);
    still.socket.disconnect();
    const listedAfter = await api(t.url, `/api/companies/${acme.id}/tokens`, { token: acmeAdmin });
    assert.deepEqual(
      listedAfter.body.data.map((x: { label: string | null; revoked_at: string | null }) => [x.label, x.revoked_at !== null]),
      [['default', false], ['laptops', true], [null, false]],
    );
  });

  test('an admin manages only its own company’s tokens; ids of another company name nothing', async () => {
    const defaultTokens = await api(t.url, `/api/companies/${defaultCompanyId}/tokens`, { token: superToken });
    const agentToken = defaultTokens.body.data.find((x: { label: string }) => x.label === 'AGENT_TOKEN');
    assert.ok(agentToken);
    const tokens = await rowCount(t, 'enrollment_tokens');

    const forbidden = 'You may only act on your own company';
    assertError(await http(t.url, 'GET', `/api/companies/${defaultCompanyId}/tokens`, { token: acmeAdmin }), 403, 'forbidden', forbidden, 'list');
    assertError(
      await http(t.url, 'POST', `/api/companies/${defaultCompanyId}/tokens`, { token: acmeAdmin, headers: json, body: '{}' }),
      403,
      'forbidden',
      forbidden,
      'create',
    );
    assertError(
      await http(t.url, 'DELETE', `/api/companies/${defaultCompanyId}/tokens/${agentToken.id}`, { token: acmeAdmin }),
      403,
      'forbidden',
      forbidden,
      'revoke',
    );
    // Through its own company's path, another company's token id is not found (and not revoked).
    assertError(
      await http(t.url, 'DELETE', `/api/companies/${acme.id}/tokens/${agentToken.id}`, { token: acmeAdmin }),
      404,
      'not_found',
      `Active token ${agentToken.id} not found`,
      'revoke through own path',
    );
    assertError(await http(t.url, 'GET', '/api/companies/999/tokens', { token: superToken }), 404, 'not_found', 'Company 999 not found', 'no company');
    assert.equal(await rowCount(t, 'enrollment_tokens'), tokens);
    const agent = await connectAgent(t.url, 'di@default-desk');
    assert.equal(agent.client.company_id, defaultCompanyId, 'AGENT_TOKEN still works');
    agent.socket.disconnect();
  });

  test('settings: GET and PATCH; the company’s connected agents get `settings`, other companies’ do not', async () => {
    const initial = await api(t.url, `/api/companies/${acme.id}/settings`, { token: acmeAdmin });
    assert.deepEqual(initial.body, { data: { idle_threshold_seconds: 300, idle_message: DEFAULT_IDLE_MESSAGE, viewer_names_shown: true, pause_allowed: false, pause_max_minutes: 30, audit_retention_days: 365, quality_preset: 'balanced' } });

    const acmeAgent = await agentWithSettings(t.url, 'ed@acme-desk', acme.enrollment_token);
    const acmeAgent2 = await agentWithSettings(t.url, 'fi@acme-desk', acme.enrollment_token);
    const defaultAgent = await agentWithSettings(t.url, 'gu@default-desk', AGENT_TOKEN);
    // Connected but not yet announced with client-connected: not an agent of any company's room yet.
    const silent = openSocket(t.url, { token: acme.enrollment_token });
    const silentSettings: Settings[] = [];
    silent.on('settings', (s) => silentSettings.push(s));
    await connected(silent);
    assert.deepEqual(acmeAgent.settings, [{ idle_threshold_seconds: 300, idle_message: DEFAULT_IDLE_MESSAGE, viewer_names_shown: true, pause_allowed: false, pause_max_minutes: 30, audit_retention_days: 365, quality_preset: 'balanced' }]);

    const patched = await api(t.url, `/api/companies/${acme.id}/settings`, {
      token: acmeAdmin,
      method: 'PATCH',
      body: { idle_threshold_seconds: 120, idle_message: '  Still there?  ' },
    });
    assert.equal(patched.status, 200);
    const wanted = { idle_threshold_seconds: 120, idle_message: 'Still there?', viewer_names_shown: true, pause_allowed: false, pause_max_minutes: 30, audit_retention_days: 365, quality_preset: 'balanced' };
    assert.deepEqual(patched.body, { data: wanted });
    await waitUntil(() => acmeAgent.settings.length === 2 && acmeAgent2.settings.length === 2, 2000, 'settings pushed');
    assert.deepEqual(acmeAgent.settings[1], wanted);
    assert.deepEqual(acmeAgent2.settings[1], wanted);

    // Only one field: the other one stays.
    const partial = await api(t.url, `/api/companies/${acme.id}/settings`, { token: superToken, method: 'PATCH', body: { idle_threshold_seconds: 60 } });
    assert.deepEqual(partial.body, { data: { idle_threshold_seconds: 60, idle_message: 'Still there?', viewer_names_shown: true, pause_allowed: false, pause_max_minutes: 30, audit_retention_days: 365, quality_preset: 'balanced' } });
    await waitUntil(() => acmeAgent.settings.length === 3, 2000, 'second push');
    assert.deepEqual(acmeAgent.settings[2], { idle_threshold_seconds: 60, idle_message: 'Still there?', viewer_names_shown: true, pause_allowed: false, pause_max_minutes: 30, audit_retention_days: 365, quality_preset: 'balanced' });

    assert.deepEqual((await api(t.url, `/api/companies/${acme.id}/settings`, { token: acmeAdmin })).body, {
      data: { idle_threshold_seconds: 60, idle_message: 'Still there?', viewer_names_shown: true, pause_allowed: false, pause_max_minutes: 30, audit_retention_days: 365, quality_preset: 'balanced' },
    });
    const assets = await api(t.url, '/api/clients/assets', { token: acme.enrollment_token });
    assert.deepEqual(assets.body, { data: { localization: { idle_message: 'Still there?' }, idle_threshold_seconds: 60 } });

    // An admin may not change another company's settings, and a refused PATCH pushes nothing.
    const refused = await http(t.url, 'PATCH', `/api/companies/${defaultCompanyId}/settings`, {
      token: acmeAdmin,
      headers: json,
      body: JSON.stringify({ idle_threshold_seconds: 30 }),
    });
    assertError(refused, 403, 'forbidden', 'You may only act on your own company', 'other company');
    const invalid = await http(t.url, 'PATCH', `/api/companies/${acme.id}/settings`, {
      token: acmeAdmin,
      headers: json,
      body: JSON.stringify({ idle_threshold_seconds: 5 }),
    });
    assertError(invalid, 400, 'bad_request', 'Invalid body: idle_threshold_seconds: The idle threshold must be at least 10 seconds', 'too small');
    const unknownPreset = await http(t.url, 'PATCH', `/api/companies/${acme.id}/settings`, {
      token: acmeAdmin,
      headers: json,
      body: JSON.stringify({ quality_preset: 'ultra' }),
    });
    assertError(unknownPreset, 400, 'bad_request', 'Invalid body: quality_preset: quality_preset must be one of archive, balanced, sharp', 'unknown preset');

    // Whatever the refused PATCHes might have pushed has arrived after a round trip on each socket.
    for (const socket of [acmeAgent.socket, defaultAgent.socket, silent]) await roundTrip(socket);
    assert.equal(acmeAgent.settings.length, 3);
    assert.deepEqual(defaultAgent.settings, [{ idle_threshold_seconds: 300, idle_message: DEFAULT_IDLE_MESSAGE, viewer_names_shown: true, pause_allowed: false, pause_max_minutes: 30, audit_retention_days: 365, quality_preset: 'balanced' }], 'another company’s agent got nothing');
    assert.deepEqual(silentSettings, [], 'a socket that never sent client-connected got nothing');
    assert.deepEqual((await api(t.url, `/api/companies/${defaultCompanyId}/settings`, { token: superToken })).body, {
      data: { idle_threshold_seconds: 300, idle_message: DEFAULT_IDLE_MESSAGE, viewer_names_shown: true, pause_allowed: false, pause_max_minutes: 30, audit_retention_days: 365, quality_preset: 'balanced' },
    });
    for (const s of [acmeAgent.socket, acmeAgent2.socket, defaultAgent.socket, silent]) s.disconnect();
  });

  test('bootstrap: AGENT_TOKEN is the default company’s token and enrolls agents into it', async () => {
    const tokens = await api(t.url, `/api/companies/${defaultCompanyId}/tokens`, { token: superToken });
    assert.deepEqual(
      tokens.body.data.map((x: { token_prefix: string; label: string; revoked_at: string | null }) => [x.token_prefix, x.label, x.revoked_at]),
      [[AGENT_TOKEN.slice(0, 6), 'AGENT_TOKEN', null]],
    );
    const { socket, client } = await connectAgent(t.url, 'ha@default-desk', { token: AGENT_TOKEN });
    assert.equal(client.company_id, defaultCompanyId);
    const seen = await api(t.url, '/api/clients?q=ha@default', { token: superToken });
    assert.deepEqual(seen.body.data.map((c: { id: number }) => c.id), [client.id]);
    socket.disconnect();
  });
});

test('bootstrap without AGENT_TOKEN: a generated token, shown once, enrolls into the default company and survives a restart', async () => {
  const first = await startServer({ AGENT_TOKEN: '' });
  const dataDir = first.dataDir;
  const generated = first.server.bootstrapResult.enrollmentToken;
  try {
    assert.match(generated ?? '', /^[A-Za-z0-9_-]{32}$/);
    const { socket, client } = await connectAgent(first.url, 'io@fresh', { token: generated });
    const token = await login(first.url);
    const me = await api(first.url, '/api/auth/me', { token });
    assert.equal(client.company_id, me.body.data.company_id);
    socket.disconnect();
    await first.close();

    const second = await startServer({ AGENT_TOKEN: '', DATA_DIR: dataDir, ...first.env.DATABASE_URL ? { DATABASE_URL: first.env.DATABASE_URL } : {} });
    try {
      assert.equal(second.server.bootstrapResult.enrollmentToken, undefined, 'not generated (nor shown) again');
      const again = await connectAgent(second.url, 'io@fresh', { token: generated });
      assert.equal(again.client.id, client.id);
      again.socket.disconnect();
    } finally {
      await second.close();
    }
  } finally {
    await first.dispose().catch(() => {});
  }
});
