import { hoursStateAt, type MonitoringHours, type MonitoringHoursPayload } from '@vaahshare/protocol';
import { LRUCache } from 'lru-cache';
import type { Clock } from '../infra/clock.js';

/** An agent socket on this node and the client it holds. */
export interface AgentHere {
  socketId: string;
  clientId: number;
}

/** Each client's company and the schedule that applies to it now (clients no longer there are left out). */
export type HoursLookup = (clientIds: number[]) => Promise<Map<number, { companyId: number; hours: MonitoringHours | null }>>;

export interface Timers {
  set: (fn: () => void, ms: number) => unknown;
  clear: (handle: unknown) => void;
}

export const realTimers: Timers = {
  set: (fn, ms) => setTimeout(fn, ms).unref(),
  clear: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

interface Tracked extends AgentHere {
  companyId: number | null;
  /** What was sent last (without the server time): a refresh that finds the same sends nothing. */
  sent: string | null;
  nextChangeAt: number | null;
}

/** A wake-up never waits longer than this: a clock set forward meanwhile is noticed within it. */
const MAX_WAIT_MS = 60 * 60_000;

/**
 * The earliest next change among `agents`, or `current` if none is earlier. The timer is set from the agents just
 * worked out, not from a walk over all of them: that walk after each connect made a storm of 10 000 connects
 * quadratic (50 s of CPU, docs/bench-log/presence.md 2026-12-02). A boundary walks them all once.
 */
function earliestChange(agents: Iterable<Tracked>, current: number | null): number | null {
  let earliest = current;
  for (const agent of agents) if (agent.nextChangeAt !== null && (earliest === null || agent.nextChangeAt < earliest)) earliest = agent.nextChangeAt;
  return earliest;
}

export interface AnnouncerDeps {
  clock: Clock;
  timers: Timers;
  lookup: HoursLookup;
  send: (socketId: string, payload: MonitoringHoursPayload) => void;
  onError: (err: unknown) => void;
}

/**
 * One string per distinct value among those seen lately: what each agent was sent is kept as one of them rather than
 * a copy of its own, since thousands of agents share a schedule (docs/bench-log/presence.md, "Memory per connection").
 */
function createInterner() {
  const recent = new LRUCache<string, string>({ max: 256 });
  return (value: string) => recent.get(value) ?? (recent.set(value, value), value);
}

/**
 * Tells the agents connected to this node their monitoring hours (PROTOCOL.md §8.24): once each connects, again when
 * a schedule of their company or their group changes, and at each boundary by this node's clock (one timer for the
 * earliest). Lookups are batched: whatever was asked while one ran goes in the next, so a storm of connects makes
 * few queries, and answers go out in the order they were computed.
 */
export function createHoursAnnouncer(deps: AnnouncerDeps) {
  const agents = new Map<string, Tracked>();
  const interned = createInterner();
  const pending = new Set<Tracked>();
  let running: Promise<void> | null = null;
  let timer: unknown = null;
  let armedFor: number | null = null; // the change the timer waits for (MAX_WAIT_MS may wake it earlier)
  // prettier-ignore
  const clearTimer = () => { if (timer !== null) deps.timers.clear(timer); timer = armedFor = null; };

  async function refresh(batch: Tracked[]) {
    const found = await deps.lookup([...new Set(batch.map((a) => a.clientId))]);
    const now = deps.clock.now();
    for (const agent of batch) {
      const client = found.get(agent.clientId);
      if (!client || agents.get(agent.socketId) !== agent) continue;
      const { inside, next_change_at } = hoursStateAt(client.hours, now);
      agent.companyId = client.companyId;
      agent.nextChangeAt = next_change_at;
      const state = { hours: client.hours, inside, next_change_at: next_change_at === null ? null : new Date(next_change_at).toISOString() };
      const key = JSON.stringify(state);
      if (key === agent.sent) continue;
      agent.sent = interned(key);
      deps.send(agent.socketId, { ...state, server_time: new Date(now).toISOString() });
    }
  }

  async function drain() {
    while (pending.size) {
      const batch = [...pending];
      pending.clear();
      await refresh(batch).catch(deps.onError);
      arm(batch);
    }
    running = null;
  }

  /** Works out these agents' state again (after everything asked before). Resolves once it was sent. */
  function request(targets: Iterable<Tracked>): Promise<void> {
    for (const agent of targets) pending.add(agent);
    // Nothing to do: no drain, which would end before `running` is even set and leave it set for good.
    if (!pending.size) return running ?? Promise.resolve();
    running ??= drain();
    return running;
  }

  /** Sets the timer for the earliest next change of `candidates` if it comes before the one it waits for. */
  function arm(candidates: Iterable<Tracked>) {
    const earliest = earliestChange(candidates, armedFor);
    if (earliest === null || (earliest === armedFor && timer !== null)) return;
    clearTimer();
    armedFor = earliest;
    timer = deps.timers.set(() => void boundary(), Math.min(MAX_WAIT_MS, Math.max(0, earliest - deps.clock.now())));
  }

  function boundary() {
    clearTimer();
    const now = deps.clock.now();
    const due = (a: Tracked) => a.nextChangeAt !== null && a.nextChangeAt <= now;
    arm([...agents.values()].filter((a) => !due(a)));
    return request([...agents.values()].filter(due));
  }

  return {
    /** An agent socket holds its client here now: it is told its hours. */
    add(agent: AgentHere): Promise<void> {
      const tracked: Tracked = { ...agent, companyId: null, sent: null, nextChangeAt: null };
      agents.set(agent.socketId, tracked);
      return request([tracked]);
    },
    remove(socketId: string) {
      const agent = agents.get(socketId);
      agents.delete(socketId);
      if (agent) pending.delete(agent);
    },
    /** A schedule or a group of the company changed: its agents here hear whatever changed for them. */
    companyChanged(companyId: number): Promise<void> {
      return request([...agents.values()].filter((a) => a.companyId === companyId || a.companyId === null));
    },
    /** What the timer does at a boundary (tests call it after moving a fake clock). */
    boundary,
    /** How many agent sockets it keeps. */
    size: () => agents.size,
    stop() {
      clearTimer();
      agents.clear();
    },
  };
}

export type HoursAnnouncer = ReturnType<typeof createHoursAnnouncer>;
