import type { FastifyBaseLogger } from 'fastify';
import { groupsOfClients } from '../access/index.js';
import type { Broadcast } from '../broadcast.js';
import type { Db } from '../db/database.js';
import type { MediaRow } from '../db/schema.js';
import type { DomainEventBus } from '../events/domain-events.js';
import { runInBackground } from '../infra/background.js';
import type { Clock } from '../infra/clock.js';
import { createInFlight } from '../infra/in-flight.js';
import * as repo from './media.repository.js';
import { toMedia } from './media-view.js';
import { FfmpegStopped } from './ffmpeg.js';
import type { ProcessingOutcome, StoredOutcome } from './processing.js';

/** The queries finalizing needs (`media.repository.ts` bound to a database; a fake in unit tests). */
export interface FinalizingRepository {
  claimForProcessing: (id: number, nodeId: string, now: number) => Promise<MediaRow | undefined>;
  finishProcessing: (id: number, outcome: StoredOutcome, now: number) => Promise<MediaRow | undefined>;
  claimInterrupted: (of: 'mine' | 'gone nodes', nodeId: string, now: number) => Promise<MediaRow[]>;
  /** The group of a recording's client now (undefined once the client is deleted): whose dashboards hear of it. */
  groupOf: (clientId: number) => Promise<number | undefined>;
}

export const finalizingRepository = (db: Db): FinalizingRepository => ({
  claimForProcessing: (id, nodeId, now) => repo.claimForProcessing(db, id, nodeId, now),
  finishProcessing: (id, outcome, now) => repo.finishProcessing(db, id, outcome, now),
  claimInterrupted: (of, nodeId, now) => repo.claimInterrupted(db, of, nodeId, now),
  groupOf: async (clientId) => (await groupsOfClients(db, [clientId])).get(clientId),
});

export interface MediaServiceDeps {
  broadcast: Pick<Broadcast, 'toGroup' | 'toClient'>;
  /** Where media says that a live recording turned out empty (retention deletes it). */
  events: Pick<DomainEventBus, 'emitAndWait'>;
  clock: Clock;
  repository: FinalizingRepository;
  /**
   * Remuxes a recording and makes its thumbnail (ffmpeg, a few at once: `processing.ts`); `stop` kills what runs,
   * whose `run` then rejects with `FfmpegStopped`.
   */
  queue: { run: (dataDir: string, row: MediaRow) => Promise<ProcessingOutcome>; stop: () => Promise<void>; readonly pending: number };
  dataDir: string;
  nodeId: string;
  log: FastifyBaseLogger;
}

export type MediaService = ReturnType<typeof createMediaService>;

export function createMediaService({ broadcast, events, clock, repository, queue, dataDir, nodeId, log }: MediaServiceDeps) {
  /** Tells the recording's agent and the dashboards that may see its client what happened to it. */
  async function notify(row: MediaRow, agentEvent?: 'processing-video' | 'video-processed' | 'video-error') {
    const media = toMedia(row);
    if (agentEvent) broadcast.toClient(row.client_id).emit(agentEvent, { media });
    const groupId = await repository.groupOf(row.client_id);
    if (groupId !== undefined) broadcast.toGroup(row.company_id, groupId).emit('media-updated', { media });
  }

  /**
   * Processes a claimed recording and stores the outcome. Stopped by a shutdown, it stores nothing: the row stays
   * `processing` on this node, with its raw file, and is processed again at the next start (`resumeInterrupted`).
   */
  async function processNow(row: MediaRow): Promise<MediaRow | undefined> {
    await notify(row, 'processing-video');
    let outcome: ProcessingOutcome;
    try {
      outcome = await queue.run(dataDir, row);
    } catch (err) {
      if (!(err instanceof FfmpegStopped)) throw err;
      log.info({ media: row.id }, 'finalizing stopped by the shutdown: it is done again at the next start');
      return undefined;
    }
    if (outcome.status === 'empty' && row.source === 'live') return discard(row, outcome.error);
    // An upload with no frame is kept as an error: whoever uploaded it learns that their file held no video.
    const stored: StoredOutcome = outcome.status === 'empty' ? { ...outcome, status: 'error' } : outcome;
    const done = await repository.finishProcessing(row.id, stored, clock.now());
    if (done) await notify(done, done.status === 'ready' ? 'video-processed' : 'video-error');
    if (stored.status === 'error') log.warn({ media: row.id, reason: stored.error }, 'recording could not be finalized');
    return done;
  }

  /**
   * A live segment with no video frame (its recorder stopped before the first one: an agent that quit right after
   * starting a new segment) is no recording: retention deletes its row and files, and dashboards hear
   * `media-deleted`, never an error. Its agent hears `video-error` with the reason, as for a recording that failed
   * (it ends what `processing-video` began; an agent does not send a segment again for it).
   */
  async function discard(row: MediaRow, reason: string): Promise<undefined> {
    await events.emitAndWait('live-recording-empty', { companyId: row.company_id, clientId: row.client_id, mediaId: row.id });
    broadcast.toClient(row.client_id).emit('video-error', { media: toMedia({ ...row, status: 'error', error: reason }) });
    log.info({ media: row.id, reason }, 'live segment held no video frame: deleted');
    return undefined;
  }

  const inFlight = createInFlight();
  const process = (row: MediaRow) => inFlight.track(processNow(row));

  /** Finalizes a recording unless another caller already does; resolves when it is ready or failed. */
  async function finalize(mediaId: number): Promise<MediaRow | undefined> {
    const claimed = await repository.claimForProcessing(mediaId, nodeId, clock.now());
    return claimed && process(claimed);
  }

  /** Finalizes without waiting; failures are logged. */
  function finalizeLater(mediaId: number) {
    runInBackground(log, `finalizing media ${mediaId}`, finalize(mediaId));
  }

  /** What this node (at start-up) or dead nodes were processing when they stopped is processed again here. */
  async function resumeInterrupted(of: 'mine' | 'gone nodes' = 'mine') {
    for (const row of await repository.claimInterrupted(of, nodeId, clock.now())) {
      runInBackground(log, `finalizing media ${row.id}`, process(row));
    }
  }

  /**
   * At shutdown, before the database closes: ffmpeg processes killed (each exited before this resolves) and every
   * outcome already known stored; what was stopped is done again at the next start.
   */
  async function stop() {
    await queue.stop();
    await inFlight.settled();
  }

  return { finalize, finalizeLater, process, notify, resumeInterrupted, stop, get pending() { return queue.pending; } };
}
