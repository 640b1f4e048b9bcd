import type { LiveChunk } from '../realtime/live-feed';
import { WebmDemuxer, type WebmFrame, type WebmVideoTrack } from './webm-demuxer';

/**
 * Frames handed to the decoder and not yet out, past which the player drops them at the next keyframe rather
 * than show ever older pictures (a slow machine, a tab back from the background): 0.3 s at the live view's 20 fps.
 */
const MAX_BACKLOG = 6;
/**
 * Frames that arrive within this of the next one came together (a joining viewer's catch-up from the last
 * keyframe, a MediaRecorder slice): of those only the newest is drawn, but a picture at least every
 * `DRAW_AT_LEAST_EVERY_MS` while they are decoded. Frames arriving one by one (50 ms apart at 20 fps) are each drawn.
 */
const TOGETHER_MS = 15;
const DRAW_AT_LEAST_EVERY_MS = 100;

/** WebCodecs exists only in a secure context (https, or localhost) of a browser that has it. */
export const webCodecsAvailable = () => typeof window !== 'undefined' && 'VideoDecoder' in window && 'EncodedVideoChunk' in window;

/** The WebCodecs codec string for a WebM video track, or null for a codec this player does not take. */
export function decoderCodec(codecId: string): string | null {
  if (codecId === 'V_VP8') return 'vp8';
  // Profile 0, level 1, 8 bits: what the agent encodes; the decoder reads the real profile from the bitstream.
  if (codecId === 'V_VP9') return 'vp09.00.10.08';
  if (codecId === 'V_AV1') return 'av01.0.08M.08';
  return null;
}

export interface WebCodecsEvents {
  /** The stream cannot be shown this way (no video track, a codec the browser cannot decode, a decoder error). */
  failed(reason: string): void;
  /** A picture was drawn, this wide. */
  drew(width: number): void;
}

/**
 * Shows a live WebM stream on a <canvas> as each frame arrives: demuxed in the page (`WebmDemuxer`), decoded by
 * a WebCodecs `VideoDecoder`, the newest decoded picture drawn at once. No media element, so no buffer to play
 * from and nothing held back: what is on screen is the newest frame decoded. A header (`stream-init`) starts a
 * fresh decoder at the first keyframe that follows; the server sends a joining viewer bytes from the last one.
 */
export class WebCodecsPlayer {
  private segmentId: string | null = null;
  private demuxer: WebmDemuxer | null = null;
  private track: WebmVideoTrack | null = null;
  private config: VideoDecoderConfig | null = null;
  private decoder: VideoDecoder | null = null;
  /** Frames from the newest keyframe on, kept while the browser answers whether it decodes the codec. */
  private waiting: WebmFrame[] = [];
  private needKey = true;
  /** Frames handed to the decoder and not yet out of it, with when each arrived, oldest first. */
  private pending: Array<{ timestampUs: number; arrivedAt: number }> = [];
  private lastDrawAt = 0;
  private newestReceivedUs: number | null = null;
  private shownUs: number | null = null;
  /** Changes with every header and stop, so an answer about an earlier stream is dropped. */
  private generation = 0;
  private readonly context: CanvasRenderingContext2D | null;
  error: string | null = null;

  constructor(private readonly canvas: HTMLCanvasElement, private readonly events: WebCodecsEvents) {
    this.context = canvas.getContext('2d', { alpha: false });
  }

  init({ segmentId, bytes }: LiveChunk) {
    this.reset();
    this.segmentId = segmentId;
    this.demuxer = new WebmDemuxer({ tracks: (tracks) => this.onTracks(tracks), frame: (frame) => this.onFrame(frame) });
    this.push(bytes);
  }

  frame({ segmentId, bytes }: LiveChunk) {
    if (segmentId === this.segmentId) this.push(bytes);
  }

  /** Seconds into the segment of the picture on screen; null while none is. */
  position(): number | null {
    return this.shownUs === null ? null : this.shownUs / 1e6;
  }

  /** Seconds between the newest frame received and the picture on screen (frames still in the decoder). */
  bufferLag(): number {
    return this.shownUs === null || this.newestReceivedUs === null ? 0 : Math.max(0, (this.newestReceivedUs - this.shownUs) / 1e6);
  }

  stop() {
    this.reset();
    this.segmentId = null;
  }

