import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CATCH_UP_BYTES, CatchUpProgress } from './progress.js';

function progress() {
  const lines: string[] = [];
  const catchingUp: boolean[] = [];
  const tracker = new CatchUpProgress((line) => lines.push(line), (now) => catchingUp.push(now), false);
  return { lines, catchingUp, tracker };
}

test("a backlog past the threshold is a catch-up, told once with its size, until what is left is a live stream's own", () => {
  const { lines, catchingUp, tracker } = progress();
  tracker.update(CATCH_UP_BYTES);
  assert.deepEqual(catchingUp, [], 'up to the threshold the agent is live');
  tracker.update(1_500_000);
  tracker.update(1_700_000);
  tracker.update(60_000);
  assert.deepEqual(catchingUp, [true], 'one catch-up, though capture outgrew the sending for a while');
  tracker.update(10_000);
  assert.deepEqual(catchingUp, [true, false]);
  assert.deepEqual(lines, ['sending 1.5 MB captured while the connection was down', 'caught up: live again']);
});

test('a drop during the catch-up ends it without claiming to be live; the next reconnect starts another', () => {
  const { lines, catchingUp, tracker } = progress();
  tracker.update(1_000_000);
  tracker.end(false);
  tracker.update(10_000);
  assert.deepEqual(catchingUp, [true], 'the agent is offline, not live');
  tracker.update(2_000_000);
  assert.deepEqual(catchingUp, [true, true]);
  assert.deepEqual(lines, ['sending 1.0 MB captured while the connection was down', 'sending 2.0 MB captured while the connection was down']);
});
