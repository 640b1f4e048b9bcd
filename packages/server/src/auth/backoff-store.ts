import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import { LRUCache } from 'lru-cache';
import type { Clock } from '../infra/clock.js';

/** However many tries a key makes while refused, it waits no longer than this. */
const LONGEST_WAIT_MS = 24 * 3600_000;

interface Entry {
  count: number;
  windowStart: number;
  /** Once `count` reached the limit: until when the key is refused. */
  blockedUntil: number;
}

type Callback = (error: Error | null, result?: { current: number; ttl: number }) => void;

/**
 * A store for @fastify/rate-limit with a real back-off: once a key has counted `max` within the window it is
 * refused for one window from its last try, and each further try while refused doubles the wait (its local store's `exponentialBackoff`
 * reports a longer wait than it enforces). Time comes from the app's clock. One node's memory: on a cluster
 * each node counts on its own (docs/SECURITY.md).
 */
export function backoffStore(clock: Clock): FastifyRateLimitStoreCtor {
  class BackoffStore implements FastifyRateLimitStore {
    // Made at the first count: an LRUCache allocates room for all its entries at once (~1 MB and ~7 ms here), and
    // @fastify/rate-limit makes a store per limiter and per limited route, most of which never count anything.
    private cache?: LRUCache<string, Entry>;
    private get entries() {
      return (this.cache ??= new LRUCache<string, Entry>({ max: 50_000 }));
    }

    private live(key: string, timeWindow: number): Entry | undefined {
      const entry = this.cache?.get(key);
      const now = clock.now();
      if (!entry || (now >= entry.windowStart + timeWindow && now >= entry.blockedUntil)) return undefined;
      return entry;
    }

    private answer(entry: Entry, timeWindow: number, max: number) {
      const now = clock.now();
      const ttl = entry.count >= max ? entry.blockedUntil - now : entry.windowStart + timeWindow - now;
      return { current: entry.count, ttl: Math.max(0, ttl) };
    }

    incr(key: string, callback: Callback, timeWindow: number, max: number) {
      const now = clock.now();
      const entry = this.live(key, timeWindow) ?? { count: 0, windowStart: now, blockedUntil: 0 };
      entry.count++;
      if (entry.count >= max) entry.blockedUntil = now + Math.min(timeWindow * 2 ** Math.max(0, entry.count - max - 1), LONGEST_WAIT_MS);
      this.entries.set(key, entry);
      callback(null, this.answer(entry, timeWindow, max));
    }

    read(key: string, callback: Callback, timeWindow: number, max: number) {
      const entry = this.live(key, timeWindow);
      callback(null, entry ? this.answer(entry, timeWindow, max) : { current: 0, ttl: 0 });
    }

    child() {
      return new BackoffStore();
    }
  }
  return BackoffStore as unknown as FastifyRateLimitStoreCtor;
}
