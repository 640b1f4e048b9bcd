import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { hoursStateAt, isInsideHours, monitoringHoursSchema, putMonitoringHoursBodySchema, type MonitoringHours } from './monitoring-hours.js';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const state = (hours: MonitoringHours | null, when: string) => {
  const { inside, next_change_at } = hoursStateAt(hours, at(when));
  return { inside, next: iso(next_change_at) };
};

const office = (zone: string): MonitoringHours => ({
  time_zone: zone,
  days: Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri'].map((d) => [d, [{ start: '09:00', end: '18:00' }]])),
});

describe('monitoring hours: inside now and the next change (fake instants, real time zones)', () => {
  test('office hours in Berlin: inside on a weekday, outside in the evening and over the weekend', () => {
    const berlin = office('Europe/Berlin');
    // Wednesday 2 December 2026, 10:00 CET (UTC+1).
    assert.deepEqual(state(berlin, '2026-12-02T09:00:00Z'), { inside: true, next: '2026-12-02T17:00:00.000Z' });
    assert.deepEqual(state(berlin, '2026-12-02T17:00:00Z'), { inside: false, next: '2026-12-03T08:00:00.000Z' });
    // Friday 19:00 → Monday 09:00.
    assert.deepEqual(state(berlin, '2026-12-04T18:00:00Z'), { inside: false, next: '2026-12-07T08:00:00.000Z' });
    assert.deepEqual(state(berlin, '2026-12-05T12:00:00Z'), { inside: false, next: '2026-12-07T08:00:00.000Z' });
    // The last second before the start is outside; the start itself is inside.
    assert.equal(isInsideHours(berlin, at('2026-12-07T07:59:59Z')), false);
    assert.equal(isInsideHours(berlin, at('2026-12-07T08:00:00Z')), true);
  });

  test('the same schedule in another zone means other instants (a half-hour offset too)', () => {
    assert.deepEqual(state(office('America/New_York'), '2026-12-02T13:00:00Z'), { inside: false, next: '2026-12-02T14:00:00.000Z' });
    assert.deepEqual(state(office('Asia/Kolkata'), '2026-12-02T03:00:00Z'), { inside: false, next: '2026-12-02T03:30:00.000Z' });
    assert.deepEqual(state(office('UTC'), '2026-12-02T12:00:00Z'), { inside: true, next: '2026-12-02T18:00:00.000Z' });
  });

  test('an interval whose end is at or before its start runs past midnight, and Sunday night runs into Monday', () => {
    const nights: MonitoringHours = { time_zone: 'UTC', days: { mon: [{ start: '22:00', end: '06:00' }], sun: [{ start: '23:00', end: '00:00' }, { start: '00:00', end: '01:00' }] } };
    assert.deepEqual(state(nights, '2026-11-30T21:00:00Z'), { inside: false, next: '2026-11-30T22:00:00.000Z' }); // Monday
    assert.deepEqual(state(nights, '2026-12-01T03:00:00Z'), { inside: true, next: '2026-12-01T06:00:00.000Z' }); // Tuesday early
    // Sunday 23:00–24:00 follows Sunday's 00:00–01:00 of the week after; Monday 00:00 is outside.
    assert.deepEqual(state(nights, '2026-12-06T23:30:00Z'), { inside: true, next: '2026-12-07T00:00:00.000Z' });
    const wrapping: MonitoringHours = { time_zone: 'UTC', days: { sun: [{ start: '22:00', end: '02:00' }] } };
    assert.deepEqual(state(wrapping, '2026-12-07T01:00:00Z'), { inside: true, next: '2026-12-07T02:00:00.000Z' }); // Monday 01:00
  });

  test('touching and overlapping intervals are one stretch: no change where one ends and the next begins', () => {
    const split: MonitoringHours = { time_zone: 'UTC', days: { wed: [{ start: '09:00', end: '12:00' }, { start: '12:00', end: '18:00' }, { start: '10:00', end: '11:00' }] } };
    assert.deepEqual(state(split, '2026-12-02T10:30:00Z'), { inside: true, next: '2026-12-02T18:00:00.000Z' });
  });

  test('daylight saving starts (Berlin, 29 March 2026, 02:00 → 03:00): a boundary the clocks skip takes effect at the jump', () => {
    const night: MonitoringHours = { time_zone: 'Europe/Berlin', days: { sun: [{ start: '01:00', end: '02:30' }] } };
    // 01:30 CET is 00:30Z; the jump is at 01:00Z (02:00 CET is 03:00 CEST).
    assert.deepEqual(state(night, '2026-03-29T00:30:00Z'), { inside: true, next: '2026-03-29T01:00:00.000Z' });
    const early: MonitoringHours = { time_zone: 'Europe/Berlin', days: { sun: [{ start: '02:30', end: '05:00' }] } };
    assert.deepEqual(state(early, '2026-03-29T00:00:00Z'), { inside: false, next: '2026-03-29T01:00:00.000Z' });
    assert.deepEqual(state(early, '2026-03-29T01:00:00Z'), { inside: true, next: '2026-03-29T03:00:00.000Z' }); // 05:00 CEST
    // Office hours over the change: Monday 09:00 is 07:00Z in summer time, Friday 18:00 was 17:00Z in winter time.
    assert.deepEqual(state(office('Europe/Berlin'), '2026-03-27T17:00:00Z'), { inside: false, next: '2026-03-30T07:00:00.000Z' });
  });

  test('daylight saving ends (Berlin, 25 October 2026, 03:00 → 02:00): the repeated half hour is inside twice', () => {
    const repeated: MonitoringHours = { time_zone: 'Europe/Berlin', days: { sun: [{ start: '02:00', end: '02:30' }] } };
    // 02:00 CEST = 00:00Z … 02:30 CEST = 00:30Z, then 02:00 CET = 01:00Z … 02:30 CET = 01:30Z.
    assert.deepEqual(state(repeated, '2026-10-25T00:10:00Z'), { inside: true, next: '2026-10-25T00:30:00.000Z' });
    assert.deepEqual(state(repeated, '2026-10-25T00:40:00Z'), { inside: false, next: '2026-10-25T01:00:00.000Z' });
    assert.deepEqual(state(repeated, '2026-10-25T01:10:00Z'), { inside: true, next: '2026-10-25T01:30:00.000Z' });
    assert.deepEqual(state(office('America/New_York'), '2026-03-06T23:30:00Z'), { inside: false, next: '2026-03-09T13:00:00.000Z' });
  });

  test('no schedule is always recorded; an empty one never, a whole week always: neither ever changes', () => {
    assert.deepEqual(state(null, '2026-12-02T12:00:00Z'), { inside: true, next: null });
    assert.deepEqual(state({ time_zone: 'Europe/Paris', days: {} }, '2026-12-02T12:00:00Z'), { inside: false, next: null });
    const always: MonitoringHours = { time_zone: 'Europe/Paris', days: Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, [{ start: '00:00', end: '24:00' }]])) };
    assert.deepEqual(state(always, '2026-03-29T01:30:00Z'), { inside: true, next: null });
  });

  test('walking a year of changes: each next change flips the state, and just before it nothing has changed', () => {
    const berlin = office('Europe/Berlin');
    const end = at('2027-01-01T00:00:00Z');
    let t = at('2026-01-01T00:00:00Z');
    let flips = 0;
    for (;;) {
      const { inside, next_change_at } = hoursStateAt(berlin, t);
      assert.ok(next_change_at !== null && next_change_at > t);
      if (next_change_at >= end) break;
      assert.equal(isInsideHours(berlin, next_change_at - 1000), inside, `before ${iso(next_change_at)}`);
      assert.equal(isInsideHours(berlin, next_change_at), !inside, `at ${iso(next_change_at)}`);
      t = next_change_at;
      flips++;
    }
    assert.equal(flips, 261 * 2, 'two changes on each of the 261 weekdays of 2026');
  });
});

