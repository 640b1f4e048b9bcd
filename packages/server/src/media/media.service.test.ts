import assert from 'node:assert/strict';
import { test } from 'node:test';
import { waitUntil } from '@vaahshare/testkit';
import type { MediaRow } from '../db/schema.js';
import type { DomainEventBus } from '../events/domain-events.js';
import { fakeBroadcast, fakeLog, mediaRow } from '../test/fakes.js';
import { FfmpegStopped } from './ffmpeg.js';
import { createMediaService, type FinalizingRepository } from './media.service.js';
import { NO_BYTES, NO_FRAME, type ProcessingOutcome } from './processing.js';

const NOW = 1_700_000_000_000;

/** A media service over an in-memory table and a queue whose ffmpeg outcome the test decides. */
function setUp(rows: MediaRow[], outcome: ProcessingOutcome | FfmpegStopped) {
  const broadcast = fakeBroadcast();
  const { log, lines } = fakeLog();
  const table = new Map(rows.map((row) => [row.id, row]));
  const ran: number[] = [];
  // Retention as it reacts to an empty live recording: the row goes (the real deleter: retention's tests).
  const emptied: unknown[] = [];
  const events = {
    async emitAndWait(event: string, payload: { mediaId: number }) {
      emptied.push({ event, ...payload });
      table.delete(payload.mediaId);
    },
  } as unknown as Pick<DomainEventBus, 'emitAndWait'>;
  const repository: FinalizingRepository = {
    async claimForProcessing(id, nodeId, now) {
      const row = table.get(id);
      if (row?.status !== 'recording') return undefined;
      const claimed = { ...row, status: 'processing' as const, node_id: nodeId, ended_at: now };
      table.set(id, claimed);
      return claimed;
    },
    async finishProcessing(id, result, now) {
      const row = table.get(id);
      if (row?.status !== 'processing') return undefined;
      const done = { ...row, ...result, updated_at: now };
      table.set(id, done);
      return done;
    },
    groupOf: async () => 9,
    claimInterrupted: async (of, nodeId) => [...table.values()].filter((r) => r.status === 'processing' && (of === 'mine') === (r.node_id === nodeId)),
  };
  const queue = {
    run: async (_dataDir: string, row: MediaRow) => {
      ran.push(row.id);
      if (outcome instanceof FfmpegStopped) throw outcome;
      return outcome;
    },
    stop: async () => {},
    pending: 0,
  };
  const media = createMediaService({ broadcast, events, clock: { now: () => NOW }, repository, queue, dataDir: '/data', nodeId: 'n1', log });
  const sent = () => broadcast.sent.map(({ to, event }) => `${to}: ${event}`);
  return { media, table, ran, lines, events: sent, emptied, broadcast };
}

const ready: ProcessingOutcome = { status: 'ready', size: 2048, duration_ms: 3000, has_thumbnail: 1, error: null };

test('finalizing claims the recording, processes it, and tells its agent and its company at each step', async () => {
  const { media, table, events } = setUp([mediaRow({ id: 5 })], ready);
  const done = await media.finalize(5);
  assert.equal(done?.status, 'ready');
  assert.equal(table.get(5)?.ended_at, NOW);
  assert.deepEqual(events(), [
    'client 7: processing-video',
    'group 9 of company 3: media-updated',
    'client 7: video-processed',
    'group 9 of company 3: media-updated',
  ]);
});

test('a recording another caller claimed first is neither processed nor announced again', async () => {
  const { media, ran, events } = setUp([mediaRow({ id: 5, status: 'processing' })], ready);
  assert.equal(await media.finalize(5), undefined);
  assert.deepEqual(ran, []);
  assert.deepEqual(events(), []);
});

test('a recording ffmpeg cannot read ends in error: the agent hears video-error, and it is logged', async () => {
  const failed: ProcessingOutcome = { status: 'error', size: 10, duration_ms: null, has_thumbnail: 0, error: 'no decodable frames' };
  const { media, events, lines } = setUp([mediaRow({ id: 5 })], failed);
  const done = await media.finalize(5);
  assert.equal(done?.error, 'no decodable frames');
  assert.deepEqual(events().slice(2), ['client 7: video-error', 'group 9 of company 3: media-updated']);
  assert.deepEqual(lines, [{ level: 'warn', msg: 'recording could not be finalized' }]);
});

test('a live segment with no video frame is deleted, not stored as an error: dashboards never see it fail', async () => {
  const noFrame: ProcessingOutcome = { status: 'empty', size: 557, duration_ms: null, has_thumbnail: 0, error: NO_FRAME };
  const { media, table, events, emptied, broadcast, lines } = setUp([mediaRow({ id: 5, source: 'live' })], noFrame);
  assert.equal(await media.finalize(5), undefined);
  assert.deepEqual(emptied, [{ event: 'live-recording-empty', companyId: 3, clientId: 7, mediaId: 5 }]);
  assert.equal(table.has(5), false);
  // Dashboards saw it recording, then processing; retention tells them it is deleted. No media-updated with an error.
  assert.deepEqual(events(), ['client 7: processing-video', 'group 9 of company 3: media-updated', 'client 7: video-error']);
  const told = broadcast.sent.at(-1)!.payload as { media: { id: number; status: string; error: string } };
  assert.deepEqual({ id: told.media.id, status: told.media.status, error: told.media.error }, { id: 5, status: 'error', error: NO_FRAME });
  assert.deepEqual(lines, [{ level: 'info', msg: 'live segment held no video frame: deleted' }]);
});

test('an upload with no video frame stays, as an error with its reason: whoever uploaded it learns it was empty', async () => {
  const noBytes: ProcessingOutcome = { status: 'empty', size: 0, duration_ms: null, has_thumbnail: 0, error: NO_BYTES };
  const { media, table, events, emptied } = setUp([mediaRow({ id: 5, source: 'upload' })], noBytes);
  const done = await media.finalize(5);
  assert.deepEqual(emptied, []);
  assert.equal(done?.status, 'error');
  assert.equal(table.get(5)?.error, NO_BYTES);
  assert.deepEqual(events().slice(2), ['client 7: video-error', 'group 9 of company 3: media-updated']);
});

test('at start-up what this node was processing is processed again; items of live other nodes are left alone', async () => {
  const { media, ran } = setUp([mediaRow({ id: 5, status: 'processing', node_id: 'n1' }), mediaRow({ id: 6, status: 'processing', node_id: 'n2' })], ready);
  await media.resumeInterrupted();
  // Each runs in the background: once this node's is under way, the other node's was never taken.
  await waitUntil(() => ran.length > 0, 5000, 'the interrupted recording processed again');
  assert.deepEqual(ran, [5]);
});

test('finalizing stopped by a shutdown stores nothing and tells nobody it failed: the next start does it again', async () => {
  const { media, table, events, lines } = setUp([mediaRow({ id: 5 })], new FfmpegStopped());
  assert.equal(await media.finalize(5), undefined);
  assert.equal(table.get(5)?.status, 'processing');
  assert.deepEqual(events(), ['client 7: processing-video', 'group 9 of company 3: media-updated']);
  assert.deepEqual(lines, [{ level: 'info', msg: 'finalizing stopped by the shutdown: it is done again at the next start' }]);
});
