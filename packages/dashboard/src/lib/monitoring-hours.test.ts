import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hoursSummary, monitoringHoursSchema } from '@vaahshare/protocol';
import { draftOf, hoursOfDraft } from './monitoring-hours';

test('a new schedule starts as office hours in the given zone, and goes to the API without empty days', () => {
  const hours = hoursOfDraft(draftOf(null, 'Europe/Berlin'));
  assert.equal(hoursSummary(hours), 'Mon–Fri 09:00–18:00 (Europe/Berlin)');
  assert.deepEqual(Object.keys(hours.days), ['mon', 'tue', 'wed', 'thu', 'fri']);
  assert.equal(monitoringHoursSchema.safeParse(hours).success, true);
});

test('an existing schedule is edited as a copy and comes back the same', () => {
  const stored = { time_zone: 'Asia/Kolkata', days: { sat: [{ start: '22:00', end: '02:00' }] } };
  const draft = draftOf(stored, 'UTC');
  draft.days.sat[0].end = '03:00';
  assert.equal(stored.days.sat[0].end, '02:00', 'the stored schedule is untouched');
  assert.deepEqual(hoursOfDraft(draftOf(stored, 'UTC')), stored);
  assert.equal(hoursSummary(hoursOfDraft(draft)), 'Sat 22:00–03:00 (Asia/Kolkata)');
});
