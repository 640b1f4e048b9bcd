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
 * How many new desktops (identities) one enrollment token may add within an hour (docs/SECURITY.md "Limits"), counted
 * from the shared database, so across nodes and restarts. `reserve` is called before a new identity is written and
 * its release once it was: connects under way count too, so a storm of them cannot slip past together.
 */
export function createNewClientBudget({ max, clock, count }: { max: number; clock: Clock; count: CountNewClients }) {
  const underWay = new Map<number, number>();
  const change = (tokenId: number, by: number) => {
    const next = (underWay.get(tokenId) ?? 0) + by;
    if (next > 0) underWay.set(tokenId, next);
    else underWay.delete(tokenId);
    return next;
  };
  return {
    async reserve(tokenId: number, userHost: string): Promise<() => void> {
      const withThis = change(tokenId, 1);
      const release = () => void change(tokenId, -1);
      try {
        const now = clock.now();
        const added = await count(tokenId, now - HOUR_MS);
        if (added.count + withThis > max) throw tooManyNewClients(userHost, added.count, Math.max(1000, (added.oldest ?? now) + HOUR_MS - now));
      } catch (err) {
        release();
        throw err;
      }
      return release;
    },
  };
}

export type NewClientBudget = ReturnType<typeof createNewClientBudget>;
