import { z } from 'zod';
import { idParam, idSchema } from './ids.js';

/**
 * Monitoring hours (docs/PROTOCOL.md §8.24): when the desktops of a group (or, by default, of a company) are recorded.
 * A weekly schedule of wall-clock intervals in an IANA time zone; outside them agents stay connected and capture
 * nothing. The policy is plain functions of a schedule and an instant, shared by server, agent and dashboard.
 */

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

const MINUTE = 60_000;
const DAY_MINUTES = 24 * 60;
const WEEK_MINUTES = 7 * DAY_MINUTES;
/** How far ahead the next change is looked for: past a week every boundary has come round once. */
const LOOK_AHEAD_MS = 8 * DAY_MINUTES * MINUTE;

const minutesOf = (time: string) => Number(time.slice(0, 2)) * 60 + Number(time.slice(3));

const clockTime = z.string().regex(/^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'times are HH:MM, 00:00 to 24:00');

/** One interval of a weekday; an `end` at or before `start` runs past midnight into the next day. */
export const hoursIntervalSchema = z
  .object({ start: clockTime, end: clockTime })
  .refine((i) => i.start !== '24:00', { message: 'an interval starts at 23:59 at the latest', path: ['start'] })
  .refine((i) => minutesOf(i.start) !== minutesOf(i.end), { message: 'an interval must not start and end at the same time (a whole day is 00:00 to 24:00)' });
export type HoursInterval = z.infer<typeof hoursIntervalSchema>;

const isTimeZone = (zone: string) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
};

export const monitoringHoursSchema = z.object({
  time_zone: z.string().min(1).max(64).refine(isTimeZone, { message: 'time_zone must be an IANA time zone such as Europe/Berlin' }),
  /** Each weekday's intervals (a missing or empty day: not recorded that day). */
  days: z.partialRecord(z.enum(WEEKDAYS), z.array(hoursIntervalSchema).max(12, 'at most 12 intervals a day')),
});
export type MonitoringHours = z.infer<typeof monitoringHoursSchema>;

/** PUT /api/monitoring-hours: a group's schedule (`group_id`), or the company's default (`group_id: null`); `hours: null` removes it. */
export const putMonitoringHoursBodySchema = z.object({
  company_id: idSchema.optional(),
  group_id: idSchema.nullable(),
  hours: monitoringHoursSchema.nullable(),
});
export type PutMonitoringHoursBody = z.infer<typeof putMonitoringHoursBodySchema>;

export const monitoringHoursQuerySchema = z.object({ company_id: idParam.optional() });

/** GET /api/monitoring-hours: the company's default and each group's own (null: the group follows the default). */
export interface MonitoringHoursOverview {
  company_id: number;
  default: MonitoringHours | null;
  groups: Array<{ group_id: number; name: string; hours: MonitoringHours | null }>;
}

/** Whether a desktop is recorded now, and when that changes; `hours` null: no schedule, always recorded. */
export interface HoursState {
  inside: boolean;
  /** ms since the epoch; null: it never changes (no schedule, a whole week, or an empty one). */
  next_change_at: number | null;
}

/**
 * Server → agent `monitoring-hours` (this project's agents only): the schedule that applies to the desktop, whether
 * it is inside it now and when that changes, by the server's clock (`server_time`, so an agent whose clock is off
 * still switches at the server's boundary, even while offline).
 */
export const monitoringHoursPayloadSchema = z.object({
  hours: monitoringHoursSchema.nullable(),
  inside: z.boolean(),
  next_change_at: z.string().nullable(),
  server_time: z.string(),
});
export type MonitoringHoursPayload = z.infer<typeof monitoringHoursPayloadSchema>;

/** The schedule as ranges of minutes of the week (Monday 00:00 = 0), each [from, to) with `to` ≤ from + a day. */
function weekRanges(hours: MonitoringHours): Array<[number, number]> {
  return WEEKDAYS.flatMap((day, index) =>
    (hours.days[day] ?? []).map((interval): [number, number] => {
      const from = index * DAY_MINUTES + minutesOf(interval.start);
      const end = minutesOf(interval.end);
      return [from, index * DAY_MINUTES + end + (end <= minutesOf(interval.start) ? DAY_MINUTES : 0)];
    }),
  );
}

const insideRanges = (ranges: Array<[number, number]>, weekMinute: number) =>
  ranges.some(([from, to]) => (weekMinute >= from && weekMinute < to) || (to > WEEK_MINUTES && weekMinute < to - WEEK_MINUTES));

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatterOf(zone: string) {
  let formatter = formatters.get(zone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric' });
    formatters.set(zone, formatter);
  }
  return formatter;
}

