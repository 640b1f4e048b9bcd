import type { Clock } from '../infra/clock.js';

/** A player asks for a video in many range requests: one playback per viewer and recording within this time. */
export const ACCESS_DEDUPE_MS = 5 * 60_000;

/**
 * Says whether an access (a key such as "played:user:media") is new: not seen within `windowMs`. Keys older
 * than the window are forgotten as new ones come, so the map holds at most one window's accesses.
 */
export function createAccessDedupe(clock: Clock, windowMs: number) {
  const lastSeen = new Map<string, number>();
  return {
    isNew(key: string): boolean {
      const now = clock.now();
      for (const [seen, at] of lastSeen) {
        if (now - at < windowMs) break;
        lastSeen.delete(seen);
      }
      const previous = lastSeen.get(key);
      if (previous !== undefined && now - previous < windowMs) return false;
      // Re-inserted so the map stays ordered by time (oldest first) for the pruning above.
      lastSeen.delete(key);
      lastSeen.set(key, now);
      return true;
    },
  };
}

/** A Content-Disposition that saves the file under `name` (RFC 6266: an ASCII fallback and the UTF-8 name). */
export function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}
