import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { MonitoringHours, MonitoringHoursPayload } from '@vaahshare/protocol';
import { createHoursAnnouncer, type PlacementLookup } from './announcer.js';

const WEDNESDAY_NOON = Date.parse('2026-12-02T12:00:00Z');
const officeUtc: MonitoringHours = { time_zone: 'UTC', days: { wed: [{ start: '09:00', end: '18:00' }], thu: [{ start: '09:00', end: '18:00' }] } };

/**
 * A fake clock and the one timer the announcer may hold: tests move the clock and fire the timer by hand. Each client
 * is in a group of its own (group id = client id), so `hoursOf` decides per client; clients below 100 are company 1's.
 */
function fakes(hoursOf: (clientId: number) => MonitoringHours | null = () => officeUtc) {
  let now = WEDNESDAY_NOON;
  let armed: { fn: () => void; at: number } | null = null;
  const sent: Array<{ socketId: string; payload: MonitoringHoursPayload }> = [];
  const lookups: number[][] = [];
  let readGate: Promise<void> = Promise.resolve();
  const placements: PlacementLookup = async (ids) => {
    lookups.push(ids);
    const read = new Map(ids.map((id) => [id, { companyId: id < 100 ? 1 : 2, groupId: hoursGroup(id) }]));
    await readGate;
    return read;
  };
  let hoursGroup = (id: number) => id;
  const announcer = createHoursAnnouncer({
    clock: { now: () => now },
    timers: { set: (fn, ms) => (armed = { fn, at: now + ms }), clear: () => (armed = null) },
    placements,
    hoursOf: async ({ groupId }) => hoursOf(groupId!),
    send: (socketId, payload) => sent.push({ socketId, payload }),
    onError: (err) => assert.fail(String(err)),
  });
  return {
    announcer,
    sent,
    lookups,
    now: () => now,
    advance: (ms: number) => (now += ms),
    /** Moves clients to other groups (as the database would answer from now on). */
    moveTo: (groupOf: (id: number) => number) => (hoursGroup = groupOf),
    /** Holds placement reads until the returned function is called. */
    holdReads: () => {
      let open = () => {};
      readGate = new Promise((resolve) => (open = resolve));
      return open;
    },
    armedAt: () => armed?.at ?? null,
    /** Moves the clock to the armed timer's time and runs what the timer runs. */
    async fire() {
      assert.ok(armed, 'a timer is armed');
      now = armed.at;
      armed = null;
      await announcer.boundary();
    },
  };
}

describe('telling agents their monitoring hours (plain function, fake clock)', () => {
  test('an agent hears its state and next change on connect; the timer is set for that change and tells it again then', async () => {
    const f = fakes();
    await f.announcer.add({ socketId: 's1', clientId: 1 });
    assert.deepEqual(f.sent.map((s) => [s.socketId, s.payload.inside, s.payload.next_change_at, s.payload.server_time]), [
      ['s1', true, '2026-12-02T18:00:00.000Z', '2026-12-02T12:00:00.000Z'],
    ]);
    // It wakes at least hourly (a clock set forward is noticed), and at the change itself.
    const wakes: string[] = [];
    while (f.sent.length === 1) {
      wakes.push(new Date(f.armedAt()!).toISOString().slice(11, 16));
      await f.fire();
    }
    assert.deepEqual(wakes, ['13:00', '14:00', '15:00', '16:00', '17:00', '18:00']);
    assert.deepEqual(f.sent.slice(1).map((s) => [s.payload.inside, s.payload.next_change_at]), [[false, '2026-12-03T09:00:00.000Z']]);
    assert.equal(f.armedAt(), Date.parse('2026-12-02T19:00:00Z'), 'armed again');
  });

  test('a storm of connects is looked up in few batches, each agent told once; a gone agent is told nothing', async () => {
    const f = fakes();
    const adds = Array.from({ length: 200 }, (_, i) => f.announcer.add({ socketId: `s${i}`, clientId: i + 1 }));
    f.announcer.remove('s7');
    await Promise.all(adds);
    assert.ok(f.lookups.length <= 2, `${f.lookups.length} lookups`);
    assert.equal(f.sent.length, 199);
    assert.ok(!f.sent.some((s) => s.socketId === 's7'));
  });

  test('a change of a company sends only what changed, and only to that company’s agents', async () => {
    let hours: MonitoringHours | null = officeUtc;
    const f = fakes((id) => (id === 1 ? hours : officeUtc));
    await f.announcer.add({ socketId: 'a', clientId: 1 });
    await f.announcer.add({ socketId: 'b', clientId: 2 });
    await f.announcer.add({ socketId: 'other-company', clientId: 100 });
    f.sent.length = 0;
    hours = null;
    await f.announcer.companyChanged(1);
    assert.deepEqual(f.sent.map((s) => [s.socketId, s.payload.inside, s.payload.next_change_at, s.payload.hours]), [['a', true, null, null]]);
    assert.deepEqual(f.lookups.at(-1), [1, 2], 'the other company’s agent is not even looked up');
  });

  test('a change that concerns no agent here does not stop later agents from being told', async () => {
    const f = fakes();
    await f.announcer.companyChanged(1);
    await f.announcer.add({ socketId: 'later', clientId: 1 });
    assert.deepEqual(f.sent.map((s) => s.socketId), ['later']);
  });

  test('with no schedule anywhere nothing is armed; stop disarms', async () => {
    const f = fakes(() => null);
    await f.announcer.add({ socketId: 's', clientId: 1 });
    assert.equal(f.armedAt(), null);
    const g = fakes();
    await g.announcer.add({ socketId: 's', clientId: 1 });
    g.announcer.stop();
    assert.equal(g.armedAt(), null);
  });

  test('an agent placed by presence as it connected is not looked up, unless its company changed since presence read it', async () => {
    const f = fakes();
    await f.announcer.add({ socketId: 'placed', clientId: 1, placed: { companyId: 1, groupId: 1, at: f.now() } });
    assert.deepEqual(f.lookups, [], 'a storm of connects reads nothing more');
    assert.deepEqual(f.sent.map((s) => s.socketId), ['placed']);
    const readFrom = f.now();
    f.advance(5);
    await f.announcer.companyChanged(1);
    f.lookups.length = 0;
    await f.announcer.add({ socketId: 'raced', clientId: 2, placed: { companyId: 1, groupId: 2, at: readFrom } });
    assert.deepEqual(f.lookups, [[2]], 'a placement older than the change is read again');
  });

  test('a change heard while placements are read makes them be read again, and the newer group decides', async () => {
    const f = fakes((group) => (group === 50 ? null : officeUtc));
    const open = f.holdReads();
    const added = f.announcer.add({ socketId: 'a', clientId: 1 });
    f.advance(1);
    f.moveTo(() => 50); // the move is committed, then announced
    const changed = f.announcer.companyChanged(1);
    open();
    await Promise.all([added, changed]);
    assert.equal(f.lookups.length, 2, 'read once more after the change');
    assert.deepEqual(f.sent.at(-1)!.payload.hours, null, 'the last word is the new group’s (no schedule)');
    // A read in the same millisecond as the change is not trusted either; one read later is kept.
    f.advance(1);
    await f.announcer.companyChanged(2);
    f.lookups.length = 0;
    await f.announcer.companyChanged(2);
    assert.deepEqual(f.lookups, [], 'the placement read after the change is kept');
  });
});
