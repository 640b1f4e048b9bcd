import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, test } from 'node:test';
import { openDatabase, migrateToLatest, type Db } from '../db/database.js';
import { seedDefaultCompany } from '../companies/index.js';
import { fakeLog } from '../test/fakes.js';
import { tempDir } from '@vaahshare/testkit';
import { closeClientsOfToken, connectClients, markReconnecting, type ConnectInput } from './presence.repository.js';

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
