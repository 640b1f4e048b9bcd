/**
 * The variable-length integers of EBML (Matroska, WebM): element IDs and sizes. One reader for the server, which
 * follows and checks agents' streams (`media/webm-scanner.ts`), and the dashboard, which demuxes a live stream for
 * WebCodecs (`lib/webm-demuxer.ts`).
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
