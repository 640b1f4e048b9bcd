import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import { onOneNodeAtATime, refreshStatistics } from '../db/database.js';
import type { DiskFace } from '../disk/index.js';
import type { Feature } from '../feature.js';
import { every } from '../infra/background.js';
import { createDeleter } from './deleter.js';
import { createDeletions } from './deletions.js';
import { retentionRoutes } from './retention.routes.js';
import { createRules } from './rules.js';
import { createRetentionSweep } from './sweep.js';

export type RetentionFace = ReturnType<typeof createRetentionFeature>;

/**
 * Retention and deletion: companies' and clients' retention rules, the sweep that applies them (one node at a
 * time), deleting recordings and clients from the dashboard, and live recordings that held no video frame. Every
 * deletion and rule change is a domain event.
 */
export function createRetentionFeature(ctx: AppContext, { disk }: { disk: Pick<DiskFace, 'guard'> }) {
  const { db, config, log } = ctx;
  const deleter = createDeleter({ db, clock: ctx.clock, events: ctx.events, broadcast: ctx.broadcast, dataDir: config.DATA_DIR, nodeId: config.NODE_ID });
  const deletions = createDeletions({ db, deleter, events: ctx.events, broadcast: ctx.broadcast, dataDir: config.DATA_DIR });
  const rules = createRules({ db, clock: ctx.clock, events: ctx.events, sweepEveryMs: config.RETENTION_SWEEP_MS });
  const sweep = createRetentionSweep({
    db,
    clock: ctx.clock,
    deleter,
    exclusively: (fn) => onOneNodeAtATime(ctx.backgroundDb, ctx.database.dialect, 'vaahshare:retention-sweep', fn),
    refreshStatistics: () => refreshStatistics(ctx.database),
  });
  let stopSweep = () => {};
  // A live segment that held no video frame is no recording: it goes, row and files.
  ctx.events.on('live-recording-empty', ({ companyId, mediaId }) => deleter.deleteEmpty(companyId, mediaId));

  return {
    /** Runs a sweep now (the timer runs one every RETENTION_SWEEP_MS); `skipped` when one runs (here or on another node). */
    sweep: sweep.sweep,
    routes: async (app: FastifyInstance) => {
      await app.register(retentionRoutes, { ctx, deletions, rules, disk });
    },
    start: async () => {
      // What this node was deleting when it stopped is finished first.
      const finished = await deleter.finishInterrupted('mine');
      if (finished) log.info({ recordings: finished }, 'finished deleting what a stop interrupted');
      stopSweep = every(log, 'retention sweep', config.RETENTION_SWEEP_MS, () => sweep.sweep());
    },
    stop: async () => {
      stopSweep();
      await sweep.stop();
    },
  } satisfies Feature & Record<string, unknown>;
}
