import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ArrivalPieces, CATCH_UP_RATE, JUMP_LAG_S, LIVE_TARGET_S, liveEdgeStep } from './live-edge';

test('a viewer who joins gets the catch-up from the last keyframe: playback starts at the live edge, not at the keyframe', () => {
  // 1.9 s of catch-up buffered, the playhead at its start (a fresh MediaSource).
  assert.deepEqual(liveEdgeStep({ start: 0, end: 1.9 }, 0), { seekTo: 1.9 - LIVE_TARGET_S, playbackRate: 1 });
});

test('far behind (a tab back from the background) jumps; a little behind plays faster until back; at the edge plays at 1x', () => {
  assert.equal(liveEdgeStep({ start: 0, end: 30 }, 30 - LIVE_TARGET_S - JUMP_LAG_S - 0.1).seekTo, 30 - LIVE_TARGET_S);
  assert.deepEqual(liveEdgeStep({ start: 0, end: 30 }, 29.5), { seekTo: null, playbackRate: CATCH_UP_RATE });
  assert.deepEqual(liveEdgeStep({ start: 0, end: 30 }, 30 - LIVE_TARGET_S), { seekTo: null, playbackRate: 1 });
  assert.deepEqual(liveEdgeStep({ start: 0, end: 30 }, 30), { seekTo: null, playbackRate: 1 });
});

test('a playhead before the newest range (a gap after a cut) moves into it', () => {
  assert.equal(liveEdgeStep({ start: 10, end: 10.05 }, 4).seekTo, 10);
});

test('a stream arriving in 2-s slices (the original client\'s MediaRecorder) plays that far behind, smoothly, instead of jumping at every slice', () => {
  const pieces = new ArrivalPieces();
  for (const end of [2, 4, 6]) pieces.grew(end);
  assert.equal(pieces.largest(), 2);
  assert.deepEqual(liveEdgeStep({ start: 0, end: 6 }, 4, pieces.largest()), { seekTo: null, playbackRate: 1 });
  assert.equal(liveEdgeStep({ start: 0, end: 6 }, 3, pieces.largest()).seekTo, 4);
});

test('the first piece (a joining viewer\'s catch-up) is not taken for how the stream arrives', () => {
  const pieces = new ArrivalPieces();
  pieces.grew(1.9);
  pieces.grew(1.95);
  assert.ok(Math.abs(pieces.largest() - 0.05) < 1e-9);
});