/** The wall clock in `zone` at instant `at`, read by Intl: the minute of the week and the zone's offset (minutes). */
function wallClock(zone: string, at: number): { weekMinute: number; offset: number } {
  const parts: Record<string, number> = {};
  for (const part of formatterOf(zone).formatToParts(at)) if (part.type !== 'literal') parts[part.type] = Number(part.value);
  const wallAsUtc = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute);
  const weekday = (new Date(wallAsUtc).getUTCDay() + 6) % 7; // Monday 0
  return { weekMinute: weekday * DAY_MINUTES + parts.hour * 60 + parts.minute, offset: Math.round((wallAsUtc - floorMinute(at)) / MINUTE) };
}

const floorMinute = (at: number) => Math.floor(at / MINUTE) * MINUTE;

/** Minutes of wall clock from `weekMinute` to the next start or end of a range (null: there is none). */
function minutesToNextBoundary(ranges: Array<[number, number]>, weekMinute: number): number | null {
  let best: number | null = null;
  for (const [from, to] of ranges) {
    for (const boundary of [from, to]) {
      const ahead = (((boundary - weekMinute) % WEEK_MINUTES) + WEEK_MINUTES) % WEEK_MINUTES || WEEK_MINUTES;
      if (best === null || ahead < best) best = ahead;
    }
  }
  return best;
}

/** Whether instant `at` falls inside the schedule, on the wall clock of its time zone (a repeated hour counts twice). */
export function isInsideHours(hours: MonitoringHours, at: number): boolean {
  return insideRanges(weekRanges(hours), wallClock(hours.time_zone, at).weekMinute);
}

/** The first instant after a change of offset in (`from`, `to`], to the minute (`from` has the old offset). */
function offsetChangeBetween(zone: string, from: number, to: number): number {
  const before = wallClock(zone, from).offset;
  let [low, high] = [floorMinute(from), to];
  while (high - low > MINUTE) {
    const middle = floorMinute((low + high) / 2);
    if (wallClock(zone, middle).offset === before) low = middle;
    else high = middle;
  }
  return high;
}

/**
 * Whether `at` is inside the schedule and when that next changes. The wall clock is walked from boundary to boundary
 * of the schedule; where the zone's offset changes on the way (daylight saving time), the state is read again at the
 * change itself: a boundary that the clocks skip takes effect at the jump.
 */
export function hoursStateAt(hours: MonitoringHours | null, at: number): HoursState {
  if (!hours) return { inside: true, next_change_at: null };
  const ranges = weekRanges(hours);
  const zone = hours.time_zone;
  const inside = insideRanges(ranges, wallClock(zone, at).weekMinute);
  for (let t = at; t < at + LOOK_AHEAD_MS; ) {
    const wall = wallClock(zone, t);
    const ahead = minutesToNextBoundary(ranges, wall.weekMinute);
    if (ahead === null) break;
    let next = floorMinute(t) + ahead * MINUTE;
    if (wallClock(zone, next).offset !== wall.offset) next = offsetChangeBetween(zone, t, next);
    if (insideRanges(ranges, wallClock(zone, next).weekMinute) !== inside) return { inside, next_change_at: next };
    t = next;
  }
  return { inside, next_change_at: null };
}

/** The schedule that applies to a desktop: its group's own, else the company's default, else none (always recorded). */
export const effectiveHours = (groupHours: MonitoringHours | null | undefined, companyDefault: MonitoringHours | null | undefined) =>
  groupHours ?? companyDefault ?? null;

/** `Mon 09:00`, on the wall clock of the schedule's zone. */
export function formatHoursInstant(at: number, zone: string): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone: zone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(at);
}

const dayName = (day: Weekday) => day[0].toUpperCase() + day.slice(1);

/** A schedule in words: `Mon–Fri 09:00–18:00; Sat 10:00–14:00 (Europe/Berlin)`; null is "always". */
export function hoursSummary(hours: MonitoringHours | null): string {
  if (!hours) return 'always';
  const runs: Array<{ from: Weekday; to: Weekday; text: string }> = [];
  for (const day of WEEKDAYS) {
    const text = (hours.days[day] ?? []).map((i) => `${i.start}–${i.end}`).join(', ');
    const last = runs.at(-1);
    if (last && last.text === text && WEEKDAYS.indexOf(last.to) === WEEKDAYS.indexOf(day) - 1) last.to = day;
    else runs.push({ from: day, to: day, text });
  }
  const days = runs.filter((r) => r.text).map((r) => `${dayName(r.from)}${r.from === r.to ? '' : `–${dayName(r.to)}`} ${r.text}`);
  return `${days.length ? days.join('; ') : 'never'} (${hours.time_zone})`;
}
