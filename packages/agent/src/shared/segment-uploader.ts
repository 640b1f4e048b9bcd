/**
 * Sends one recording segment to the server over the streaming protocol (PROTOCOL.md §3.1, §8.3):
 * `start-streaming` with the segment id tells how many bytes the server already holds, then
 * `video-frame`s with offsets go out one at a time, each waiting for its ack. A dropped connection
 * ends a run; the next run (after a reconnect) resumes from what the server acknowledged, so a
 * byte is never skipped and never stored twice. Runs in Node (the CLI) and in the browser (the share page).
 */

/** The bytes of a segment as they are produced: a growing file, or a MediaRecorder's chunks. */
export interface ByteSource {
  /** Bytes produced so far. */
  size(): number;
  /** No more bytes will come. */
  finished(): boolean;
  read(offset: number, length: number): Promise<Uint8Array>;
  /** Resolves once the size changed or the source finished (or after a short while). */
  changed(): Promise<void>;
  /** The server holds every byte before `offset`: a source may forget them. */
  acknowledged?(offset: number): void;
}

export interface FrameReply {
  ok: boolean;
  offset?: number;
  error?: string;
  message?: string;
  expected_offset?: number;
  /** `storage_full` (the server is short of disk space), `rate_limited`, `backlog_full`: send the same bytes again after this long. */
  retry_after_ms?: number;
}

/** The socket calls a segment needs; each rejects when the connection is gone or an ack times out. */
export interface SegmentTransport {
  start(segmentId: string, startTime: number): Promise<FrameReply & { segment_id?: string }>;
  send(segmentId: string, offset: number, bytes: Uint8Array): Promise<FrameReply>;
  stop(segmentId: string): Promise<FrameReply>;
}

/** The server will not take this segment any more (it was finalized, or belongs to another client). */
export class SegmentRefused extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface UploadProgress {
  acked: number;
  size: number;
}

/** Large enough to catch up quickly after a cut, far below the server's 4 MiB frame limit. */
export const MAX_CHUNK_BYTES = 512 * 1024;

/** A segment's first frame must hold the EBML magic `1A 45 DF A3`. */
const EBML_MAGIC_BYTES = 4;

const REFUSALS_TO_GIVE_UP = new Set(['segment_finalized', 'segment_taken', 'not_webm']);

/** The server's limits of one connection (docs/PROTOCOL.md §8.18): the same bytes go again after `retry_after_ms`. */
const REFUSALS_TO_WAIT_OUT = new Set(['rate_limited', 'backlog_full']);
/** Never waits longer than this for a limit, whatever the server says. */
const LIMIT_MAX_WAIT_MS = 15_000;

/** How long to wait before sending again when the server is short of space and did not say. */
export const STORAGE_FULL_RETRY_MS = 2000;
/** Waits double with each refusal up to this, so that thousands of agents do not keep a full server busy. */
const STORAGE_FULL_MAX_WAIT_MS = 15_000;
/**
 * While the server is short of space each try sends this much, not a whole chunk: a refused try then costs the
 * network and the server little, and the first one taken says there is room again.
 */
export const PROBE_CHUNK_BYTES = 16 * 1024;

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class SegmentUploader {
  /** Bytes the server acknowledged. */
  acked = 0;

  constructor(
    readonly segmentId: string,
    readonly startTime: number,
    private readonly source: ByteSource,
    private readonly onProgress: (progress: UploadProgress) => void = () => undefined,
    /** The server refused bytes for want of disk space (`held`: they stay in the spool and go again), or took them again. */
    private readonly onServerFull: (held: boolean) => void = () => undefined,
  ) {}

  private serverFull = false;
  private refusedForSpace = 0;

  /**
   * One run over one connection: resumes, sends until the source is finished and fully acknowledged,
   * then stops the segment. Rejects when the connection fails (call again after a reconnect) or with
   * `SegmentRefused` when the server will never take the rest.
   */
  async run(transport: SegmentTransport, cancelled: () => boolean = () => false): Promise<'done' | 'cancelled'> {
    const started = await transport.start(this.segmentId, this.startTime);
    if (!started.ok) throw refusal(started);
    this.accept(started.offset ?? 0);
    while (!cancelled()) {
      const size = this.source.size();
      if (this.acked === 0 && size < EBML_MAGIC_BYTES && !this.source.finished()) {
        // The server checks a segment's first frame for the WebM magic; MediaRecorder under load may
        // hand over its first byte alone.
        await this.source.changed();
      } else if (this.acked < size) {
        await this.sendNext(transport, size);
      } else if (this.source.finished()) {
        const stopped = await transport.stop(this.segmentId);
        if (!stopped.ok) throw refusal(stopped);
        return 'done';
      } else {
        await this.source.changed();
      }
    }
    return 'cancelled';
  }

  private async sendNext(transport: SegmentTransport, size: number) {
    const chunk = this.serverFull ? PROBE_CHUNK_BYTES : MAX_CHUNK_BYTES;
    const bytes = await this.source.read(this.acked, Math.min(chunk, size - this.acked));
    const reply = await transport.send(this.segmentId, this.acked, bytes);
    if (reply.error === 'storage_full') return this.holdWhileFull(reply.retry_after_ms);
    if (REFUSALS_TO_WAIT_OUT.has(reply.error ?? '')) return delay(Math.min(Math.max(reply.retry_after_ms ?? 1000, 1), LIMIT_MAX_WAIT_MS));
    if (this.serverFull) this.setServerFull(false);
    if (reply.ok) return this.accept(reply.offset ?? this.acked + bytes.length);
    // The server holds a different amount than we thought (an ack lost in a cut): go on from there.
    if (reply.error === 'wrong_offset' && reply.expected_offset !== undefined && reply.expected_offset <= size) {
      return this.accept(reply.expected_offset);
    }
    throw refusal(reply);
  }

  /**
   * The server's disk is short of space and it did not take the bytes: as during a network cut they stay in the
   * spool (capture goes on), and go again after a while, on the same connection.
   */
  private async holdWhileFull(retryAfterMs = STORAGE_FULL_RETRY_MS) {
    if (!this.serverFull) this.setServerFull(true);
    await delay(Math.min(Math.max(retryAfterMs, 1) * 2 ** this.refusedForSpace++, STORAGE_FULL_MAX_WAIT_MS));
  }

  private setServerFull(full: boolean) {
    this.serverFull = full;
    this.refusedForSpace = 0;
    this.onServerFull(full);
  }

  private accept(offset: number) {
    this.acked = offset;
    this.source.acknowledged?.(offset);
    this.onProgress({ acked: offset, size: this.source.size() });
  }
}

function refusal(reply: FrameReply): Error {
  const message = `${reply.error ?? 'refused'}: ${reply.message ?? 'the server refused the segment'}`;
  return REFUSALS_TO_GIVE_UP.has(reply.error ?? '') ? new SegmentRefused(reply.error!, message) : new Error(message);
}
