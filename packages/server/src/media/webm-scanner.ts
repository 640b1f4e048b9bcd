/**
 * Follows a WebM byte stream as it arrives, without keeping it: finds where the header ends (the first
 * Cluster) and where each Cluster that starts with a keyframe begins, so that a late viewer can be sent
 * the header and then bytes from a point a decoder can start at. Handles unknown-size Segments and
 * Clusters (MediaRecorder writes both) and elements split across chunks; only element headers and the
 * first bytes of a block are ever buffered.
 *
 * It also checks the structure as far as element headers tell (docs/SECURITY.md "Limits"): every element must be
 * one the Matroska spec allows where it stands, and no bigger than `MAX_ELEMENT_BYTES` (or the Cluster holding it),
 * so bytes that are not WebM after a valid start are found at the first element header they make up. A block's
 * payload (the video itself) is not checked.
 */
import { EBML_UNKNOWN_SIZE as UNKNOWN, EbmlStreamReader, readVint } from '@vaahshare/protocol';

const ID = {
  EBML: 0x1a45dfa3,
  Segment: 0x18538067,
  Cluster: 0x1f43b675,
  SimpleBlock: 0xa3,
  BlockGroup: 0xa0,
} as const;

/** Void and CRC-32 may stand anywhere. */
const GLOBAL = [0xec, 0xbf];
/** Elements that may follow a Cluster at the Segment level: they end an unknown-size Cluster. */
const SEGMENT_CHILDREN = new Set([0x1f43b675, 0x1c53bb6b, 0x1254c367, 0x1549a966, 0x1654ae6b, 0x114d9b74, 0x1043a770, 0x1941a469]);
const ALLOWED = {
  top: new Set([ID.EBML, ID.Segment, ...GLOBAL]),
  segment: new Set([...SEGMENT_CHILDREN, ...GLOBAL]),
  // Timestamp, SilentTracks, Position, PrevSize, SimpleBlock, BlockGroup, EncryptedBlock.
  cluster: new Set([0xe7, 0x5854, 0xa7, 0xab, ID.SimpleBlock, ID.BlockGroup, 0xaf, ...GLOBAL]),
};

/** Larger than any element a recorder writes (a Cluster holds seconds of video), far below what random sizes say. */
export const MAX_ELEMENT_BYTES = 256 * 1024 * 1024;

export interface ScanEvents {
  /** The header is complete: bytes [0, offset) are EBML header + Segment start + Info + Tracks. */
  onHeaderEnd(offset: number): void;
  /** A Cluster whose first block is a keyframe starts at this offset. */
  onKeyCluster(offset: number): void;
}

type Context = 'top' | 'segment' | 'cluster';

const IGNORE_EVENTS: ScanEvents = { onHeaderEnd: () => undefined, onKeyCluster: () => undefined };

export class WebmScanner extends EbmlStreamReader {
  private context: Context = 'top';
  private clusterEnd = UNKNOWN;
  private clusterStart = 0;
  private clusterFirstBlockSeen = false;
  private headerDone = false;

  constructor(private readonly events: ScanEvents) {
    super();
  }

  /** Bytes consumed so far. */
  get offset(): number {
    return this.position + this.carry.length;
  }

  /** The Segment (what follows the EBML header: Info, Tracks, then Clusters) has begun. */
  get inSegment(): boolean {
    return this.context !== 'top';
  }

  /** Reads one element header at `at`; returns the bytes consumed, or 0 when more bytes are needed. */
  protected step(buf: Uint8Array, at: number, absolute: number): number {
    if (this.context === 'cluster' && this.clusterEnd !== UNKNOWN && absolute >= this.clusterEnd) this.context = 'segment';
    const id = readVint(buf, at, true);
    if (id === null) return 0;
    // Element ids are at most 4 bytes long.
    if (id === 'invalid' || id.length > 4) return this.fail(`invalid element id at byte ${absolute}`);
    const size = readVint(buf, at + id.length, false);
    if (size === null) return 0;
    if (size === 'invalid') return this.fail(`invalid element size at byte ${absolute}`);
    const headerLength = id.length + size.length;

    if (this.context === 'cluster' && SEGMENT_CHILDREN.has(id.value)) this.context = 'segment';
    const misplaced = this.misplaced(id.value, size.value, absolute + headerLength);
    if (misplaced) return this.fail(`${misplaced} at byte ${absolute}`);

    if (this.context === 'top') {
      if (id.value === ID.Segment) this.context = 'segment';
      else this.skipPayload(size.value);
      return headerLength;
    }
    if (this.context === 'segment') {
      if (id.value !== ID.Cluster) {
        this.skipPayload(size.value);
        return headerLength;
      }
      if (!this.headerDone) {
        this.headerDone = true;
        this.events.onHeaderEnd(absolute);
      }
      this.context = 'cluster';
      this.clusterStart = absolute;
      this.clusterEnd = size.value === UNKNOWN ? UNKNOWN : absolute + headerLength + size.value;
      this.clusterFirstBlockSeen = false;
      return headerLength;
    }
    // Inside a Cluster: the first block tells whether a decoder can start here.
    if (!this.clusterFirstBlockSeen && (id.value === ID.SimpleBlock || id.value === ID.BlockGroup)) {
      if (id.value === ID.SimpleBlock) {
        const track = readVint(buf, at + headerLength, false);
        if (track === null) return 0;
        if (track === 'invalid') return this.fail(`invalid block at byte ${absolute}`);
        const flagsAt = at + headerLength + track.length + 2;
        if (flagsAt >= buf.length) return 0;
        if (buf[flagsAt] & 0x80) this.events.onKeyCluster(this.clusterStart);
      }
      this.clusterFirstBlockSeen = true;
    }
    this.skipPayload(size.value);
    return headerLength;
  }

  /** Why an element with this id and size cannot stand here (its payload starting at `payloadAt`), or null. */
  private misplaced(id: number, size: number, payloadAt: number): string | null {
    if (!ALLOWED[this.context].has(id)) return `element 0x${id.toString(16)} cannot stand in ${this.context === 'top' ? 'a file' : `a ${this.context}`}`;
    if (id === ID.Segment || size === UNKNOWN) return null;
    if (size > MAX_ELEMENT_BYTES) return `an element of ${size} bytes`;
    if (this.context === 'cluster' && this.clusterEnd !== UNKNOWN && payloadAt + size > this.clusterEnd) return 'an element larger than its cluster';
    return null;
  }

  /** What pushing `chunk` would find wrong, without changing this scanner: a copy of its state reads it. */
  wouldFail(chunk: Uint8Array): string | null {
    if (this.failed) return null;
    const probe = new WebmScanner(IGNORE_EVENTS);
    probe.position = this.position;
    probe.carry = this.carry;
    probe.skip = this.skip;
    probe.context = this.context;
    probe.clusterEnd = this.clusterEnd;
    probe.clusterStart = this.clusterStart;
    probe.clusterFirstBlockSeen = this.clusterFirstBlockSeen;
    probe.headerDone = this.headerDone;
    probe.push(chunk);
    return probe.failed;
  }

  private skipPayload(size: number) {
    if (size === UNKNOWN) {
      this.fail('unknown-size element where it is not allowed');
      return;
    }
    this.skip = size;
  }
}
