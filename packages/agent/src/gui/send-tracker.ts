/** How far back the sending speed is averaged. */
const SPEED_WINDOW_MS = 3000;

interface Tracked {
  acked: number;
  samples: Array<{ at: number; acked: number }>;
  retries: number;
  lastError: string | null;
}

/**
 * What the window shows of each segment on its way to the server: bytes acknowledged, speed, failed
 * attempts and the last reason. Updated by the agent as acks and failures come; nothing else runs.
 */
export class SendTracker {
  private readonly segments = new Map<string, Tracked>();

  constructor(private readonly now: () => number = Date.now) {}

  progress(id: string, acked: number) {
    const t = this.of(id);
    const at = this.now();
    t.acked = acked;
    t.samples.push({ at, acked });
    while (t.samples.length > 2 && t.samples[0].at < at - SPEED_WINDOW_MS) t.samples.shift();
  }

  failed(id: string, reason: string) {
    const t = this.of(id);
    t.retries++;
    t.lastError = reason;
  }

  forget(id: string) {
    this.segments.delete(id);
  }

  report(id: string): { sent: number; speed: number; retries: number; last_error: string | null } {
    const t = this.segments.get(id);
    if (!t) return { sent: 0, speed: 0, retries: 0, last_error: null };
    return { sent: t.acked, speed: this.speed(t), retries: t.retries, last_error: t.lastError };
  }

  /** Bytes per second over the window; 0 once nothing was acknowledged for a while. */
  private speed(t: Tracked): number {
    const now = this.now();
    const recent = t.samples.filter((s) => s.at >= now - SPEED_WINDOW_MS);
    if (recent.length < 2) return 0;
    const first = recent[0];
    const last = recent[recent.length - 1];
    const seconds = (now - first.at) / 1000;
    return seconds > 0 ? Math.round((last.acked - first.acked) / seconds) : 0;
  }

  private of(id: string): Tracked {
    let t = this.segments.get(id);
    if (!t) {
      t = { acked: 0, samples: [], retries: 0, lastError: null };
      this.segments.set(id, t);
    }
    return t;
  }
}