describe('monitoring hours: validation', () => {
  const message = (input: unknown) => monitoringHoursSchema.safeParse(input).error?.issues.map((i) => i.message).join('; ');

  test('a time zone must be an IANA one, times HH:MM, and an interval not empty', () => {
    assert.match(message({ time_zone: 'Mars/Olympus', days: {} })!, /IANA time zone/);
    assert.match(message({ time_zone: 'UTC', days: { mon: [{ start: '9:00', end: '18:00' }] } })!, /HH:MM/);
    assert.match(message({ time_zone: 'UTC', days: { mon: [{ start: '09:00', end: '09:00' }] } })!, /must not start and end at the same time/);
    assert.match(message({ time_zone: 'UTC', days: { mon: [{ start: '24:00', end: '09:00' }] } })!, /23:59 at the latest/);
    assert.ok(message({ time_zone: 'UTC', days: { someday: [] } }));
    assert.equal(message({ time_zone: 'UTC', days: { mon: [{ start: '00:00', end: '24:00' }] } }), undefined);
  });

  test('a PUT names the group (null: the company default) and the schedule (null: removed)', () => {
    assert.equal(putMonitoringHoursBodySchema.safeParse({ group_id: null, hours: null }).success, true);
    assert.equal(putMonitoringHoursBodySchema.safeParse({ hours: null }).success, false);
  });
});
