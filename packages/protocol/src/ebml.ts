/**
 * EBML (Matroska, WebM) as it streams: the variable-length integers of element IDs and sizes, and the loop that reads
 * a stream element by element as its bytes arrive. One reader for the server, which follows and checks agents' streams
 * (`media/webm-scanner.ts`), and the dashboard, which demuxes a live stream for WebCodecs (`lib/webm-demuxer.ts`).
 */

/** A size whose bits are all ones: the element runs until its parent ends or a sibling starts (MediaRecorder writes these). */
export const EBML_UNKNOWN_SIZE = -1;

export interface Vint {
  value: number;
  length: number;
}

/**
 * The variable-length integer at `at`: null if its bytes have not all arrived, 'invalid' if none can start here.
 * `keepMarker`: an element ID (its length marker is part of its value); otherwise a size, all ones being
 * `EBML_UNKNOWN_SIZE`.
 */
export function readVint(buf: Uint8Array, at: number, keepMarker: boolean): Vint | null | 'invalid' {
  if (at >= buf.length) return null;
  const first = buf[at];
  if (first === 0) return 'invalid';
  const length = Math.clz32(first) - 23;
  if (at + length > buf.length) return null;
  let value = keepMarker ? first : first & (0xff >> length);
  let allOnes = value === 0xff >> length;
  for (let i = 1; i < length; i++) {
    value = value * 256 + buf[at + i];
    if (buf[at + i] !== 0xff) allOnes = false;
  }
  return { value: !keepMarker && allOnes ? EBML_UNKNOWN_SIZE : value, length };
}

const NOTHING = new Uint8Array(0);

/**
 * Reads an EBML stream in chunks split at any byte, one element (or element header) at a time, through `step`. Keeps
 * only what a step could not finish yet (an element header, or an element the subclass reads whole), and lets a
 * payload it was told to `skip` stream by without buffering it. Once `fail`ed it reads nothing more.
 */
export abstract class EbmlStreamReader {
  /** The stream offset of `carry`'s first byte: every byte before it is consumed. */
  protected position = 0;
  protected carry: Uint8Array = NOTHING;
  /** Payload bytes still to pass by unread. */
  protected skip = 0;
  /** Why the bytes cannot be read on (they are not the stream this reads); nothing more is read then. */
  failed: string | null = null;

  push(chunk: Uint8Array): void {
    if (this.failed) return;
    const buf = this.carry.length ? concat(this.carry, chunk) : chunk;
    let at = 0;
    while (at < buf.length) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, buf.length - at);
        this.skip -= n;
        at += n;
        continue;
      }
      const used = this.step(buf, at, this.position + at);
      if (used === 0) break;
      at += used;
    }
    this.position += at;
    // A copy (a Buffer's `slice` would be a view): what is carried must not keep the caller's whole chunk alive.
    this.carry = at < buf.length ? new Uint8Array(buf.subarray(at)) : NOTHING;
  }

  /**
   * Reads what starts at `buf[at]` (stream offset `offset`): returns the bytes it consumed (setting `skip` for a payload
   * to pass by), or 0 when it needs more bytes or has failed.
   */
  protected abstract step(buf: Uint8Array, at: number, offset: number): number;

  protected fail(reason: string): number {
    this.failed = reason;
    return 0;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
