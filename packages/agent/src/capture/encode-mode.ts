import { DEFAULT_QUALITY_PRESET, type QualityPreset } from '@vaahshare/protocol';
import type { EncodeMode } from './capture-args.js';

/**
 * How long the live settings stay after the last viewer left (or the connection dropped): a viewer who comes
 * back, or a reconnect while watched, does not cost two new recordings.
 */
export const WATCH_LINGER_MS = 10_000;

/**
 * How the agent encodes now: the company's preset, and live settings while someone watches. Every change is
 * reported once (the agent then starts a new recording with it: ffmpeg cannot change its encoder on the fly).
 */
export class EncodeModeState {
  private mode: EncodeMode;
  private linger: NodeJS.Timeout | null = null;

  constructor(
    preset: QualityPreset | undefined,
    private readonly changed: (mode: EncodeMode, why: string) => void,
    private readonly lingerMs = WATCH_LINGER_MS,
  ) {
    this.mode = { preset: preset ?? DEFAULT_QUALITY_PRESET, watched: false };
  }

  get current(): EncodeMode {
    return this.mode;
  }

  /** The server sent the company's preset (every connect, and whenever an admin changes it). */
  setPreset(preset: QualityPreset) {
    if (preset === this.mode.preset) return;
    this.mode = { ...this.mode, preset };
    this.changed(this.mode, `the company's quality preset is now "${preset}"`);
  }

  /** `connect-stream`: the first viewer arrived. */
  watched() {
    this.cancelLinger();
    if (this.mode.watched) return;
    this.mode = { ...this.mode, watched: true };
    this.changed(this.mode, 'someone watches live');
  }

  /** `disconnect-stream`, or the connection dropped: back to the archive's settings unless a viewer returns soon. */
  unwatched() {
    if (!this.mode.watched || this.linger) return;
    this.linger = setTimeout(() => {
      this.linger = null;
      this.mode = { ...this.mode, watched: false };
      this.changed(this.mode, 'nobody watches live any more');
    }, this.lingerMs);
    this.linger.unref?.();
  }

  stop() {
    this.cancelLinger();
  }

  private cancelLinger() {
    if (this.linger) clearTimeout(this.linger);
    this.linger = null;
  }
}
