import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import SQLite from 'better-sqlite3';
import { tempDir, waitUntil } from '@vaahshare/testkit';
import { checkpointInWorker, type CheckpointResult } from './wal-checkpointer.js';

function openWal() {
  const file = path.join(tempDir(), 'wal.sqlite');
  const database = new SQLite(file);
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.exec('create table t (id integer primary key, payload blob)');
  return { file, database };
}

/** One commit per row: at least a page (frame) of log each. */
function write(database: SQLite.Database, rows: number) {
  const insert = database.prepare('insert into t (payload) values (?)');
  for (let i = 0; i < rows; i++) insert.run(Buffer.alloc(1000, i));
}

/** A few commits after the log started over: a few dozen frames at most. */
const STARTED_OVER = 30;

test("the server's connection never checkpoints; the worker copies the log into the database file", async () => {
  const { file, database } = openWal();
  const results: CheckpointResult[] = [];
  const errors: Error[] = [];
  const checkpoints = checkpointInWorker(database, file, { everyMs: 20, onCheckpoint: (r) => results.push(r), onError: (e) => errors.push(e) });
  try {
    assert.equal(database.pragma('wal_autocheckpoint', { simple: true }), 0);
    // Past SQLite's own threshold of 1 000 pages: on its own the connection would have checkpointed in a commit.
    write(database, 1500);
    await waitUntil(() => results.some((r) => r.log >= 1500 && r.checkpointed === r.log), 10_000, 'the whole log checkpointed');
    // Fully checkpointed, a later commit starts the log over: it stays small while commits go on. Not always the
    // next one: a commit that meets a checkpoint under way cannot restart the log, and appends to it.
    let more = 0;
    await waitUntil(
      () => {
        write(database, 1);
        more++;
        return results.at(-1)!.log <= STARTED_OVER;
      },
      10_000,
      'the log started over',
    );
    assert.deepEqual(errors, []);
    const reader = new SQLite(file, { readonly: true });
    assert.equal((reader.prepare('select count(*) as n from t').get() as { n: number }).n, 1500 + more);
    reader.close();
  } finally {
    await checkpoints.stop();
    database.close();
  }
});

test('a log that a passive checkpoint cannot copy whole is restarted once it passes restartFrames', async () => {
  const { file, database } = openWal();
  const results: CheckpointResult[] = [];
  const checkpoints = checkpointInWorker(database, file, { everyMs: 20, restartFrames: 200, onCheckpoint: (r) => results.push(r), onError: () => {} });
  // A reader holding an older snapshot keeps a passive checkpoint from copying the newer frames (as a stream of
  // commits would); the restart waits for it, within the worker's busy timeout, and is made once it lets go.
  const reader = new SQLite(file, { readonly: true });
  try {
    reader.exec('begin');
    reader.prepare('select count(*) from t').get();
    write(database, 400);
    await waitUntil(() => results.some((r) => r.mode === 'passive' && r.log >= 400 && r.checkpointed < r.log), 10_000, 'a passive checkpoint held back');
    reader.exec('commit');
    await waitUntil(() => results.some((r) => r.mode === 'restart' && r.log >= 400 && r.checkpointed === r.log), 10_000, 'the restart');
    write(database, 10);
    await waitUntil(() => results.at(-1)!.log <= STARTED_OVER, 10_000, 'the log started over');
  } finally {
    reader.close();
    await checkpoints.stop();
    database.close();
  }
});

test('should the worker stop, the connection checkpoints on its own again', async () => {
  const { database } = openWal();
  const errors: Error[] = [];
  // A worker that cannot open the database stops at once.
  const checkpoints = checkpointInWorker(database, path.join(tempDir(), 'missing', 'x.sqlite'), { everyMs: 20, onError: (e) => errors.push(e) });
  try {
    await waitUntil(() => errors.some((e) => /checkpoints on its own again/.test(e.message)), 10_000, 'the worker stopped');
    assert.equal(database.pragma('wal_autocheckpoint', { simple: true }), 1000);
  } finally {
    await checkpoints.stop();
    database.close();
  }
});

test('closing the server stops the worker without a complaint', async () => {
  const { file, database } = openWal();
  const errors: Error[] = [];
  const checkpoints = checkpointInWorker(database, file, { everyMs: 20, onError: (e) => errors.push(e) });
  await checkpoints.stop();
  database.close();
  assert.deepEqual(errors, []);
});
