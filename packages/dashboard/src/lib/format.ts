const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const time = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

const moment = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

export const formatDateTime = (iso: string | null | undefined) => (iso ? dateTime.format(new Date(iso)) : '—');
/** To the second, for when something was last known. */
export const formatMoment = (iso: string | null | undefined) => (iso ? moment.format(new Date(iso)) : '—');
export const formatTime = (date: Date) => time.format(date);
/** `14:02:11`: when something happened today, to the second. */
export const formatClock = (ms: number, locale?: string) =>
  new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit', second: '2-digit' }).format(ms);

/**
 * A recording's time span: "Tue 1 Dec 14:03–14:33"; the end's day is repeated only when it is another day.
 * An open span (still recording) is its start alone.
 */
export function formatSpan(startIso: string, endIso: string | null, locale?: string): string {
  const day = new Intl.DateTimeFormat(locale, { weekday: 'short', day: 'numeric', month: 'short' });
  const clock = new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit' });
  const start = new Date(startIso);
  const from = `${day.format(start)} ${clock.format(start)}`;
  if (!endIso) return from;
  const end = new Date(endIso);
  return day.format(end) === day.format(start) ? `${from}–${clock.format(end)}` : `${from} – ${day.format(end)} ${clock.format(end)}`;
}

/** `1:05:03` / `5:03` for media durations. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  const total = Math.round(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 && unit > 0 ? 1 : 0)} ${units[unit]}`;
}

/** "just now", "5 min ago", "3 h ago", "2 days ago". */
export function formatAgo(iso: string | null | undefined, now: number): string {
  if (!iso) return 'never';
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (seconds < 45) return 'just now';
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.round(seconds / 3600)} h ago`;
  const days = Math.round(seconds / 86400);
  return `${days} day${days === 1 ? '' : 's'} ago`;
}

/** Seconds left until a deadline, as `0:42`. */
export function formatCountdown(iso: string | null | undefined, now: number): string {
  if (!iso) return '';
  const seconds = Math.max(0, Math.ceil((Date.parse(iso) - now) / 1000));
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}

export function machineSummary(meta: Record<string, unknown>): string {
  const text = (key: string) => (typeof meta[key] === 'string' ? (meta[key] as string) : '');
  return [text('operatingSystem'), text('platform')].filter(Boolean).join(' · ') || '—';
}
