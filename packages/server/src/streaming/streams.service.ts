import { randomBytes } from 'node:crypto';
import pLimit from 'p-limit';
import type { AppContext } from '../context.js';
import { companyRoom, pausedRoom, watchRoom } from '../context.js';
import { AppError } from '../errors.js';
import { KeyedSerial } from '../infra/serial.js';
import type { MediaService } from '../media/media.service.js';
import * as media from '../media/media.repository.js';
import { toClient } from '../presence/client-view.js';
import { setStreaming } from '../presence/presence.repository.js';
import type { Connection } from '../presence/presence.service.js';
import { OpenSegment } from './open-segment.js';

export interface StreamingConnection extends Connection {
  legacy: boolean;
}

export type Streams = ReturnType<typeof createStreams>;

const EBML_MAGIC = Buffer.from([0x1a, 0x45, 0xdf, 0xa3]);
/** Whether bytes written at `offset` keep the segment starting with the EBML magic (a first frame may be shorter than it). */
const keepsWebmStart = (offset: number, bytes: Buffer) => {
  const overlap = Math.min(bytes.length, EBML_MAGIC.length - offset);
  return overlap <= 0 || bytes.subarray(0, overlap).equals(EBML_MAGIC.subarray(offset, offset + overlap));
};

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

const newSegmentId = () => `seg_${Date.now().toString(36)}_${randomBytes(6).toString('hex')}`;

/** Sends a late viewer the header or the catch-up bytes of a segment. */
export type SendToViewer = (event: 'stream-init' | 'video-frame', buffer: Buffer, segmentId: string) => void;

/**
 * Live recording segments (PROTOCOL.md §3.1, §4): resumable appends at an offset, bytes on disk as they
 * arrive, relay to watchers only, and finalizing when the stream stops or its client is gone.
 */
