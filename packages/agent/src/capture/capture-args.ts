/** What to capture and how to encode it (the `start` / `record` options). */
export interface CaptureOptions {
  /** `screen` (the desktop, per platform) or `test` (a synthetic moving picture). */
  source: 'screen' | 'test';
  fps: number;
  /** The picture is scaled to fit in this box, keeping its aspect ratio. */
  width: number;
  height: number;
  /** Target bitrate, ffmpeg syntax (`1M`, `800k`). */
  bitrate: string;
  /** X11 display (`:0`), avfoundation screen device index (`1`) or gdigrab target (`desktop`). */
  display: string;
  /** The X11 screen's size when known; some ffmpeg versions grab only 640x480 without it. */
  screenSize?: string;
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
 * The whole ffmpeg command line of a capture: VP8 WebM tuned for live use (realtime deadline, no
 * look-ahead, a keyframe at least every 2 s, a cluster per ~100 ms flushed at once) written to stdout,
 * which is the segment file opened for appending. Through a pipe-like output the muxer never seeks
 * back, so bytes once written never change and can be sent as soon as they are on disk.
 */
export function captureArgs(o: CaptureOptions, platform: NodeJS.Platform = process.platform): string[] {
  const input =
    o.source === 'test'
      ? ['-re', '-f', 'lavfi', '-i', `testsrc2=size=${o.width}x${o.height}:rate=${o.fps}`]
      : screenInput(o, platform);
  const fit = `scale=w=${o.width}:h=${o.height}:force_original_aspect_ratio=decrease,scale=trunc(iw/2)*2:trunc(ih/2)*2,format=yuv420p`;
  const keyframeEvery = Math.max(1, Math.floor(o.fps * 2));
  return [
    '-hide_banner', '-loglevel', 'error',
    ...input,
    '-vf', fit,
    '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-lag-in-frames', '0', '-auto-alt-ref', '0',
    '-b:v', o.bitrate, '-g', String(keyframeEvery),
    '-f', 'webm', '-cluster_time_limit', '100', '-flush_packets', '1', 'pipe:1',
  ];
}
