import type { AppContext } from '../context.js';
import { clientRoom, companyRoom } from '../context.js';
import type { MediaRow } from '../db/schema.js';
import { runInBackground } from '../infra/background.js';
import * as repo from './media.repository.js';
import { toMedia } from './media-view.js';
import { createProcessingQueue } from './processing.js';

/** How many ffmpeg processes may run at once: the machine has to keep serving streams meanwhile. */
const FFMPEG_CONCURRENCY = 2;

export type MediaService = ReturnType<typeof createMediaService>;

export function createMediaService(ctx: AppContext) {
  const queue = createProcessingQueue(FFMPEG_CONCURRENCY);
  const nodeId = ctx.config.NODE_ID;

  /** Tells the recording's agent and the company's dashboards what happened to it. */
  function notify(row: MediaRow, agentEvent?: 'processing-video' | 'video-processed' | 'video-error') {
    const media = toMedia(row);
    if (agentEvent) ctx.io.to(clientRoom(row.client_id)).emit(agentEvent, { media });
    ctx.io.to(companyRoom(row.company_id)).emit('media-updated', { media });
  }

  async function process(row: MediaRow): Promise<MediaRow | undefined> {
    notify(row, 'processing-video');
    const outcome = await queue.run(ctx.config.DATA_DIR, row);
    const done = await repo.finishProcessing(ctx.db, row.id, outcome, ctx.clock.now());
    if (done) notify(done, done.status === 'ready' ? 'video-processed' : 'video-error');
    if (outcome.status === 'error') ctx.log.warn({ media: row.id, reason: outcome.error }, 'recording could not be finalized');
    return done;
  }

  /** Finalizes a recording unless another caller already does; resolves when it is ready or failed. */
  async function finalize(mediaId: number): Promise<MediaRow | undefined> {
    const claimed = await repo.claimForProcessing(ctx.db, mediaId, nodeId, ctx.clock.now());
    return claimed && process(claimed);
  }

  /** Finalizes without waiting; failures are logged. */
  function finalizeLater(mediaId: number) {
    runInBackground(ctx.log, `finalizing media ${mediaId}`, finalize(mediaId));
  }

  /** What this node (at start-up) or dead nodes were processing when they stopped is processed again here. */
  async function resumeInterrupted(of: 'mine' | 'gone nodes' = 'mine') {
    for (const row of await repo.claimInterrupted(ctx.db, of, nodeId, ctx.clock.now())) {
      runInBackground(ctx.log, `finalizing media ${row.id}`, process(row));
    }
  }

  return { finalize, finalizeLater, process, notify, resumeInterrupted, get pending() { return queue.pending; } };
}
