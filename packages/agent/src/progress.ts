import cliProgress from 'cli-progress';

/** Below this many unsent bytes the agent counts as live; above it after a reconnect it shows a bar. */
const CATCH_UP_BYTES = 128 * 1024;
const LIVE_BYTES = 48 * 1024;

/** The catch-up after a cut: a progress bar on a terminal, a line at start and end elsewhere. */
export class CatchUpProgress {
  private bar: cliProgress.SingleBar | null = null;
  private catchingUp = false;

  constructor(
    private readonly log: (line: string) => void,
    private readonly onChange: (catchingUp: boolean) => void,
    private readonly interactive = Boolean(process.stdout.isTTY),
  ) {}

  update(acked: number, size: number) {
    const backlog = size - acked;
    if (!this.catchingUp && backlog > CATCH_UP_BYTES) this.begin(acked, size);
    else if (this.catchingUp && backlog < LIVE_BYTES) this.end(true);
    else if (this.bar) {
      this.bar.setTotal(Math.ceil(size / 1024));
      this.bar.update(Math.floor(acked / 1024));
    }
  }

  private begin(acked: number, size: number) {
    this.catchingUp = true;
    this.onChange(true);
    this.log(`sending ${((size - acked) / 1e6).toFixed(1)} MB captured while the connection was down`);
    if (!this.interactive) return;
    this.bar = new cliProgress.SingleBar({ format: 'catching up |{bar}| {percentage}% {value}/{total} KB', hideCursor: true }, cliProgress.Presets.shades_classic);
    this.bar.start(Math.ceil(size / 1024), Math.floor(acked / 1024));
  }

  /** Caught up (the bar completes), or interrupted by another drop (the bar just stops). */
  end(caughtUp = true) {
    if (!this.catchingUp) return;
    this.catchingUp = false;
    // What is left after a catch-up is the live stream's own small backlog.
    if (caughtUp) this.bar?.update(this.bar.getTotal());
    this.bar?.stop();
    this.bar = null;
    if (!caughtUp) return;
    this.onChange(false);
    this.log('caught up: live again');
  }
}
