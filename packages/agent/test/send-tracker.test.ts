import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SendTracker } from '../src/gui/send-tracker.js';

describe('SendTracker (what the Recordings page shows of a segment on its way)', () => {
  test('speed over the last seconds, 0 once nothing moves; retries with the last reason; forgotten once sent', () => {
    let now = 0;
    const tracker = new SendTracker(() => now);
    assert.deepEqual(tracker.report('a'), { sent: 0, speed: 0, retries: 0, last_error: null });
    tracker.progress('a', 0);
    now = 1000;
    tracker.progress('a', 500_000);
    now = 2000;
    tracker.progress('a', 1_000_000);
    assert.deepEqual(tracker.report('a'), { sent: 1_000_000, speed: 500_000, retries: 0, last_error: null });
    now = 10_000;
    assert.equal(tracker.report('a').speed, 0, 'stalled');
    tracker.failed('a', 'connection lost (transport close)');
    tracker.failed('a', 'ack timeout');
    assert.deepEqual(tracker.report('a'), { sent: 1_000_000, speed: 0, retries: 2, last_error: 'ack timeout' });
    tracker.forget('a');
    assert.deepEqual(tracker.report('a'), { sent: 0, speed: 0, retries: 0, last_error: null });
  });
});
