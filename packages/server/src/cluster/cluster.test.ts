import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Media } from '@vaahshare/protocol';
import { mediaPaths } from '../media/index.js';
import { createCluster, clusterUnavailable, nodesOf, reconnectingAgent, streamAcrossDrops, type Cluster } from '@vaahshare/testkit/cluster';
import { api, connectAgent, connectDashboard, disconnectAll, graceOver, heardAll, login, readMetrics, roundTrip, waitForEvent, waitUntil, type TestSocket } from '@vaahshare/testkit';
import { startNginx, type Nginx } from '@vaahshare/testkit/nginx';
import type { ServerProcess } from '@vaahshare/testkit/process';
import { recordStreams, sendFrames, startSegment, tcpOf } from '@vaahshare/testkit/streaming';
import { decodeFrames, makeWebm } from '@vaahshare/testkit/webm';

const GRACE_MS = 3000;
const CLUSTER_ID = Buffer.from([0x1f, 0x43, 0xb6, 0x75]);
const unavailable = clusterUnavailable();

/** What a dashboard socket receives of one client's live stream. */
function viewerOf(socket: TestSocket) {
  const seen: { init?: Buffer; frames: Buffer[] } = { frames: [] };
  socket.on('stream-init', (p) => (seen.init = Buffer.from(p.buffer)));
  socket.on('video-frame', (p) => seen.frames.push(Buffer.from(p.buffer)));
  return { seen, bytes: () => Buffer.concat([seen.init ?? Buffer.alloc(0), ...seen.frames]) };
}

async function rawFileOf(cluster: Cluster, segmentId: string) {
  const { rows } = await cluster.sql.query('select id, company_id, client_id from media where segment_id = $1', [segmentId]);
  return mediaPaths(cluster.dataDir, rows[0]).raw;
}

