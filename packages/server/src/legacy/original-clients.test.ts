import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CompiledQuery, SqliteAdapter } from 'kysely';
import { api, connectAgent, connected, login, machineInfo, openSocket, startServer, waitUntil, type TestServer, type TestSocket } from '@vaahshare/testkit';
import { assertError, handshakeRefusal, http, rowCount } from '@vaahshare/testkit/probes';
import { socketHistoryQuery } from './legacy.repository.js';

const json = { 'content-type': 'application/json' };
const refusal = (companyId: number | string) =>
  `Company ${companyId} does not exist or does not accept this app from your address: check the company id in the app's settings, or ask the company's admin`;

/** An original client (no token) naming its company; the ack holds the server's answer. */
async function originalClient(url: string, userHost: string, companyId: number | string, extraHeaders?: Record<string, string>) {
  const socket: TestSocket = openSocket(url, { app: 'electron', token: null, extraHeaders });
  await connected(socket);
  const reply = await socket.timeout(5000).emitWithAck('client-connected', { machine_info: machineInfo(userHost), company_id: String(companyId) });
  return { socket, reply };
}

const setOriginalClients = (t: TestServer, token: string, companyId: number, accepted: boolean, allowed: string[]) =>
  http(t.url, 'PATCH', `/api/companies/${companyId}/access`, {
    token,
    headers: json,
    body: JSON.stringify({ original_clients: { accepted, allowed_addresses: allowed } }),
  });

describe('original clients are accepted per company, from the addresses it lists', () => {
  let t: TestServer;
  let token: string;
  let acme: number;

  before(async () => {
    t = await startServer({ TRUST_PROXY: '127.0.0.1' });
    token = await login(t.url);
    acme = (await api(t.url, '/api/companies', { token, body: { name: 'Acme' } })).body.data.id;
  });
  after(() => t.dispose());

  test('while no company accepts them, an original client is refused at the handshake and their REST is off', async () => {
    assert.deepEqual((await handshakeRefusal(openSocket(t.url, { app: 'electron', token: null }))).data, { error: 'token_required' });
    const alert = await http(t.url, 'POST', '/api/vaahshare/alerts', { headers: json, body: JSON.stringify({ type: 'idle', socket_id: 'abc' }) });
    assertError(alert, 404, 'legacy_disabled', /^Original VaahShare clients are not accepted here/);
    assert.deepEqual((await api(t.url, `/api/companies/${acme}/access`, { token })).body.data, {
      require_admin_totp: false,
      original_clients: { accepted: false, allowed_addresses: [], accepted_by_server_config: false },
    });
  });

  test('turning them on takes an allow-list of addresses or CIDRs, each checked', async () => {
    assertError(await setOriginalClients(t, token, acme, true, []), 400, 'bad_request', /List the addresses original clients connect from/);
    assertError(await setOriginalClients(t, token, acme, true, ['10.0.0.0/33']), 400, 'bad_request', /10\.0\.0\.0\/33 is not an IPv4\/IPv6 address or CIDR/);
    assertError(await setOriginalClients(t, token, acme, true, ['example.com']), 400, 'bad_request', /example\.com is not an IPv4\/IPv6 address or CIDR/);
    const set = await setOriginalClients(t, token, acme, true, ['127.0.0.1', '2001:DB8::/32', '127.0.0.1']);
    assert.equal(set.status, 200, JSON.stringify(set.body));
    assert.deepEqual(set.body.data.original_clients, { accepted: true, allowed_addresses: ['127.0.0.1', '2001:db8::/32'], accepted_by_server_config: false });
    const entry = (await api(t.url, '/api/audit?action=settings-changed', { token })).body.data[0];
    assert.deepEqual(entry.details, { original_clients: { from: false, to: true }, original_clients_from: { from: '', to: '127.0.0.1, 2001:db8::/32' } });
  });

  test('an allowed address joins that company; unknown and unwilling companies get one and the same answer', async () => {
    const before = await rowCount(t, 'clients');
    const { socket, reply } = await originalClient(t.url, 'old@acme-1', acme);
    assert.ok(reply.ok, JSON.stringify(reply));
    assert.equal(reply.ok && reply.client.company_id, acme);
    for (const companyId of [1, 9999]) {
      const refused = await originalClient(t.url, 'old@probe', companyId);
      assert.deepEqual(refused.reply, { ok: false, error: 'unknown_company', message: refusal(companyId) });
      await waitUntil(() => !refused.socket.connected, 5000, 'the refused socket is disconnected');
    }
    assert.equal(await rowCount(t, 'clients'), before + 1, 'nothing stored for the refused');

    // Its REST, by its socket id, from an allowed address.
    const alert = await http(t.url, 'POST', '/api/vaahshare/alerts', { headers: json, body: JSON.stringify({ type: 'idle', socket_id: socket.id }) });
    assert.equal(alert.status, 201, JSON.stringify(alert.body));
    socket.disconnect();
  });

  test('the address is the one TRUST_PROXY resolves; IPv6 prefixes match; a change of the list cuts connected ones', async () => {
    const viaProxy = await originalClient(t.url, 'old@acme-v6', acme, { 'x-forwarded-for': '2001:db8:7::9' });
    assert.ok(viaProxy.reply.ok, JSON.stringify(viaProxy.reply));
    const outside = await originalClient(t.url, 'old@acme-out', acme, { 'x-forwarded-for': '2001:db9::1' });
    assert.deepEqual(outside.reply, { ok: false, error: 'unknown_company', message: refusal(acme) });

    const local = await originalClient(t.url, 'old@acme-2', acme);
    assert.ok(local.reply.ok);
    const localSocketId = local.socket.id!;
    const cut = new Promise((resolve) => local.socket.once('disconnect', resolve));
    assert.equal((await setOriginalClients(t, token, acme, true, ['2001:db8::/32'])).status, 200);
    assert.equal(await cut, 'io server disconnect', 'reconnects under the new list');
    const again = await originalClient(t.url, 'old@acme-2', acme);
    assert.deepEqual(again.reply, { ok: false, error: 'unknown_company', message: refusal(acme) });
    const alert = await http(t.url, 'POST', '/api/vaahshare/alerts', { headers: json, body: JSON.stringify({ type: 'idle', socket_id: localSocketId }) });
    assertError(alert, 404, 'not_found', `A client with socket id ${localSocketId} not found`, 'its REST from an address no longer listed');
    viaProxy.socket.disconnect();
  });

  test('turned off again: refused at the handshake once no company accepts them', async () => {
    assert.equal((await setOriginalClients(t, token, acme, false, ['2001:db8::/32'])).status, 200);
    assert.deepEqual((await handshakeRefusal(openSocket(t.url, { app: 'electron', token: null }))).data, { error: 'token_required' });
  });
});

