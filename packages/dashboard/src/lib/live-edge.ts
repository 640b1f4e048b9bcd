/**
 * Where a live <video> should play: as near the newest frame received as a little jitter room allows. The
 * MediaSource's buffered range ends one frame after the newest frame; a viewer who joins gets everything from
 * the last keyframe (up to 2 s back), and a tab in the background falls behind: playback jumps to the live edge
 * when far behind, and plays a little faster when slightly behind (no jump the viewer notices). A stream that
 * arrives in larger pieces (the original client's MediaRecorder slices) is played that far behind instead, so
 * that it plays smoothly rather than freezing and jumping with every piece.
 */

/** Seconds behind the buffered end that playback aims at: two or three frames of jitter room at 20 fps. */
export const LIVE_TARGET_S = 0.12;
/** Further behind the target than this, playback jumps to the live edge (a joining viewer's catch-up, a tab back from the background). */
export const JUMP_LAG_S = 0.7;
/** Further behind than the target by this, playback runs at `CATCH_UP_RATE` until it is back. */
const SLACK_S = 0.08;
export const CATCH_UP_RATE = 1.25;

export interface LiveEdgeStep {
  /** Seek here (seconds), or leave the position as it is. */
  seekTo: number | null;
  playbackRate: number;
}

/**
 * The newest buffered range and the playback position → what to do so the viewer sees the newest frames.
 * `pieceS`: the most media seconds one recent arrival added (a frame's 0.05 s from the agent, 1–2 s from MediaRecorder slices).
 */
export function liveEdgeStep(range: { start: number; end: number }, currentTime: number, pieceS = 0): LiveEdgeStep {
  const target = Math.max(LIVE_TARGET_S, pieceS);
  const lag = range.end - currentTime;
  if (currentTime < range.start || lag > target + JUMP_LAG_S) return { seekTo: Math.max(range.start, range.end - target), playbackRate: 1 };
  return { seekTo: null, playbackRate: lag > target + SLACK_S ? CATCH_UP_RATE : 1 };
}

/** The largest of the last few amounts the buffered end grew by: how much media arrives at once. */
export class ArrivalPieces {
  private readonly recent: number[] = [];
  private lastEnd: number | null = null;

  constructor(private readonly keep = 10) {}

  /** The buffered end after an append; the first one (a joining viewer's catch-up) is no arrival piece. */
  grew(end: number) {
    if (this.lastEnd !== null && end > this.lastEnd) {
      this.recent.push(end - this.lastEnd);
      if (this.recent.length > this.keep) this.recent.shift();
    }
    this.lastEnd = end;
  }

  largest(): number {
    return Math.max(0, ...this.recent);
  }
}
