import type { QualityPreset } from '@vaahshare/protocol';
import { LIVE_SPEED, LIVE_VIEW_FPS, PRESETS, RECORDING_SPEED, WATCHED_KEYFRAME_SECONDS } from './presets.js';

/** What to capture and how to encode it (the `start` / `record` options). */
export interface CaptureOptions {
  /** `screen` (the desktop, per platform) or `test` (a synthetic moving picture). */
  source: 'screen' | 'test';
  fps: number;
  /** The picture is scaled to fit in this box, keeping its aspect ratio. */
  width: number;
  height: number;
  /** A bitrate cap (ffmpeg syntax: `1M`, `800k`) replacing the preset's; unset: the preset's. */
  bitrate?: string;
  /** X11 display (`:0`), avfoundation screen device index (`1`) or gdigrab target (`desktop`). */
  display: string;
  /** The X11 screen's size when known; some ffmpeg versions grab only 640x480 without it. */
  screenSize?: string;
}

/** How this capture encodes: the company's preset, and whether someone watches live now. */
export interface EncodeMode {
  preset: QualityPreset;
  watched: boolean;
}

/** ffmpeg input options of a screen capture on each platform. */
function screenInput(o: CaptureOptions, platform: NodeJS.Platform): string[] {
  const rate = ['-framerate', String(o.fps)];
  switch (platform) {
    case 'win32':
      return ['-f', 'gdigrab', ...rate, '-draw_mouse', '1', '-i', o.display];
    case 'darwin':
      return ['-f', 'avfoundation', ...rate, '-capture_cursor', '1', '-i', `${o.display}:none`];
    default:
      return ['-f', 'x11grab', ...rate, '-draw_mouse', '1', ...(o.screenSize ? ['-video_size', o.screenSize] : []), '-i', o.display];
  }
}

/**
 * The picture scaled to fit, and — while nobody watches — frames that barely differ from the last one kept
 * dropped (`mpdecimate`; at least one a second goes through, so the recording's duration and the bytes on
 * disk stay current). A watched capture keeps every frame, and converts to yuv420p in the same pass as it
 * scales: scaling the grabbed RGB picture first (what the filters negotiate otherwise) costs ~40 ms of CPU a
 * 1080p frame, more than the frame interval on a busy machine, so frames queued up and arrived ~150 ms late
 * (docs/bench-log/agent.md).
 */
export function captureFilters(o: Pick<CaptureOptions, 'width' | 'height' | 'fps'>, watched: boolean): string {
  const fit = `scale=w=${o.width}:h=${o.height}:force_original_aspect_ratio=decrease`;
  const even = 'scale=trunc(iw/2)*2:trunc(ih/2)*2';
  if (watched) return [fit, 'format=yuv420p', even].join(',');
  return [fit, even, `mpdecimate=max=${Math.max(1, Math.round(o.fps) - 1)}`, 'format=yuv420p'].join(',');
}

/**
 * The encoder and muxer options of a preset. Realtime VP9 (no look-ahead, screen-content tuning, row
 * threads) at constant quality under a cap. Unwatched: the recording's speed and quality (cyclic-refresh
 * adaptive quantization, a floor under the quantizer), a keyframe every `keyframeFrames` encoded frames and a
 * cluster a second. Watched: the live view's speed and quality, a keyframe every 2 s and a cluster per frame,
 * for a viewer's delay.
 */
export function encoderArgs(mode: EncodeMode, fps: number, cap?: string): string[] {
  const preset = PRESETS[mode.preset];
  // WebM stores milliseconds, so the encoder counts in them too: two grabbed frames less than a millisecond apart
  // (x11grab's first ones can be) get distinct timestamps, instead of one the muxer writes twice and that makes the
  // recording's decode fail with "non monotonically increasing dts".
  const codec = ['-enc_time_base', '1:1000', '-c:v', 'libvpx-vp9', '-deadline', 'realtime'];
  const tuning = ['-row-mt', '1', '-tune-content', 'screen', '-lag-in-frames', '0'];
  const muxer = ['-f', 'webm', '-write_crc32', '0'];
  if (mode.watched) {
    const keyframeEvery = Math.max(1, Math.round(fps * WATCHED_KEYFRAME_SECONDS));
    return [...codec, '-cpu-used', String(LIVE_SPEED), ...tuning, '-crf', String(preset.liveCrf), '-b:v', cap ?? preset.liveCap, '-g', String(keyframeEvery),
      ...muxer, '-cluster_size_limit', '0', '-flush_packets', '1'];
  }
  return [...codec, '-cpu-used', String(RECORDING_SPEED), ...tuning, '-aq-mode', '3', '-crf', String(preset.crf), '-qmin', String(preset.qmin),
    '-b:v', cap ?? preset.cap, '-g', String(preset.keyframeFrames), ...muxer, '-cluster_time_limit', '1000', '-flush_packets', '1'];
}

/** Frames a second captured: at least `LIVE_VIEW_FPS` while watched, at most the preset's otherwise. */
export const captureFps = (fps: number, mode: EncodeMode) => (mode.watched ? Math.max(fps, LIVE_VIEW_FPS) : Math.min(fps, PRESETS[mode.preset].maxFps));

/**
 * The whole ffmpeg command line of a capture, written to stdout, which is the segment file opened for
 * appending, at `captureFps`. Through a pipe-like output the muxer never seeks back, so bytes once written
 * never change and can be sent as soon as they are on disk.
 */
export function captureArgs(options: CaptureOptions, mode: EncodeMode, platform: NodeJS.Platform = process.platform): string[] {
  const o = { ...options, fps: captureFps(options.fps, mode) };
  const input =
    o.source === 'test'
      ? ['-re', '-f', 'lavfi', '-i', `testsrc2=size=${o.width}x${o.height}:rate=${o.fps}`]
      : screenInput(o, platform);
  return ['-hide_banner', '-loglevel', 'error', ...input, '-vf', captureFilters(o, mode.watched), ...encoderArgs(mode, o.fps, o.bitrate), 'pipe:1'];
}
