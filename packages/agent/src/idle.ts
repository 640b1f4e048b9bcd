import { execFile } from 'node:child_process';
import type { Settings as ServerSettings } from '@vaahshare/protocol';
import { idleSourceFor, type IdleSource, type IdleSourceTools } from './idle-sources.js';

/** How often the system idle time is read. */
const POLL_MS = 1000;

export interface IdleTools extends IdleSourceTools {
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
  private source: IdleSource | null = null;

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
    const source = idleSourceFor(process.platform, this.tools, this.display);
    if ('unavailable' in source) {
      this.log(`idle alerts are off: ${source.unavailable}`);
      return;
    }
    this.source = source;
    this.timer = setInterval(() => void this.check(), POLL_MS);
  }

  stop() {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.source?.stop();
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
    return (await this.source?.read()) ?? null;
  }

  private notify(message: string) {
    if (!this.tools.notifySend) return;
    execFile(this.tools.notifySend, ['--app-name=VaahShare', 'VaahShare', message], { env: { ...process.env, DISPLAY: this.display } }, () => undefined);
  }
}
