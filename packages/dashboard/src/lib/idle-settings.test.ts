import assert from 'node:assert/strict';
import { test } from 'node:test';
import { idleSettingsBody } from './idle-settings';

test('a threshold in minutes becomes whole seconds; the message is trimmed', () => {
  assert.deepEqual(idleSettingsBody(0.2, '  Still there?  '), { body: { idle_threshold_seconds: 12, idle_message: 'Still there?' } });
  assert.deepEqual(idleSettingsBody(1440, 'x'), { body: { idle_threshold_seconds: 86400, idle_message: 'x' } });
});

test('each problem is named as it is, never turned into another value or another message', () => {
  assert.deepEqual(idleSettingsBody(0, 'Still there?'), { problem: 'The idle threshold must be at least 10 seconds.' });
  assert.deepEqual(idleSettingsBody(2000, 'Still there?'), { problem: 'The idle threshold must be at most 24 hours (86400 seconds).' });
  assert.deepEqual(idleSettingsBody(null, 'Still there?'), { problem: 'Enter after how many minutes without input the alert comes' });
  assert.deepEqual(idleSettingsBody(5, '   '), { problem: 'Write the message the desktop shows: it must not be empty.' });
  assert.deepEqual(idleSettingsBody(5, 'm'.repeat(1001)), { problem: 'The message may be at most 1000 characters.' });
  assert.deepEqual(idleSettingsBody(0, ''), { problem: 'The idle threshold must be at least 10 seconds. Write the message the desktop shows: it must not be empty.' });
});
