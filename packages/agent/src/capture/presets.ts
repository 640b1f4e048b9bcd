import type { QualityPreset } from '@vaahshare/protocol';

/**
 * The encoder settings behind each company quality preset (PROTOCOL.md §8.23), chosen on the office workload
 * (`npm run bench:office`, BENCHMARKS.md, docs/bench-log/office.md): VP9 tuned for screen content at constant
 * quality (`crf`) with a bitrate cap, no look-ahead, frames identical to the last one dropped (variable frame
 * rate) and a keyframe only every `keyframeFrames` encoded frames — a still screen costs almost nothing.
 * Balanced records the workload in 9.5 MB per desktop-hour at SSIM 0.965: the lever was a low cap, which
 * holds back libvpx's finer keyframes and golden frames; a floor under the quantizer cost quality instead.
 */
export interface EncoderPreset {
  /** libvpx-vp9 constant quality, 0 (best) – 63, while nobody watches. */
  crf: number;
  /**
   * The best quantizer (0–63) a frame may get while nobody watches. Without it libvpx spends 7–20 kB on every
   * tenth frame of a still screen (a golden frame coded better than `crf` asks), for as long as it stays still.
   */
  qmin: number;
  /**
   * The recording's bitrate cap (ffmpeg syntax) while nobody watches. Below libvpx's own rate it also holds back
   * the finer quantizer libvpx gives keyframes and golden frames, which is where a low cap saves its bytes.
   */
  cap: string;
  /** The live view's bitrate cap (while someone watches), unchanged by the recording's tuning. */
  liveCap: string;
  /** Encoded frames between keyframes while nobody watches; bounds what a seek in History decodes. */
  keyframeFrames: number;
  /** Frames a second captured at most while nobody watches (`--fps` may ask for fewer). */
  maxFps: number;
  /** The live view's constant quality (while someone watches), unchanged by the recording's tuning. */
  liveCrf: number;
}

export const PRESETS: Record<QualityPreset, EncoderPreset> = {
  archive: { crf: 63, qmin: 56, cap: '100k', keyframeFrames: 150, maxFps: 2, liveCrf: 52, liveCap: '300k' },
  balanced: { crf: 63, qmin: 40, cap: '100k', keyframeFrames: 150, maxFps: 2, liveCrf: 46, liveCap: '500k' },
  sharp: { crf: 40, qmin: 0, cap: '1500k', keyframeFrames: 100, maxFps: 10, liveCrf: 36, liveCap: '1500k' },
};

/**
 * libvpx's realtime speed while nobody watches: 5 codes scrolled text and window switches in fewer bytes than 8
 * at a few % of a core more. While watched the live view keeps 8, its fastest (a viewer's delay).
 */
export const RECORDING_SPEED = 5;
export const LIVE_SPEED = 8;

/** While someone watches live: a keyframe this often, so a viewer who joins later starts within this. */
export const WATCHED_KEYFRAME_SECONDS = 2;

/**
 * While someone watches live, frames are captured at least this often, for smooth motion. (The bundled ffmpeg writes
 * each live-view frame out as soon as it is encoded, so the frame rate is not what makes a viewer's delay:
 * docs/bench-log/agent.md.)
 */
export const LIVE_VIEW_FPS = 20;
