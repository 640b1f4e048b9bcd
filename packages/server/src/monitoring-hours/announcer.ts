import { hoursStateAt, type MonitoringHours, type MonitoringHoursPayload } from '@vaahshare/protocol';
import type { Clock } from '../infra/clock.js';
import { memoizedPerObject } from '../infra/memoized.js';

/** Where a client is: its company and its group, whose schedules decide its hours. */
export interface Placement {
  companyId: number;
  groupId: number | null;
}

/** An agent socket on this node and the client it holds. */
export interface AgentHere {
  socketId: string;
  clientId: number;
  /** Where presence found the client as it connected, and when (this node's clock) it started reading that. */
  placed?: Placement & { at: number };
}

/** Where each of these clients is now (clients no longer there are left out): a database read. */
export type PlacementLookup = (clientIds: number[]) => Promise<Map<number, Placement>>;

/** The schedule that applies to a placement (null: recorded always). */
export type HoursOf = (placement: Placement) => Promise<MonitoringHours | null>;

export interface Timers {
  set: (fn: () => void, ms: number) => unknown;
  clear: (handle: unknown) => void;
}

export const realTimers: Timers = {
  set: (fn, ms) => setTimeout(fn, ms).unref(),
  clear: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

interface Tracked {
  socketId: string;
  clientId: number;
  /** Null until known, and again after a change of its company (its group may have changed). */
  placement: Placement | null;
  /** What was sent last (its schedule as JSON, one string shared by its agents; null: nothing yet): a refresh that finds the same sends nothing. */
  sentHours: string | null;
  sentInside: boolean;
  nextChangeAt: number | null;
}

/** Each schedule's JSON, made once per schedule read rather than once per agent. */
const scheduleJson = memoizedPerObject((hours: MonitoringHours) => JSON.stringify(hours));
const jsonOf = (hours: MonitoringHours | null): string => (hours === null ? 'null' : scheduleJson(hours));

/** Sends the agent its state unless it was told the same last time. */
function tell(agent: Tracked, hours: MonitoringHours | null, now: number, send: (socketId: string, payload: MonitoringHoursPayload) => void) {
  const { inside, next_change_at } = hoursStateAt(hours, now);
  const json = jsonOf(hours);
  if (json === agent.sentHours && inside === agent.sentInside && next_change_at === agent.nextChangeAt) return;
  agent.sentHours = json;
  agent.sentInside = inside;
  agent.nextChangeAt = next_change_at;
  const next = next_change_at === null ? null : new Date(next_change_at).toISOString();
  send(agent.socketId, { hours, inside, next_change_at: next, server_time: new Date(now).toISOString() });
}

/** When this node last heard that each company's schedules or groups changed. */
function createChangeLog(clock: Clock) {
  const changedAt = new Map<number, number>();
  return {
    heard: (companyId: number) => changedAt.set(companyId, clock.now()),
    /** Whether no change of the placement's company was heard since `since` (one in the same millisecond counts as after). */
    unchangedSince: (placement: Placement, since: number) => (changedAt.get(placement.companyId) ?? -Infinity) < since,
  };
}

/** Reads where the agents not placed yet are. */
async function placementsOf(batch: Tracked[], lookup: PlacementLookup): Promise<Map<number, Placement>> {
  const unplaced = [...new Set(batch.filter((a) => a.placement === null).map((a) => a.clientId))];
  return unplaced.length ? lookup(unplaced) : new Map();
}

export interface AnnouncerDeps {
  clock: Clock;
  timers: Timers;
  placements: PlacementLookup;
  hoursOf: HoursOf;
  send: (socketId: string, payload: MonitoringHoursPayload) => void;
  onError: (err: unknown) => void;
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

/**
 * Tells the agents connected to this node their monitoring hours (PROTOCOL.md §8.24): once each connects, again when
 * a schedule of their company or their group changes, and at each boundary by this node's clock (one timer for the
 * earliest). A connecting agent's placement comes from presence, so a storm of connects reads nothing more from the
 * database; placements that must be read (after a change) are read in batches: whatever was asked while one ran goes
 * in the next. Answers go out in the order they were computed.
 */
export function createHoursAnnouncer(deps: AnnouncerDeps) {
  const agents = new Map<string, Tracked>();
  const pending = new Set<Tracked>();
  const changes = createChangeLog(deps.clock);
  let running: Promise<void> | null = null;
  let timer: unknown = null;
  let armedFor: number | null = null; // the change the timer waits for (MAX_WAIT_MS may wake it earlier)
  // prettier-ignore
  const clearTimer = () => { if (timer !== null) deps.timers.clear(timer); timer = armedFor = null; };

  async function refresh(batch: Tracked[]) {
    const readAt = deps.clock.now();
    const found = await placementsOf(batch, deps.placements);
    const now = deps.clock.now();
    for (const agent of batch) {
      const placement = agent.placement ?? found.get(agent.clientId);
      if (!placement || agents.get(agent.socketId) !== agent) continue;
      // A placement read before a change heard since serves this answer only: the change re-asked for the agent.
      agent.placement = changes.unchangedSince(placement, readAt) ? placement : null;
      tell(agent, await deps.hoursOf(placement), now, deps.send);
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
    add({ socketId, clientId, placed }: AgentHere): Promise<void> {
      // A change heard since presence started reading the placement may have moved the client: it is read again.
      const placement = placed && changes.unchangedSince(placed, placed.at) ? { companyId: placed.companyId, groupId: placed.groupId } : null;
      const tracked: Tracked = { socketId, clientId, placement, sentHours: null, sentInside: true, nextChangeAt: null };
      agents.set(socketId, tracked);
      return request([tracked]);
    },
    remove(socketId: string) {
      const agent = agents.get(socketId);
      agents.delete(socketId);
      if (agent) pending.delete(agent);
    },
    /** A schedule or a group of the company changed: its agents here hear whatever changed for them. */
    companyChanged(companyId: number): Promise<void> {
      changes.heard(companyId);
      const concerned = [...agents.values()].filter((a) => a.placement === null || a.placement.companyId === companyId);
      for (const agent of concerned) agent.placement = null;
      return request(concerned);
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
