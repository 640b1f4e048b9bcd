/**
 * Reads a live WebM byte stream as it arrives and hands out its video frames one by one, for a WebCodecs
 * decoder: the video track (codec, picture size) once the Tracks element is complete, then every block
 * (track, timestamp, keyframe flag, bytes) as soon as its last byte is here. Handles known- and unknown-size
 * Segments and Clusters (the agent writes one known-size Cluster per frame; MediaRecorder unknown-size ones
 * holding seconds) and elements split across chunks at any byte. Only what it reads is buffered: an element
 * header, a block, the small Info and Tracks; everything else (Cues, Tags, Void…) is skipped as it streams by.
 * The server follows the same stream with `webm-scanner.ts`, which also checks its structure.
 */
import { EBML_UNKNOWN_SIZE as UNKNOWN, EbmlStreamReader, readVint } from '@vaahshare/protocol';

/** Elements whose children follow in the stream: descended into, never buffered. */
const SEGMENT = 0x18538067;
const CLUSTER = 0x1f43b675;
/** Elements read whole. */
const INFO = 0x1549a966;
const TRACKS = 0x1654ae6b;
const TIMESTAMP = 0xe7;
const SIMPLE_BLOCK = 0xa3;
const BLOCK_GROUP = 0xa0;
/** Children of the elements read whole. */
const TIMESTAMP_SCALE = 0x2ad7b1;
const TRACK_ENTRY = 0xae;
const TRACK_NUMBER = 0xd7;
const TRACK_TYPE = 0x83;
const CODEC_ID = 0x86;
const CODEC_PRIVATE = 0x63a2;
const VIDEO = 0xe0;
const PIXEL_WIDTH = 0xb0;
const PIXEL_HEIGHT = 0xba;
const BLOCK = 0xa1;
const REFERENCE_BLOCK = 0xfb;

const READ_WHOLE = new Set([INFO, TRACKS, TIMESTAMP, SIMPLE_BLOCK, BLOCK_GROUP]);
const VIDEO_TRACK_TYPE = 1;
/** More than any frame or header a recorder writes; a larger size means the bytes are not WebM. */
export const MAX_ELEMENT_BYTES = 64 * 1024 * 1024;

export interface WebmVideoTrack {
  number: number;
  /** The Matroska CodecID: V_VP8, V_VP9, V_AV1… */
  codecId: string;
  codecPrivate: Uint8Array | null;
  width: number;
  height: number;
}

export interface WebmFrame {
  track: number;
  /** Presentation time in microseconds (Cluster Timestamp + the block's relative timecode, scaled). */
  timestampUs: number;
  /** A keyframe: a decoder can start here. */
  key: boolean;
  data: Uint8Array;
}

export interface DemuxEvents {
  tracks(video: WebmVideoTrack[]): void;
  frame(frame: WebmFrame): void;
}

/** The children of an element read whole, as [id, payload] pairs (a malformed tail ends the list). */
function* children(payload: Uint8Array): Generator<[number, Uint8Array]> {
  let at = 0;
  while (at < payload.length) {
    const id = readVint(payload, at, true);
    const size = id && id !== 'invalid' ? readVint(payload, at + id.length, false) : null;
    if (!id || id === 'invalid' || !size || size === 'invalid' || size.value === UNKNOWN) return;
    const start = at + id.length + size.length;
    if (start + size.value > payload.length) return;
    yield [id.value, payload.subarray(start, start + size.value)];
    at = start + size.value;
  }
}

const readUint = (bytes: Uint8Array) => bytes.reduce((n, b) => n * 256 + b, 0);

function videoTracks(tracks: Uint8Array): WebmVideoTrack[] {
  const found: WebmVideoTrack[] = [];
  for (const [id, entry] of children(tracks)) {
    if (id !== TRACK_ENTRY) continue;
    const track: WebmVideoTrack & { type: number } = { number: 0, type: 0, codecId: '', codecPrivate: null, width: 0, height: 0 };
    for (const [field, value] of children(entry)) {
      if (field === TRACK_NUMBER) track.number = readUint(value);
      else if (field === TRACK_TYPE) track.type = readUint(value);
      else if (field === CODEC_ID) track.codecId = new TextDecoder('latin1').decode(value).replace(/\0+$/, '');
      else if (field === CODEC_PRIVATE) track.codecPrivate = new Uint8Array(value);
      else if (field === VIDEO) {
        for (const [dimension, size] of children(value)) {
          if (dimension === PIXEL_WIDTH) track.width = readUint(size);
          else if (dimension === PIXEL_HEIGHT) track.height = readUint(size);
        }
      }
    }
    const { type, ...video } = track;
    if (type === VIDEO_TRACK_TYPE || video.codecId.startsWith('V_')) found.push(video);
  }
  return found;
}

