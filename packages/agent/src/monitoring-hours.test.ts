import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import type { MonitoringHours } from '@vaahshare/protocol';
import { HoursWatch, type HoursTimers } from './monitoring-hours.js';

const hours: MonitoringHours = { time_zone: 'UTC', days: { wed: [{ start: '09:00', end: '12:00' }] } };

/** This machine's clock (an hour behind the server's) and the one timer a watch holds, moved by hand. */
function fakeTimers(startIso: string) {
  let now = Date.parse(startIso);
  let armed: { fn: () => void; at: number } | null = null;
  const timers: HoursTimers = { now: () => now, set: (fn, ms) => (armed = { fn, at: now + ms }), clear: () => (armed = null) };
  return {
    timers,
    armedAt: () => (armed ? new Date(armed.at).toISOString() : null),
    fire() {
      const due = armed!;
      armed = null;
      now = due.at;
      due.fn();
    },
  };
}

describe('the agent’s monitoring hours (plain class, fake clock)', () => {
  const dirs: string[] = [];
  const hoursDir = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vaahshare-hours-'));
    dirs.push(dir);
    return dir;
  };
  after(() => dirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

  test('switches at the server’s boundaries by its own timer, offline too, corrected for the clocks’ difference; a restart remembers', () => {
    const dir = hoursDir();
    const local = fakeTimers('2026-12-02T10:59:00Z'); // the server says 11:59
    const changes: boolean[] = [];
    const watch = new HoursWatch(dir, (inside) => changes.push(inside), local.timers);
    assert.equal(watch.inside, true, 'recorded until told otherwise');

    watch.received({ hours, inside: true, next_change_at: '2026-12-02T12:00:00.000Z', server_time: '2026-12-02T11:59:00.000Z' });
    assert.deepEqual(changes, []);
    assert.equal(local.armedAt(), '2026-12-02T11:00:00.000Z', 'noon on the server is 11:00 here');
    local.fire();
    assert.deepEqual(changes, [false]);
    assert.equal(watch.until, 'Wed 09:00');

    // Restarted (offline) during the week: outside at once, without an announcement, and the way back is armed.
    const later = fakeTimers('2026-12-09T07:59:30Z');
    const restarted: boolean[] = [];
    const again = new HoursWatch(dir, (inside) => restarted.push(inside), later.timers);
    assert.equal(again.inside, false);
    assert.equal(later.armedAt(), '2026-12-09T08:00:00.000Z');
    later.fire();
    assert.deepEqual(restarted, [true]);
    assert.equal(again.until, null);
    assert.equal(later.armedAt(), '2026-12-09T08:01:00.000Z', 'the state is read again every minute at least (sleep, clock changes)');
    again.stop();
    assert.equal(later.armedAt(), null);
  });

  test('a malformed message changes nothing; the server saying "no hours" records always', () => {
    const dir = hoursDir();
    const clock = fakeTimers('2026-12-02T13:00:00Z');
    const changes: boolean[] = [];
    const watch = new HoursWatch(dir, (inside) => changes.push(inside), clock.timers);
    watch.received({ hours, inside: false, next_change_at: '2026-12-09T09:00:00.000Z', server_time: '2026-12-02T13:00:00.000Z' });
    watch.received({ inside: 'maybe' });
    assert.deepEqual(changes, [false]);
    watch.received({ hours: null, inside: true, next_change_at: null, server_time: '2026-12-02T13:00:01.000Z' });
    assert.deepEqual(changes, [false, true]);
    assert.equal(clock.armedAt(), null);
  });
});
