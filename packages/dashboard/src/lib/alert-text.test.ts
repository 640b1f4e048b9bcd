import assert from 'node:assert/strict';
import { test } from 'node:test';
import { alertText, formatSpan } from './alert-text';

test('spans under a minute say seconds, not "0 min"', () => {
  assert.deepEqual([0, 12, 59.6, 60, 64, 3600, 3900, 7384].map(formatSpan), ['0 s', '12 s', '1 min', '1 min', '1 min 4 s', '1 h', '1 h 5 min', '2 h 3 min']);
});

test('an alert says how long the person was away once known, else how long without input', () => {
  assert.equal(alertText({ idle_seconds: 12, away_seconds: null }), 'No input for 12 s');
  assert.equal(alertText({ idle_seconds: 12, away_seconds: 751 }), 'Away for 12 min 31 s');
});

test('an alert the agent repeated within the idle threshold says how often', () => {
  assert.equal(alertText({ idle_seconds: 12, away_seconds: null, repeat_count: 1 }), 'No input for 12 s');
  assert.equal(alertText({ idle_seconds: 12, away_seconds: null, repeat_count: 3000 }), 'No input for 12 s (reported 3000 times)');
});
