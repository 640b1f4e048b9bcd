import type { QualityPreset } from '@vaahshare/protocol';

/**
 * The encoder settings behind each company quality preset (PROTOCOL.md §8.23), chosen on the office workload
 * (`npm run bench:office`, BENCHMARKS.md): VP9 tuned for screen content at constant quality (`crf`) with a
 * bitrate cap, realtime speed, frames identical to the last one dropped (variable frame rate) and a keyframe
 * only every `keyframeFrames` encoded frames — a still screen costs almost nothing.
 */
export interface EncoderPreset {
  /** libvpx-vp9 constant quality, 0 (best) – 63. */
  crf: number;
  /** The bitrate cap (ffmpeg syntax): a screen full of motion may not go above it. */
  cap: string;
  /** Encoded frames between keyframes while nobody watches; bounds what a seek in History decodes. */
  keyframeFrames: number;
  /** Frames a second captured at most while nobody watches (`--fps` may ask for fewer). */
  maxFps: number;
}

export const PRESETS: Record<QualityPreset, EncoderPreset> = {
  archive: { crf: 52, cap: '300k', keyframeFrames: 300, maxFps: 4 },
  balanced: { crf: 46, cap: '500k', keyframeFrames: 300, maxFps: 5 },
  sharp: { crf: 36, cap: '1500k', keyframeFrames: 300, maxFps: 10 },
};

/** While someone watches live: a keyframe this often, so a viewer who joins later starts within this. */
export const WATCHED_KEYFRAME_SECONDS = 2;

/**
 * While someone watches live, frames are captured at least this often: ffmpeg's WebM muxer writes a frame out only
 * when the next one arrives, so the frame interval is most of a viewer's delay.
 */
export const LIVE_VIEW_FPS = 20;
