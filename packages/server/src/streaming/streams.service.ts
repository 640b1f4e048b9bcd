import { randomBytes } from 'node:crypto';
import type { Broadcast } from '../broadcast.js';
import { AppError } from '../errors.js';
import type { DomainEventBus } from '../events/domain-events.js';
import type { Clock } from '../infra/clock.js';
import { KeyedSerial } from '../infra/serial.js';
import { toClient, type Connection } from '../presence/index.js';
import type { OpenSegment } from './open-segment.js';
import type { SegmentWrites } from './segment-writes.js';
import { createOpenSegments } from './open-segments.js';
import type { SegmentsRepository } from './segments.repository.js';
import { createStreamSweep } from './stream-sweep.js';

export interface StreamingConnection extends Connection {
  legacy: boolean;
}

export interface StreamsDeps {
  broadcast: Pick<Broadcast, 'toGroup' | 'toWatchers'>;
  clock: Clock;
  repository: SegmentsRepository;
  events: DomainEventBus;
  /** Whether anyone, on any node, watches the client's stream. */
  viewers: { watched: (clientId: number) => boolean };
  dataDir: string;
  nodeId: string;
  /** STREAM_FSYNC_MS (config.ts). */
  fsyncMs: number;
  /** How segment bytes reach the kernel; one for the node's segments. */
  writes: SegmentWrites;
}

export type Streams = ReturnType<typeof createStreams>;

const EBML_MAGIC = Buffer.from([0x1a, 0x45, 0xdf, 0xa3]);
/** Whether bytes written at `offset` keep the segment starting with the EBML magic (a first frame may be shorter than it). */
const keepsWebmStart = (offset: number, bytes: Buffer) => {
  const overlap = Math.min(bytes.length, EBML_MAGIC.length - offset);
  return overlap <= 0 || bytes.subarray(0, overlap).equals(EBML_MAGIC.subarray(offset, offset + overlap));
};

/** Refuses a frame that does not go on the open segment where it ends. */
function checkFrame(segment: OpenSegment, frame: { buffer: Buffer; segment_id?: string; offset?: number }) {
  if (frame.segment_id !== undefined && frame.segment_id !== segment.row.segment_id) {
    throw new AppError('no_segment', `Segment ${frame.segment_id} is not open: send start-streaming with it first`);
  }
  if (frame.offset !== undefined && frame.offset !== segment.size) {
    throw new AppError('wrong_offset', `The server holds ${segment.size} bytes of this segment: send from there`, 409, {
      expected_offset: segment.size,
    });
  }
  if (!keepsWebmStart(segment.size, frame.buffer)) {
    throw new AppError('not_webm', 'A segment must start with a WebM header (EBML magic 1A 45 DF A3): send the recorder output from its start');
  }
  const problem = segment.structureProblem(frame.buffer);
  if (problem) {
    throw new AppError('not_webm', `These bytes do not continue the segment as WebM (${problem}); nothing of them was stored: send the recorder's output as it is`);
  }
}

const newSegmentId = () => `seg_${Date.now().toString(36)}_${randomBytes(6).toString('hex')}`;

/** Sends a late viewer the header or the catch-up bytes of a segment. */
export type SendToViewer = (event: 'stream-init' | 'video-frame', buffer: Buffer, segmentId: string) => void;

/**
 * Live recording segments (PROTOCOL.md §3.1, §4): resumable appends at an offset, bytes on disk as they
 * arrive, relay to watchers only, and finalizing when the stream stops or its client is gone.
 */
