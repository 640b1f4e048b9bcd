import type { ByteSource } from '../src/shared/segment-uploader.js';

/**
 * A MediaRecorder's output as a ByteSource: chunks kept in memory until the server acknowledged
 * them, so a reconnect resumes without losing what was recorded while the link was down.
 */
export class MemorySource implements ByteSource {
  private chunks: Array<{ at: number; bytes: Uint8Array }> = [];
  private total = 0;
  private done = false;
  private wake: (() => void) | null = null;

  push(bytes: Uint8Array) {
    if (bytes.length === 0) return;
    this.chunks.push({ at: this.total, bytes });
    this.total += bytes.length;
    this.notify();
  }

  finish() {
    this.done = true;
    this.notify();
  }

  size() {
    return this.total;
  }

  finished() {
    return this.done;
  }

  /** Bytes the server does not hold yet. */
  pending(acked: number) {
    return this.total - acked;
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    const out = new Uint8Array(Math.min(length, this.total - offset));
    let filled = 0;
    for (const { at, bytes } of this.chunks) {
      if (filled === out.length) break;
      const end = at + bytes.length;
      if (end <= offset + filled) continue;
      const from = offset + filled - at;
      const part = bytes.subarray(from, Math.min(bytes.length, from + out.length - filled));
      out.set(part, filled);
      filled += part.length;
    }
    return out;
  }

  changed(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, 1000);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  acknowledged(offset: number) {
    this.chunks = this.chunks.filter(({ at, bytes }) => at + bytes.length > offset);
  }

  private notify() {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }
}
