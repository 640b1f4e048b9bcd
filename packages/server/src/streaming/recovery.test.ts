import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, test } from 'node:test';
import type { Media } from '@vaahshare/protocol';
import { mediaPaths, toMedia } from '../media/index.js';
import {
  api,
  connectAgent,
  login,
  freshDatabaseEnv,
  startServer,
  tempDir,
  testEnv,
  waitForEvent,
  waitUntil,
  type TestServer,
} from '@vaahshare/testkit';
import { freePort, spawnServer } from '@vaahshare/testkit/process';
import { sendFrames, startSegment } from '@vaahshare/testkit/streaming';
import { decodeFrames, makeWebm } from '@vaahshare/testkit/webm';
import { WebmScanner } from '../media/index.js';

/**
 * A recording whose WebM structure is valid (a real header, a Cluster, SimpleBlocks) but whose blocks hold junk:
 * the server takes it as it arrives, and finalizing finds nothing to decode.
 */
async function webmOfJunkBlocks(): Promise<Buffer> {
  const webm = await makeWebm({ seconds: 1, fps: 10, gop: 10 });
  let headerEnd = 0;
  new WebmScanner({ onHeaderEnd: (offset) => (headerEnd = offset), onKeyCluster: () => undefined }).push(webm);
  const cluster = Buffer.from([0x1f, 0x43, 0xb6, 0x75, 0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xe7, 0x81, 0x00]);
  // SimpleBlock of 10 000 bytes (size 0x4000 | 10000 on two bytes): a track the header does not have, then junk.
  const block = Buffer.concat([Buffer.from([0xa3, 0x67, 0x10, 0x82, 0x00, 0x00, 0x80]), Buffer.alloc(10_000 - 4, 0x42)]);
  return Buffer.concat([webm.subarray(0, headerEnd), cluster, block, block, block, block, block]);
}

async function mediaOf(t: TestServer, segmentId: string) {
  const row = await t.server.ctx.db.selectFrom('media').selectAll().where('segment_id', '=', segmentId).executeTakeFirst();
  return row && toMedia(row);
}

interface ServerNode {
  url: string;
  dataDir: string;
  stop: (signal: 'SIGKILL' | 'SIGTERM') => Promise<void>;
  /** Starts the server again on the same port, data directory and database. */
  start: () => Promise<void>;
}

