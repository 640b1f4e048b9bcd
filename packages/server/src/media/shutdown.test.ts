import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { afterEach, test } from 'node:test';
import { startServer, tempDir, waitUntil, type TestServer } from '@vaahshare/testkit';
import { childProcesses } from '@vaahshare/testkit/process';
import { addRecording } from '@vaahshare/testkit/recordings';
import { webmFile } from '@vaahshare/testkit/webm';
import { FfmpegStopped } from './ffmpeg.js';
import { createProcessingQueue } from './processing.js';
import { ensureMediaDir, mediaPaths, type MediaKey } from './storage.js';

const ffmpegs = () => childProcesses('ffmpeg');

/** A real recording whose remux cannot end by itself: its output is a FIFO nobody reads, so ffmpeg blocks opening it. */
async function heldRecording(dataDir: string, key: MediaKey) {
  const paths = await ensureMediaDir(dataDir, key);
  fs.copyFileSync(await webmFile({ seconds: 2, live: true }), paths.raw);
  execFileSync('mkfifo', [`${paths.final}.part`]);
  return paths;
}

// Without the fix under test such an ffmpeg would block for ever and keep the test process alive.
afterEach(() => ffmpegs().forEach((pid) => process.kill(pid, 'SIGKILL')));

test('stopping the processing queue kills the ffmpeg it runs, refuses what waits, and resolves once each has exited', async () => {
  const dataDir = tempDir();
  try {
    const key = { id: 1, company_id: 1, client_id: 1 };
    const paths = await heldRecording(dataDir, key);
    const queue = createProcessingQueue(1);
    const running = queue.run(dataDir, key);
    const waiting = queue.run(dataDir, { ...key, id: 2 });
    await waitUntil(() => ffmpegs().length === 1, 10_000, 'ffmpeg running');

    await queue.stop();
    assert.deepEqual(ffmpegs(), []);
    await assert.rejects(running, FfmpegStopped);
    await assert.rejects(waiting, FfmpegStopped);
    assert.ok(fs.existsSync(paths.raw), 'the raw file stays, to be finalized again');
    assert.equal(fs.existsSync(`${paths.final}.part`), false, 'what the stopped remux left is gone');
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

test("the server's close() stops the ffmpeg it runs; the recording it was finalizing is finished at the next start", async () => {
  const first = await startServer();
  let second: TestServer | undefined;
  try {
    const client = await first.server.clients.ensure(1, 'ana@pc-1');
    // Interrupted processing of this node, as a restart finds it; its raw file is a real recording.
    const row = await addRecording(first.server.ctx.db, first.dataDir, { companyId: 1, clientId: client.id, ageMs: 60_000, status: 'processing' });
    const paths = await heldRecording(first.dataDir, row);
    await first.server.media.resumeInterrupted();
    await waitUntil(() => ffmpegs().length === 1, 10_000, 'ffmpeg finalizing the recording');

    await first.close();
    assert.deepEqual(ffmpegs(), [], 'no ffmpeg outlives close()');
    assert.ok(fs.existsSync(paths.raw));

    second = await startServer(first.env);
    const status = async () => (await second!.server.ctx.db.selectFrom('media').select('status').where('id', '=', row.id).executeTakeFirst())?.status;
    await waitUntil(async () => (await status()) === 'ready', 60_000, 'the recording finalized at the next start');
    assert.ok(fs.existsSync(mediaPaths(first.dataDir, row).final));
  } finally {
    await second?.close();
    await first.dispose();
  }
});
