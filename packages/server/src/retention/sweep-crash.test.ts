import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, describe, test } from 'node:test';
import { api, freshDatabaseEnv, login, startServer, tempDir, waitUntil } from '@vaahshare/testkit';
import { freePort, spawnServer, type ServerProcess } from '@vaahshare/testkit/process';
import { openDatabase, type Db } from '../db/database.js';
import { addOldRecordings, filesOf } from '@vaahshare/testkit/recordings';

const RECORDINGS = 3000;

/** Rows of `db` and whether each still has its files: a listed recording must always have them. */
async function snapshot(db: Db, dataDir: string) {
  const rows = await db.selectFrom('media').select(['id', 'company_id', 'client_id', 'status']).execute();
  return {
    rows,
    finishedWithoutFiles: rows.filter((r) => r.status === 'ready' && filesOf(dataDir, r).length < 2).map((r) => r.id),
  };
}

/** Every file left under the media folder. */
const mediaFiles = (dataDir: string) => (fs.readdirSync(`${dataDir}/media`, { recursive: true, withFileTypes: true }) as fs.Dirent[]).filter((e) => e.isFile());

describe('the retention sweep across a crash (kill -9 mid-sweep)', () => {
  const dataDir = tempDir();
  let database: Awaited<ReturnType<typeof freshDatabaseEnv>>;
  let node: ServerProcess | undefined;
  let db: Db | undefined;
  after(async () => {
    await node?.stop('SIGKILL');
    await db?.destroy();
    await database?.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test('no listed recording ever lacks its files, and after the restart’s sweep no file outlives its row', async () => {
    database = await freshDatabaseEnv();
    // The data is made by a server in this process, then a server process sweeps it.
    const setup = await startServer({ DATA_DIR: dataDir, ...database.env });
    const token = await login(setup.url);
    const client = await setup.server.clients.ensure(1, 'ana@pc-1');
    await addOldRecordings(setup.server.ctx.db, dataDir, 1, client.id, RECORDINGS);
    assert.equal((await api(setup.url, '/api/retention', { token, method: 'PUT', body: { max_days: 1, max_gb: null } })).status, 200);
    await setup.close();

    db = (await openDatabase({ dataDir, databaseUrl: database.env.DATABASE_URL })).db;
    const env = { ...setup.env, PORT: String(await freePort()), RETENTION_SWEEP_MS: '1000', NODE_ID: 'crashing-node' };
    node = await spawnServer(env);
    let left = RECORDINGS;
    await waitUntil(async () => {
      left = Number((await db!.selectFrom('media').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
      return left < RECORDINGS;
    }, 120_000, 'the sweep began deleting');
    await node.stop('SIGKILL');
    const crashed = await snapshot(db, dataDir);
    assert.ok(crashed.rows.length > 0, `killed mid-sweep (${crashed.rows.length} of ${RECORDINGS} rows left)`);
    assert.deepEqual(crashed.finishedWithoutFiles, [], 'a listed recording always has its files');

    node = await spawnServer(env);
    await waitUntil(async () => (await snapshot(db!, dataDir)).rows.length === 0, 120_000, 'the next sweep finished');
    await waitUntil(() => mediaFiles(dataDir).length === 0, 10_000, 'no file outlives its row');
    await node.stop('SIGTERM');
  });
});

describe('the retention sweep on two nodes at once', { skip: process.env.TEST_DATABASE_URL ? false : 'needs TEST_DATABASE_URL (several nodes share PostgreSQL; SQLite has one node)' }, () => {
  test('exactly one node deletes each recording (row and files), none twice, none left', async () => {
    const database = await freshDatabaseEnv();
    const dataDir = tempDir();
    const nodes = [
      await startServer({ DATA_DIR: dataDir, ...database.env, NODE_ID: 'node-a' }),
      await startServer({ DATA_DIR: dataDir, ...database.env, NODE_ID: 'node-b' }),
    ];
    try {
      const [a] = nodes;
      const client = await a.server.clients.ensure(1, 'ana@pc-1');
      const ids = await addOldRecordings(a.server.ctx.db, dataDir, 1, client.id, 2000);
      const token = await login(a.url);
      await api(a.url, '/api/retention', { token, method: 'PUT', body: { max_days: 1, max_gb: null } });
      const deletedBy = nodes.map(() => [] as number[]);
      nodes.forEach((n, i) => n.server.ctx.events.on('media-deleted', ({ media }) => void deletedBy[i].push(...media.map((m) => m.id))));

      const results = await Promise.all(nodes.map((n) => n.server.retention.sweep()));
      const all = deletedBy.flat();
      assert.equal(new Set(all).size, all.length, 'no recording deleted twice');
      assert.deepEqual(all.sort((x, y) => x - y), ids, `every one deleted once (sweeps: ${JSON.stringify(results)})`);
      assert.ok(deletedBy.some((list) => list.length === 0), 'one node did it all: the other skipped or found nothing');
      assert.equal(mediaFiles(dataDir).length, 0);
    } finally {
      for (const n of nodes) await n.close();
      await database.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