export function createStreams(ctx: AppContext, mediaService: MediaService, viewers: { watched: (clientId: number) => boolean }) {
  const open = new Map<number, OpenSegment>();
  const serial = new KeyedSerial<number>();
  const flushLimit = pLimit(FLUSH_CONCURRENCY);
  const sweepsPerSync = Math.max(1, Math.round(ctx.config.STREAM_FSYNC_MS / STREAM_SWEEP_MS));
  let sweeping = false;
  let sweepNumber = 0;
  const nodeId = ctx.config.NODE_ID;

  async function announceStreaming(connection: StreamingConnection, streaming: boolean, segmentId: string) {
    const row = await setStreaming(ctx.db, connection.clientId, connection.generation, streaming);
    if (row) ctx.io.to(companyRoom(row.company_id)).emit(streaming ? 'start-streaming' : 'stop-streaming', { ...toClient(row), segment_id: segmentId });
  }

  /** Closes this node's file of the client's open segment and hands it to finalizing. */
  async function finish(clientId: number): Promise<void> {
    const segment = open.get(clientId);
    if (!segment) return;
    open.delete(clientId);
    await segment.close();
    mediaService.finalizeLater(segment.row.id);
  }

  /** Another node writes this segment now: close this node's file without finalizing; what it knew is stale. */
  async function letGo(clientId: number, segment: OpenSegment): Promise<void> {
    if (open.get(clientId) !== segment) return;
    open.delete(clientId);
    await segment.close();
  }

  async function openNew(connection: StreamingConnection, segmentId: string): Promise<OpenSegment> {
    const now = ctx.clock.now();
    const row = await media.insertMedia(ctx.db, {
      company_id: connection.companyId,
      client_id: connection.clientId,
      segment_id: segmentId,
      original_name: segmentId,
      source: 'live',
      status: 'recording',
      size: 0,
      has_thumbnail: 0,
      node_id: ctx.config.NODE_ID,
      started_at: now,
      updated_at: now,
    });
    return OpenSegment.open(ctx.config.DATA_DIR, row);
  }

  /** The segment a `start-streaming` names: resumed when it is this client's and still recording. */
  async function resolveSegment(connection: StreamingConnection, segmentId: string): Promise<OpenSegment> {
    const row = await media.findSegment(ctx.db, connection.companyId, segmentId);
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
    const taken = await media.takeOverSegment(ctx.db, row.id, nodeId, ctx.clock.now());
    if (!taken) throw finalized();
    return OpenSegment.open(ctx.config.DATA_DIR, taken);
  }

  async function startLocked(connection: StreamingConnection, requestedId: string | undefined) {
    let segment: OpenSegment;
    if (connection.legacy || !requestedId) {
      // The original client starts afresh every time; whatever it had open is finished first.
      await finish(connection.clientId);
      segment = await openNew(connection, requestedId ?? newSegmentId());
    } else {
      segment = await resolveSegment(connection, requestedId);
    }
    open.set(connection.clientId, segment);
    await announceStreaming(connection, true, segment.row.segment_id);
    // A new segment's header reaches watchers as `stream-init` once it arrives; a resumed one goes on.
    return segment;
  }

  function start(connection: StreamingConnection, requestedId: string | undefined) {
    return serial.run(connection.clientId, async () => {
      const segment = await startLocked(connection, requestedId);
      return { segment_id: segment.row.segment_id, offset: segment.size };
    });
  }

  function frame(connection: StreamingConnection, frame: { buffer: Buffer; segment_id?: string; offset?: number }) {
    return serial.run(connection.clientId, async () => {
      let segment = open.get(connection.clientId);
      if (!segment && connection.legacy) segment = await startLocked(connection, undefined);
      if (!segment) throw new AppError('no_segment', 'No open segment: send start-streaming first');
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
      await segment.append(frame.buffer, (headerCompleted, afterHeader) => relay(connection.clientId, segment, headerCompleted, afterHeader));
      return segment.size;
    });
  }

  function relay(clientId: number, segment: OpenSegment, headerCompleted: boolean, bytes: Buffer | null) {
    if (!segment.relayable) return;
    const room = ctx.io.to(watchRoom(clientId)).except(pausedRoom(clientId));
    const segmentId = segment.row.segment_id;
    // The header is small and goes out even when nobody is known to watch yet, so that a viewer whose
    // report from another node is still on its way can decode; video bytes only go where someone watches.
    if (headerCompleted) room.emit('stream-init', { client_id: clientId, segment_id: segmentId, buffer: segment.header! });
    if (bytes?.length && viewers.watched(clientId)) room.emit('video-frame', { client_id: clientId, segment_id: segmentId, buffer: bytes });
  }

  function stop(connection: StreamingConnection, segmentId: string | undefined) {
    return serial.run(connection.clientId, async () => {
      const segment = open.get(connection.clientId);
      if (!segment || (segmentId !== undefined && segment.row.segment_id !== segmentId)) {
        throw new AppError('no_segment', segmentId ? `Segment ${segmentId} is not open` : 'No open segment to stop');
      }
      await announceStreaming(connection, false, segment.row.segment_id);
      await finish(connection.clientId);
    });
  }

  /**
   * A viewer joins a stream this node receives: the header and a decodable start at once, then live bytes
   * through the room, joined in the client's queue so no frame is missed or sent twice. Answers false when
   * the stream is not received here (nothing is sent then, and `join` runs only if `joinAnyway`).
   */
  function serveWatcher(clientId: number, viewer: { send: SendToViewer; join: () => void; joinAnyway: boolean }) {
    return serial.run(clientId, async () => {
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

  /** The client is gone for good (grace over or app closed), or a legacy client came back: finish what it had open. */
  function clientGone(clientId: number) {
    return serial.run(clientId, () => finish(clientId));
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
  async function sweep() {
    if (sweeping) return;
    sweeping = true;
    try {
      const due = dueForSync([...open.values()], sweepNumber++, sweepsPerSync);
      // Sizes taken before the sync are bytes the sync makes durable: the stored size never claims more.
      const synced = due.map((segment) => ({ segment, size: segment.size }));
      await Promise.all(due.map((segment) => flushLimit(() => segment.flush())));
      await media.updateReceived(ctx.db, synced.map(({ segment, size }) => ({ id: segment.row.id, size })), nodeId, ctx.clock.now());
      await letGoOfMoved();
      for (const { id } of await media.abandonedRecordings(ctx.db)) {
        const local = [...open.values()].find((s) => s.row.id === id);
        if (local) await clientGone(local.row.client_id);
        else mediaService.finalizeLater(id);
      }
    } finally {
      sweeping = false;
    }
  }

  /** Segments another node took over (their agent moved there) are closed here, not finalized. */
  async function letGoOfMoved() {
    if (!open.size) return;
    // Only the segments asked about: one opened meanwhile is not in the answer, and is this node's.
    const asked = [...open];
    const held = await media.stillHeldBy(ctx.db, asked.map(([, s]) => s.row.id), nodeId);
    for (const [clientId, segment] of asked) {
      if (!held.has(segment.row.id)) await serial.run(clientId, () => letGo(clientId, segment));
    }
  }

  /** At shutdown, once sockets are closed: each file is closed in its client's queue, after the frames still being written. */
  async function closeAll() {
    await Promise.all([...open].map(([clientId, segment]) => serial.run(clientId, () => letGo(clientId, segment))));
  }

  return { start, frame, stop, serveWatcher, clientGone, sweep, closeAll, isOpen: (clientId: number) => open.has(clientId) };
}
