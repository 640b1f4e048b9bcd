import pLimit from 'p-limit';
import type { DomainEventBus } from '../events/domain-events.js';
import type { Clock } from '../infra/clock.js';
import type { KeyedSerial } from '../infra/serial.js';
import type { OpenSegments } from './open-segments.js';
import type { SegmentsRepository } from './segments.repository.js';

/**
 * How many segment files are fdatasync'ed at once: concurrent flushes share the file system's journal commits,
 * and the thread pool (4 threads) keeps room for the frames' writes and other file work.
 */
const FLUSH_CONCURRENCY = 2;

/** How often recordings' sizes are stored, files due are fdatasync'ed, and gone clients' recordings finalized. */
export const STREAM_SWEEP_MS = 1000;

/** The open segments whose file is fdatasync'ed in sweep number `sweep`: each dirty one once every `sweepsPerSync` sweeps, by media id. */
export const dueForSync = <S extends { dirty: boolean; row: { id: number } }>(segments: S[], sweep: number, sweepsPerSync: number): S[] =>
  segments.filter((segment) => segment.dirty && segment.row.id % sweepsPerSync === sweep % sweepsPerSync);

export interface StreamSweepDeps {
  segments: OpenSegments;
  serial: KeyedSerial<number>;
  /** Finishes what a client gone for good had open here, in its queue. */
  clientGone: (clientId: number) => Promise<void>;
  repository: SegmentsRepository;
  events: DomainEventBus;
  clock: Clock;
  nodeId: string;
  /** STREAM_FSYNC_MS (config.ts). */
  fsyncMs: number;
}

/**
 * Every second: fdatasync the files whose turn it is and store how much each of those recordings holds, let
 * go of segments another node took over, and finalize recordings whose client is gone (any node, any crash).
 * Each file's turn comes once every STREAM_FSYNC_MS, by media id, so that each sweep syncs an even share of
 * the files rather than all of them at once (fewer, larger fdatasyncs cost less CPU: BENCHMARKS.md), and
 * SQLite, which blocks the event loop, updates a share of the rows, not all of them every second. A sweep that is
 * still running when the next one is due (a slow disk) makes that one skip, rather than stacking fdatasyncs
 * up in the thread pool.
 */
export function createStreamSweep({ segments, serial, clientGone, repository, events, clock, nodeId, fsyncMs }: StreamSweepDeps) {
  const { open } = segments;
  const flushLimit = pLimit(FLUSH_CONCURRENCY);
  const sweepsPerSync = Math.max(1, Math.round(fsyncMs / STREAM_SWEEP_MS));
  let sweeping = false;
  let sweepNumber = 0;

  /** Segments another node took over (their agent moved there) are closed here, not finalized. */
  async function letGoOfMoved() {
    if (!open.size) return;
    // Only the segments asked about: one opened meanwhile is not in the answer, and is this node's.
    const asked = [...open];
    const held = await repository.stillHeldBy(asked.map(([, s]) => s.row.id), nodeId);
    for (const [clientId, segment] of asked) {
      if (!held.has(segment.row.id)) await serial.run(clientId, () => segments.letGo(clientId, segment));
    }
  }

  return async function sweep() {
    if (sweeping) return;
    sweeping = true;
    try {
      const due = dueForSync([...open.values()], sweepNumber++, sweepsPerSync);
      // Sizes taken before the sync are bytes the sync makes durable: the stored size never claims more.
      const synced = due.map((segment) => ({ segment, size: segment.size }));
      await Promise.all(due.map((segment) => flushLimit(() => segment.flush())));
      await repository.updateReceived(synced.map(({ segment, size }) => ({ id: segment.row.id, size })), nodeId, clock.now());
      await letGoOfMoved();
      for (const { id } of await repository.abandoned()) {
        const local = [...open.values()].find((s) => s.row.id === id);
        if (local) await clientGone(local.row.client_id);
        else events.emit('segment-closed', { mediaId: id });
      }
    } finally {
      sweeping = false;
    }
  };
}
