import assert from 'node:assert/strict';
import { test } from 'node:test';
import { contentDisposition, createAccessDedupe } from './accesses.js';

test('an access is new once per key within the window, and again after it', () => {
  let now = 0;
  const seen = createAccessDedupe({ now: () => now }, 300_000);
  assert.equal(seen.isNew('played:1:9'), true);
  now = 1000;
  assert.equal(seen.isNew('played:1:9'), false, 'the next range request of the same playback');
  assert.equal(seen.isNew('played:2:9'), true, 'another viewer');
  assert.equal(seen.isNew('played:1:8'), true, 'another recording');
  now = 300_000;
  assert.equal(seen.isNew('played:1:9'), true, 'a later playback');
  now = 300_500;
  assert.equal(seen.isNew('played:1:9'), false);
});

test('a download is saved under the recording’s name, whatever characters it holds', () => {
  assert.equal(contentDisposition('Monday.webm'), `attachment; filename="Monday.webm"; filename*=UTF-8''Monday.webm`);
  assert.equal(contentDisposition('é "x".webm'), `attachment; filename="_ _x_.webm"; filename*=UTF-8''%C3%A9%20%22x%22.webm`);
});
