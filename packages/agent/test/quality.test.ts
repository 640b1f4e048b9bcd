import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Media, QualityPreset } from '@vaahshare/protocol';
import { api, connectDashboard, tempDir, waitUntil, type TestServer } from '@vaahshare/testkit';
import { decodeFrames } from '@vaahshare/testkit/webm';
import { WebmFrameTimes } from '@vaahshare/testkit/webm-frames';
import { agentArgs, runAgent, type AgentProcess } from './agent-process.js';
import { startCutProxy } from './cut-proxy.js';
import { capturedMs, clientId, downloadVideo, filesHeldUnder, finalizedMedia, serverWithAdmin, spooledFiles } from './helpers.js';

/** Each recording compared holds at least this much video. */
const RECORDED_MS = 3000;

/** In the order the agent captured them: its segment ids start with the capture's start (ms since the epoch). */
const oldestFirst = (media: Media[]) => [...media].sort((a, b) => a.original_name.localeCompare(b.original_name));

async function framesOf(url: string, token: string, media: Media) {
  const times = new WebmFrameTimes();
  times.push(await downloadVideo(url, token, media), 0);
  return times.frames;
}

describe('quality presets and keyframes for live view (real agent, real server, real ffmpeg)', () => {
  let t: TestServer;
  let token: string;
  let companyId: number;
  const setPreset = (quality_preset: QualityPreset) => api(t.url, `/api/companies/${companyId}/settings`, { token, method: 'PATCH', body: { quality_preset } });
  before(async () => {
    ({ t, token } = await serverWithAdmin());
    companyId = (await api(t.url, '/api/companies', { token })).body.data[0].id;
  });
  after(() => t.dispose());

  test('the company\'s preset reaches the agent without a flag, also when it changes while connected, and after a restart', async () => {
    assert.equal((await setPreset('archive')).status, 200);
    const dataDir = tempDir('vaahshare-agent-');
    // No --bitrate: the preset decides everything.
    const args = agentArgs(t.url, 'preset@pc', dataDir, ['--segment-minutes', '0']).filter((a, i, all) => a !== '--bitrate' && all[i - 1] !== '--bitrate');
    let agent: AgentProcess = runAgent(args);
    try {
      await agent.waitFor(/the company's quality preset is now "archive": a new recording starts/);
      await agent.waitFor(/capturing a test picture into .* \(quality "archive"\)/);
      await capturedMs(dataDir, RECORDED_MS);
      const changed = await setPreset('sharp');
      assert.equal(changed.body.data.quality_preset, 'sharp');
      await agent.waitFor(/capturing a test picture into .* \(quality "sharp"\)/);
      await capturedMs(dataDir, RECORDED_MS);
      assert.equal(await agent.stop('SIGINT'), 0, agent.output());

      const media = oldestFirst(await finalizedMedia(t.url, token, await clientId(t.url, token, 'preset@pc'), 3));
      assert.equal(media.length, 3, 'the default until the server spoke, then archive, then sharp');
      for (const item of media) {
        assert.equal(item.status, 'ready', JSON.stringify(item));
        assert.equal((await decodeFrames(await downloadVideo(t.url, token, item))).errors, '');
      }
      const rate = (m: Media) => m.size / m.duration_ms!;
      assert.ok(rate(media[2]) > 1.5 * rate(media[1]), `sharp ${rate(media[2])} bytes/ms vs archive ${rate(media[1])}`);

      // A restart begins with the preset the server sent last: no short recording in the default first.
      agent = runAgent(args);
      await agent.waitFor(/capturing a test picture into .* \(quality "sharp"\)/);
      await agent.waitFor(/connected to/);
      assert.doesNotMatch(agent.output(), /quality preset is now/);
    } finally {
      await agent.stop('SIGKILL');
      await setPreset('balanced');
    }
  });

  test('long keyframe spacing while nobody watches; a viewer makes the agent start a live-view recording with a keyframe every 2 s, until it leaves', async () => {
    const dataDir = tempDir('vaahshare-agent-');
    const agent = runAgent(agentArgs(t.url, 'keys@pc', dataDir, ['--segment-minutes', '0']));
    const dash = await connectDashboard(t.url, token);
    const live = new Map<string, WebmFrameTimes>();
    dash.socket.on('stream-init', ({ segment_id, buffer }) => live.set(segment_id, new WebmFrameTimes()).get(segment_id)!.push(buffer, Date.now()));
    dash.socket.on('video-frame', ({ segment_id, buffer }) => live.get(segment_id)?.push(buffer, Date.now()));
    try {
      await agent.waitFor(/connected to/);
      await capturedMs(dataDir, RECORDED_MS);
      const id = await clientId(t.url, token, 'keys@pc');
      assert.equal((await dash.socket.emitWithAck('watch', { client_id: id })).ok, true);
      await agent.waitFor(/someone watches live: a new recording starts/);
      // The live-view recording: the second segment this viewer is sent.
      const liveView = () => [...live.values()][1];
      await waitUntil(() => (liveView()?.frames.at(-1)?.ptsMs ?? 0) >= 5000, 20_000, '5 s of the live-view recording at the viewer');
      assert.equal(liveView().frames[0].key, true, 'the live-view recording starts with a keyframe');
      const keys = liveView().frames.filter((f) => f.key).map((f) => f.ptsMs);
      assert.ok(keys.length >= 3, `keyframes at ${keys.join(', ')} ms`);
      for (const [i, at] of keys.slice(1).entries()) assert.ok(at - keys[i] <= 2100, `keyframes ${keys[i]} → ${at} ms apart`);

      dash.socket.disconnect();
      await agent.waitFor(/nobody watches live any more: a new recording starts/, 30_000);
      await capturedMs(dataDir, RECORDED_MS);
      assert.equal(await agent.stop('SIGINT'), 0, agent.output());

      const [before, watched, afterwards] = oldestFirst(await finalizedMedia(t.url, token, id, 3));
      for (const unwatched of [before, afterwards]) {
        const frames = await framesOf(t.url, token, unwatched);
        assert.ok(frames.at(-1)!.ptsMs > 2500, `${frames.at(-1)!.ptsMs} ms recorded`);
        assert.deepEqual(frames.filter((f) => f.key).map((f) => f.ptsMs), [frames[0].ptsMs], 'only the first frame is a keyframe');
      }
      assert.ok((await framesOf(t.url, token, watched)).filter((f) => f.key).length >= 3);
    } finally {
      await agent.stop('SIGKILL');
      dash.socket.disconnect();
    }
  });

  test('a cut while watched: the live view ends during the cut, and the catch-up after it is of both recordings', async () => {
    const proxy = await startCutProxy(t.port);
    const dataDir = tempDir('vaahshare-agent-');
    const agent = runAgent(agentArgs(proxy.url, 'cut-watched@pc', dataDir, ['--segment-minutes', '0']));
    const dash = await connectDashboard(t.url, token);
    try {
      await agent.waitFor(/connected to/);
      assert.equal((await dash.socket.emitWithAck('watch', { client_id: await clientId(t.url, token, 'cut-watched@pc') })).ok, true);
      await agent.waitFor(/someone watches live: a new recording starts/);
      await capturedMs(dataDir, 1000);
      proxy.cut();
      await agent.waitFor(/connection lost/);
      dash.socket.disconnect();
      // No viewer can reach the agent now: once the live view's linger ends it records for the archive again.
      await agent.waitFor(/nobody watches live any more: a new recording starts/, 30_000);
      proxy.restore();
      await agent.waitFor(/reconnected/, 20_000);
      // The live-view recording holds most of what waits (10 s at its frame rate); the new one has a few seconds at
      // the archive's, under the catch-up threshold: counting the newest recording only, the agent would claim to be live.
      await agent.waitFor(/sending [\d.]+ MB captured while the connection was down/);
      await agent.waitFor(/caught up: live again/);
      await waitUntil(() => spooledFiles(dataDir).length === 1, 10_000, 'the recordings the server has, gone from the spool');
      const [capturing] = spooledFiles(dataDir);
      // Rotated-out recordings the server holds: their files are closed, not kept open (deleted) until a garbage collection.
      assert.deepEqual(filesHeldUnder(agent.child.pid!, fs.realpathSync(dataDir)).filter((f) => f !== fs.realpathSync(capturing)), []);
      assert.equal(await agent.stop('SIGINT'), 0, agent.output());
      const media = await finalizedMedia(t.url, token, await clientId(t.url, token, 'cut-watched@pc'), 3);
      assert.deepEqual(media.map((m) => m.status), ['ready', 'ready', 'ready'], 'before, while watched, after: each recording whole');
    } finally {
      await agent.stop('SIGKILL');
      dash.socket.disconnect();
      await proxy.close();
    }
  });
});