describe('two nodes on PostgreSQL and Redis', { skip: unavailable ?? false }, () => {
  let cluster: Cluster;
  let a: ServerProcess;
  let b: ServerProcess;
  let token: string;

  before(async () => {
    cluster = await createCluster({ RECONNECT_GRACE_MS: String(GRACE_MS), PRESENCE_SWEEP_MS: '200', NODE_DEAD_AFTER_MS: '3000' });
    [a, b] = await Promise.all([cluster.startNode('node-a'), cluster.startNode('node-b')]);
    token = await login(a.url);
  });
  after(async () => {
    disconnectAll();
    await cluster?.dispose();
  });

  test('dashboards on either node see every client; a stream arriving on B is watched from A, late viewers included', async () => {
    const webm = await makeWebm({ seconds: 6, fps: 10, gop: 10 });
    const onA = await connectDashboard(a.url, token);
    const onB = await connectDashboard(b.url, token);
    const agent = await connectAgent(b.url, 'viewed@pc');
    await waitUntil(() => onA.of('viewed@pc').length === 1 && onB.of('viewed@pc').length === 1, 5000, 'client-connected on both nodes');
    const told: string[] = [];
    agent.socket.on('connect-stream', () => told.push('connect-stream'));
    agent.socket.on('disconnect-stream', () => told.push('disconnect-stream'));

    const early = viewerOf(onA.socket);
    assert.equal((await onA.socket.emitWithAck('watch', { client_id: agent.client.id })).ok, true);
    await waitUntil(() => told.length === 1, 5000, 'connect-stream on the agent\'s node');
    await startSegment(agent.socket, 'viewed-1');
    const third = Math.floor(webm.length / 3);
    await sendFrames(agent.socket, 'viewed-1', webm, 0, third);

    const lateDashboard = await connectDashboard(a.url, token);
    const late = viewerOf(lateDashboard.socket);
    assert.equal((await lateDashboard.socket.emitWithAck('watch', { client_id: agent.client.id })).ok, true);
    await waitUntil(() => late.seen.init !== undefined && late.seen.frames.length > 0, 5000, 'the late viewer\'s stream-init and catch-up');
    await sendFrames(agent.socket, 'viewed-1', webm, third);
    await waitUntil(() => early.bytes().length === webm.length, 5000, 'every byte at the early viewer');
    assert.ok(early.bytes().equals(webm), 'the early viewer on A got the header and every byte, in order, once');
    assert.deepEqual(late.seen.frames[0].subarray(0, 4), CLUSTER_ID, 'the late viewer starts at a cluster');
    await waitUntil(async () => (await decodeFrames(late.bytes())).frames >= 40, 5000, 'the late viewer decodes the rest');
    assert.equal((await decodeFrames(late.bytes())).errors, '');

    assert.equal((await onB.socket.emitWithAck('watch', { client_id: agent.client.id })).ok, true);
    for (const viewer of [onA.socket, lateDashboard.socket]) await viewer.emitWithAck('unwatch', { client_id: agent.client.id });
    // A's reports travel in A's Redis stream, before a witness announced by A; then B's word to the agent has arrived.
    await heardAll(a.url, onB);
    await roundTrip(agent.socket);
    assert.deepEqual(told, ['connect-stream'], 'viewers remain on B: the agent keeps streaming');
    await onB.socket.emitWithAck('unwatch', { client_id: agent.client.id });
    await waitUntil(() => told.length === 2, 5000, 'disconnect-stream once the last viewer anywhere left');
    assert.deepEqual(told, ['connect-stream', 'disconnect-stream']);
    await agent.socket.emitWithAck('stop-streaming', {});
    disconnectAll();
  });

  test('an agent moved between nodes mid-stream goes on with the same file; no node disconnects it', async () => {
    const webm = await makeWebm({ seconds: 10, fps: 10, gop: 10 });
    const onA = await connectDashboard(a.url, token);
    const onB = await connectDashboard(b.url, token);
    const legs = [a, b, a];
    const cuts = [0, Math.floor(webm.length * 0.4), Math.floor(webm.length * 0.7), webm.length];
    let agent = await connectAgent(legs[0].url, 'mover@pc');
    for (let leg = 0; leg < legs.length; leg++) {
      if (leg > 0) {
        agent.socket.disconnect();
        await waitUntil(() => onA.of('mover@pc').at(-1) === 'client-reconnecting', 5000, 'reconnecting');
        agent = await connectAgent(legs[leg].url, 'mover@pc');
      }
      const { offset } = await startSegment(agent.socket, 'move-1');
      assert.equal(offset, cuts[leg], `leg ${leg + 1} resumes where the last node acknowledged`);
      await sendFrames(agent.socket, 'move-1', webm, offset, cuts[leg + 1]);
    }
    await waitUntil(async () => fs.statSync(await rawFileOf(cluster, 'move-1')).size === webm.length);
    assert.ok(fs.readFileSync(await rawFileOf(cluster, 'move-1')).equals(webm), 'one file, byte for byte what the agent sent');
    const processed = waitForEvent<{ media: Media }>(agent.socket, 'video-processed', 30_000);
    await agent.socket.emitWithAck('stop-streaming', { segment_id: 'move-1' });
    const { media } = await processed;
    assert.ok(Math.abs((media.duration_ms ?? 0) - 10_000) <= 200, `duration ${media.duration_ms} ms`);
    assert.equal((await decodeFrames(mediaPaths(cluster.dataDir, media).final)).frames, 100);

    // Each node's stale grace timers would have fired before a witness dropped on that node now is disconnected.
    await graceOver(a.url, [onA, onB], GRACE_MS);
    await graceOver(b.url, [onA, onB], GRACE_MS);
    const expected = ['client-connected', 'client-reconnecting', 'client-connected', 'client-reconnecting', 'client-connected'];
    assert.deepEqual(onA.of('mover@pc'), expected);
    assert.deepEqual(onB.of('mover@pc'), expected);
    disconnectAll();
  });
});

