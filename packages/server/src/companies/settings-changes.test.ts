import assert from 'node:assert/strict';
import { test } from 'node:test';
import { changedSettings } from './settings-changes.js';

test('only the settings whose value changed, each with its old and new value', () => {
  const before = { idle_threshold_seconds: 300, idle_message: 'hi', pause_allowed: false };
  assert.deepEqual(changedSettings(before, { ...before, idle_threshold_seconds: 60, pause_allowed: true }), {
    idle_threshold_seconds: { from: 300, to: 60 },
    pause_allowed: { from: false, to: true },
  });
  assert.deepEqual(changedSettings(before, before), {});
});
