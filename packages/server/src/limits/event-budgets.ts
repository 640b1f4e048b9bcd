import { TokenBucket } from 'limiter';
import type { Config } from '../config.js';

/** The kinds of agent events that share a budget; every event not named in `KIND_OF` is an `other`. */
export type EventKind = 'frames' | 'connects' | 'alerts' | 'other';

// A Map, not an object: an event may be named `constructor` or `__proto__`.
const KIND_OF = new Map<string, EventKind>([
  ['video-frame', 'frames'],
  ['client-connected', 'connects'],
  ['alert', 'alerts'],
]);

/** A frame costs at least this many bytes of its budget, so that a flood of tiny frames is bounded too. */
export const MIN_FRAME_COST = 1024;

export type BudgetSettings = Pick<
  Config,
  'AGENT_FRAME_BYTES_PER_SECOND' | 'MAX_FRAME_BYTES' | 'AGENT_CONNECTS_PER_MINUTE' | 'AGENT_ALERTS_PER_MINUTE' | 'AGENT_EVENTS_PER_MINUTE'
>;

/** Each kind's bucket: how much it holds (the burst) and how fast it fills. */
function bucketOf(kind: EventKind, settings: BudgetSettings): { size: number; perInterval: number; interval: number } {
  switch (kind) {
    case 'frames':
      // Bytes: a burst of four largest frames, refilled at the sustained rate.
      return { size: 4 * settings.MAX_FRAME_BYTES, perInterval: settings.AGENT_FRAME_BYTES_PER_SECOND, interval: 1000 };
    case 'connects':
      return { size: settings.AGENT_CONNECTS_PER_MINUTE, perInterval: settings.AGENT_CONNECTS_PER_MINUTE, interval: 60_000 };
    case 'alerts':
      return { size: settings.AGENT_ALERTS_PER_MINUTE, perInterval: settings.AGENT_ALERTS_PER_MINUTE, interval: 60_000 };
    case 'other':
      return { size: settings.AGENT_EVENTS_PER_MINUTE, perInterval: settings.AGENT_EVENTS_PER_MINUTE, interval: 60_000 };
  }
}

/** The bytes a `video-frame` payload carries (0 when it carries none: the handler refuses it). */
export const frameBytes = (payload: unknown): number => {
  const buffer = (payload as { buffer?: unknown } | null)?.buffer;
  return buffer instanceof Uint8Array || buffer instanceof ArrayBuffer ? buffer.byteLength : 0;
};

export const kindOf = (event: string): EventKind => KIND_OF.get(event) ?? 'other';

/** What an event costs of its kind's budget: a frame its bytes, any other event one. */
export const costOf = (kind: EventKind, payload: unknown) => (kind === 'frames' ? Math.max(frameBytes(payload), MIN_FRAME_COST) : 1);

/** One agent socket's token buckets, one per kind of event, each made at its kind's first event (a plain record: a node holds tens of thousands). */
export type EventBudgets = Partial<Record<EventKind, TokenBucket>>;

function newBucket(kind: EventKind, settings: BudgetSettings) {
  const { size, perInterval, interval } = bucketOf(kind, settings);
  const bucket = new TokenBucket({ bucketSize: size, tokensPerInterval: perInterval, interval });
  // A bucket starts full, so an agent's burst at connect (its spool's backlog, its held alerts) passes at once.
  bucket.content = size;
  return bucket;
}

/**
 * Takes `cost` from the kind's bucket of one socket's budgets (limiter's TokenBucket; docs/SECURITY.md "Limits"): 0
 * when taken, else how many ms until it could be (nothing is taken then).
 */
export function takeFromBudget(budgets: EventBudgets, kind: EventKind, cost: number, settings: BudgetSettings): number {
  const chosen = (budgets[kind] ??= newBucket(kind, settings));
  const charged = Math.min(cost, chosen.bucketSize);
  return chosen.tryRemoveTokens(charged) ? 0 : Math.max(1, chosen.getWaitTime(charged));
}