/** A real server process on a fresh data directory and database, which the test may stop and start again. */
async function withServerProcess(extraEnv: Record<string, string>, body: (node: ServerNode) => Promise<void>) {
  const dataDir = tempDir();
  const database = await freshDatabaseEnv();
  const env = testEnv(dataDir, { ...database.env, PORT: String(await freePort()), ...extraEnv });
  let server = await spawnServer(env);
  try {
    await body({
      url: server.url,
      dataDir,
      stop: (signal) => server.stop(signal),
      start: async () => {
        server = await spawnServer(env);
      },
    });
  } finally {
    await server.stop('SIGKILL');
    await database.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The agent sends the rest of the source from `offset`, stops, and the processed recording is decoded. */
async function finishAndDecode(node: ServerNode, agent: Awaited<ReturnType<typeof connectAgent>>, segmentId: string, webm: Buffer, offset: number) {
  await sendFrames(agent.socket, segmentId, webm, offset);
  const processed = waitForEvent<{ media: Media }>(agent.socket, 'video-processed', 30_000);
  await agent.socket.emitWithAck('stop-streaming', { segment_id: segmentId });
  const { media } = await processed;
  agent.socket.disconnect();
  return { media, decoded: await decodeFrames(mediaPaths(node.dataDir, media).final) };
}

describe('recordings survive failures', () => {
  test('kill -9 of the server mid-stream: the agent resumes and the recording plays with the right duration', async () => {
    const webm = await makeWebm({ seconds: 10, fps: 10, gop: 10 });
    await withServerProcess({}, async (node) => {
      const first = await connectAgent(node.url, 'crash@pc');
      await startSegment(first.socket, 'crash-1');
      const acked = await sendFrames(first.socket, 'crash-1', webm, 0, Math.floor(webm.length * 0.6));
      await node.stop('SIGKILL');
      first.socket.disconnect();

      await node.start();
      const second = await connectAgent(node.url, 'crash@pc');
      const resumed = await startSegment(second.socket, 'crash-1');
      assert.equal(resumed.offset, acked, 'every acknowledged byte survived the crash');
      const { media, decoded } = await finishAndDecode(node, second, 'crash-1', webm, resumed.offset);
      assert.ok(Math.abs((media.duration_ms ?? 0) - 10_000) <= 200, `duration ${media.duration_ms} ms`);
      assert.equal(decoded.errors, '');
      assert.equal(decoded.frames, 100);
    });
  });

  test('a shutdown while frames are still being written keeps every acknowledged byte, and the agent resumes', async () => {
    const webm = await makeWebm({ seconds: 10, fps: 10, gop: 10 });
    // Writes in the thread pool, as after a slow write or on a network file system: on the event loop a frame is
    // written within the turn it arrives in, so none would be in the middle of its write at the shutdown.
    await withServerProcess({ STREAM_WRITES: 'pool' }, async (node) => {
      const first = await connectAgent(node.url, 'shutdown@pc');
      await startSegment(first.socket, 'shutdown-1');
      // Small frames emitted back to back, without waiting for acks, and SIGTERM sent from the first ack itself: many
      // frames are queued or being written when it comes (a poll after the first ack let a busy CI runner finish them).
      let acked = 0;
      let stopped: Promise<void> | undefined;
      const chunk = 1024;
      for (let offset = 0; offset < webm.length * 0.8; offset += chunk) {
        const buffer = webm.subarray(offset, offset + chunk);
        first.socket.emit('video-frame', { buffer, segment_id: 'shutdown-1', offset }, (reply: { ok: boolean; offset?: number }) => {
          if (reply.ok) acked = Math.max(acked, reply.offset!);
          stopped ??= node.stop('SIGTERM');
        });
      }
      const sentEnd = Math.min(webm.length, Math.ceil((webm.length * 0.8) / chunk) * chunk);
      await waitUntil(() => stopped !== undefined, 5000, 'a first ack');
      await stopped;
      first.socket.disconnect();
      assert.ok(acked < sentEnd, `frames were still in flight at the shutdown (${acked} of ${sentEnd} bytes acknowledged)`);

      await node.start();
      const second = await connectAgent(node.url, 'shutdown@pc');
      const resumed = await startSegment(second.socket, 'shutdown-1');
      assert.ok(resumed.offset >= acked, `the server holds ${resumed.offset} bytes, ${acked} were acknowledged`);
      const { decoded } = await finishAndDecode(node, second, 'shutdown-1', webm, resumed.offset);
      assert.equal(decoded.errors, '', 'what was kept before the shutdown is the source, byte for byte');
      assert.equal(decoded.frames, 100);
    });
  });

  test('kill -9 mid-stream and the agent never returns: the segment is finalized after its fresh grace', async () => {
    const webm = await makeWebm({ seconds: 8, fps: 10, gop: 10 });
    // The grace must outlast the restart and one API call on a loaded machine; the login (argon2) is done before.
    await withServerProcess({ RECONNECT_GRACE_MS: '3000', PRESENCE_SWEEP_MS: '100' }, async (node) => {
      const token = await login(node.url);
      const agent = await connectAgent(node.url, 'lost@pc');
      await startSegment(agent.socket, 'lost-1');
      await sendFrames(agent.socket, 'lost-1', webm, 0, Math.floor(webm.length / 2));
      await node.stop('SIGKILL');
      agent.socket.disconnect();
      await node.start();
      const status = async () => {
        const { body } = await api(node.url, `/api/clients?per_page=10`, { token });
        const client = body.data.find((c: { user_host: string }) => c.user_host === 'lost@pc');
        return client.is_connected;
      };
      assert.equal(await status(), true, 'reconnecting right after the restart');
      await waitUntil(async () => !(await status()), 10_000, 'grace expiry');
      const finalDir = mediaPaths(node.dataDir, { id: 1, company_id: 1, client_id: agent.client.id }).dir;
      await waitUntil(() => fs.existsSync(`${finalDir}/1.webm`) && !fs.existsSync(`${finalDir}/1.raw.webm`), 15_000, 'finalized');
      const decoded = await decodeFrames(`${finalDir}/1.webm`);
      assert.ok(decoded.frames >= 30 && decoded.errors === '', `${decoded.frames} frames`);
    });
  });

  test('processing interrupted by a crash is done again at start-up', async () => {
    const webm = await makeWebm({ seconds: 4, fps: 10, gop: 10 });
    const dataDir = tempDir();
    const first = await startServer({ DATA_DIR: dataDir, NODE_ID: 'crashy' });
    const agent = await connectAgent(first.url, 'midway@pc');
    await startSegment(agent.socket, 'midway-1');
    await sendFrames(agent.socket, 'midway-1', webm, 0);
    agent.socket.disconnect();
    // The state a crash during ffmpeg leaves behind: claimed for processing, raw file on disk.
    await first.server.ctx.db.updateTable('media').set({ status: 'processing', node_id: 'crashy' }).where('segment_id', '=', 'midway-1').execute();
    await first.server.streams.closeAll();
    await first.close();
    const second = await startServer({ DATA_DIR: dataDir, NODE_ID: 'crashy', ...first.env });
    try {
      await waitUntil(async () => (await mediaOf(second, 'midway-1'))?.status === 'ready', 15_000, 'processed again');
      assert.ok(Math.abs(((await mediaOf(second, 'midway-1'))!.duration_ms ?? 0) - 4000) <= 200);
    } finally {
      await second.close();
      await first.dispose();
    }
  });

  test('a client that drops and never comes back: its segment is finalized with what the server holds', async () => {
    const webm = await makeWebm({ seconds: 8, fps: 10, gop: 10 });
    const t = await startServer({ RECONNECT_GRACE_MS: '500', PRESENCE_SWEEP_MS: '100' });
    try {
      const agent = await connectAgent(t.url, 'gone@pc');
      await startSegment(agent.socket, 'gone-1');
      await sendFrames(agent.socket, 'gone-1', webm, 0, Math.floor(webm.length / 2));
      agent.socket.io.engine.close();
      await waitUntil(async () => (await mediaOf(t, 'gone-1'))?.status === 'ready', 15_000, 'finalized after grace');
      const media = (await mediaOf(t, 'gone-1'))!;
      assert.ok((media.duration_ms ?? 0) >= 2500 && (media.duration_ms ?? 0) <= 5000, `about half of 8 s (${media.duration_ms} ms)`);
      assert.ok(media.thumbnail_url);
    } finally {
      await t.dispose();
    }
  });

  test('an empty segment is deleted (its agent told why); a corrupt one ends as error with a reason; the server goes on', async () => {
    const t = await startServer();
    try {
      const agent = await connectAgent(t.url, 'broken@pc');
      await startSegment(agent.socket, 'empty-1');
      const emptyError = waitForEvent<{ media: Media & { error: string } }>(agent.socket, 'video-error', 10_000);
      await agent.socket.emitWithAck('stop-streaming', { segment_id: 'empty-1' });
      assert.match((await emptyError).media.error, /empty/);
      assert.equal(await mediaOf(t, 'empty-1'), undefined, 'no bytes: no recording');

      await startSegment(agent.socket, 'corrupt-1');
      await sendFrames(agent.socket, 'corrupt-1', await webmOfJunkBlocks(), 0);
      const corruptError = waitForEvent<{ media: Media & { error: string } }>(agent.socket, 'video-error', 10_000);
      await agent.socket.emitWithAck('stop-streaming', { segment_id: 'corrupt-1' });
      assert.match((await corruptError).media.error, /could not be read|no decodable/);
      assert.equal((await mediaOf(t, 'corrupt-1'))?.status, 'error');

      await startSegment(agent.socket, 'garbage-1');
      const refused = await agent.socket.emitWithAck('video-frame', { buffer: Buffer.from('not a video'), segment_id: 'garbage-1', offset: 0 });
      assert.equal(!refused.ok && refused.error, 'not_webm');
      // The magic may come in pieces; a piece that breaks it is refused all the same.
      const piece = (bytes: number[], offset: number) => agent.socket.emitWithAck('video-frame', { buffer: Buffer.from(bytes), segment_id: 'garbage-1', offset });
      assert.deepEqual(await piece([0x1a, 0x45], 0), { ok: true, offset: 2 });
      const broken = await piece([0xdf, 0x00, 0x01], 2);
      assert.equal(!broken.ok && broken.error, 'not_webm');
      assert.deepEqual(await piece([0xdf, 0xa3, 0x01], 2), { ok: true, offset: 5 });
      assert.equal((await fetch(`${t.url}/healthz`)).status, 200);
      agent.socket.disconnect();
    } finally {
      await t.dispose();
    }
  });
});