export class WebmDemuxer extends EbmlStreamReader {
  /** Nanoseconds per timestamp unit (Info's TimestampScale; 1 ms unless it says otherwise). */
  private timestampScale = 1_000_000;
  private clusterTimestamp = 0;

  constructor(private readonly events: DemuxEvents) {
    super();
  }

  /** Reads the element at `at`: returns the bytes consumed, or 0 when more bytes are needed (or it failed). */
  protected step(buf: Uint8Array, at: number, offset: number): number {
    const id = readVint(buf, at, true);
    if (id === null) return 0;
    if (id === 'invalid' || id.length > 4) return this.fail(`no WebM element at byte ${offset}`);
    const size = readVint(buf, at + id.length, false);
    if (size === null) return 0;
    if (size === 'invalid') return this.fail(`an invalid element size at byte ${offset}`);
    const header = id.length + size.length;
    if (id.value === SEGMENT || id.value === CLUSTER) return header;
    if (size.value === UNKNOWN) return this.fail(`an element of unknown size (0x${id.value.toString(16)}) at byte ${offset}`);
    if (size.value > MAX_ELEMENT_BYTES) return this.fail(`an element of ${size.value} bytes at byte ${offset}`);
    if (!READ_WHOLE.has(id.value)) {
      this.skip = size.value;
      return header;
    }
    if (at + header + size.value > buf.length) return 0;
    this.read(id.value, buf.subarray(at + header, at + header + size.value), offset);
    return this.failed ? 0 : header + size.value;
  }

  private read(id: number, payload: Uint8Array, offset: number) {
    if (id === INFO) {
      for (const [field, value] of children(payload)) if (field === TIMESTAMP_SCALE) this.timestampScale = readUint(value) || this.timestampScale;
    } else if (id === TRACKS) {
      this.events.tracks(videoTracks(payload));
    } else if (id === TIMESTAMP) {
      this.clusterTimestamp = readUint(payload);
    } else if (id === SIMPLE_BLOCK) {
      this.block(payload, (payload[blockFlagsAt(payload)] & 0x80) !== 0, offset);
    } else if (id === BLOCK_GROUP) {
      // A Block without a ReferenceBlock next to it depends on no other frame.
      let block: Uint8Array | null = null;
      let references = false;
      for (const [field, value] of children(payload)) {
        if (field === BLOCK) block = value;
        else if (field === REFERENCE_BLOCK) references = true;
      }
      if (block) this.block(block, !references, offset);
    }
  }

  /** A (Simple)Block's payload: track number, 16-bit signed relative timecode, flags, then the frame. */
  private block(payload: Uint8Array, key: boolean, offset: number) {
    const track = readVint(payload, 0, false);
    const flagsAt = blockFlagsAt(payload);
    if (!track || track === 'invalid' || flagsAt >= payload.length) return void this.fail(`a malformed block at byte ${offset}`);
    // Lacing packs several frames in a block: audio does it, no video recorder does.
    if (payload[flagsAt] & 0x06) return;
    const relative = ((payload[track.length] << 8) | payload[track.length + 1]) << 16 >> 16;
    const timestampUs = Math.round(((this.clusterTimestamp + relative) * this.timestampScale) / 1000);
    this.events.frame({ track: track.value, timestampUs, key, data: new Uint8Array(payload.subarray(flagsAt + 1)) });
  }
}

/** Where a block's flags byte is: after the track number's vint and the 2-byte timecode. */
function blockFlagsAt(payload: Uint8Array): number {
  const track = readVint(payload, 0, false);
  return track && track !== 'invalid' ? track.length + 2 : payload.length;
}
