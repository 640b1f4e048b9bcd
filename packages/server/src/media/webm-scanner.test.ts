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

test('elements where the spec allows none, or larger than a recorder writes, are reported with where they are', async () => {
  const webm = await makeWebm({ seconds: 2, fps: 10, gop: 10 });
  const header = scan(webm, webm.length).header;
  const at = (bytes: number[]) => scan(Buffer.concat([webm.subarray(0, header), Buffer.from(bytes)]), 4096).failed;
  // Cluster, then a SimpleBlock at the Segment level.
  assert.match(at([0xa3, 0x81, 0x00]) ?? '', new RegExp(`^element 0xa3 cannot stand in a segment at byte ${header}$`));
  // A Cluster holding an EBML header.
  assert.match(at([...CLUSTER_ID, 0xff, 0x1a, 0x45, 0xdf, 0xa3, 0x80]) ?? '', /^element 0x1a45dfa3 cannot stand in a cluster/);
  // A block claiming 2^40 bytes.
  assert.match(at([...CLUSTER_ID, 0xff, 0xa3, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00]) ?? '', /^an element of 1099511627776 bytes/);
  // Something before the EBML header.
  assert.match(scan(Buffer.from([0x42, 0x86, 0x81, 0x01]), 4).failed ?? '', /^element 0x4286 cannot stand in a file at byte 0$/);
});

test('wouldFail tells what a chunk would break without changing the scanner', async () => {
  const webm = await makeWebm({ seconds: 2, fps: 10, gop: 10, live: true });
  const scanner = new WebmScanner({ onHeaderEnd: () => undefined, onKeyCluster: () => undefined });
  const half = Math.floor(webm.length / 2);
  scanner.push(webm.subarray(0, half));
  const offset = scanner.offset;
  assert.equal(scanner.wouldFail(webm.subarray(half)), null);
  // Longer than any block the scanner may be inside of: its element headers are read.
  assert.match(scanner.wouldFail(Buffer.alloc(256 * 1024, 0)) ?? '', /invalid element id/);
  assert.equal(scanner.offset, offset);
  scanner.push(webm.subarray(half));
  assert.equal(scanner.failed, null);
});
