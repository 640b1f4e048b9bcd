import fs from 'node:fs';
import type { MediaRow } from '../db/schema.js';
import { ensureMediaDir, WebmScanner } from '../media/index.js';
import type { SegmentWrites } from './segment-writes.js';

/** The header of a WebM stream is small (EBML + Info + Tracks); more than this is not a stream we can relay. */
const MAX_HEADER_BYTES = 1024 * 1024;

export type SegmentRow = Pick<MediaRow, 'id' | 'company_id' | 'client_id' | 'segment_id' | 'original_name'>;

/**
 * One recording segment being received on this node: an open file the bytes go to as they arrive,
 * and what a late viewer needs (the header and the last cluster a decoder can start at). Its memory
 * stays the same whatever the length of the recording.
 */
export class OpenSegment {
  size = 0;
  header: Buffer | null = null;
  /** Where the newest cluster starting with a keyframe begins; the first cluster until one is seen. */
  startPoint: number | null = null;
  /** Bytes were written since the last fdatasync. */
  dirty = false;
  private relayBroken = false;
  private headerParts: Buffer[] = [];
  private headerBytes = 0;
  private readonly scanner = new WebmScanner({
    onHeaderEnd: (offset) => {
      this.header = Buffer.concat(this.headerParts).subarray(0, offset);
      this.headerParts = [];
      this.startPoint = offset;
    },
    onKeyCluster: (offset) => {
      this.startPoint = offset;
    },
  });

  private constructor(
    readonly row: SegmentRow,
    private readonly file: fs.promises.FileHandle,
    readonly path: string,
    private readonly writes: SegmentWrites,
  ) {}

  /** Opens (or re-opens, after a restart) the segment's file; what is on disk is what the server holds. */
  static async open(dataDir: string, row: SegmentRow, writes: SegmentWrites): Promise<OpenSegment> {
    const { raw } = await ensureMediaDir(dataDir, row);
    // Positional writes, not append mode: when a segment moves between nodes, a late write of the old node
    // and the agent's resend land on the same bytes with the same content instead of being appended twice.
    const file = await fs.promises.open(raw, fs.constants.O_RDWR | fs.constants.O_CREAT);
    const segment = new OpenSegment(row, file, raw, writes);
    const { size } = await file.stat();
    if (size > 0) {
      for await (const chunk of fs.createReadStream(raw, { end: size - 1 })) segment.observe(chunk as Buffer);
    }
    segment.size = size;
    return segment;
  }

  /**
   * What is wrong with `chunk` as the continuation of this segment's WebM structure, or null: a frame that breaks
   * it is refused before anything is written. A segment whose bytes on disk were never WebM (stored before this
   * check, read again after a restart) is not checked.
   */
  structureProblem(chunk: Buffer): string | null {
    return this.scanner.wouldFail(chunk);
  }

  /** A relay problem (not WebM) does not stop recording: the bytes are still stored. */
  get relayable(): boolean {
    return this.header !== null && this.scanner.failed === null && !this.relayBroken;
  }

  /**
   * Appends a frame at the end of the file. The WebM scanner sees it first, so what follows the header is
   * handed to `relay` before the disk is touched, so viewers never wait for the disk (`segment-writes.ts`
   * says how the write keeps the event loop from waiting on it). Resolves once the write returned: the bytes then belong
   * to the kernel, so a crash of this process loses none of them. A failed write rejects and leaves the size
   * as it was; the segment stops relaying, since its viewers would get those bytes twice once the agent sends
   * them again.
   */
  async append(chunk: Buffer, relay: (headerCompleted: boolean, afterHeader: Buffer | null) => void): Promise<void> {
    const hadHeader = this.header !== null;
    const offset = this.size;
    this.observe(chunk);
    if (hadHeader) relay(false, chunk);
    else if (this.header) relay(true, chunk.subarray(Math.max(0, this.header.length - offset)));
    try {
      await this.writes.writeAll(this.file.fd, chunk, offset);
    } catch (err) {
      this.relayBroken = true;
      // What a failed write (a full disk) left past the acknowledged size goes: the file holds what the server holds.
      await this.file.truncate(offset).catch(() => undefined);
      throw err;
    }
    this.size += chunk.length;
    this.dirty = true;
  }

  /** Bytes from the last decodable start point to the end: what a late viewer needs after the header. */
  async catchUp(): Promise<Buffer> {
    const from = this.startPoint ?? this.size;
    const length = this.size - from;
    const buffer = Buffer.alloc(length);
    if (length > 0) await this.file.read(buffer, 0, length, from);
    return buffer;
  }

  async flush(): Promise<void> {
    if (!this.dirty) return;
    this.dirty = false;
    await this.file.datasync();
  }

  async close(): Promise<void> {
    await this.flush();
    await this.file.close();
  }

  private observe(chunk: Buffer) {
    if (this.header === null && this.headerBytes < MAX_HEADER_BYTES) {
      this.headerParts.push(chunk);
      this.headerBytes += chunk.length;
    }
    this.scanner.push(chunk);
  }
}
