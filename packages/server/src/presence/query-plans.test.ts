import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect, type CompiledQuery } from 'kysely';
import { seedDefaultCompany } from '../companies/index.js';
import { migrateToLatest } from '../db/database.js';
import type { Database } from '../db/schema.js';
import { dialects } from '../db/migrations/columns.js';
import { createDomainEvents } from '../events/domain-events.js';
import { fakeLog } from '../test/fakes.js';
import { tempDir } from '@vaahshare/testkit';
import { newClientsOfToken } from './presence.repository.js';
import { createPresence } from './presence.service.js';

/**
 * Every statement of the connect, drop and close path runs for each of 10 000 desktops in a reconnect storm: one
 * that scans the clients table instead of using an index costs O(clients) per connect (a lookup by `user_host`
 * alone made connecting 10 000 agents four times slower). SQLite says how it runs each: no SCAN of a big table.
 */
test('the presence path never scans the clients or presence_events tables', async () => {
  const dir = tempDir();
  const sqlite = new SQLite(path.join(dir, 'plans.sqlite'));
  const statements: CompiledQuery[] = [];
  const db = new Kysely<Database>({
    dialect: new SqliteDialect({ database: sqlite }),
    log: (event) => void statements.push(event.query),
  });
  after(async () => {
    await db.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  await migrateToLatest({ db, dialect: dialects.sqlite });
  const { companyId } = await seedDefaultCompany(db, { now: Date.now(), log: fakeLog().log });
  const presence = createPresence({
    db,
    clock: { now: () => Date.now() },
    graceMs: 60_000,
    nodeId: 'n1',
    events: createDomainEvents((event, err) => assert.fail(`${event}: ${String(err)}`)),
    onError: (what, err) => assert.fail(`${what}: ${String(err)}`),
  });
  after(() => presence.stop());

  statements.length = 0;
  const first = await presence.connect({ companyId, userHost: 'a@pc', socketId: 's1', meta: { user_host: 'a@pc' } });
  const again = await presence.connect({ companyId, userHost: 'a@pc', socketId: 's2', meta: { user_host: 'a@pc' }, deviceSecret: first.deviceSecret });
  await presence.drop(again.connection);
  const back = await presence.connect({ companyId, userHost: 'a@pc', socketId: 's3', meta: { user_host: 'a@pc' }, deviceSecret: first.deviceSecret });
  await presence.close(back.connection);
  // A new desktop on a token also counts the token's desktops of the last hour (its hourly budget).
  await newClientsOfToken(db, 1, Date.now() - 3_600_000);
  // Revoking a token ends its clients, found by their token.
  await presence.revokeToken(1);

  const scans = statements.flatMap(({ sql, parameters }) => {
    if (!/^\s*(select|insert|update|delete|with)/i.test(sql)) return [];
    const plan = sqlite.prepare(`explain query plan ${sql}`).all(...(parameters as unknown[])) as Array<{ detail: string }>;
    return plan.filter((step) => /^SCAN (clients|presence_events)\b/.test(step.detail)).map((step) => `${step.detail} in: ${sql}`);
  });
  assert.ok(statements.length > 5, 'the connect path ran its statements');
  assert.deepEqual(scans, []);
});
