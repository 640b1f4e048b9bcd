import { AppError } from '../errors.js';
import type { DomainEventBus } from '../events/domain-events.js';
import type { Clock } from '../infra/clock.js';
import type { Connection } from '../presence/index.js';
import { OpenSegment } from './open-segment.js';
import type { SegmentWrites } from './segment-writes.js';
import type { SegmentsRepository } from './segments.repository.js';

export interface OpenSegmentsDeps {
  clock: Clock;
  repository: SegmentsRepository;
  events: DomainEventBus;
  dataDir: string;
  nodeId: string;
  /** One for all of the node's segments: a disk that made one write wait is slow for all of them. */
  writes: SegmentWrites;
}

export type OpenSegments = ReturnType<typeof createOpenSegments>;

/**
 * The segment file each client has open on this node, and how one is opened (new, resumed, taken over from
 * another node) or closed (finished: to be finalized; let go of: another node writes it now). Callers run
 * these in the client's queue.
 */
export function createOpenSegments({ clock, repository, events, dataDir, nodeId, writes }: OpenSegmentsDeps) {
  const open = new Map<number, OpenSegment>();

  /** Closes this node's file of the client's open segment and hands it to finalizing. */
  async function finish(clientId: number): Promise<void> {
    const segment = open.get(clientId);
    if (!segment) return;
    open.delete(clientId);
    await segment.close();
    events.emit('segment-closed', { mediaId: segment.row.id });
  }

  /** Another node writes this segment now: close this node's file without finalizing; what it knew is stale. */
  async function letGo(clientId: number, segment: OpenSegment): Promise<void> {
    if (open.get(clientId) !== segment) return;
    open.delete(clientId);
    await segment.close();
  }

  async function openNew(connection: Connection, segmentId: string): Promise<OpenSegment> {
    const now = clock.now();
    const row = await repository.insert({
      company_id: connection.companyId,
      client_id: connection.clientId,
      segment_id: segmentId,
      original_name: segmentId,
      source: 'live',
      status: 'recording',
      size: 0,
      has_thumbnail: 0,
      node_id: nodeId,
      started_at: now,
      updated_at: now,
    });
    return OpenSegment.open(dataDir, row, writes);
  }

  /** The segment a `start-streaming` names: resumed when it is this client's and still recording. */
  async function resume(connection: Connection, segmentId: string): Promise<OpenSegment> {
    const row = await repository.find(connection.companyId, segmentId);
    if (row && row.client_id !== connection.clientId) {
      throw new AppError('segment_taken', `Segment ${segmentId} belongs to another client: start a new segment id`);
    }
    const finalized = () => new AppError('segment_finalized', `Segment ${segmentId} is already finalized: start a new segment id`);
    if (row && row.status !== 'recording') throw finalized();
    const current = open.get(connection.clientId);
    if (row && current?.row.id === row.id) {
      if (row.node_id === nodeId) return current;
      // The agent streamed to another node meanwhile: the file goes on from what is on the shared volume.
      await letGo(connection.clientId, current);
    }
    await finish(connection.clientId);
    if (!row) return openNew(connection, segmentId);
    const taken = await repository.takeOver(row.id, nodeId, clock.now());
    if (!taken) throw finalized();
    return OpenSegment.open(dataDir, taken, writes);
  }

  return { open, finish, letGo, openNew, resume };
}