export function createStreams(deps: StreamsDeps) {
  const { broadcast, viewers } = deps;
  const serial = new KeyedSerial<number>();
  const segments = createOpenSegments(deps);
  const { open } = segments;

  async function announceStreaming(connection: StreamingConnection, streaming: boolean, segmentId: string) {
    const row = await deps.repository.setStreaming(connection.clientId, connection.generation, streaming);
    if (row) broadcast.toGroup(row.company_id, row.group_id).emit(streaming ? 'start-streaming' : 'stop-streaming', { ...toClient(row), segment_id: segmentId });
  }

  async function startLocked(connection: StreamingConnection, requestedId: string | undefined) {
    let segment: OpenSegment;
    if (connection.legacy || !requestedId) {
      // The original client starts afresh every time; whatever it had open is finished first.
      await segments.finish(connection.clientId);
      segment = await segments.openNew(connection, requestedId ?? newSegmentId());
    } else {
      segment = await segments.resume(connection, requestedId);
    }
    open.set(connection.clientId, segment);
    deps.events.emit('segment-opened', { clientId: connection.clientId, mediaId: segment.row.id, segmentId: segment.row.segment_id });
    await announceStreaming(connection, true, segment.row.segment_id);
    // A new segment's header reaches watchers as `stream-init` once it arrives; a resumed one goes on.
    return segment;
  }

  function relay(clientId: number, segment: OpenSegment, headerCompleted: boolean, bytes: Buffer | null) {
    if (!segment.relayable) return;
    const watchers = broadcast.toWatchers(clientId);
    const segmentId = segment.row.segment_id;
    // The header is small and goes out even when nobody is known to watch yet, so that a viewer whose
    // report from another node is still on its way can decode; video bytes only go where someone watches.
    if (headerCompleted) watchers.emit('stream-init', { client_id: clientId, segment_id: segmentId, buffer: segment.header! });
    if (bytes?.length && viewers.watched(clientId)) watchers.emit('video-frame', { client_id: clientId, segment_id: segmentId, buffer: bytes });
  }

  const start = (connection: StreamingConnection, requestedId: string | undefined) =>
    serial.run(connection.clientId, async () => {
      const segment = await startLocked(connection, requestedId);
      return { segment_id: segment.row.segment_id, offset: segment.size };
    });

  const frame = (connection: StreamingConnection, frame: { buffer: Buffer; segment_id?: string; offset?: number }) =>
    serial.run(connection.clientId, async () => {
      let segment = open.get(connection.clientId);
      if (!segment && connection.legacy) segment = await startLocked(connection, undefined);
      if (!segment) throw new AppError('no_segment', 'No open segment: send start-streaming first');
      checkFrame(segment, frame);
      await segment.append(frame.buffer, (headerCompleted, afterHeader) => relay(connection.clientId, segment, headerCompleted, afterHeader));
      return segment.size;
    });

  const stop = (connection: StreamingConnection, segmentId: string | undefined) =>
    serial.run(connection.clientId, async () => {
      const segment = open.get(connection.clientId);
      if (!segment || (segmentId !== undefined && segment.row.segment_id !== segmentId)) {
        throw new AppError('no_segment', segmentId ? `Segment ${segmentId} is not open` : 'No open segment to stop');
      }
      await announceStreaming(connection, false, segment.row.segment_id);
      await segments.finish(connection.clientId);
    });

  /** The client is gone for good (grace over or app closed), or a legacy client came back: finish what it had open. */
  const clientGone = (clientId: number) => serial.run(clientId, () => segments.finish(clientId));

  return {
    start,
    frame,
    stop,
    serveWatcher: createWatcherServing(serial, open),
    clientGone,
    sweep: createStreamSweep({ ...deps, segments, serial, clientGone }),
    /** At shutdown, once sockets are closed: each file is closed in its client's queue, after the frames still being written. */
    closeAll: () => Promise.all([...open].map(([clientId, segment]) => serial.run(clientId, () => segments.letGo(clientId, segment)))),
    isOpen: (clientId: number) => open.has(clientId),
  };
}

/**
 * A viewer joins a stream this node receives: the header and a decodable start at once, then live bytes
 * through the room, joined in the client's queue so no frame is missed or sent twice. Answers false when
 * the stream is not received here (nothing is sent then, and `join` runs only if `joinAnyway`).
 */
function createWatcherServing(serial: KeyedSerial<number>, open: Map<number, OpenSegment>) {
  return (clientId: number, viewer: { send: SendToViewer; join: () => void; joinAnyway: boolean }) =>
    serial.run(clientId, async () => {
      const segment = open.get(clientId);
      if (!segment?.relayable) {
        if (viewer.joinAnyway) viewer.join();
        return false;
      }
      viewer.send('stream-init', segment.header!, segment.row.segment_id);
      const catchUp = await segment.catchUp();
      if (catchUp.length) viewer.send('video-frame', catchUp, segment.row.segment_id);
      viewer.join();
      return true;
    });
}
