import type { LiveChunk } from '../realtime/live-feed';
import { ArrivalPieces, liveEdgeStep } from './live-edge';

/** Buffered video kept behind the playhead; older is removed so a long watch does not fill memory. */
const KEEP_BEHIND_S = 20;

/** The codec named in a WebM header (its CodecID), so MediaSource is opened for what the agent sends. */
export function codecOf(header: Uint8Array): string {
  const text = new TextDecoder('latin1').decode(header.subarray(0, 4096));
  if (text.includes('V_VP9')) return 'vp9';
  if (text.includes('V_AV1')) return 'av01.0.08M.08';
  return 'vp8';
}

/**
 * Plays a live WebM stream in a <video> through MediaSource: a header (`stream-init`) opens a fresh source,
 * the following bytes are appended in order, and playback stays at the newest frame (`liveEdgeStep`).
 */
export class LivePlayer {
  private source: MediaSource | null = null;
  private buffer: SourceBuffer | null = null;
  private queue: Uint8Array[] = [];
  private objectUrl: string | null = null;
  private segmentId: string | null = null;
  private pieces = new ArrivalPieces();
  error: string | null = null;

  constructor(private readonly video: HTMLVideoElement) {}

  init({ segmentId, bytes }: LiveChunk) {
    this.reset();
    this.segmentId = segmentId;
    this.pieces = new ArrivalPieces();
    const mime = `video/webm; codecs="${codecOf(bytes)}"`;
    if (!('MediaSource' in window) || !MediaSource.isTypeSupported(mime)) {
      this.error = `This browser cannot play ${mime} live`;
      return;
    }
    const source = new MediaSource();
    this.source = source;
    this.queue = [bytes];
    source.addEventListener('sourceopen', () => {
      if (this.source !== source) return;
      this.buffer = source.addSourceBuffer(mime);
      this.buffer.addEventListener('updateend', () => this.onUpdateEnd());
      this.pump();
    });
    this.objectUrl = URL.createObjectURL(source);
    this.video.src = this.objectUrl;
  }

  frame({ segmentId, bytes }: LiveChunk) {
    if (segmentId !== this.segmentId || !this.source) return;
    this.queue.push(bytes);
    this.pump();
  }

  /** Seconds into the segment of the picture on screen; null while none is. */
  position(): number | null {
    return this.video.readyState < 2 ? null : this.video.currentTime;
  }

  /** Seconds between the newest frame received and what is on screen. */
  bufferLag(): number {
    const { buffered, currentTime } = this.video;
    return buffered.length ? Math.max(0, buffered.end(buffered.length - 1) - currentTime) : 0;
  }

  stop() {
    this.reset();
    this.video.removeAttribute('src');
    this.video.load();
  }

  private reset() {
    this.queue = [];
    this.buffer = null;
    if (this.source?.readyState === 'open') {
      try {
        this.source.endOfStream();
      } catch {
        // Ending a source that is mid-update throws; it is discarded either way.
      }
    }
    this.source = null;
    if (this.objectUrl) URL.revokeObjectURL(this.objectUrl);
    this.objectUrl = null;
    this.error = null;
  }

  private pump() {
    const buffer = this.buffer;
    if (!buffer || buffer.updating || !this.queue.length) return;
    const next = this.queue.length === 1 ? this.queue[0] : concat(this.queue);
    this.queue = [];
    try {
      buffer.appendBuffer(next as BufferSource);
    } catch (err) {
      this.error = `The live stream could not be decoded (${err instanceof Error ? err.message : String(err)})`;
    }
  }

  private onUpdateEnd() {
    this.followLiveEdge();
    this.trimBehind();
    this.pump();
  }

  private followLiveEdge() {
    const { buffered } = this.video;
    if (!buffered.length) return;
    const end = buffered.end(buffered.length - 1);
    this.pieces.grew(end);
    const step = liveEdgeStep({ start: buffered.start(buffered.length - 1), end }, this.video.currentTime, this.pieces.largest());
    if (step.seekTo !== null) this.video.currentTime = step.seekTo;
    if (this.video.playbackRate !== step.playbackRate) this.video.playbackRate = step.playbackRate;
    if (this.video.paused) void this.video.play().catch(() => {});
  }

  private trimBehind() {
    const buffer = this.buffer;
    const { buffered, currentTime } = this.video;
    if (!buffer || buffer.updating || !buffered.length || currentTime - buffered.start(0) < KEEP_BEHIND_S * 2) return;
    buffer.remove(buffered.start(0), currentTime - KEEP_BEHIND_S);
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
