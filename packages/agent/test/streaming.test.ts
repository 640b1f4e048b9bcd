import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { api, connectDashboard, tempDir, waitUntil, type TestServer } from '@vaahshare/testkit';
import { decodeFrames } from '@vaahshare/testkit/webm';
import { captureFps } from '../src/capture/capture-args.js';
import { agentArgs, runAgent } from './agent-process.js';
import { startCutProxy } from './cut-proxy.js';
import { assertRecordedWhole, capturedMore, capturedMs, clientId, downloadVideo, finalizedMedia, serverWithAdmin, spooledFiles, writerGone } from './helpers.js';

/** About a second of the test picture as the agent encodes it (the default preset: 2 fps at crf 63, ~3.5 kB a second). */
const SECOND = 3_500;
/** The test picture changes every frame: nobody watching, the agent records it at the default preset's rate. */
const FPS = captureFps(10, { preset: 'balanced', watched: false });

describe('agent streaming (real agent process, real server, real ffmpeg)', () => {
  let t: TestServer;
  let token: string;
  before(async () => ({ t, token } = await serverWithAdmin()));
  after(() => t.dispose());

  test('a network cut mid-stream: capture goes on locally, the gap is sent after the reconnect, one continuous recording', async () => {
    const proxy = await startCutProxy(t.port);
    const dash = await connectDashboard(t.url, token);
    const dataDir = tempDir('vaahshare-agent-');
    // A larger picture, so that the backlog below passes the catch-up threshold sooner: the default preset records only
    // a few kB a second of it (2 fps at crf 63).
    const agent = runAgent(agentArgs(proxy.url, 'cut@pc', dataDir, ['--size', '1920x1080']));
    try {
      await agent.waitFor(/capturing a test picture/);
      await agent.waitFor(/connected to/);
      await capturedMore(dataDir, 2 * SECOND);
      proxy.cut();
      await waitUntil(() => dash.of('cut@pc').includes('client-reconnecting'), 10_000, 'the drop seen by the dashboard');
      // A gap well past the agent's catch-up threshold (128 KiB, progress.ts), so that it says it is catching up.
      await capturedMore(dataDir, 140_000, 120_000);
      proxy.restore();
      await agent.waitFor(/reconnected/, 20_000);
      await agent.waitFor(/sending [\d.]+ MB captured while the connection was down/);
      await agent.waitFor(/caught up: live again/);
      await capturedMore(dataDir, SECOND);
      assert.equal(await agent.stop('SIGINT'), 0, agent.output());

      const id = await clientId(t.url, token, 'cut@pc');
      const [media, ...others] = await finalizedMedia(t.url, token, id, 1);
      assert.equal(others.length, 0, 'one recording, not one per connection');
      assert.equal(media.status, 'ready', JSON.stringify(media));
      assertRecordedWhole(media.duration_ms!, agent.output(), FPS);
      const decoded = await decodeFrames(await downloadVideo(t.url, token, media));
      assert.equal(decoded.errors, '', 'the recording decodes without errors');
      assert.ok(decoded.frames >= Math.floor((media.duration_ms! / 1000) * FPS) - 2, `${decoded.frames} frames in ${media.duration_ms} ms at ${FPS} fps`);
      assert.deepEqual(spooledFiles(dataDir), [], 'the local copy is removed once the server has it all');
      assert.deepEqual(dash.of('cut@pc'), ['client-connected', 'client-reconnecting', 'client-connected', 'client-disconnected']);
    } finally {
      await agent.stop('SIGKILL');
      dash.socket.disconnect();
      await proxy.close();
    }
  });

  test('Ctrl-C: the segment is finished and sent, then app-closed: client-disconnected at once, no reconnecting phase', async () => {
    const dash = await connectDashboard(t.url, token);
    const dataDir = tempDir('vaahshare-agent-');
    const agent = runAgent(agentArgs(t.url, 'quits@pc', dataDir));
    try {
      await agent.waitFor(/connected to/);
      await capturedMore(dataDir, SECOND);
      const quitAt = Date.now();
      agent.child.kill('SIGINT');
      await waitUntil(() => dash.of('quits@pc').includes('client-disconnected'), 5000, 'client-disconnected');
      assert.ok(Date.now() - quitAt < 3000, `disconnected ${Date.now() - quitAt} ms after Ctrl-C`);
      assert.equal(await agent.exited, 0);
      assert.deepEqual(dash.of('quits@pc'), ['client-connected', 'client-disconnected']);
      const [media] = await finalizedMedia(t.url, token, await clientId(t.url, token, 'quits@pc'), 1);
      assert.equal(media.status, 'ready');
      assert.deepEqual(spooledFiles(dataDir), []);
    } finally {
      await agent.stop('SIGKILL');
      dash.socket.disconnect();
    }
  });

  test('kill -9 looks like a drop (client-reconnecting); the next start sends the rest of the crashed segment', async () => {
    const dash = await connectDashboard(t.url, token);
    const dataDir = tempDir('vaahshare-agent-');
    const crashed = runAgent(agentArgs(t.url, 'crash@pc', dataDir));
    let restarted: ReturnType<typeof runAgent> | undefined;
    try {
      await crashed.waitFor(/connected to/);
      await capturedMore(dataDir, 2 * SECOND);
      await crashed.stop('SIGKILL');
      await waitUntil(() => dash.of('crash@pc').includes('client-reconnecting'), 5000, 'client-reconnecting');
      assert.deepEqual(dash.of('crash@pc'), ['client-connected', 'client-reconnecting']);

      // ffmpeg outlives the agent just long enough to finish its file (parent-death signal).
      const [leftover] = spooledFiles(dataDir);
      await writerGone(leftover);
      const local = await decodeFrames(fs.readFileSync(leftover));

      restarted = runAgent(agentArgs(t.url, 'crash@pc', dataDir));
      await restarted.waitFor(/connected to/);
      await waitUntil(() => !fs.existsSync(leftover), 10_000, 'the leftover sent and removed');
      assert.equal(await restarted.stop('SIGINT'), 0);

      const items = await finalizedMedia(t.url, token, await clientId(t.url, token, 'crash@pc'), 2);
      const old = items.find((m) => leftover.endsWith(`${m.original_name}.webm`))!;
      assert.equal(old.status, 'ready');
      const onServer = await decodeFrames(await downloadVideo(t.url, token, old));
      assert.equal(onServer.frames, local.frames, 'every frame captured before the crash reached the server');
      assert.deepEqual(dash.of('crash@pc'), ['client-connected', 'client-reconnecting', 'client-connected', 'client-disconnected']);
    } finally {
      await crashed.stop('SIGKILL');
      await restarted?.stop('SIGKILL');
      dash.socket.disconnect();
    }
  });

  test('--segment-minutes: a new recording starts on time, back to back, each finalized while the agent goes on', async () => {
    const dataDir = tempDir('vaahshare-agent-');
    const agent = runAgent(agentArgs(t.url, 'rotates@pc', dataDir, ['--segment-minutes', '0.05']));
    try {
      const captureStart = await agent.waitFor(/capturing a test picture/);
      await agent.waitFor(/connected to/);
      const id = await clientId(t.url, token, 'rotates@pc');
      const ready = async () => (await api(t.url, `/api/media?client_id=${id}&status=ready`, { token })).body.data.length;
      await waitUntil(async () => (await ready()) >= 1, 10_000, 'the first 3-second recording ready while the agent still streams');
      // A second into the next recording, so that the stop does not fall on a rotation (a recording of no frame).
      await capturedMs(dataDir, 1000);
      const stopAt = Date.now();
      assert.equal(await agent.stop('SIGINT'), 0);
      const items = (await finalizedMedia(t.url, token, id, 2)).sort((a, b) => a.started_at.localeCompare(b.started_at));
      assert.ok(items.every((m) => m.status === 'ready' && m.source === 'live'), JSON.stringify(items));
      // Under load ffmpeg starts and stops later: the bounds leave room for that, not for a lost second.
      assert.ok(Math.abs(items[0].duration_ms! - 3000) <= 1000, `first segment ${items[0].duration_ms} ms for 3 s`);
      const total = items.reduce((sum, m) => sum + m.duration_ms!, 0);
      assert.ok(Math.abs(total - (stopAt - captureStart)) <= 1500, `segments add up to ${total} ms of ${stopAt - captureStart} ms captured`);
      assert.deepEqual(spooledFiles(dataDir), []);
    } finally {
      await agent.stop('SIGKILL');
    }
  });
});
