import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, test } from 'node:test';
import {
  api,
  connectAgent,
  connectDashboard,
  freshDatabaseEnv,
  login,
  graceOver,
  tempDir,
  testEnv,
  waitUntil,
} from '@vaahshare/testkit';
import { freePort, spawnServer } from '@vaahshare/testkit/process';

const GRACE_MS = 2500;

/** Restarts the real server process (SIGTERM or kill -9) while agents are connected. */
async function restartScenario(signal: NodeJS.Signals) {
  const dataDir = tempDir();
  const database = await freshDatabaseEnv();
  const env = testEnv(dataDir, { ...database.env, PORT: String(await freePort()), RECONNECT_GRACE_MS: String(GRACE_MS), PRESENCE_SWEEP_MS: '100' });
  let server = await spawnServer(env);
  try {
    const token = await login(server.url);
    const staying = await connectAgent(server.url, 'stays@pc-1');
    const leaving = await connectAgent(server.url, 'leaves@pc-2');
    const closed = await connectAgent(server.url, 'closed@pc-3');
    await closed.socket.emitWithAck('app-closed');
    closed.socket.disconnect();

    await server.stop(signal);
    const stoppedAt = Date.now();
    const restartedAt = Date.now();
    server = await spawnServer(env);

    const clients = async () => {
      const { body } = await api(server.url, '/api/clients', { token });
      return Object.fromEntries(body.data.map((c: any) => [c.user_host, c]));
    };
    const before = await clients();
    assert.equal(before['stays@pc-1'].is_reconnecting, true, 'a connected client is reconnecting after the restart');
    assert.equal(before['leaves@pc-2'].is_reconnecting, true);
    assert.equal(before['closed@pc-3'].is_connected, false, 'a closed client stays disconnected');
    const deadline = Date.parse(before['stays@pc-1'].grace_deadline);
    assert.ok(deadline >= restartedAt + GRACE_MS - 50, 'the grace deadline is fresh, counted from the restart');
    const lastSeen = Date.parse(before['stays@pc-1'].last_seen_at);
    assert.ok(lastSeen <= stoppedAt, `last seen before the server stopped (${before['stays@pc-1'].last_seen_at}), not at the restart`);

    const dashboard = await connectDashboard(server.url, token);
    // One agent comes back within grace; the other never does.
    const back = await connectAgent(server.url, 'stays@pc-1');
    assert.equal(back.client.id, staying.client.id);
    await waitUntil(async () => (await clients())['leaves@pc-2'].is_connected === false, GRACE_MS * 3, 'grace expiry');
    assert.ok(Date.now() - restartedAt >= GRACE_MS - 100, 'not disconnected before its fresh grace ended');
    // Sweeps after the common deadline have run by the time a witness dropped now is disconnected.
    await graceOver(server.url, dashboard, GRACE_MS);
    const final = await clients();
    assert.equal(final['stays@pc-1'].is_connected, true);
    assert.equal(final['stays@pc-1'].is_reconnecting, false);
    const history = await api(server.url, `/api/clients/${leaving.client.id}`, { token });
    assert.deepEqual(
      history.body.data.presence.map((p: { state: string }) => p.state),
      ['disconnected', 'reconnecting', 'connected'],
    );
    for (const a of [staying, leaving, back, dashboard]) a.socket.disconnect();
  } finally {
    await server.stop('SIGKILL');
    await database.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

describe('presence survives server restarts', { concurrency: 1 }, () => {
  test('graceful restart (SIGTERM): connected clients get a fresh grace period', () => restartScenario('SIGTERM'));
  test('crash (kill -9): connected clients get a fresh grace period', () => restartScenario('SIGKILL'));
});