describe('a slow viewer on one node of a stream arriving on the other', { skip: unavailable ?? false }, () => {
  test('is paused on its node, served again from a keyframe by the other once drained; a fast viewer beside it misses nothing', { timeout: 120_000 }, async () => {
    // The slow viewer stops reading for a few seconds: the heartbeat must not take it for dead meanwhile.
    // It streams ~24 MB faster than an agent's sustained rate limit allows (AGENT_FRAME_BYTES_PER_SECOND).
    const cluster = await createCluster({ VIEWER_MAX_UNSENT_BYTES: String(256 * 1024), HEARTBEAT_INTERVAL_MS: '60000', AGENT_FRAME_BYTES_PER_SECOND: String(256 * 1024 * 1024) });
    try {
      const [a, b] = await Promise.all([cluster.startNode('node-a'), cluster.startNode('node-b')]);
      const token = await login(a.url);
      const webm = await makeWebm({ seconds: 24, fps: 10, gop: 10, size: '640x360', bitrate: '8M', noisy: true });
      const agent = await connectAgent(b.url, 'far@pc');
      const fast = await connectDashboard(a.url, token);
      const slow = await connectDashboard(a.url, token);
      const [fastRuns, slowRuns] = [recordStreams(fast.socket), recordStreams(slow.socket)];
      for (const viewer of [fast, slow]) assert.equal((await viewer.socket.emitWithAck('watch', { client_id: agent.client.id })).ok, true);
      await startSegment(agent.socket, 'far-1');
      let offset = await sendFrames(agent.socket, 'far-1', webm, 0, 1024 * 1024, 64 * 1024, 10);
      await waitUntil(() => slowRuns[0]?.frames.length > 0, 5000, 'the slow viewer receives while it reads');

      tcpOf(slow.socket).pause();
      offset = await sendFrames(agent.socket, 'far-1', webm, offset, Math.floor(webm.length * 0.75), 64 * 1024, 10);
      await waitUntil(async () => /^vaahshare_viewers_paused_total 1$/m.test(await readMetrics(a.url)), 5000, 'paused on its node');
      tcpOf(slow.socket).resume();
      await waitUntil(() => slowRuns.length === 2, 15_000, 'served again by the node receiving the stream (a new stream-init)');
      await sendFrames(agent.socket, 'far-1', webm, offset, webm.length, 64 * 1024, 10);

      const bytesOf = (run: { init: Buffer; frames: Buffer[] }) => Buffer.concat([run.init, ...run.frames]);
      await waitUntil(() => bytesOf(fastRuns[0]).length === webm.length, 15_000, 'the fast viewer has it all');
      assert.equal(fastRuns.length, 1);
      assert.ok(bytesOf(fastRuns[0]).equals(webm), 'the fast viewer got every byte once, in order');
      const resumed = slowRuns[1];
      await waitUntil(() => webm.subarray(-16).equals(Buffer.concat(resumed.frames).subarray(-16)), 15_000, 'the slow viewer has the end');
      const rest = Buffer.concat(resumed.frames);
      assert.deepEqual(rest.subarray(0, 4), CLUSTER_ID, 'served again from a cluster');
      assert.ok(webm.subarray(webm.length - rest.length).equals(rest), 'then every byte to the end, in order');
      assert.equal((await decodeFrames(bytesOf(resumed))).errors, '');
    } finally {
      disconnectAll();
      await cluster.dispose();
    }
  });
});

