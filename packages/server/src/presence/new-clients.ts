import { AppError } from '../errors.js';
import type { Clock } from '../infra/clock.js';

const HOUR_MS = 60 * 60_000;

/** The desktops an enrollment token added since a moment: how many, and when the first of them was added. */
export type CountNewClients = (tokenId: number, since: number) => Promise<{ count: number; oldest: number | null }>;

export const tooManyNewClients = (userHost: string, count: number, retryAfterMs: number) =>
  new AppError(
    'too_many_new_clients',
    `This enrollment token added ${count} new desktops within the last hour (MAX_NEW_CLIENTS_PER_TOKEN_PER_HOUR): ${userHost} can enroll in ${Math.ceil(retryAfterMs / 60_000)} min; the agent tries again by itself, and an admin can raise the limit`,
    429,
    { retry_after_ms: retryAfterMs },
  ).announce();

/**
 * How long a count read from the database stands for it: within it, this node adds the new desktops it wrote
 * itself. Without it, each new desktop counted every desktop its token added in the hour (1 ms at 5 000, so an
 * enrollment wave of 10 000 spent 9 s of the connect storm's CPU on it, docs/bench-log/presence.md 2026-12-02);
 * the price is that the other nodes' new desktops of the last second are not seen.
 */
export const COUNT_FRESH_MS = 1_000;

interface Count {
  at: number;
  added: Promise<{ count: number; oldest: number | null }>;
  /** New desktops this node wrote since the count was read. */
  writtenSince: number;
}

/** A new identity's place in its token's budget, taken until it is written (or not). */
export interface Reservation {
  settle(written: boolean): void;
}

/**
 * How many new desktops (identities) one enrollment token may add within an hour (docs/SECURITY.md "Limits"), counted
 * from the shared database, so across nodes and restarts. `reserve` is called before a new identity is written and
 * settled once it was: connects under way count too, so a storm of them cannot slip past together.
 */
export function createNewClientBudget({ max, clock, count }: { max: number; clock: Clock; count: CountNewClients }) {
  const underWay = new Map<number, number>();
  const counts = new Map<number, Count>();
  const change = (tokenId: number, by: number) => {
    const next = (underWay.get(tokenId) ?? 0) + by;
    if (next > 0) underWay.set(tokenId, next);
    else underWay.delete(tokenId);
    return next;
  };
  const countOf = (tokenId: number, now: number): Count => {
    const recent = counts.get(tokenId);
    if (recent && now - recent.at < COUNT_FRESH_MS) return recent;
    const fresh: Count = { at: now, added: count(tokenId, now - HOUR_MS), writtenSince: 0 };
    // A failed count is not kept: the next reservation asks the database again.
    fresh.added.catch(() => counts.get(tokenId) === fresh && counts.delete(tokenId));
    counts.set(tokenId, fresh);
    return fresh;
  };
  return {
    async reserve(tokenId: number, userHost: string): Promise<Reservation> {
      const withThis = change(tokenId, 1);
      let settled = false;
      const settle = (written: boolean) => {
        if (settled) return;
        settled = true;
        change(tokenId, -1);
        const current = counts.get(tokenId);
        if (written && current) current.writtenSince++;
      };
      try {
        const now = clock.now();
        const current = countOf(tokenId, now);
        const added = await current.added;
        const total = added.count + current.writtenSince;
        if (total + withThis > max) throw tooManyNewClients(userHost, total, Math.max(1000, (added.oldest ?? now) + HOUR_MS - now));
      } catch (err) {
        settle(false);
        throw err;
      }
      return { settle };
    },
  };
}

export type NewClientBudget = ReturnType<typeof createNewClientBudget>;
