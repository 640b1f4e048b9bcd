import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { DiskStatus } from '@vaahshare/protocol';
import { connectDashboard, login, startServer, tempDir, waitForEvent, type TestServer } from '@vaahshare/testkit';
import { mountSmallDisk, noSmallDisk, type SmallDisk } from '@vaahshare/testkit/small-disk';
import { decodeFrames } from '@vaahshare/testkit/webm';
import { captureFps } from '../src/capture/capture-args.js';
import { agentArgs, runAgent } from './agent-process.js';
import { assertRecordedWhole, capturedMore, clientId, downloadVideo, finalizedMedia, spooledFiles } from './helpers.js';

/** A few seconds of the test picture as the agent encodes it (the default preset: 2 fps at crf 63, ~3.5 kB a second). */
const SECOND = 7_500;
/** The test picture changes every frame: nobody watching, the agent records it at the default preset's rate. */
const FPS = captureFps(10, { preset: 'balanced', watched: false });
const METRICS_TOKEN = 'metrics-token-of-the-disk-test';

/** A server whose DATA_DIR is `disk`, started before the suite's tests; the disk is unmounted after them. */
function serverOn(disk: SmallDisk | null, env: Record<string, string>) {
  const suite = {} as { t: TestServer; token: string };
  before(async () => {
    suite.t = await startServer({ DATA_DIR: disk?.dir ?? '', ...env });
    suite.token = await login(suite.t.url);
  });
  after(async () => {
    await suite.t?.close();
    disk?.unmount();
  });
  return suite;
}

const disk = mountSmallDisk(64);

describe('the server’s disk filling up while a real agent streams', { skip: disk ? false : noSmallDisk }, () => {
  const dataDir = disk?.dir ?? '';
  const suite = serverOn(disk, { MIN_FREE_DISK_MB: '16', METRICS_TOKEN: METRICS_TOKEN });

  test('below MIN_FREE_DISK_MB no video is acknowledged and the agent spools; with room again every byte arrives and decodes', async () => {
    const { t, token } = suite;
    const dash = await connectDashboard(t.url, token);
    const spool = tempDir('vaahshare-agent-');
    const agent = runAgent(agentArgs(t.url, 'full@pc', spool));
    try {
      await agent.waitFor(/capturing a test picture/);
      await agent.waitFor(/connected to/);
      await capturedMore(spool, 2 * SECOND);

      // Fill the disk to 10 MB free, below the 16 MB minimum.
      const low = waitForEvent<DiskStatus>(dash.socket, 'storage-status', 10_000);
      disk!.fillTo(10);
      assert.equal((await low).low, true, 'the dashboards are told');
      await agent.waitFor(/short of disk space: the recording stays here/, 10_000);
      const metrics = await (await fetch(`${t.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();
      assert.match(metrics, /^vaahshare_disk_low 1$/m);

      const raw = (await fs.promises.readdir(path.join(dataDir, 'media'), { recursive: true })).find((f) => String(f).endsWith('.raw.webm'))!;
      const heldAtRefusal = fs.statSync(path.join(dataDir, 'media', String(raw))).size;
      await capturedMore(spool, 4 * SECOND);
      assert.equal(fs.statSync(path.join(dataDir, 'media', String(raw))).size, heldAtRefusal, 'nothing taken past the limit');
      assert.equal(spooledFiles(spool).length, 1, 'the agent keeps the recording in its spool');

      const back = waitForEvent<DiskStatus>(dash.socket, 'storage-status', 10_000);
      disk!.room();
      assert.equal((await back).low, false, 'video is taken again by itself');
      // The agent's wait doubles up to 15 s while refused.
      await agent.waitFor(/has room again: sending the recording/, 30_000);
      await capturedMore(spool, SECOND);
      assert.equal(await agent.stop('SIGINT'), 0, agent.output());

      const [media, ...others] = await finalizedMedia(t.url, token, await clientId(t.url, token, 'full@pc'), 1);
      assert.equal(others.length, 0, 'one recording');
      assert.equal(media.status, 'ready', JSON.stringify(media));
      assertRecordedWhole(media.duration_ms!, agent.output(), FPS);
      const decoded = await decodeFrames(await downloadVideo(t.url, token, media));
      assert.equal(decoded.errors, '', 'the recording decodes without errors');
      assert.ok(decoded.frames >= Math.floor((media.duration_ms! / 1000) * FPS) - 2, `${decoded.frames} frames in ${media.duration_ms} ms at ${FPS} fps`);
      assert.deepEqual(spooledFiles(spool), [], 'the local copy is removed once the server has it all');
    } finally {
      disk!.room();
      await agent.stop('SIGKILL');
      dash.socket.disconnect();
    }
  });
});

const quotaLike = mountSmallDisk(32);

// Under a quota (or with blocks reserved for root) statfs shows room that writes do not get. A full tmpfs with a
// minimum of 0 free is the same to the server: statfs never reads low, only the writes fail (ENOSPC).
describe('writes refused for want of space while the file system reads room (a quota)', { skip: quotaLike ? false : noSmallDisk }, () => {
  const suite = serverOn(quotaLike, { MIN_FREE_DISK_MB: '0' });

  test('the disk stays low for a while after each refused write instead of flipping at every check', async () => {
    const { t, token } = suite;
    const dash = await connectDashboard(t.url, token);
    const spool = tempDir('vaahshare-agent-');
    const agent = runAgent(agentArgs(t.url, 'quota@pc', spool));
    const changes: Array<{ low: boolean; at: number }> = [];
    let seen: () => void = () => {};
    const twoRounds = new Promise<void>((resolve) => (seen = resolve));
    dash.socket.on('storage-status', (status: DiskStatus) => {
      changes.push({ low: status.low, at: Date.now() });
      if (changes.length === 4) seen();
    });
    try {
      await agent.waitFor(/connected to/);
      await capturedMore(spool, SECOND);
      quotaLike!.fillTo(0);
      // Low on a refused write, back after the hold, low on the agent's next try, back again: the agent tries again
      // 2 s, then 4 s after a refusal, so without a hold the disk read low and fine by turns within a second each.
      const late = setTimeout(() => seen(), 60_000);
      await twoRounds;
      clearTimeout(late);
      assert.deepEqual(changes.slice(0, 4).map((c) => c.low), [true, false, true, false]);
      const heldMs = [changes[1].at - changes[0].at, changes[3].at - changes[2].at];
      assert.ok(heldMs[0] >= 1900, `held low ${heldMs[0]} ms after the first refused write (at least 2 s)`);
      assert.ok(heldMs[1] >= 3900, `held low ${heldMs[1]} ms after the next one (twice as long)`);
    } finally {
      quotaLike!.room();
      await agent.stop('SIGKILL');
      dash.socket.disconnect();
    }
  });
});
