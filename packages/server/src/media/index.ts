import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import type { Feature } from '../feature.js';
import type { DiskFace } from '../disk/index.js';
import type { PresenceFace } from '../presence/index.js';
import { warnIfBundledFfmpeg } from './ffmpeg.js';
import { createMediaService, finalizingRepository } from './media.service.js';
import { mediaRoutes } from './media.routes.js';
import { createProcessingQueue, FFMPEG_CONCURRENCY } from './processing.js';
import { createUploads } from './uploads.js';

export { filtersOf } from './filters.js';
export { clientsOfGroups, type MediaFilters } from './library.repository.js';
export { toMedia } from './media-view.js';
export { matchNames } from './names.js';
export { ensureMediaDir, mediaPaths } from './storage.js';
export { parseUploadFields } from './uploads.js';
export { WebmScanner } from './webm-scanner.js';

export type MediaFace = ReturnType<typeof createMediaFeature>;

/** Recordings: finalizing (remux + thumbnail), uploads of offline recordings, and `/api/media`. */
export function createMediaFeature(ctx: AppContext, { presence, disk }: { presence: PresenceFace; disk: DiskFace }) {
  const service = createMediaService({
    broadcast: ctx.broadcast,
    events: ctx.events,
    clock: ctx.clock,
    repository: finalizingRepository(ctx.db),
    queue: createProcessingQueue(FFMPEG_CONCURRENCY, disk.guard.whenRoom),
    dataDir: ctx.config.DATA_DIR,
    nodeId: ctx.config.NODE_ID,
    log: ctx.log,
  });
  const uploads = createUploads(ctx, service, disk);
  // A live segment closed for good is remuxed and gets its thumbnail.
  ctx.events.on('segment-closed', ({ mediaId }) => service.finalizeLater(mediaId));
  // What dead nodes were processing is processed again here (each item by one node).
  ctx.events.on('nodes-checked', () => service.resumeInterrupted('gone nodes'));

  return {
    service,
    uploads,
    routes: async (app: FastifyInstance) => {
      await app.register(mediaRoutes, { prefix: '/api/media', ctx, uploads, clients: presence.clients });
    },
    // What this node was processing when it stopped is processed again.
    start: () => {
      warnIfBundledFfmpeg(ctx.log);
      return service.resumeInterrupted();
    },
    // Once sockets are closed, before the database: no ffmpeg outlives the server (what it was doing is redone at start).
    drain: () => service.stop(),
  } satisfies Feature & Record<string, unknown>;
}
