import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Settings as ServerSettings } from '@vaahshare/protocol';

const run = promisify(execFile);

/** How often the system idle time is read. */
const POLL_MS = 1000;

export interface IdleTools {
  /** Debian's `xprintidle`: the X11 screensaver extension's idle time in ms. */
  xprintidle: string | null;
  /** libnotify's `notify-send`, for the desktop notification. */
  notifySend: string | null;
}

/**
 * Watches the system idle time and reports once per idle period: when the user passes the
 * threshold, `onIdle` is called; it is called again only after the user was active in between.
 */
export class IdleWatcher {
  private timer: NodeJS.Timeout | null = null;
  private alerted = false;
  private settings: ServerSettings | null = null;

  constructor(
    private readonly tools: IdleTools,
    private readonly display: string,
    private readonly onIdle: (idleSeconds: number, message: string) => void,
    private readonly log: (line: string) => void,
    /** The person was active again after an alert (the window closes its idle dialog). */
    private readonly onActive: () => void = () => undefined,
  ) {}

  /** Starts (or retunes) with the server's threshold and message. */
  configure(settings: ServerSettings) {
    this.settings = settings;
    if (this.timer) return;
    if (!this.tools.xprintidle) {
      this.log('idle alerts are off: install xprintidle (Debian/Ubuntu: apt install xprintidle)');
      return;
    }
    this.timer = setInterval(() => void this.check(), POLL_MS);
  }

  stop() {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private async check() {
    const idleMs = await this.readIdleMs();
    if (idleMs === null || !this.settings) return;
    const idle = idleMs >= this.settings.idle_threshold_seconds * 1000;
    if (idle && !this.alerted) {
      this.alerted = true;
      this.onIdle(Math.floor(idleMs / 1000), this.settings.idle_message);
      this.notify(this.settings.idle_message);
    } else if (!idle) {
      if (this.alerted) this.onActive();
      this.alerted = false;
    }
  }

  private async readIdleMs(): Promise<number | null> {
    try {
      const { stdout } = await run(this.tools.xprintidle!, [], { env: { ...process.env, DISPLAY: this.display }, timeout: 2000 });
      const ms = Number(stdout.trim());
      return Number.isFinite(ms) ? ms : null;
    } catch {
      return null;
    }
  }

  private notify(message: string) {
    if (!this.tools.notifySend) return;
    execFile(this.tools.notifySend, ['--app-name=VaahShare', 'VaahShare', message], { env: { ...process.env, DISPLAY: this.display } }, () => undefined);
  }
}
