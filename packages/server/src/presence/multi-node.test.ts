import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import {
  api,
  connectAgent,
  connectDashboard,
  freshDatabaseEnv,
  login,
  graceOver,
  startServer,
  tempDir,
  testEnv,
  waitUntil,
  type TestServer,
} from '@vaahshare/testkit';
import { freePort, spawnServer } from '@vaahshare/testkit/process';

// Long enough that a comeback on the other node lands within it on a loaded machine.
const GRACE_MS = 3000;

/** Two server nodes on one database (no Redis yet: each dashboard hears only its own node). */
describe('several nodes sharing one database', () => {
  const dataDir = tempDir();
  let database: Awaited<ReturnType<typeof freshDatabaseEnv>>;
  let a: TestServer;
  let b: TestServer;
  let token: string;

  before(async () => {
    database = await freshDatabaseEnv();
    const shared = { ...database.env, DATA_DIR: dataDir, RECONNECT_GRACE_MS: String(GRACE_MS), PRESENCE_SWEEP_MS: '100' };
    a = await startServer({ ...shared, NODE_ID: 'node-a' });
    b = await startServer({ ...shared, NODE_ID: 'node-b' });
    token = await login(a.url);
  });
  after(async () => {
    await a.close();
    await b.close();
    await database.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test('a client that drops on A and comes back on B within grace stays connected; A never disconnects it', async () => {
    const onA = await connectDashboard(a.url, token);
    const first = await connectAgent(a.url, 'moves@pc');
    first.socket.disconnect();
    await waitUntil(() => onA.of('moves@pc').length === 2);
    const second = await connectAgent(b.url, 'moves@pc');
    assert.equal(second.client.id, first.client.id);
    // A's grace timer of the first connection would have fired before a witness dropped on A now is disconnected.
    const onB = await connectDashboard(b.url, token);
    await graceOver(a.url, [onA, onB], GRACE_MS);
    onB.socket.disconnect();
    assert.deepEqual(onA.of('moves@pc'), ['client-connected', 'client-reconnecting']);
    const { body } = await api(b.url, `/api/clients/${first.client.id}`, { token });
    assert.equal(body.data.is_connected, true);
    assert.equal(body.data.is_reconnecting, false);
    assert.equal(body.data.socket_id, second.socket.id);
    second.socket.disconnect();
    onA.socket.disconnect();
  });

  test('an expired grace is performed by exactly one node', async () => {
    const onA = await connectDashboard(a.url, token);
    const onB = await connectDashboard(b.url, token);
    const agent = await connectAgent(a.url, 'leaves@pc');
    agent.socket.disconnect();
    // Both nodes had their turn: A's timer and B's sweeps, before witnesses dropped now on each are disconnected.
    await graceOver(a.url, [onA, onB], GRACE_MS);
    await graceOver(b.url, [onA, onB], GRACE_MS);
    const disconnects = [...onA.of('leaves@pc'), ...onB.of('leaves@pc')].filter((e) => e === 'client-disconnected');
    assert.equal(disconnects.length, 1);
    const { body } = await api(a.url, `/api/clients/${agent.client.id}`, { token });
    assert.deepEqual(body.data.presence.map((p: { state: string }) => p.state), ['disconnected', 'reconnecting', 'connected']);
    onA.socket.disconnect();
    onB.socket.disconnect();
  });
});

test('the grace deadline outlives the node that set it (kill -9): another node disconnects the client', async () => {
  const dataDir = tempDir();
  const database = await freshDatabaseEnv();
  const env = testEnv(dataDir, { ...database.env, RECONNECT_GRACE_MS: '1500', PRESENCE_SWEEP_MS: '100' });
  const doomed = await spawnServer({ ...env, PORT: String(await freePort()), NODE_ID: 'doomed' });
  const survivor = await startServer({ ...env, NODE_ID: 'survivor' });
  try {
    const token = await login(survivor.url);
    const watcher = await connectDashboard(survivor.url, token);
    const agent = await connectAgent(doomed.url, 'orphan@pc');
    agent.socket.disconnect();
    await waitUntil(async () => (await api(survivor.url, `/api/clients/${agent.client.id}`, { token })).body.data.is_reconnecting);
    await doomed.stop('SIGKILL');
    await waitUntil(() => watcher.of('orphan@pc').includes('client-disconnected'), 5000, 'disconnect by the survivor');
    const { body } = await api(survivor.url, `/api/clients/${agent.client.id}`, { token });
    assert.equal(body.data.is_connected, false);
    watcher.socket.disconnect();
  } finally {
    await doomed.stop('SIGKILL');
    await survivor.close();
    await database.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
