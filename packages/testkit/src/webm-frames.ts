/**
 * Follows a WebM byte stream as a viewer receives it and reports, for every video frame, its
 * presentation time (Cluster Timecode + SimpleBlock offset, in ms) and when its last byte arrived.
 * Enough Matroska for what ffmpeg and MediaRecorder write: known- or unknown-size Segment and Clusters.
 */
const SEGMENT = 0x18538067;
const CLUSTER = 0x1f43b675;
const TIMECODE = 0xe7;
const SIMPLE_BLOCK = 0xa3;
const CONTAINERS = new Set([SEGMENT, CLUSTER]);

function vint(buf: Buffer, at: number, keepMarker: boolean): { value: number; length: number; unknown: boolean } | null {
  if (at >= buf.length) return null;
  const length = Math.clz32(buf[at]) - 23;
  if (length < 1 || length > 8 || at + length > buf.length) return null;
  let value = keepMarker ? buf[at] : buf[at] & (0xff >> length);
  let allOnes = value === 0xff >> length;
  for (let i = 1; i < length; i++) {
    value = value * 256 + buf[at + i];
    if (buf[at + i] !== 0xff) allOnes = false;
  }
  return { value, length, unknown: !keepMarker && allOnes };
}

export interface FrameArrival {
  ptsMs: number;
  arrivedAt: number;
  /** A keyframe: a decoder can start here. */
  key: boolean;
  /** The block's size (the frame and its few header bytes). */
  bytes: number;
}

export class WebmFrameTimes {
  readonly frames: FrameArrival[] = [];
  private buf = Buffer.alloc(0);
  private clusterTimecode = 0;

  push(chunk: Uint8Array, arrivedAt: number) {
    this.buf = Buffer.concat([this.buf, chunk]);
    let at = 0;
    for (;;) {
      const id = vint(this.buf, at, true);
      const size = id && vint(this.buf, at + id.length, false);
      if (!id || !size) break;
      const body = at + id.length + size.length;
      // Descend into containers; read whole leaf elements only.
      if (CONTAINERS.has(id.value)) {
        at = body;
        continue;
      }
      if (body + size.value > this.buf.length) break;
      if (id.value === TIMECODE) this.clusterTimecode = this.buf.readUIntBE(body, size.value);
      if (id.value === SIMPLE_BLOCK) {
        const track = vint(this.buf, body, false)!;
        const flags = this.buf[body + track.length + 2];
        this.frames.push({ ptsMs: this.clusterTimecode + this.buf.readInt16BE(body + track.length), arrivedAt, key: (flags & 0x80) !== 0, bytes: size.value });
      }
      at = body + size.value;
    }
    this.buf = this.buf.subarray(at);
  }
}
