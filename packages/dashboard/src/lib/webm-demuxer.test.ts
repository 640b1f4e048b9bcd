import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { before, test } from 'node:test';
import { runFfmpeg } from '@vaahshare/server/ffmpeg';
import { webmFile } from '@vaahshare/testkit/webm';
import fs from 'node:fs';
import { WebmDemuxer, type WebmFrame, type WebmVideoTrack } from './webm-demuxer';

const CLUSTER_ID = [0x1f, 0x43, 0xb6, 0x75];

interface Demuxed {
  tracks: WebmVideoTrack[];
  frames: WebmFrame[];
  failed: string | null;
}

/** Demuxes `bytes` fed in the given pieces. */
function demux(bytes: Uint8Array, cuts: number[] = []): Demuxed {
  const out: Demuxed = { tracks: [], frames: [], failed: null };
  const demuxer = new WebmDemuxer({ tracks: (t) => out.tracks.push(...t), frame: (f) => out.frames.push(f) });
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    demuxer.push(bytes.subarray(from, cut));
    from = cut;
  }
  out.failed = demuxer.failed;
  return out;
}

/** What ffmpeg reads from the file, packet by packet: pts (ms) and the MD5 of the frame's bytes. */
async function ffmpegPackets(file: string): Promise<Array<{ ptsMs: number; md5: string }>> {
  const result = await runFfmpeg(['-v', 'error', '-i', file, '-map', '0:v', '-c', 'copy', '-f', 'framemd5', 'pipe:1']);
  assert.equal(result.code, 0, result.stderrTail);
  return result.stdout.split('\n').filter((line) => /^\d/.test(line)).map((line) => {
    const fields = line.split(',').map((f) => f.trim());
    return { ptsMs: Number(fields[2]), md5: fields[5] };
  });
}

const md5 = (data: Uint8Array) => createHash('md5').update(data).digest('hex');

function clusterOffsets(bytes: Uint8Array): number[] {
  const found: number[] = [];
  for (let i = 0; i + 4 <= bytes.length; i++) if (CLUSTER_ID.every((b, k) => bytes[i + k] === b)) found.push(i);
  return found;
}

/** MediaRecorder's kind of stream: every Cluster's size written as unknown (all ones). */
function withUnknownClusterSizes(webm: Buffer): Buffer {
  const live = Buffer.from(webm);
  for (const offset of clusterOffsets(live)) {
    assert.equal(live[offset + 4], 0x01, 'ffmpeg writes cluster sizes on 8 bytes');
    live.fill(0xff, offset + 5, offset + 12);
  }
  return live;
}

let vp8File: string;
let agentFile: string;
before(async () => {
  [vp8File, agentFile] = await Promise.all([
    webmFile({ seconds: 3, fps: 10, gop: 10 }),
    // As the agent streams while watched: VP9, live (unknown-size Segment, no Cues), a Cluster per frame.
    webmFile({ seconds: 2, fps: 20, gop: 20, size: '160x96', vp9: true, live: true, clusterPerFrame: true }),
  ]);
});

test('every frame ffmpeg reads comes out: the same bytes, timestamps and keyframes; the track with its codec and size', async () => {
  for (const [file, codecId, size, gop] of [[vp8File, 'V_VP8', [320, 240], 10], [agentFile, 'V_VP9', [160, 96], 20]] as const) {
    const { tracks, frames, failed } = demux(new Uint8Array(fs.readFileSync(file)));
    assert.equal(failed, null);
    assert.deepEqual(tracks.map((t) => [t.number, t.codecId, t.width, t.height]), [[1, codecId, ...size]]);
    const expected = await ffmpegPackets(file);
    assert.ok(expected.length >= 20, `${file}: ${expected.length} packets`);
    assert.deepEqual(frames.map((f) => ({ ptsMs: f.timestampUs / 1000, md5: md5(f.data) })), expected, file);
    assert.deepEqual(frames.map((f) => f.key), frames.map((_, i) => i % gop === 0), `${file}: a keyframe every ${gop} frames`);
    assert.ok(frames.every((f) => f.track === 1));
  }
});

test('split at every byte boundary, known- and unknown-size clusters give the same frames', () => {
  const agent = fs.readFileSync(agentFile).subarray(0, 12_000);
  const whole = demux(agent);
  assert.ok(whole.frames.length >= 5, `${whole.frames.length} frames in the first 12 kB`);
  for (const bytes of [agent, withUnknownClusterSizes(agent)]) {
    for (let cut = 1; cut < bytes.length; cut++) assert.deepEqual(demux(bytes, [cut]), whole, `split at byte ${cut}`);
  }
  // And byte by byte.
  assert.deepEqual(demux(agent, Array.from({ length: agent.length - 1 }, (_, i) => i + 1)), whole);
});

test('a frame comes out as soon as its last byte arrives, also inside a cluster of unknown size', () => {
  const live = withUnknownClusterSizes(fs.readFileSync(vp8File));
  const complete = demux(live).frames;
  const frames: WebmFrame[] = [];
  const demuxer = new WebmDemuxer({ tracks: () => undefined, frame: (f) => frames.push(f) });
  // Fed up to each frame's last byte (found as where its data ends), it is out; one byte short, not yet.
  let from = 0;
  for (const [i, frame] of complete.entries()) {
    const end = indexOf(live, frame.data, from) + frame.data.length;
    demuxer.push(live.subarray(from, end - 1));
    assert.equal(frames.length, i, `frame ${i} not before its last byte`);
    demuxer.push(live.subarray(end - 1, end));
    assert.equal(frames.length, i + 1, `frame ${i} at its last byte`);
    from = end;
  }
});

test('a viewer who joins gets the header, then bytes from a later keyframe cluster: frames from there on', () => {
  const bytes = fs.readFileSync(vp8File);
  const clusters = clusterOffsets(bytes);
  const joined = Buffer.concat([bytes.subarray(0, clusters[0]), bytes.subarray(clusters[1])]);
  const all = demux(bytes).frames;
  const { frames, failed } = demux(joined);
  assert.equal(failed, null);
  assert.equal(frames[0].key, true);
  assert.deepEqual(frames, all.slice(all.length - frames.length));
  assert.ok(frames.length < all.length);
});

test('bytes that are not WebM are reported, not thrown', () => {
  assert.match(demux(new Uint8Array(64)).failed ?? '', /^no WebM element at byte 0$/);
  // A header, then a block claiming 2^40 bytes.
  const bytes = fs.readFileSync(vp8File);
  const header = bytes.subarray(0, clusterOffsets(bytes)[0]);
  const huge = demux(Buffer.concat([header, Buffer.from([...CLUSTER_ID, 0xff, 0xa3, 0x05, 0, 0, 0, 0, 0])]));
  assert.match(huge.failed ?? '', /^an element of 1099511627776 bytes at byte \d+$/);
});

function indexOf(haystack: Uint8Array, needle: Uint8Array, from: number): number {
  const at = Buffer.from(haystack.buffer, haystack.byteOffset, haystack.length).indexOf(Buffer.from(needle), from);
  assert.ok(at >= 0);
  return at;
}
