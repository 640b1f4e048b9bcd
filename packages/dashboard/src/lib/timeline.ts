import type { Pause, PresenceEntry, PresenceState } from '@vaahshare/protocol';

export interface Span {
  state: PresenceState | 'unknown';
  start: number;
  end: number;
}

const DAY = 86_400_000;

/**
 * Turns presence transitions (any order) into spans covering [from, to): before the oldest known transition the
 * state is unknown (history is kept in full, but only the newest transitions are sent).
 */
export function presenceSpans(entries: PresenceEntry[], from: number, to: number): Span[] {
  const sorted = entries.map((e) => ({ state: e.state, at: Date.parse(e.at) })).sort((a, b) => a.at - b.at);
  const spans: Span[] = [];
  let state: Span['state'] = 'unknown';
  let cursor = from;
  for (const entry of sorted) {
    if (entry.at <= from) {
      state = entry.state;
      continue;
    }
    if (entry.at >= to) break;
    spans.push({ state, start: cursor, end: entry.at });
    state = entry.state;
    cursor = entry.at;
  }
  spans.push({ state, start: cursor, end: to });
  return spans.filter((s) => s.end > s.start);
}

/** One row per local day, newest last, each cut to its own spans. */
export function dayRows(entries: PresenceEntry[], days: number, now: number) {
  const today = new Date(now);
  today.setHours(0, 0, 0, 0);
  const rows = [];
  for (let i = days - 1; i >= 0; i--) {
    const start = today.getTime() - i * DAY;
    const end = Math.min(start + DAY, now);
    rows.push({ day: new Date(start), start, spans: presenceSpans(entries, start, end) });
  }
  return rows;
}

/** Share of known time spent connected (reconnecting counts as online: the client was expected back). */
export function uptimeShare(spans: Span[]): number | null {
  let known = 0;
  let online = 0;
  for (const s of spans) {
    if (s.state === 'unknown') continue;
    known += s.end - s.start;
    if (s.state !== 'disconnected') online += s.end - s.start;
  }
  return known ? online / known : null;
}

/** The parts of pauses inside [from, to): a pause lasts until it ended early, else until it was due to end. */
export function pauseSpans(pauses: Pause[], from: number, to: number, now: number): Array<{ start: number; end: number; reason: string }> {
  return pauses
    .map((p) => ({ start: Date.parse(p.started_at), end: Math.min(Date.parse(p.ended_at ?? p.ends_at), now), reason: p.reason }))
    .map((p) => ({ ...p, start: Math.max(p.start, from), end: Math.min(p.end, to) }))
    .filter((p) => p.end > p.start)
    .sort((a, b) => a.start - b.start);
}
