import type { Alert } from '@vaahshare/protocol';

/** A span people read at a glance: `45 s`, `1 min 4 s`, `2 h 5 min`. */
export function formatSpan(seconds: number): string {
  const total = Math.max(0, Math.round(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h) return m ? `${h} h ${m} min` : `${h} h`;
  if (m) return s ? `${m} min ${s} s` : `${m} min`;
  return `${s} s`;
}

/**
 * What an idle alert says: how long the person was away once they are back, else how long without input so far; and
 * how often the agent reported it when it repeated itself within the idle threshold (PROTOCOL.md §8.18).
 */
export function alertText(alert: Pick<Alert, 'idle_seconds' | 'away_seconds'> & Partial<Pick<Alert, 'repeat_count'>>): string {
  const text = alert.away_seconds === null ? `No input for ${formatSpan(alert.idle_seconds)}` : `Away for ${formatSpan(alert.away_seconds)}`;
  return (alert.repeat_count ?? 1) > 1 ? `${text} (reported ${alert.repeat_count} times)` : text;
}