describe('a node killed with kill -9 behind nginx', { skip: unavailable ?? false }, () => {
  test('its clients, reconnecting or not, come back on the other node; open streams lose no acknowledged byte', { timeout: 120_000 }, async () => {
    const DEAD_AFTER_MS = 3000;
    const cluster = await createCluster({ RECONNECT_GRACE_MS: String(GRACE_MS), PRESENCE_SWEEP_MS: '200', NODE_DEAD_AFTER_MS: String(DEAD_AFTER_MS) });
    let nginx: Nginx | undefined;
    try {
      const nodes = await Promise.all([cluster.startNode('node-1'), cluster.startNode('node-2')]);
      const proxy = (nginx = await startNginx(nodes.map((n) => n.port)));
      const webm = await makeWebm({ seconds: 10, fps: 10, gop: 10 });
      const half = Math.floor(webm.length / 2);
      // Every test client comes from 127.0.0.1: nginx's ip_hash sends them all to one node, the victim.
      const { body: health } = await api(proxy.url, '/healthz');
      const victimIndex = health.node_id === 'node-1' ? 0 : 1;
      const [victim, survivor] = [nodes[victimIndex], nodes[1 - victimIndex]];
      const survivorId = `node-${2 - victimIndex}`;
      const token = await login(survivor.url);
      const watcher = await connectDashboard(survivor.url, token);

      const streamers = ['cam@pc-1', 'cam@pc-2'].map((u) => reconnectingAgent(proxy.url, u));
      const steady = ['desk@pc-3', 'desk@pc-4', 'desk@pc-5'].map((u) => reconnectingAgent(proxy.url, u));
      const dropping = ['wifi@pc-6', 'wifi@pc-7'].map((u) => reconnectingAgent(proxy.url, u));
      const returning = [...streamers, ...steady, ...dropping];
      await Promise.all(returning.map((agent) => agent.ready()));
      const lost = await connectAgent(proxy.url, 'lost@pc-8');
      const userHosts = [...returning.map((agent) => agent.client!.user_host), 'lost@pc-8'];
      assert.deepEqual(new Set(Object.values(await nodesOf(cluster.sql, userHosts))), new Set([health.node_id]));

      const acked = await Promise.all(streamers.map((agent, i) => streamAcrossDrops(agent, `crash-${i}`, webm, 0, half)));
      await startSegment(lost.socket, 'crash-lost');
      await sendFrames(lost.socket, 'crash-lost', webm, 0, half);
      // These two are between connections when the node dies: dropped, and coming back through nginx.
      for (const agent of dropping) agent.socket.io.engine.close();
      await victim.stop('SIGKILL');
      const killedAt = Date.now();
      const lastEvent = (userHost: string) => watcher.of(userHost).at(-1);
      const lostReconnectingAfter = waitUntil(() => lastEvent('lost@pc-8') === 'client-reconnecting', 10_000, 'the lost client reconnecting on the survivor\'s dashboard').then(
        () => Date.now() - killedAt,
        () => Infinity,
      );

      // A socket may not have noticed the kill yet (nginx closes it a moment later), and a dropped one may have
      // come back to the victim just before it died: wait for each to be stored on the survivor, then ready.
      const returnedHosts = returning.map((agent) => agent.client!.user_host);
      const onSurvivor = async () => Object.values(await nodesOf(cluster.sql, returnedHosts)).filter((node) => node === survivorId).length;
      await waitUntil(async () => (await onSurvivor()) === returning.length, 20_000, 'every returning client stored on the survivor');
      await Promise.all(returning.map((agent) => agent.ready()));
      const reconnectingMs = await lostReconnectingAfter;
      assert.ok(reconnectingMs <= 10_000, `reconnecting ${reconnectingMs} ms after the kill`);
      await waitUntil(() => returnedHosts.every((host) => lastEvent(host) === 'client-connected'), 5000, 'every returning client connected on the dashboard');

      await Promise.all(streamers.map((agent, i) => streamAcrossDrops(agent, `crash-${i}`, webm, acked[i])));
      for (let i = 0; i < streamers.length; i++) {
        assert.ok(fs.readFileSync(await rawFileOf(cluster, `crash-${i}`)).equals(webm), `crash-${i}: one file, byte for byte`);
        const processed = waitForEvent<{ media: Media }>(streamers[i].socket, 'video-processed', 30_000);
        await streamers[i].socket.emitWithAck('stop-streaming', { segment_id: `crash-${i}` });
        assert.equal((await decodeFrames(mediaPaths(cluster.dataDir, (await processed).media).final)).frames, 100);
      }

      await waitUntil(() => lastEvent('lost@pc-8') === 'client-disconnected', GRACE_MS + 5000, 'the lost client disconnected after its grace');
      const lostMedia = async () => (await cluster.sql.query(`select status, duration_ms from media where segment_id = 'crash-lost'`)).rows[0];
      await waitUntil(async () => (await lostMedia()).status === 'ready', 20_000, 'the orphaned segment finalized');
      assert.ok(Math.abs((await lostMedia()).duration_ms - 5000) <= 1000, `about half of 10 s (${(await lostMedia()).duration_ms} ms)`);
      // A second announcement would come from the survivor's timers or sweeps, before a witness's grace ends.
      await graceOver(survivor.url, watcher, GRACE_MS);
      assert.deepEqual(watcher.of('lost@pc-8'), ['client-connected', 'client-reconnecting', 'client-disconnected'], 'each transition announced once');
      const { rows: history } = await cluster.sql.query(
        `select state from presence_events join clients on clients.id = client_id where user_host = 'lost@pc-8' order by presence_events.id`,
      );
      assert.deepEqual(history.map((r) => r.state), ['connected', 'reconnecting', 'disconnected']);
      const { rows: live } = await cluster.sql.query('select id from cluster_nodes');
      assert.deepEqual(live.map((r) => r.id), [survivorId], 'the dead node is forgotten once handed over');
    } finally {
      disconnectAll();
      await nginx?.stop();
      await cluster.dispose();
    }
  });
});
