import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { assertRecordedWhole } from './helpers.js';

/** An agent's output with its "capturing" line at 12:00:00 and its quit `capturedMs` later, as the agent prints them. */
function output(capturedMs: number) {
  const at = (ms: number) => new Date(Date.UTC(2026, 11, 4, 12, 0, 0) + ms).toISOString();
  return [
    `${at(0)} capturing a test picture into /tmp/spool/cut@pc/1.webm (quality "balanced")`,
    `${at(40)} connected to http://127.0.0.1:3000 as cut@pc`,
    `${at(2_000)} connection lost (transport close); capture goes on locally, reconnecting…`,
    `${at(capturedMs)} SIGINT: finishing the recording and closing…`,
  ].join('\n');
}

describe('a recording checked against what the agent captured (the agent tests’ measure)', () => {
  test('whole, less ffmpeg’s start-up, or up to two frames longer, passes', () => {
    assertRecordedWhole(30_001, output(30_000), 2);
    assertRecordedWhole(28_001, output(30_000), 2);
    assertRecordedWhole(31_000, output(30_000), 2);
  });

  test('a lost network cut, a lost tail, or more than was captured fails', () => {
    assert.throws(() => assertRecordedWhole(8_001, output(30_000), 2), /some of it is missing/);
    assert.throws(() => assertRecordedWhole(27_001, output(30_000), 2), /some of it is missing/);
    assert.throws(() => assertRecordedWhole(31_501, output(30_000), 2), /longer than what was captured/);
  });

  test('an output without the lines says so', () => {
    assert.throws(() => assertRecordedWhole(30_001, 'nothing printed', 2), /printed no line matching/);
  });
});
