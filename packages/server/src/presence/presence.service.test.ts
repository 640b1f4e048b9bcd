import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, beforeEach, describe, test } from 'node:test';
import type { Client } from '@vaahshare/protocol';
import { migrateToLatest, openDatabase, type DatabaseHandle } from '../db/database.js';
import { seedDefaultCompany } from '../companies/index.js';
import { createDomainEvents, type DomainEvents } from '../events/domain-events.js';
import { fakeLog } from '../test/fakes.js';
import { freshDatabaseEnv, tempDir } from '@vaahshare/testkit';
import { createPresence, type Presence } from './presence.service.js';

const GRACE_MS = 60_000;

/** The presence rules alone: a real database, a fake clock, no network. */
describe('presence service', () => {
  const dir = tempDir();
  let handle: DatabaseHandle;
  let companyId: number;
  let now = 1_700_000_000_000;
  let announced: Array<{ event: keyof DomainEvents; client: Client }>;
  let presence: Presence;
  let database: Awaited<ReturnType<typeof freshDatabaseEnv>>;

  before(async () => {
    database = await freshDatabaseEnv();
    handle = await openDatabase({ dataDir: dir, databaseUrl: database.env.DATABASE_URL });
    await migrateToLatest(handle);
    companyId = (await seedDefaultCompany(handle.db, { now, log: fakeLog().log })).companyId;
  });
  after(async () => {
    await handle.db.destroy();
    await database.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    announced = [];
    presence?.stop();
    presence = createPresence({
      db: handle.db,
      clock: { now: () => now },
      graceMs: GRACE_MS,
      nodeId: 'n1',
      events: transitionsRecorded(),
      onError: (what, err) => assert.fail(`${what}: ${String(err)}`),
    });
  });

  function transitionsRecorded() {
    const events = createDomainEvents((event, err) => assert.fail(`${event}: ${String(err)}`));
    for (const event of ['client-connected', 'client-reconnecting', 'client-gone'] as const) {
      events.on(event, (client) => void announced.push({ event, client }));
    }
    return events;
  }

  /** As an agent does: the device secret its first connection got goes with its later ones (PROTOCOL.md §2). */
  const secrets = new Map<string, string>();
  const connect = async (userHost: string, socketId: string) => {
    const result = await presence.connect({ companyId, userHost, socketId, meta: { user_host: userHost }, deviceSecret: secrets.get(userHost) });
    if (result.deviceSecret) secrets.set(userHost, result.deviceSecret);
    return result;
  };
  const events = (userHost: string) => announced.filter((a) => a.client.user_host === userHost).map((a) => a.event);

  test('a stale connection can neither drop nor close a newer one', async () => {
    const old = await connect('a@x', 's1');
    const fresh = await connect('a@x', 's2');
    assert.equal(fresh.connection.generation, old.connection.generation + 1);
    assert.equal(await presence.drop(old.connection), undefined);
    assert.equal(await presence.close(old.connection), undefined);
    assert.deepEqual(events('a@x'), ['client-connected', 'client-connected']);
  });

  test('the grace deadline is stored and only a sweep after it disconnects', async () => {
    const { connection } = await connect('b@x', 's1');
    const dropped = await presence.drop(connection);
    assert.equal(dropped?.is_reconnecting, true);
    assert.equal(Date.parse(dropped!.grace_deadline!), now + GRACE_MS);
    presence.stop(); // forget the in-memory timer: only the stored deadline remains, as after a crash
    now += GRACE_MS - 1;
    await presence.sweepExpired();
    assert.deepEqual(events('b@x'), ['client-connected', 'client-reconnecting']);
    now += 1;
    await presence.sweepExpired();
    await presence.sweepExpired();
    assert.deepEqual(events('b@x'), ['client-connected', 'client-reconnecting', 'client-gone']);
  });

  test('a comeback clears the deadline: a later sweep changes nothing', async () => {
    const first = await connect('c@x', 's1');
    await presence.drop(first.connection);
    await connect('c@x', 's2');
    now += GRACE_MS * 2;
    await presence.sweepExpired();
    assert.deepEqual(events('c@x'), ['client-connected', 'client-reconnecting', 'client-connected']);
  });

  test('connects of one turn are written together, and one that fails does not fail the others', async () => {
    const noSuchCompany = 999_999;
    const results = await Promise.allSettled([
      connect('g@x', 's1'),
      presence.connect({ companyId: noSuchCompany, userHost: 'ghost@x', socketId: 's2', meta: {} }),
      connect('h@x', 's3'),
    ]);
    assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
    assert.deepEqual(events('g@x'), ['client-connected']);
    assert.deepEqual(events('h@x'), ['client-connected']);
    assert.deepEqual(events('ghost@x'), []);
  });

  test('a repeated client-connected on the same socket is not a transition', async () => {
    const first = await connect('d@x', 's1');
    const again = await presence.connect({ companyId, userHost: 'd@x', socketId: 's1', meta: { os: 'new' }, held: first.connection });
    assert.equal(again.changed, false);
    assert.equal(again.connection.generation, first.connection.generation);
    assert.deepEqual(events('d@x'), ['client-connected']);
    assert.deepEqual(again.client.meta, { os: 'new' });
  });

  test('releasing the node turns its connected clients into reconnecting, once', async () => {
    await connect('e@x', 's1');
    const closed = await connect('f@x', 's2');
    await presence.close(closed.connection);
    const released = await presence.releaseNode();
    assert.ok(released >= 1);
    assert.equal(await presence.releaseNode(), 0);
    assert.deepEqual(events('e@x'), ['client-connected', 'client-reconnecting']);
    assert.deepEqual(events('f@x'), ['client-connected', 'client-gone']);
  });

  test('a release no dashboard can hear is counted, not announced client by client', async () => {
    await connect('h@x', 's1');
    await connect('i@x', 's2');
    const counted: number[] = [];
    const bus = transitionsRecorded();
    bus.on('clients-released', ({ count }) => void counted.push(count));
    presence.stop();
    presence = createPresence({ db: handle.db, clock: { now: () => now }, graceMs: GRACE_MS, nodeId: 'n1', events: bus, heard: () => false, onError: (what, err) => assert.fail(`${what}: ${String(err)}`) });
    const released = await presence.releaseNode();
    assert.ok(released >= 2);
    assert.deepEqual(counted, [released]);
    assert.deepEqual([...events('h@x'), ...events('i@x')], ['client-connected', 'client-connected']);
    const stored = await handle.db.selectFrom('clients').select(['is_connected', 'is_reconnecting']).where('user_host', 'in', ['h@x', 'i@x']).execute();
    assert.deepEqual(stored, [{ is_connected: 1, is_reconnecting: 1 }, { is_connected: 1, is_reconnecting: 1 }]);
  });

  test('concurrent transitions of one client are announced in the order they were asked', async () => {
    const { connection } = await connect('g@x', 's1');
    await Promise.all([presence.close(connection), presence.drop(connection), connect('g@x', 's2')]);
    assert.deepEqual(events('g@x'), ['client-connected', 'client-gone', 'client-connected']);
  });
});
