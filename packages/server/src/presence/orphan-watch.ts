import type { Clock } from '../infra/clock.js';

/**
 * Even with no node lost, a full look at least this often: a node whose row came and went while this node's
 * beats were stalled was never seen alive, so its disappearance could not be noticed.
 */
export const ORPHAN_RESCAN_MS = 60_000;

/**
 * When to look for orphans (connected clients held by a node without a `cluster_nodes` row). The look reads
 * every connected client (12 ms at 10 000 on SQLite, once per beat it was the drop path's p99), and clients
 * only become orphans when their node's row goes: so look at the first check, whenever a node seen alive at
 * the previous check is gone (whichever node removed its row), and otherwise once per ORPHAN_RESCAN_MS.
 */
export function createOrphanWatch(clock: Clock) {
  let known: Set<string> | undefined;
  let lastLook = 0;
  return {
    /** After each liveness check: `release` runs when orphans may exist; if it throws, the next check looks again. */
    async checked(alive: readonly string[], release: () => Promise<unknown>): Promise<void> {
      const now = clock.now();
      const lost = known === undefined || [...known].some((node) => !alive.includes(node));
      if (lost || now - lastLook >= ORPHAN_RESCAN_MS) {
        await release();
        lastLook = now;
      }
      known = new Set(alive);
    },
  };
}
