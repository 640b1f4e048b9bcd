import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { AuditEntry, Media } from '@vaahshare/protocol';
import { mediaPaths } from '../media/index.js';
import {
  api,
  connectAgent,
  connectDashboard,
  login,
  startServer,
  waitForEvent,
  waitUntil,
  type TestServer,
} from '@vaahshare/testkit';
import { recordStreams, sendFrames, startSegment } from '@vaahshare/testkit/streaming';
import { decodeFrames, makeWebm } from '@vaahshare/testkit/webm';

const EBML_MAGIC = Buffer.from([0x1a, 0x45, 0xdf, 0xa3]);
const CLUSTER_ID = Buffer.from([0x1f, 0x43, 0xb6, 0x75]);

describe('live streaming', () => {
  let t: TestServer;
  let token: string;
  let webm: Buffer;

  before(async () => {
    t = await startServer({ MAX_FRAME_BYTES: String(256 * 1024) });
    token = await login(t.url);
    webm = await makeWebm({ seconds: 8, fps: 10, gop: 10 });
  });
  after(() => t.dispose());

  test('a stream resumed after an abrupt drop is one continuous recording', async () => {
    const first = await connectAgent(t.url, 'rec@pc-1');
    const segment = await startSegment(first.socket, 'resume-1');
    assert.deepEqual({ ...segment }, { ok: true, segment_id: 'resume-1', offset: 0 });
    const half = Math.floor(webm.length / 2);
    await sendFrames(first.socket, 'resume-1', webm, 0, half);
    // Frames in flight when the connection dies: the server keeps what it acked, nothing more is promised.
    first.socket.emit('video-frame', { buffer: webm.subarray(half, half + 5000), segment_id: 'resume-1', offset: half });
    first.socket.io.engine.close();

    const second = await connectAgent(t.url, 'rec@pc-1');
    const resumed = await startSegment(second.socket, 'resume-1');
    assert.ok(resumed.offset === half || resumed.offset === half + 5000, `resumes at what the server holds (${resumed.offset})`);
    await sendFrames(second.socket, 'resume-1', webm, resumed.offset);

    const raw = mediaPaths(t.dataDir, { id: await mediaIdOf('resume-1'), company_id: 1, client_id: first.client.id }).raw;
    assert.ok(fs.readFileSync(raw).equals(webm), 'the bytes received are the source, without gap or duplicate');

    const processed = waitForEvent<{ media: Media }>(second.socket, 'video-processed', 20_000);
    const stopped = await second.socket.emitWithAck('stop-streaming', { segment_id: 'resume-1' });
    assert.equal(stopped.ok, true);
    const { media } = await processed;
    assert.equal(media.status, 'ready');
    assert.ok(Math.abs((media.duration_ms ?? 0) - 8000) <= 200, `duration ${media.duration_ms} ms`);
    const final = mediaPaths(t.dataDir, media).final;
    const decoded = await decodeFrames(final);
    assert.equal(decoded.errors, '');
    assert.equal(decoded.frames, 80, 'every frame of 8 s at 10 fps decodes');
    second.socket.disconnect();
  });

  async function mediaIdOf(segmentId: string): Promise<number> {
    const row = await t.server.ctx.db.selectFrom('media').select('id').where('segment_id', '=', segmentId).executeTakeFirstOrThrow();
    return row.id;
  }

  test('a late viewer gets the header, then bytes from a keyframe cluster, and can decode', async () => {
    const agent = await connectAgent(t.url, 'live@pc-2');
    await startSegment(agent.socket, 'late-1');
    const third = Math.floor(webm.length / 3);
    await sendFrames(agent.socket, 'late-1', webm, 0, third);

    const dashboard = await connectDashboard(t.url, token);
    const received: Buffer[] = [];
    let init: Buffer | undefined;
    dashboard.socket.on('stream-init', (p) => (init = Buffer.from(p.buffer)));
    dashboard.socket.on('video-frame', (p) => received.push(Buffer.from(p.buffer)));
    const connectStream = waitForEvent(agent.socket, 'connect-stream');
    const watched = await dashboard.socket.emitWithAck('watch', { client_id: agent.client.id });
    assert.equal(watched.ok, true);
    await connectStream;
    assert.ok(init, 'stream-init at once');
    assert.deepEqual(init.subarray(0, 4), EBML_MAGIC);
    assert.deepEqual(received[0].subarray(0, 4), CLUSTER_ID, 'the first bytes after the header start a cluster');

    await sendFrames(agent.socket, 'late-1', webm, third);
    await waitUntil(() => received.length > 0 && webm.subarray(-16).equals(Buffer.concat(received).subarray(-16)), 10_000, 'the viewer has the end');
    const seen = Buffer.concat([init, ...received]);
    const decoded = await decodeFrames(seen);
    assert.equal(decoded.errors, '', 'decodes without errors');
    assert.ok(decoded.frames >= 50, `decodes the rest of the stream (${decoded.frames} frames)`);

    const disconnectStream = waitForEvent(agent.socket, 'disconnect-stream');
    await dashboard.socket.emitWithAck('unwatch', { client_id: agent.client.id });
    await disconnectStream;
    await agent.socket.emitWithAck('stop-streaming', {});
    agent.socket.disconnect();
    dashboard.socket.disconnect();
  });

  test('while recording, each segment stores how many bytes it holds', async () => {
    const sizes = { 'size-a': 30_000, 'size-b': 70_000 };
    const agents = await Promise.all(Object.keys(sizes).map((_, i) => connectAgent(t.url, `size@pc-${10 + i}`)));
    for (const [i, [segmentId, bytes]] of Object.entries(sizes).entries()) {
      await startSegment(agents[i].socket, segmentId);
      await sendFrames(agents[i].socket, segmentId, webm, 0, bytes);
    }
    const stored = async () => {
      const { body } = await api<{ data: Media[] }>(t.url, '/api/media?status=recording&per_page=1000', { token });
      return Object.fromEntries(body.data.filter((m) => m.original_name in sizes).map((m) => [m.original_name, m.size]));
    };
    const matches = async () => {
      const now = await stored();
      return Object.entries(sizes).every(([segmentId, bytes]) => now[segmentId] === bytes);
    };
    // A recording's size is stored when its file is synced: once every STREAM_FSYNC_MS (5 s), plus a sweep.
    await waitUntil(matches, 8000, 'the sweep to store both sizes');
    for (const agent of agents) agent.socket.disconnect();
  });

  test('wrong offsets, frames without a segment and oversized frames are refused cleanly', async () => {
    const agent = await connectAgent(t.url, 'bad@pc-3');
    const orphan = await agent.socket.emitWithAck('video-frame', { buffer: webm.subarray(0, 100) });
    assert.deepEqual({ ok: orphan.ok, error: !orphan.ok && orphan.error }, { ok: false, error: 'no_segment' });

    await startSegment(agent.socket, 'bad-1');
    await sendFrames(agent.socket, 'bad-1', webm, 0, 1000);
    const wrong = await agent.socket.emitWithAck('video-frame', { buffer: webm.subarray(1000, 2000), segment_id: 'bad-1', offset: 1500 });
    assert.equal(wrong.ok, false);
    assert.equal(!wrong.ok && wrong.error, 'wrong_offset');
    assert.equal(!wrong.ok && wrong.expected_offset, 1000);

    const huge = await agent.socket.emitWithAck('video-frame', { buffer: Buffer.alloc(300 * 1024), segment_id: 'bad-1', offset: 1000 });
    assert.equal(!huge.ok && huge.error, 'too_large');
    const after = await sendFrames(agent.socket, 'bad-1', webm, 1000, 3000);
    assert.equal(after, 3000, 'refused frames changed nothing');
    agent.socket.disconnect();
  });

  test('another client cannot take a segment; a finalized one cannot be resumed', async () => {
    const owner = await connectAgent(t.url, 'own@pc-4');
    await startSegment(owner.socket, 'owned-1');
    const thief = await connectAgent(t.url, 'thief@pc-5');
    const taken = await thief.socket.emitWithAck('start-streaming', { segment_id: 'owned-1' });
    assert.equal(!taken.ok && taken.error, 'segment_taken');
    await sendFrames(owner.socket, 'owned-1', webm, 0, webm.length);
    const done = waitForEvent<{ media: Media }>(owner.socket, 'video-processed', 20_000);
    await owner.socket.emitWithAck('stop-streaming', { segment_id: 'owned-1' });
    await done;
    const again = await owner.socket.emitWithAck('start-streaming', { segment_id: 'owned-1' });
    assert.equal(!again.ok && again.error, 'segment_finalized');
    owner.socket.disconnect();
    thief.socket.disconnect();
  });

  test('a segment stopped before its first frame (its header only) is no recording: no row, no file, dashboards told', async () => {
    const agent = await connectAgent(t.url, 'quit@pc-7');
    const dashboard = await connectDashboard(t.url, token);
    const updates: Media[] = [];
    dashboard.socket.on('media-updated', ({ media }) => updates.push(media));
    const deleted = waitForEvent<{ ids: number[] }>(dashboard.socket, 'media-deleted', 20_000);
    const told = waitForEvent<{ media: Media & { error: string | null } }>(agent.socket, 'video-error', 20_000);
    await startSegment(agent.socket, 'header-only-1');
    await sendFrames(agent.socket, 'header-only-1', webm, 0, webm.indexOf(CLUSTER_ID));
    const id = await mediaIdOf('header-only-1');
    const paths = mediaPaths(t.dataDir, { id, company_id: 1, client_id: agent.client.id });
    assert.equal((await agent.socket.emitWithAck('stop-streaming', { segment_id: 'header-only-1' })).ok, true);

    assert.deepEqual((await deleted).ids, [id]);
    const { media } = await told;
    assert.equal(media.id, id);
    assert.match(media.error ?? '', /no video frame/);
    const row = await t.server.ctx.db.selectFrom('media').select('id').where('id', '=', id).executeTakeFirst();
    assert.equal(row, undefined, 'no row');
    for (const file of [paths.raw, paths.final, paths.thumbnail, `${paths.final}.part`]) assert.equal(fs.existsSync(file), false, `${file} is gone`);
    assert.deepEqual(updates.filter((m) => m.id === id).map((m) => m.status), ['processing'], 'never shown as an error');
    assert.equal((await api(t.url, `/api/media/${id}`, { token })).status, 404);

    // The audit trail says the server deleted it, and why.
    const audit = async () => (await api<{ data: AuditEntry[] }>(t.url, '/api/audit?action=recordings-deleted', { token })).body.data;
    await waitUntil(async () => (await audit()).some((e) => (e.details?.ids as number[] | undefined)?.includes(id)), 10_000, 'the deletion audited');
    const entry = (await audit()).find((e) => (e.details?.ids as number[]).includes(id))!;
    assert.equal(entry.actor.kind, 'system');
    assert.equal(entry.details?.reason, 'empty');

    // The agent may name the segment again (an ack lost in a cut): it is a new one, not "finalized".
    const again = await startSegment(agent.socket, 'header-only-1');
    assert.equal(again.offset, 0);
    agent.socket.disconnect();
    dashboard.socket.disconnect();
  });

  test('another company can neither watch nor see the stream', async () => {
    const agent = await connectAgent(t.url, 'secret@pc-6');
    const { body } = await api(t.url, '/api/companies', { token, body: { name: 'Other Co' } });
    await api(t.url, '/api/users', { token, body: { email: 'other@example.com', password: 'other-password', company_id: body.data.id, role: 'admin' } });
    const otherToken = await login(t.url, 'other@example.com', 'other-password');
    const other = await connectDashboard(t.url, otherToken);
    const frames: unknown[] = [];
    other.socket.on('video-frame', (f) => frames.push(f));
    other.socket.on('stream-init', (f) => frames.push(f));
    const refused = await other.socket.emitWithAck('watch', { client_id: agent.client.id });
    assert.equal(!refused.ok && refused.error, 'not_found');
    // The company's own viewer, served by the same broadcasts.
    const owner = await connectDashboard(t.url, token);
    const ownerRuns = recordStreams(owner.socket);
    assert.equal((await owner.socket.emitWithAck('watch', { client_id: agent.client.id })).ok, true);
    await startSegment(agent.socket, 'secret-1');
    await sendFrames(agent.socket, 'secret-1', webm, 0, 20_000);
    await waitUntil(() => ownerRuns[0] && ownerRuns[0].init.length + Buffer.concat(ownerRuns[0].frames).length === 20_000, 10_000, "the company's viewer has every byte");
    // Whatever was sent to the other company went out with those bytes; a round trip on its own connection brings it in.
    assert.equal((await other.socket.emitWithAck('watch', { client_id: agent.client.id })).ok, false);
    assert.equal(frames.length, 0);
    owner.socket.disconnect();
    agent.socket.disconnect();
    other.socket.disconnect();
  });
});
