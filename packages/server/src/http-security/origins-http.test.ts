import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { connectAgent, connected, login, openSocket, startServer, type TestServer } from '@vaahshare/testkit';
import { assertError, handshakeRefusal, http } from '@vaahshare/testkit/probes';

const FOREIGN = 'http://127.0.0.1:9'; // another port of the same site, as in the review
const refusal = (origin: string) =>
  `Requests from the page at ${origin} are not allowed: open the dashboard at this server's address, or add that origin to ALLOWED_ORIGINS`;

describe('cross-site requests and sockets', () => {
  let t: TestServer;
  let token: string;
  let alertId: number;
  const cookie = () => ({ cookie: `vaahshare_session=${token}` });

  before(async () => {
    t = await startServer({ ALLOWED_ORIGINS: 'https://ops.example' });
    token = await login(t.url);
    const agent = await connectAgent(t.url, 'jo@origin-test');
    const reply = await agent.socket.timeout(5000).emitWithAck('alert', { type: 'idle', idle_seconds: 90 });
    assert.ok(reply.ok);
    alertId = reply.alert.id;
    agent.socket.disconnect();
  });
  after(() => t.dispose());

  test("a dashboard socket from another origin is refused at the handshake, even with the user's cookie", async () => {
    const hijack = openSocket(t.url, { app: 'backend', token: null, extraHeaders: { ...cookie(), origin: FOREIGN } });
    const refused = await handshakeRefusal(hijack);
    assert.equal(refused.message, 'websocket error');
    // Over long-polling the refusal says why.
    const polling = await http(t.url, 'GET', '/socket.io/?EIO=4&transport=polling&app=backend', { headers: { ...cookie(), origin: FOREIGN } });
    assert.equal(polling.status, 403);
    assert.deepEqual(polling.body, { code: 4, message: refusal(FOREIGN) });
    const nullOrigin = await http(t.url, 'GET', '/socket.io/?EIO=4&transport=polling&app=agent', { headers: { origin: 'null' } });
    assert.equal(nullOrigin.status, 403, 'a share page opened from a file or a sandbox');
  });

  test('the own origin, a listed one, and native agents (no Origin) connect', async () => {
    for (const origin of [t.url, 'https://ops.example']) {
      const socket = openSocket(t.url, { app: 'backend', token: null, extraHeaders: { ...cookie(), origin } });
      await connected(socket);
      socket.disconnect();
    }
    const sharePage = openSocket(t.url, { extraHeaders: { origin: t.url } });
    await connected(sharePage);
    sharePage.disconnect();
    const native = await connectAgent(t.url, 'native@origin-test');
    native.socket.disconnect();
  });

  test('state-changing requests without a body (logout, acknowledge) from another origin are refused and change nothing', async () => {
    const ack = await http(t.url, 'POST', `/api/alerts/${alertId}/acknowledge`, { headers: { ...cookie(), origin: FOREIGN } });
    assertError(ack, 403, 'forbidden_origin', refusal(FOREIGN), 'acknowledge');
    const logout = await http(t.url, 'POST', '/api/auth/logout', { headers: { ...cookie(), origin: FOREIGN, 'content-type': 'text/plain' } });
    assertError(logout, 403, 'forbidden_origin', refusal(FOREIGN), 'logout');
    const forged = await http(t.url, 'POST', '/api/companies', {
      headers: { ...cookie(), origin: 'null', 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Forged' }),
    });
    assertError(forged, 403, 'forbidden_origin', refusal('null'), 'create a company');

    assert.equal((await http(t.url, 'GET', '/api/auth/me', { headers: cookie() })).status, 200, 'still logged in');
    const alert = await t.server.ctx.db.selectFrom('alerts').select('acknowledged_at').where('id', '=', alertId).executeTakeFirstOrThrow();
    assert.equal(alert.acknowledged_at, null);
    assert.equal((await t.server.ctx.db.selectFrom('companies').select('id').where('name', '=', 'Forged').execute()).length, 0);
  });

  test('the same requests from the own origin or without an Origin go through', async () => {
    const own = await http(t.url, 'POST', `/api/alerts/${alertId}/acknowledge`, { headers: { ...cookie(), origin: t.url } });
    assert.equal(own.status, 200);
    const other = await login(t.url);
    assert.equal((await http(t.url, 'POST', '/api/auth/logout', { token: other })).status, 200, 'no Origin: curl, scripts');
    assert.equal((await http(t.url, 'POST', '/api/auth/logout', { headers: { ...cookie(), origin: 'https://ops.example' } })).status, 200);
  });
});
