import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { dayRows, pauseSpans, presenceSpans, uptimeShare } from './timeline';

const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString();
const ms = (minute: number) => Date.parse(at(minute));

describe('presence timeline', () => {
  test('transitions become spans; before the first one the state is unknown', () => {
    const entries = [
      { state: 'disconnected' as const, at: at(50) },
      { state: 'connected' as const, at: at(10) },
      { state: 'reconnecting' as const, at: at(40) },
    ];
    assert.deepEqual(presenceSpans(entries, ms(0), ms(60)), [
      { state: 'unknown', start: ms(0), end: ms(10) },
      { state: 'connected', start: ms(10), end: ms(40) },
      { state: 'reconnecting', start: ms(40), end: ms(50) },
      { state: 'disconnected', start: ms(50), end: ms(60) },
    ]);
  });

  test('a transition before the window decides the state at its start; later ones are cut off', () => {
    const entries = [
      { state: 'connected' as const, at: at(5) },
      { state: 'disconnected' as const, at: at(90) },
    ];
    assert.deepEqual(presenceSpans(entries, ms(30), ms(60)), [{ state: 'connected', start: ms(30), end: ms(60) }]);
  });

  test('uptime counts reconnecting as online and ignores unknown time', () => {
    const spans = presenceSpans(
      [
        { state: 'connected', at: at(10) },
        { state: 'reconnecting', at: at(20) },
        { state: 'disconnected', at: at(30) },
      ],
      ms(0),
      ms(50),
    );
    assert.equal(uptimeShare(spans), 20 / 40);
    assert.equal(uptimeShare([{ state: 'unknown', start: 0, end: 10 }]), null);
  });

  test('one row per local day, the last one ending now', () => {
    const now = new Date(2026, 0, 10, 15, 30).getTime();
    const rows = dayRows([{ state: 'connected', at: new Date(2026, 0, 9, 12).toISOString() }], 3, now);
    assert.deepEqual(rows.map((r) => r.day.getDate()), [8, 9, 10]);
    assert.deepEqual(rows[0].spans.map((s) => s.state), ['unknown']);
    assert.deepEqual(rows[1].spans.map((s) => s.state), ['unknown', 'connected']);
    assert.deepEqual(rows[2].spans, [{ state: 'connected', start: new Date(2026, 0, 10).getTime(), end: now }]);
  });

  test('pauses: cut to the window, ended early or as planned, never past now', () => {
    const pause = (start: number, ends: number, ended: number | null) => ({
      id: 1, company_id: 1, client_id: 1, reason: 'call', started_at: at(start), ends_at: at(ends), ended_at: ended === null ? null : at(ended),
    });
    assert.deepEqual(pauseSpans([pause(10, 40, 20), pause(50, 80, null), pause(0, 5, null)], ms(8), ms(60), ms(55)), [
      { start: ms(10), end: ms(20), reason: 'call' },
      { start: ms(50), end: ms(55), reason: 'call' },
    ]);
  });
});

