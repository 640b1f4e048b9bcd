import { execFile } from 'node:child_process';
import type { Settings as ServerSettings } from '@vaahshare/protocol';
import { idleSourceFor, type IdleSource, type IdleSourceTools } from './idle-sources.js';

/** How often the system idle time is read. */
const POLL_MS = 1000;

export interface IdleTools extends IdleSourceTools {
  /** libnotify's `notify-send`, for the desktop notification. */
  notifySend: string | null;
}

/** One idle period that passed the threshold. */
export interface IdlePeriod {
  /** The system idle time when the threshold was found crossed. */
  idleSeconds: number;
  /** When the last input before it was. */
  since: number;
  /** When the threshold was found crossed. */
  at: number;
}

export interface IdleEvents {
  /** The user passed the threshold. */
  idle(period: IdlePeriod, message: string): void;
  /** The user is back after `period`: `awaySeconds` from the last input before it to the input that ended it (within a poll). */
  back(period: IdlePeriod, awaySeconds: number): void;
}

/**
 * Watches the system idle time and reports once per idle period: when the user passes the threshold,
 * `idle`; when input comes again, `back` with the whole idle span. A new period starts only after input.
 */
export class IdleWatcher {
  private timer: NodeJS.Timeout | null = null;
  private period: IdlePeriod | null = null;
  private settings: ServerSettings | null = null;
  private source: IdleSource | null = null;
  /** Outside monitoring hours nobody is expected at the desktop: no idle period is reported, none is open after. */
  suspended = false;

  constructor(
    private readonly tools: IdleTools,
    private readonly display: string,
    private readonly events: IdleEvents,
    private readonly log: (line: string) => void,
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
    if (this.suspended) this.period = null;
    if (idleMs === null || !this.settings || this.suspended) return;
    const now = Date.now();
    // The idle time restarts at every input: the last one was `idleMs` ago.
    const lastInput = now - idleMs;
    // Back only after real input (a threshold raised meanwhile is no return); a poll's jitter is no input.
    if (this.period && lastInput > this.period.since + POLL_MS) {
      this.events.back(this.period, Math.round((lastInput - this.period.since) / 1000));
      this.period = null;
    }
    if (!this.period && idleMs >= this.settings.idle_threshold_seconds * 1000) {
      this.period = { idleSeconds: Math.floor(idleMs / 1000), since: lastInput, at: now };
      this.events.idle(this.period, this.settings.idle_message);
      this.notify(this.settings.idle_message);
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
