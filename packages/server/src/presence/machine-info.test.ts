import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { api, connected, login, openSocket, startServer, waitUntil, type TestServer } from '@vaahshare/testkit';
import { rowCount, untyped } from '@vaahshare/testkit/probes';

/** Exactly what the original client's `getMachineInfo()` sends (PROTOCOL.md §6): `os.type()`, `os.platform()`, … */
const ORIGINAL = { operatingSystem: 'Windows_NT', username: 'Jane Doe', hostname: 'DESKTOP-7Q1', macAddress: '00:15:5d:01:02:03', platform: 'win32', user_host: 'Jane Doe@DESKTOP-7Q1' };
/** What this project's agent sends after a failed self-update: every field it may send. */
const AGENT = {
  user_host: 'ana@pc-17',
  username: 'ana',
  hostname: 'pc-17',
  platform: 'linux',
  operatingSystem: 'Linux 6.1.0-18-amd64',
  macAddress: '52:54:00:12:34:56',
  agent_version: '0.3.0+9f2c1ab',
  agent_platform: 'linux-x64',
  agent_update: { state: 'failed' as const, version: '0.3.1+0000000', reason: 'download refused: sha256 mismatch', at: '2026-12-01T10:00:00.000Z' },
};

describe('machine_info is a strict, bounded object', () => {
  let t: TestServer;
  let token: string;
  const metaOf = async (userHost: string) => {
    const row = await t.server.ctx.db.selectFrom('clients').select('meta').where('user_host', '=', userHost).executeTakeFirst();
    return row && JSON.parse(row.meta);
  };

  const openAgent = () => openSocket(t.url);

  before(async () => {
    t = await startServer({ LEGACY_AGENTS: 'true' });
    token = await login(t.url);
  });
  after(() => t.dispose());

  test('the original client’s machine_info and the agent’s are accepted and stored as sent', async () => {
    const original = openSocket(t.url, { app: 'electron', token: null });
    await connected(original);
    original.emit('client-connected', { machine_info: ORIGINAL, company_id: '1' });
    await waitUntil(async () => (await metaOf(ORIGINAL.user_host)) !== undefined, 5000, 'the original client stored');
    assert.deepEqual(await metaOf(ORIGINAL.user_host), ORIGINAL);

    const agent = openAgent();
    const reply = await agent.timeout(5000).emitWithAck('client-connected', { machine_info: AGENT });
    assert.equal(reply.ok, true);
    assert.deepEqual(await metaOf(AGENT.user_host), AGENT);
    original.disconnect();
    agent.disconnect();
  });

  const refusals: Array<[string, Record<string, unknown>, RegExp]> = [
    ['an unknown field of 1 MB', { screenshot: 'x'.repeat(1024 * 1024) }, /^Invalid client-connected payload: machine_info: Unrecognized key: "screenshot"$/],
    ['an over-long operatingSystem', { operatingSystem: 'x'.repeat(256) }, /^Invalid client-connected payload: machine_info\.operatingSystem: Too big: expected string to have <=255 characters$/],
    ['a number for hostname', { hostname: 42 }, /^Invalid client-connected payload: machine_info\.hostname: Invalid input: expected string, received number$/],
    ['an object in agent_update', { agent_update: { state: 'failed', version: '1', log: 'x'.repeat(10_000) } }, /machine_info\.agent_update: Unrecognized key: "log"/],
  ];
  for (const [what, extra, message] of refusals) {
    test(`${what} is refused with a clear error and nothing is stored`, async () => {
      const socket = openAgent();
      await connected(socket);
      const userHost = `bad@${what.replace(/[^a-z]+/g, '-').replace(/^-|-$/g, '')}`;
      const clients = await rowCount(t, 'clients');
      const reply = await untyped(socket).timeout(5000).emitWithAck('client-connected', { machine_info: { ...AGENT, user_host: userHost, ...extra } });
      assert.equal(reply.ok, false);
      assert.equal(reply.error, 'bad_request');
      assert.match(reply.message, message);
      assert.equal(await rowCount(t, 'clients'), clients);
      assert.equal(await metaOf(userHost), undefined);
      socket.disconnect();
    });
  }

  test('the clients list stays small whatever agents send', async () => {
    const socket = openAgent();
    await connected(socket);
    await untyped(socket).timeout(5000).emitWithAck('client-connected', { machine_info: { ...AGENT, user_host: 'big@meta-1', notes: 'x'.repeat(4 * 1024 * 1024) } });
    const list = await api(t.url, '/api/clients', { token });
    assert.ok(JSON.stringify(list.body).length < 64 * 1024, `${JSON.stringify(list.body).length} bytes`);
    socket.disconnect();
  });
});