describe('LEGACY_AGENTS=true: the default company accepts original clients', () => {
  test('from any address unless it lists some, says so in its settings, and the server warns at start', async () => {
    const lines: string[] = [];
    const t = await startServer({ LEGACY_AGENTS: 'true' }, { logger: { level: 'warn', stream: { write: (line: string) => void lines.push(line) } } });
    try {
      const warning = lines.map((l) => JSON.parse(l) as { level: number; msg: string }).find((l) => l.msg.startsWith('SECURITY: company 1 '));
      assert.equal(warning?.level, 40);
      assert.match(warning!.msg, /^SECURITY: company 1 "Default company" accepts original VaahShare clients from any address: .* Unset LEGACY_AGENTS to stop it/);
      const token = await login(t.url);
      const access = (await api(t.url, '/api/companies/1/access', { token })).body.data;
      assert.deepEqual(access.original_clients, { accepted: true, allowed_addresses: [], accepted_by_server_config: true });
      const { socket, reply } = await originalClient(t.url, 'old@default', 1);
      assert.ok(reply.ok);
      socket.disconnect();
      const companyB = (await api(t.url, '/api/companies', { token, body: { name: 'B' } })).body.data.id;
      assert.deepEqual((await originalClient(t.url, 'old@b', companyB)).reply, { ok: false, error: 'unknown_company', message: refusal(companyB) });

      assert.equal((await setOriginalClients(t, token, 1, false, ['10.0.0.0/8'])).status, 200);
      assert.deepEqual((await originalClient(t.url, 'old@default-2', 1)).reply, { ok: false, error: 'unknown_company', message: refusal(1) }, 'the list applies');
    } finally {
      await t.dispose();
    }
  });
});

describe('the presence history keeps socket ids only where they are looked up', () => {
  test("an original client's connect keeps its socket id, found through the index; an agent's keeps none", async () => {
    const t = await startServer({ LEGACY_AGENTS: 'true' });
    try {
      const original = await originalClient(t.url, 'old@history', 1);
      assert.ok(original.reply.ok, JSON.stringify(original.reply));
      const agent = await connectAgent(t.url, 'new@history');
      const { db } = t.server.ctx;
      const connects = await db
        .selectFrom('presence_events')
        .innerJoin('clients', 'clients.id', 'presence_events.client_id')
        .select(['clients.user_host', 'presence_events.socket_id'])
        .where('presence_events.state', '=', 'connected')
        .execute();
      assert.deepEqual(Object.fromEntries(connects.map((e) => [e.user_host, e.socket_id])), { 'old@history': original.socket.id, 'new@history': null });
      // Its REST finds it by that id.
      const alert = await http(t.url, 'POST', '/api/vaahshare/alerts', { headers: json, body: JSON.stringify({ type: 'idle', socket_id: original.socket.id }) });
      assert.equal(alert.status, 201, JSON.stringify(alert.body));
      // SQLite says how it finds it (PostgreSQL plans a table this small as a scan whatever its indexes).
      if (db.getExecutor().adapter instanceof SqliteAdapter) {
        const lookup = socketHistoryQuery(db, original.socket.id!).compile();
        const plan = await db.executeQuery<{ detail: string }>(CompiledQuery.raw(`explain query plan ${lookup.sql}`, [...lookup.parameters]));
        assert.ok(plan.rows.some((step) => /USING INDEX presence_events_socket/.test(step.detail)), JSON.stringify(plan.rows));
      }
      original.socket.disconnect();
      agent.socket.disconnect();
    } finally {
      await t.dispose();
    }
  });
});
