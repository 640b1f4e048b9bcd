import type { Db } from '../db/database.js';
import type { Clock } from '../infra/clock.js';
import * as repo from './nodes.repository.js';

export interface LivenessDeps {
  /** On PostgreSQL a pool of its own, so that heartbeats do not queue behind a storm of presence queries. */
  db: Db;
  clock: Clock;
  nodeId: string;
  deadAfterMs: number;
  /**
   * Takes over what nodes without a row held (clients, interrupted processing): every node does it on every
   * beat, each step a guarded update, so each item goes to one node. `alive`: the nodes with a row.
   */
  handOver: (alive: string[], forgotten: string[]) => Promise<void>;
  /** This node's row was removed: other nodes found it dead and released its clients, which must connect again. */
  onPresumedDead: () => Promise<void>;
}

/**
 * Node liveness through the shared database: every node beats in its `cluster_nodes` row, removes the rows
 * of nodes that stopped beating, and takes over what nodes without a row held. No leader is elected.
 */
export function createLiveness(deps: LivenessDeps) {
  const { db, clock, nodeId, deadAfterMs } = deps;
  const register = () => repo.registerNode(db, nodeId, clock.now());

  async function tick() {
    if (!(await repo.beat(db, nodeId, clock.now()))) {
      await deps.onPresumedDead();
      await register();
    }
    const forgotten = await repo.forgetDeadNodes(db, clock.now() - deadAfterMs);
    await deps.handOver(await repo.liveNodes(db), forgotten);
  }

  return {
    register,
    tick,
    /** This node's last beat before it (re)registers; undefined when its row is gone (others took its clients). */
    lastBeat: () => repo.lastHeartbeat(db, nodeId),
    /** How often to beat: several beats fit in the dead-after window, so one slow beat is not a death. */
    intervalMs: Math.max(250, Math.floor(deadAfterMs / 4)),
  };
}
