import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import type { NewAuditEntry } from '../db/schema.js';
import { createAuditWriter } from './audit-writer.js';

const silent = pino({ level: 'silent' });
const entry = (n: number) => ({ at: n, action: `a${n}` }) as NewAuditEntry;

/** An insert the test releases by hand, to see what is batched while a write runs. */
function heldInsert() {
  const batches: number[][] = [];
  let release: Array<() => void> = [];
  let failNext = 0;
  return {
    batches,
    insert: (entries: NewAuditEntry[]) =>
      new Promise<void>((resolve, reject) => {
        release.push(() => {
          if (failNext-- > 0) return reject(new Error('database away'));
          batches.push(entries.map((e) => e.at));
          resolve();
        });
      }),
    releaseAll: () => {
      const now = release;
      release = [];
      now.forEach((r) => r());
    },
    failTimes: (n: number) => (failNext = n),
    pending: () => release.length,
  };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

test('entries recorded while a write runs go together in the next one, in order; each resolves once written', async () => {
  const db = heldInsert();
  const writer = createAuditWriter(db.insert, silent);
  const written: number[] = [];
  const first = writer.record(entry(1)).then(() => written.push(1));
  const rest = [2, 3, 4].map((n) => writer.record(entry(n)).then(() => written.push(n)));
  await turn();
  assert.equal(db.pending(), 1, 'one write at a time');
  db.releaseAll();
  await first;
  assert.deepEqual(written, [1], 'the others wait for their own batch');
  await turn();
  db.releaseAll();
  await Promise.all(rest);
  assert.deepEqual(db.batches, [[1], [2, 3, 4]]);
  assert.deepEqual(written, [1, 2, 3, 4]);
});

test('a failed write is retried, in order, until it succeeds', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const db = heldInsert();
  const writer = createAuditWriter(db.insert, silent);
  db.failTimes(1);
  const done = Promise.all([writer.record(entry(1)), writer.record(entry(2))]);
  await turn();
  db.releaseAll();
  await turn();
  assert.equal(db.batches.length, 0);
  assert.equal(writer.queued(), 2, 'nothing dropped');
  t.mock.timers.tick(1000);
  await turn();
  db.releaseAll();
  await done;
  assert.deepEqual(db.batches, [[1, 2]]);
});

test('drain writes what is queued; at shutdown an entry that cannot be written is logged, not lost silently', async () => {
  const logged: unknown[] = [];
  const log = pino({ level: 'error' }, { write: (line: string) => void logged.push(JSON.parse(line)) });
  const db = heldInsert();
  const writer = createAuditWriter(db.insert, log);
  void writer.record(entry(7));
  db.failTimes(1);
  const drained = writer.drain();
  await turn();
  db.releaseAll();
  await drained;
  assert.equal(writer.queued(), 0);
  assert.equal(logged.length, 1);
  assert.deepEqual((logged[0] as { entries: NewAuditEntry[] }).entries, [entry(7)]);
});
