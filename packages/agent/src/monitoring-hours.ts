import fs from 'node:fs';
import path from 'node:path';
import { formatHoursInstant, hoursStateAt, monitoringHoursPayloadSchema, monitoringHoursSchema, type HoursState, type MonitoringHours } from '@vaahshare/protocol';
import { z } from 'zod';

const FILE = 'hours.last';
/** The state is read again at least this often: a machine waking from sleep past a boundary switches within it. */
const MAX_WAIT_MS = 60_000;

const savedSchema = z.object({ hours: monitoringHoursSchema.nullable(), skew_ms: z.number() });

export interface HoursTimers {
  now: () => number;
  set: (fn: () => void, ms: number) => unknown;
  clear: (handle: unknown) => void;
}

const realTimers: HoursTimers = {
  now: () => Date.now(),
  set: (fn, ms) => setTimeout(fn, ms).unref(),
  clear: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/**
 * The desktop's monitoring hours (docs/PROTOCOL.md §8.24): what the server said last, kept in the spool
 * (`hours.last`) so that an agent offline, or started offline, still stops and starts at each boundary. Times are
 * the server's: the difference between its clock and this one's (`skew`) is taken from each message.
 */
export class HoursWatch {
  private hours: MonitoringHours | null = null;
  private skewMs = 0;
  private state: HoursState = { inside: true, next_change_at: null };
  private timer: unknown = null;

  constructor(
    private readonly dir: string,
    private readonly onChange: (inside: boolean) => void,
    private readonly timers: HoursTimers = realTimers,
  ) {
    const saved = readSaved(dir);
    if (saved) {
      this.hours = saved.hours;
      this.skewMs = saved.skew_ms;
      this.check(false);
    }
  }

  /** Whether the desktop is to be recorded now (true until a schedule says otherwise). */
  get inside() {
    return this.state.inside;
  }

  /** While outside: when recording starts again, `Mon 09:00` on the schedule's clock (null: not under this schedule). */
  get until(): string | null {
    if (this.state.inside || this.state.next_change_at === null || !this.hours) return null;
    return formatHoursInstant(this.state.next_change_at, this.hours.time_zone);
  }

  /** The server's `monitoring-hours`; malformed ones are ignored. */
  received(payload: unknown) {
    const parsed = monitoringHoursPayloadSchema.safeParse(payload);
    if (!parsed.success) return;
    this.hours = parsed.data.hours;
    this.skewMs = Date.parse(parsed.data.server_time) - this.timers.now();
    save(this.dir, { hours: this.hours, skew_ms: this.skewMs });
    const next = parsed.data.next_change_at === null ? null : Date.parse(parsed.data.next_change_at);
    this.apply({ inside: parsed.data.inside, next_change_at: next }, true);
  }

  stop() {
    if (this.timer !== null) this.timers.clear(this.timer);
    this.timer = null;
  }

  /** The state by this machine's clock corrected to the server's. */
  private check(announce = true) {
    this.apply(hoursStateAt(this.hours, this.timers.now() + this.skewMs), announce);
  }

  private apply(state: HoursState, announce: boolean) {
    const changed = state.inside !== this.state.inside;
    this.state = state;
    this.stop();
    if (state.next_change_at !== null) {
      const wait = state.next_change_at - (this.timers.now() + this.skewMs);
      this.timer = this.timers.set(() => this.check(), Math.min(MAX_WAIT_MS, Math.max(0, wait)));
    }
    if (changed && announce) this.onChange(state.inside);
  }
}

function readSaved(dir: string) {
  try {
    return savedSchema.safeParse(JSON.parse(fs.readFileSync(path.join(dir, FILE), 'utf8'))).data ?? null;
  } catch {
    return null;
  }
}

function save(dir: string, saved: z.infer<typeof savedSchema>) {
  const file = path.join(dir, FILE);
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(saved));
  fs.renameSync(`${file}.tmp`, file);
}
