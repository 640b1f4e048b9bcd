import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, test } from 'node:test';
import { openDatabase, migrateToLatest, type Db } from '../db/database.js';
import { seedDefaultCompany } from '../companies/index.js';
import { fakeLog } from '../test/fakes.js';
import { tempDir } from '@vaahshare/testkit';
import { closeClientsOfToken, connectClients, markClosed, markReconnecting, releaseNodeClients, releaseNodeClientsUntold, type ConnectInput } from './presence.repository.js';

let db: Db;
let companyId: number;
const dir = tempDir();
before(async () => {
  const handle = await openDatabase({ dataDir: dir });
  await migrateToLatest(handle);
  db = handle.db;
  ({ companyId } = await seedDefaultCompany(db, { now: Date.now(), log: fakeLog().log }));
});
after(async () => {
  await db.destroy();
  fs.rmSync(dir, { recursive: true, force: true });
});

const input = (userHost: string, over: Partial<ConnectInput>): ConnectInput => ({
  companyId,
  userHost,
  socketId: `s-${Math.random()}`,
  tokenId: 1,
  meta: '{}',
  nodeId: 'n1',
  now: Date.now(),
  deviceSecretHash: null,
  ...over,
});

// The upsert leaves an existing client's node and token out of its SET (migration 018); they must still follow it.
test('a client that comes back on another node, or with another token, is stored with the new ones', async () => {
  const [first] = await connectClients(db, [input('a@pc', {}), input('b@pc', {})]);
  assert.equal(first?.node_id, 'n1');
  await markReconnecting(db, first!.id, first!.generation, Date.now(), 60_000);

  const [moved, stayed] = await connectClients(db, [input('a@pc', { nodeId: 'n2', tokenId: 2 }), input('b@pc', {})]);
  assert.deepEqual(
    [moved, stayed].map((row) => [row?.user_host, row?.node_id, row?.token_id, row?.is_connected, row?.is_reconnecting, row?.generation]),
    [
      ['a@pc', 'n2', 2, 1, 0, 2],
      ['b@pc', 'n1', 1, 1, 0, 2],
    ],
  );
  const stored = await db.selectFrom('clients').select(['user_host', 'node_id', 'token_id']).orderBy('user_host').execute();
  assert.deepEqual(stored, [
    { user_host: 'a@pc', node_id: 'n2', token_id: 2 },
    { user_host: 'b@pc', node_id: 'n1', token_id: 1 },
  ]);
  // Revoking a token ends the clients whose current connection came with it, and only those.
  assert.deepEqual((await closeClientsOfToken(db, 2, Date.now())).map((row) => row.user_host), ['a@pc']);
});

// The untold release (nobody hears it) writes from the rows in the database what the told one writes from the rows it reads back.
test('a release nobody is told of leaves the clients and their history as a told one does', async () => {
  const now = Date.now();
  /** The same clients on node `node`: connected by token, an original client, reconnecting, disconnected, and one on another node. */
  const seed = async (node: string) => {
    const rows = await connectClients(db, [
      input(`token@${node}`, { nodeId: node, now: now - 5000 }),
      input(`original@${node}`, { nodeId: node, tokenId: null, socketId: `orig-${node}`, now: now - 5000 }),
      input(`dropped@${node}`, { nodeId: node, now: now - 5000 }),
      input(`closed@${node}`, { nodeId: node, now: now - 5000 }),
      input(`elsewhere@${node}`, { nodeId: `${node}-other`, now: now - 5000 }),
    ]);
    const [, , dropped, closed] = rows;
    await markReconnecting(db, dropped!.id, dropped!.generation, now - 4000, 1000);
    await markClosed(db, closed!.id, closed!.generation, now - 4000, 'app_closed');
  };
  await seed('told');
  await seed('untold');
  const told = await releaseNodeClients(db, 'told', now, 60_000, now - 3000);
  const untold = await releaseNodeClientsUntold(db, 'untold', now, 60_000, now - 3000);
  assert.equal(told.length, 2);
  assert.equal(untold, 2);

  const stateOf = async (node: string) => {
    const clients = await db.selectFrom('clients').selectAll().where('user_host', 'like', `%@${node}`).orderBy('user_host').execute();
    const events = await db.selectFrom('presence_events').select(['client_id', 'state', 'socket_id', 'at']).where('client_id', 'in', clients.map((c) => c.id)).orderBy('id').execute();
    const name = (id: number) => clients.find((c) => c.id === id)!.user_host.split('@')[0];
    return {
      clients: clients.map(({ user_host, is_connected, is_reconnecting, is_streaming, grace_deadline, last_seen_at, generation, disconnect_reason }) => ({ who: user_host.split('@')[0], is_connected, is_reconnecting, is_streaming, grace_deadline, last_seen_at, generation, disconnect_reason })),
      events: events.map((e) => ({ who: name(e.client_id), state: e.state, socket: e.socket_id?.replace(node, 'node') ?? null, at: e.at })),
    };
  };
  const expected = await stateOf('told');
  assert.deepEqual(await stateOf('untold'), expected);
  // What both did: the connected ones are reconnecting from now (seen when the node was), the reconnecting one's grace starts again.
  const released = expected.events.filter((e) => e.at === now).map((e) => [e.who, e.state, e.socket]);
  assert.deepEqual(released.sort(), [['original', 'reconnecting', 'orig-node'], ['token', 'reconnecting', null]]);
  assert.equal(expected.clients.find((c) => c.who === 'dropped')?.grace_deadline, now + 60_000);
});
