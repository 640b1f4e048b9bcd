import cliProgress from 'cli-progress';

/** Below this many unsent bytes the agent counts as live; above it after a reconnect it shows a bar. */
export const CATCH_UP_BYTES = 128 * 1024;
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

  /** `backlog`: the bytes captured and not yet acknowledged by the server, of every recording being streamed. */
  update(backlog: number) {
    if (!this.catchingUp && backlog > CATCH_UP_BYTES) this.begin(backlog);
    else if (this.catchingUp && backlog < LIVE_BYTES) this.end(true);
    else if (this.bar) {
      // Capture goes on meanwhile: what is left may outgrow what there was to send at first.
      const left = Math.ceil(backlog / 1024);
      if (left > this.bar.getTotal()) this.bar.setTotal(left);
      this.bar.update(this.bar.getTotal() - left);
    }
  }

  private begin(backlog: number) {
    this.catchingUp = true;
    this.onChange(true);
    this.log(`sending ${(backlog / 1e6).toFixed(1)} MB captured while the connection was down`);
    if (!this.interactive) return;
    this.bar = new cliProgress.SingleBar({ format: 'catching up |{bar}| {percentage}% {value}/{total} KB', hideCursor: true }, cliProgress.Presets.shades_classic);
    this.bar.start(Math.ceil(backlog / 1024), 0);
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
