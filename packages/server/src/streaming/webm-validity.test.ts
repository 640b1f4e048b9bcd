import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Media } from '@vaahshare/protocol';
import { mediaPaths } from '../media/index.js';
import { connectAgent, startServer, waitForEvent, type TestServer } from '@vaahshare/testkit';
import { sendFrames, startSegment } from '@vaahshare/testkit/streaming';
import { decodeFrames, makeWebm } from '@vaahshare/testkit/webm';
import { WebmScanner } from '../media/index.js';

/** Where each keyframe cluster of a WebM starts. */
function keyClusters(webm: Buffer): number[] {
  const found: number[] = [];
  new WebmScanner({ onHeaderEnd: () => undefined, onKeyCluster: (offset) => found.push(offset) }).push(webm);
  return found;
}

/** 64 KiB that look random (a sha256 chain: the same bytes every run). */
function noise(seed: string): Buffer {
  const parts: Buffer[] = [];
  let block = createHash('sha256').update(seed).digest();
  while (parts.length * block.length < 64 * 1024) {
    parts.push(block);
    block = createHash('sha256').update(block).digest();
  }
  return Buffer.concat(parts);
}

describe('WebM is checked beyond its first bytes', () => {
  let t: TestServer;
  let webm: Buffer;
  before(async () => {
    t = await startServer();
    webm = await makeWebm({ seconds: 4, fps: 10, gop: 10 });
  });
  after(() => t.dispose());

  test('bytes that are not WebM after a valid start are refused and not stored; the recording goes on unpolluted', async () => {
    const agent = await connectAgent(t.url, 'webm@pc-1');
    await startSegment(agent.socket, 'valid-1');
    const cut = keyClusters(webm)[2];
    assert.ok(cut > 0);
    await sendFrames(agent.socket, 'valid-1', webm, 0, cut);
    for (const garbage of [Buffer.alloc(64 * 1024, 0x5a), noise('vaahshare'), Buffer.concat([Buffer.from([0xa3, 0x01]), Buffer.alloc(64, 0xff)])]) {
      const refused = await agent.socket.timeout(5000).emitWithAck('video-frame', { buffer: garbage, segment_id: 'valid-1', offset: cut });
      assert.equal(!refused.ok && refused.error, 'not_webm');
      assert.match(!refused.ok ? refused.message : '', /^These bytes do not continue the segment as WebM \(.+ at byte \d+\); nothing of them was stored/);
    }
    assert.equal(await sendFrames(agent.socket, 'valid-1', webm, cut), webm.length, 'the valid rest is taken at the same offset');

    const processed = waitForEvent<{ media: Media }>(agent.socket, 'video-processed', 20_000);
    assert.equal((await agent.socket.timeout(5000).emitWithAck('stop-streaming', { segment_id: 'valid-1' })).ok, true);
    const { media } = await processed;
    const decoded = await decodeFrames(mediaPaths(t.dataDir, media).final);
    assert.deepEqual({ frames: decoded.frames, errors: decoded.errors }, { frames: (await decodeFrames(webm)).frames, errors: '' });
    agent.socket.disconnect();
  });

  test('a live recorder’s output (unknown sizes, MediaRecorder-like) passes whole and in small pieces', async () => {
    const live = await makeWebm({ seconds: 2, fps: 10, gop: 10, live: true });
    const agent = await connectAgent(t.url, 'webm@pc-2');
    await startSegment(agent.socket, 'live-1');
    assert.equal(await sendFrames(agent.socket, 'live-1', live, 0, live.length, 777), live.length);
    agent.socket.disconnect();
  });
});
