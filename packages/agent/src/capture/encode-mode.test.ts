import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EncodeMode } from './capture-args.js';
import { EncodeModeState } from './encode-mode.js';

const LINGER_MS = 10_000;

function state(preset?: 'archive' | 'balanced' | 'sharp') {
  const changes: Array<EncodeMode & { why: string }> = [];
  const modes = new EncodeModeState(preset, (mode, why) => changes.push({ ...mode, why }), LINGER_MS);
  return { modes, changes };
}

test('without a preset from the server the agent encodes "balanced", nobody watching; the last preset it heard is kept', () => {
  assert.deepEqual(state().modes.current, { preset: 'balanced', watched: false });
  assert.deepEqual(state('archive').modes.current, { preset: 'archive', watched: false });
});

test('a new preset is reported once; the same preset again changes nothing', () => {
  const { modes, changes } = state();
  modes.setPreset('balanced');
  assert.equal(changes.length, 0);
  modes.setPreset('sharp');
  modes.setPreset('sharp');
  assert.deepEqual(changes, [{ preset: 'sharp', watched: false, why: 'the company\'s quality preset is now "sharp"' }]);
});

test('the first viewer switches to live settings at once; the archive settings come back only after the linger', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const { modes, changes } = state();
  modes.watched();
  modes.watched();
  assert.deepEqual(changes.map((c) => c.watched), [true], 'one change for a viewer, however often told');
  modes.unwatched();
  t.mock.timers.tick(LINGER_MS - 1);
  assert.equal(modes.current.watched, true, 'still live just before the linger ends');
  t.mock.timers.tick(1);
  assert.deepEqual(changes.map((c) => c.watched), [true, false]);
  assert.equal(changes[1].why, 'nobody watches live any more');
});

test('a viewer back within the linger (or a reconnect while watched) costs no new recording', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const { modes, changes } = state();
  modes.watched();
  modes.unwatched();
  t.mock.timers.tick(LINGER_MS / 2);
  modes.watched();
  t.mock.timers.tick(LINGER_MS * 2);
  assert.deepEqual(changes.map((c) => c.watched), [true]);
});

test('nothing is reported when nobody watched, nor after stop', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const { modes, changes } = state();
  modes.unwatched();
  modes.watched();
  modes.unwatched();
  modes.stop();
  t.mock.timers.tick(LINGER_MS * 2);
  assert.deepEqual(changes.map((c) => c.watched), [true]);
});
