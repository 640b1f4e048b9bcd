import { WEEKDAYS, type MonitoringHours, type Weekday } from '@vaahshare/protocol';

/** What the Settings card edits: every weekday's intervals (possibly none) and the zone. */
export interface HoursDraft {
  time_zone: string;
  days: Record<Weekday, Array<{ start: string; end: string }>>;
}

export const DAY_LABELS: Record<Weekday, string> = { mon: 'Monday', tue: 'Tuesday', wed: 'Wednesday', thu: 'Thursday', fri: 'Friday', sat: 'Saturday', sun: 'Sunday' };

/** The browser's time zone: what a new schedule starts with when the company has none yet. */
export const browserTimeZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone;

/** Every IANA zone the browser knows, for the picker. */
export const timeZones = () => Intl.supportedValuesOf('timeZone');

/** A schedule to edit: a copy of `hours`, else office hours (Mon–Fri 09:00–18:00) in `zone`. */
export function draftOf(hours: MonitoringHours | null, zone: string): HoursDraft {
  const weekday = (day: Weekday) => !['sat', 'sun'].includes(day);
  return {
    time_zone: hours?.time_zone ?? zone,
    days: Object.fromEntries(
      WEEKDAYS.map((day) => [day, hours ? (hours.days[day] ?? []).map((i) => ({ ...i })) : weekday(day) ? [{ start: '09:00', end: '18:00' }] : []]),
    ) as HoursDraft['days'],
  };
}

/** The draft as the API takes it: days without intervals left out. */
export function hoursOfDraft(draft: HoursDraft): MonitoringHours {
  return {
    time_zone: draft.time_zone,
    days: Object.fromEntries(WEEKDAYS.filter((day) => draft.days[day].length).map((day) => [day, draft.days[day].map((i) => ({ ...i }))])),
  };
}
