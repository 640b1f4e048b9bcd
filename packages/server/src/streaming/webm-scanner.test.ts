import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chunks, makeWebm } from '@vaahshare/testkit/webm';
import { WebmScanner } from './webm-scanner.js';

const CLUSTER_ID = Buffer.from([0x1f, 0x43, 0xb6, 0x75]);

function scan(data: Buffer, chunkSize: number) {
  const found = { header: -1, keyClusters: [] as number[] };
  const scanner = new WebmScanner({
    onHeaderEnd: (o) => (found.header = o),
    onKeyCluster: (o) => found.keyClusters.push(o),
  });
  for (const c of chunks(data, chunkSize)) scanner.push(c);
  return { ...found, failed: scanner.failed };
}

test('finds the header end and every keyframe cluster, whatever the chunking', async () => {
  const webm = await makeWebm({ seconds: 6, fps: 10, gop: 20 });
  const whole = scan(webm, webm.length);
  assert.equal(whole.failed, null);
  assert.equal(whole.keyClusters.length, 3, 'a keyframe every 2 s over 6 s');
  assert.equal(whole.keyClusters[0], whole.header, 'the first cluster follows the header');
  for (const offset of whole.keyClusters) assert.deepEqual(webm.subarray(offset, offset + 4), CLUSTER_ID);
  for (const size of [1, 3, 100, 4096]) assert.deepEqual(scan(webm, size), whole, `chunks of ${size}`);
});

test('unknown-size clusters (as MediaRecorder writes them) are followed too', async () => {
  const webm = await makeWebm({ seconds: 6, fps: 10, gop: 20 });
  const known = scan(webm, webm.length);
  // Rewrite every cluster's 8-byte size as "unknown" (all ones), as a live muxer does.
  const live = Buffer.from(webm);
  for (const offset of known.keyClusters) {
    assert.equal(live[offset + 4], 0x01, 'ffmpeg writes cluster sizes on 8 bytes');
    live.fill(0xff, offset + 5, offset + 12);
  }
  assert.deepEqual(scan(live, 1000), known);
});

test('garbage is reported, not thrown', () => {
  const result = scan(Buffer.alloc(64, 0), 16);
  assert.match(result.failed ?? '', /invalid element id/);
});
