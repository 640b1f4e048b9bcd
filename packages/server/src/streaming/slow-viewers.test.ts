import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { connectAgent, connectDashboard, login, readMetrics, startServer, waitUntil, type TestServer } from '@vaahshare/testkit';
import { recordStreams, sendFrames, startSegment, tcpOf } from '@vaahshare/testkit/streaming';
import { decodeFrames, makeWebm } from '@vaahshare/testkit/webm';
import { unsentBytes } from './slow-viewers.js';

const LIMIT = 256 * 1024;
const CLUSTER_ID = Buffer.from([0x1f, 0x43, 0xb6, 0x75]);

describe('a live viewer slower than the stream', () => {
  let t: TestServer;
  let token: string;

  before(async () => {
    // The slow viewer stops reading for a few seconds: the heartbeat must not take it for dead meanwhile.
    // It streams ~24 MB faster than an agent's sustained rate limit allows (AGENT_FRAME_BYTES_PER_SECOND).
    t = await startServer({ VIEWER_MAX_UNSENT_BYTES: String(LIMIT), HEARTBEAT_INTERVAL_MS: '60000', AGENT_FRAME_BYTES_PER_SECOND: String(256 * 1024 * 1024) });
    token = await login(t.url);
  });
  after(() => t.dispose());

  test('is paused instead of queued without end, and served again from a keyframe once it caught up; a fast viewer misses nothing', async () => {
    // Big frames, a cluster a second: ~24 MB, several times what the kernels' socket buffers hold.
    const webm = await makeWebm({ seconds: 24, fps: 10, gop: 10, size: '640x360', bitrate: '8M', noisy: true });
    const agent = await connectAgent(t.url, 'busy@pc');
    const fast = await connectDashboard(t.url, token);
    const slow = await connectDashboard(t.url, token);
    const fastRuns = recordStreams(fast.socket);
    const slowRuns = recordStreams(slow.socket);
    for (const viewer of [fast, slow]) assert.equal((await viewer.socket.emitWithAck('watch', { client_id: agent.client.id })).ok, true);
    const slowOnServer = t.server.io.of('/').sockets.get(slow.socket.id!)!;

    await startSegment(agent.socket, 'busy-1');
    let offset = 0;
    // At a recorder's pace, not a flood: the check runs every 500 ms.
    const sendUntil = async (end: number) => (offset = await sendFrames(agent.socket, 'busy-1', webm, offset, end, 64 * 1024, 10));
    await sendUntil(1024 * 1024);
    await waitUntil(() => slowRuns[0]?.frames.length > 0, 5000, 'the slow viewer receives while it reads');

    tcpOf(slow.socket).pause();
    let mostUnsent = 0;
    const sampler = setInterval(() => (mostUnsent = Math.max(mostUnsent, unsentBytes(slowOnServer))), 20);
    const threeQuarters = Math.floor(webm.length * 0.75);
    await sendUntil(threeQuarters);
    clearInterval(sampler);
    assert.ok(t.server.broadcast.pausedFor(slowOnServer).includes(agent.client.id), 'paused');
    // Unpaused, it would hold everything the kernel buffers did not take (over 10 MB here).
    assert.ok(mostUnsent < 4 * 1024 * 1024, `at most ${mostUnsent} bytes queued for the slow viewer`);
    assert.match(await readMetrics(t.url), /^vaahshare_viewers_paused_total 1$/m);

    tcpOf(slow.socket).resume();
    await waitUntil(() => slowRuns.length === 2, 10_000, 'the caught-up viewer served again (a new stream-init)');
    await waitUntil(() => !t.server.broadcast.pausedFor(slowOnServer).includes(agent.client.id), 5000, 'no longer paused');
    await sendUntil(webm.length);

    await waitUntil(() => Buffer.concat(fastRuns[0].frames).length + fastRuns[0].init.length === webm.length, 10_000, 'the fast viewer has it all');
    assert.equal(fastRuns.length, 1);
    assert.ok(Buffer.concat([fastRuns[0].init, ...fastRuns[0].frames]).equals(webm), 'the fast viewer got every byte once, in order');

    // On a loaded machine the viewer may fall behind again after its first catch-up: each time it is served again
    // from a cluster, so the run that reaches the end is the one checked.
    const lastRun = () => slowRuns[slowRuns.length - 1];
    await waitUntil(() => webm.subarray(webm.length - 16).equals(Buffer.concat(lastRun().frames).subarray(-16)), 10_000, 'the slow viewer has the end');
    const resumed = lastRun();
    assert.ok(webm.subarray(0, resumed.init.length).equals(resumed.init), 'the header again');
    const rest = Buffer.concat(resumed.frames);
    assert.deepEqual(rest.subarray(0, 4), CLUSTER_ID, 'served again from a cluster');
    assert.ok(webm.subarray(webm.length - rest.length).equals(rest), 'then every byte to the end, in order');
    const decoded = await decodeFrames(Buffer.concat([resumed.init, rest]));
    assert.equal(decoded.errors, '');
    const quarter = slowRuns.length === 2 ? 60 : 1;
    assert.ok(decoded.frames >= quarter, `the last quarter and more decodes (${decoded.frames} frames, ${slowRuns.length - 1} catch-ups)`);
    for (const socket of [agent.socket, fast.socket, slow.socket]) socket.disconnect();
  });
});
