import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { recordingLength, recordingTitle } from './recordings';

const local = (day: number, hour: number, minute: number, second = 0) => new Date(2026, 11, day, hour, minute, second).toISOString();

describe('recording titles', () => {
  test('a finished recording is named by its client and time span, not by its segment id', () => {
    const media = { status: 'ready' as const, started_at: local(1, 14, 3), ended_at: local(1, 14, 33) };
    assert.equal(recordingTitle(media, 'alice@pc-17', 'en-GB'), 'alice@pc-17 · Tue 1 Dec 14:03–14:33');
    assert.equal(recordingTitle(media, null, 'en-GB'), 'Tue 1 Dec 14:03–14:33');
  });

  test('a span over midnight names both days', () => {
    const media = { status: 'processing' as const, started_at: local(1, 23, 50), ended_at: local(2, 0, 20) };
    assert.equal(recordingTitle(media, 'bo@pc', 'en-GB'), 'bo@pc · Tue 1 Dec 23:50 – Wed 2 Dec 00:20');
  });

  test('a recording in progress has no end yet, and its length is how long it has run so far', () => {
    const media = { status: 'recording' as const, started_at: local(1, 14, 3), ended_at: null, duration_ms: null };
    assert.equal(recordingTitle(media, 'alice@pc-17', 'en-GB'), 'alice@pc-17 · Tue 1 Dec 14:03');
    assert.equal(recordingLength(media, Date.parse(local(1, 14, 7, 12))), '4:12');
    assert.equal(recordingLength(media, Date.parse(local(1, 14, 7, 13))), '4:13');
    assert.equal(recordingLength({ ...media, status: 'ready', ended_at: local(1, 14, 33), duration_ms: 1_800_000 }, Date.now()), '30:00');
  });
});
