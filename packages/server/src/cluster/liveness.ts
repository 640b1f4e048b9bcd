import type { Db } from '../db/database.js';
import type { Clock } from '../infra/clock.js';
import * as repo from './nodes.repository.js';

export interface LivenessDeps {
  /** A connection of its own, so that heartbeats do not queue behind a storm of presence queries. */
  db: Db;
  clock: Clock;
  nodeId: string;
  deadAfterMs: number;
  /** Another node stopped beating: hand over what it held (each step guarded, as several nodes do it). */
  onDeadNode: (nodeId: string) => Promise<void>;
  /** This node's own heartbeat lapsed: the others may have released its clients, which must connect again. */
  onPresumedDead: () => Promise<void>;
}

/**
 * Node liveness through the shared database: every node writes a heartbeat row, and every node hands over
 * the clients and work of nodes whose heartbeat is too old. No leader: every hand-over is a guarded update.
 */
export function createLiveness(deps: LivenessDeps) {
  const { db, clock, nodeId, deadAfterMs } = deps;
  const deadBefore = () => clock.now() - deadAfterMs;

  async function tick() {
    if (!(await repo.beat(db, nodeId, clock.now(), deadBefore()))) {
      await deps.onPresumedDead();
      await repo.registerNode(db, nodeId, clock.now());
    }
    for (const dead of await repo.findDeadNodes(db, nodeId, deadBefore())) {
      await deps.onDeadNode(dead);
      await repo.forgetNode(db, dead, deadBefore());
    }
  }

  return {
    register: () => repo.registerNode(db, nodeId, clock.now()),
    tick,
    /** How often to beat: several beats fit in the dead-after window, so one slow beat is not a death. */
    intervalMs: Math.max(250, Math.floor(deadAfterMs / 4)),
  };
}