  private push(bytes: Uint8Array) {
    const demuxer = this.demuxer;
    if (!demuxer || this.error) return;
    demuxer.push(bytes);
    if (demuxer.failed) this.fail(`the stream could not be read: ${demuxer.failed}`);
  }

  private onTracks(tracks: WebmVideoTrack[]) {
    const track = tracks[0];
    if (!track) return this.fail('the stream has no video track');
    const codec = decoderCodec(track.codecId);
    if (!codec) return this.fail(`no WebCodecs decoder for ${track.codecId}`);
    this.track = track;
    const config: VideoDecoderConfig = { codec, optimizeForLatency: true, ...(track.width && track.height ? { codedWidth: track.width, codedHeight: track.height } : {}) };
    const generation = this.generation;
    VideoDecoder.isConfigSupported(config).then(
      ({ supported }) => {
        if (generation !== this.generation) return;
        if (supported) this.openDecoder(config);
        else this.fail(`this browser's VideoDecoder does not decode ${codec}`);
      },
      (err: unknown) => generation === this.generation && this.fail(`VideoDecoder refused ${codec} (${message(err)})`),
    );
  }

  private openDecoder(config: VideoDecoderConfig) {
    this.config = config;
    this.decoder = new VideoDecoder({
      output: (picture) => this.show(picture),
      error: (err) => this.fail(`the decoder failed (${err.message})`),
    });
    this.decoder.configure(config);
    const waiting = this.waiting;
    this.waiting = [];
    const now = performance.now();
    // The catch-up from the keyframe is not drawn frame by frame from its start.
    this.lastDrawAt = now;
    for (const frame of waiting) this.decode(frame, now);
  }

  private onFrame(frame: WebmFrame) {
    if (frame.track !== this.track?.number) return;
    this.newestReceivedUs = frame.timestampUs;
    if (this.decoder) this.decode(frame, performance.now());
    else if (frame.key) this.waiting = [frame];
    else if (this.waiting.length) this.waiting.push(frame);
  }

  private decode(frame: WebmFrame, arrivedAt: number) {
    const decoder = this.decoder;
    if (!decoder || !this.config) return;
    if (frame.key && this.pending.length > MAX_BACKLOG) {
      // Behind by more than the backlog: what is queued would only show the past; start again at this keyframe.
      decoder.reset();
      decoder.configure(this.config);
      this.pending = [];
    }
    if (this.needKey && !frame.key) return;
    this.needKey = false;
    try {
      decoder.decode(new EncodedVideoChunk({ type: frame.key ? 'key' : 'delta', timestamp: frame.timestampUs, data: frame.data }));
      this.pending.push({ timestampUs: frame.timestampUs, arrivedAt });
    } catch (err) {
      this.fail(`the decoder refused a frame (${message(err)})`);
    }
  }

  private show(picture: VideoFrame) {
    // Pictures come out in the order their frames went in (no codec here reorders them).
    const at = this.pending.findIndex((p) => p.timestampUs === picture.timestamp);
    const frame = this.pending[at];
    this.pending = this.pending.slice(at + 1);
    const now = performance.now();
    const next = this.pending[0];
    // A newer frame that came with this one is in the decoder: draw that one instead (but not never).
    if (frame && next && next.arrivedAt - frame.arrivedAt < TOGETHER_MS && now - this.lastDrawAt < DRAW_AT_LEAST_EVERY_MS) return picture.close();
    const { displayWidth: width, displayHeight: height } = picture;
    if (this.canvas.width !== width || this.canvas.height !== height) {
      this.canvas.width = width;
      this.canvas.height = height;
    }
    this.context?.drawImage(picture, 0, 0, width, height);
    this.shownUs = picture.timestamp;
    picture.close();
    this.lastDrawAt = now;
    this.events.drew(width);
  }

  private fail(reason: string) {
    if (this.error) return;
    this.error = reason;
    this.closeDecoder();
    this.events.failed(reason);
  }

  private reset() {
    this.generation++;
    this.closeDecoder();
    this.demuxer = null;
    this.track = null;
    this.waiting = [];
    this.newestReceivedUs = null;
    this.shownUs = null;
    this.error = null;
  }

  private closeDecoder() {
    if (this.decoder && this.decoder.state !== 'closed') this.decoder.close();
    this.decoder = null;
    this.config = null;
    this.pending = [];
    this.needKey = true;
  }
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));
