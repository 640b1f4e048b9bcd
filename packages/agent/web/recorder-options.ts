/** How the share page records the screen with MediaRecorder (measured with `npm run bench:office`, BENCHMARKS.md). */
export const RECORDER = {
  /** The first the browser supports. VP9 first: on a screen it needs a fraction of VP8's bytes for the same sharpness. */
  mimeTypes: ['video/webm;codecs=vp9', 'video/webm;codecs=vp8', 'video/webm'],
  /** The encoder's target while the screen changes; a still screen costs the browser far less. */
  videoBitsPerSecond: 400_000,
  /**
   * A keyframe at least this often (browsers without the option choose their own): a seek in History decodes at most
   * this much, and a viewer who joins starts this far back at most.
   */
  videoKeyFrameIntervalDuration: 10_000,
};
