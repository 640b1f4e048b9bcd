import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { freshDatabaseEnv, tempDir } from '@vaahshare/testkit';
import { migrateToLatest, openDatabase, type DatabaseHandle } from '../db/database.js';
import { sweepAuditTrail } from './audit-sweep.js';
import { entryOf } from './audit-entries.js';
import { insertAuditEntries } from './audit.repository.js';

const DAY = 86_400_000;
const system = { kind: 'system' as const, userId: null, email: null, ip: null };

let database: DatabaseHandle;
let drop: () => Promise<void>;

before(async () => {
  const fresh = await freshDatabaseEnv();
  drop = fresh.drop;
  database = await openDatabase({ dataDir: tempDir(), databaseUrl: fresh.env.DATABASE_URL });
  await migrateToLatest(database);
});
after(async () => {
  await database.db.destroy();
  await drop();
});

test("the sweep deletes each company's entries older than its retention, and nothing younger", async () => {
  const { db } = database;
  const now = Date.UTC(2027, 0, 1);
  const short = await db.insertInto('companies').values({ name: 'short', idle_threshold_seconds: 300, idle_message: 'x', created_at: 0, audit_retention_days: 30 }).returning('id').executeTakeFirstOrThrow();
  const usual = await db.insertInto('companies').values({ name: 'usual', idle_threshold_seconds: 300, idle_message: 'x', created_at: 0 }).returning('id').executeTakeFirstOrThrow();
  const ages = [1, 29, 31, 364, 366];
  for (const companyId of [short.id, usual.id, null]) {
    await insertAuditEntries(db, ages.map((days) => entryOf(now - days * DAY, `${days} days`, system, companyId, null)));
  }
  const clock = { now: () => now };
  assert.equal(await sweepAuditTrail({ database, clock }), 3 + 1 + 1);
  const left = async (companyId: number | null) =>
    (await db.selectFrom('audit_entries').select('action').where('company_id', companyId === null ? 'is' : '=', companyId).orderBy('at', 'desc').execute()).map((r) => r.action);
  assert.deepEqual(await left(short.id), ['1 days', '29 days']);
  assert.deepEqual(await left(usual.id), ['1 days', '29 days', '31 days', '364 days'], 'the default: a year');
  assert.deepEqual(await left(null), ['1 days', '29 days', '31 days', '364 days']);

  // A day and a millisecond later, the 29-day-old entries are past 30 days, the 364-day-old ones past a year.
  assert.equal(await sweepAuditTrail({ database, clock: { now: () => now + DAY + 1 } }), 1 + 1 + 1);
  assert.deepEqual(await left(short.id), ['1 days']);
  assert.deepEqual(await left(usual.id), ['1 days', '29 days', '31 days']);
});

test('two nodes sweeping at once take turns: each entry is deleted once, and neither fails', async () => {
  const { db } = database;
  const now = Date.UTC(2028, 0, 1);
  await insertAuditEntries(db, Array.from({ length: 300 }, (_, i) => entryOf(now - (400 + i) * DAY, 'old', system, 1, null)));
  const count = async () => Number((await db.selectFrom('audit_entries').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  const before = await count();
  const clock = { now: () => now };
  const [a, b] = await Promise.all([sweepAuditTrail({ database, clock }), sweepAuditTrail({ database, clock })]);
  const gone = before - (await count());
  assert.ok(gone >= 300);
  assert.equal(a + b, gone, 'no entry counted by both');
  assert.equal(await db.selectFrom('audit_entries').select('id').where('action', '=', 'old').executeTakeFirst(), undefined);
});
