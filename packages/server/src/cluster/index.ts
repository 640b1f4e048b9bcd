import type { AppContext } from '../context.js';
import type { Feature } from '../feature.js';
import { every } from '../infra/background.js';
import { createLiveness } from './liveness.js';

/**
 * Node liveness through the shared database. Every beat tells the other features which nodes are alive
 * (`nodes-checked`), so that each takes over what the dead ones held.
 */
export type ClusterFace = ReturnType<typeof createClusterFeature>;

export function createClusterFeature(ctx: AppContext) {
  const liveness = createLiveness({
    db: ctx.backgroundDb,
    clock: ctx.clock,
    nodeId: ctx.config.NODE_ID,
    deadAfterMs: ctx.config.NODE_DEAD_AFTER_MS,
    handOver: async (alive, forgotten) => {
      if (forgotten.length) ctx.log.warn({ nodes: forgotten }, 'nodes found dead: their clients are reconnecting');
      await ctx.events.emitAndWait('nodes-checked', { alive });
    },
    onPresumedDead: async () => {
      ctx.log.warn('this node was taken for dead (too slow to beat): its agents connect again');
      ctx.broadcast.closeAgentConnectionsHere();
    },
  });
  let stopBeat = () => {};
  let previousBeat: number | undefined;

  return {
    /** This node's last heartbeat before this start (its crash or shutdown), read at start; undefined for a new node. */
    previousBeat: () => previousBeat,
    start: async () => {
      previousBeat = await liveness.lastBeat();
      await liveness.register();
      stopBeat = every(ctx.log, 'node heartbeat', liveness.intervalMs, () => liveness.tick());
    },
    stop: async () => stopBeat(),
  } satisfies Feature & Record<string, unknown>;
}
