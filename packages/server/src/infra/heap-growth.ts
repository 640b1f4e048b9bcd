import type { EventEmitter } from 'node:events';
import { Session } from 'node:inspector';
import v8 from 'node:v8';
import type { FastifyBaseLogger } from 'fastify';

/**
 * The heap growth this process was started with, which a burst's end restores: `--heap-growing-percent=40` for the
 * built server (`scripts/build.mjs`: live streams need it, BENCHMARKS.md, Streaming); 0 (V8's own) when not given.
 */
export function startupGrowthPercent(execArgv: readonly string[]): number {
  const given = execArgv.flatMap((arg) => /^--heap[-_]growing[-_]percent=(\d+)$/.exec(arg)?.[1] ?? []);
  return given.length ? Number(given[given.length - 1]) : 0;
}

/**
 * Connections opened within one second that make a burst. A restart's reconnect storm of 10 000 agents brings
 * 1 000–2 000 a second; a node otherwise sees a few a second, and a few hundred when a company's desktops start
 * streaming with their viewers (the streaming benchmark: 400), which is no burst: it is what the steady growth is for.
 */
export const BURST_PER_SECOND = 500;
/**
 * How long without a burst second ends a burst. Short, so that the collection that ends it comes soon after the
 * last connections; a storm's slow tail (a few hundred a second) may end it early, which costs one collection more.
 */
export const CALM_AFTER_MS = 3_000;

export interface HeapGrowthDeps {
  now: () => number;
  /** The growth outside bursts (`startupGrowthPercent`). */
  steadyGrowthPercent: number;
  /** `v8.setFlagsFromString`: V8 reads the flag each time it sets the heap's next limit. */
  setFlags: (flags: string) => void;
  /** A burst began (V8 sizes the heap from now on). */
  began: () => void;
  /** A full, compacting collection that returns the garbage of the burst that just ended to the system. */
  collect: (burst: Burst) => void;
}

/** A burst of connections that ended: how many connections it brought, over how long. */
export interface Burst {
  connections: number;
  ms: number;
}

/**
 * During a burst of connections V8 sizes the heap itself. Each admitted connection keeps its state for good, so the
 * live heap grows from ~30 to ~150 MB in a 10 000-agent storm; with a fixed 40 % every such step starts a full GC
 * that marks the whole, still growing, heap again (9 in a kill -9 storm against V8's 2: ~1 s of the server's ~11 s
 * of CPU, 10 storms each way, docs/bench-log/presence.md 2026-12-03 14:06). V8's own factor is made for a heap that
 * grows; but it leaves the burst's garbage resident until a collection comes, which at the steady growth may be long
 * (RSS per connection 1.62× bare's in one run). So a burst ends with one full collection.
 */
export function heapGrowthPolicy({ now, steadyGrowthPercent, setFlags, began, collect }: HeapGrowthDeps) {
  let bursting = false;
  let secondStartedAt = now();
  let openedThisSecond = 0;
  let lastBurstAt = 0;
  let burst = { connections: 0, startedAt: 0 };
  return {
    connectionOpened() {
      const at = now();
      if (at - secondStartedAt >= 1000) {
        secondStartedAt = at;
        openedThisSecond = 0;
      }
      openedThisSecond++;
      if (bursting) burst.connections++;
      if (openedThisSecond < BURST_PER_SECOND) return;
      lastBurstAt = at;
      if (bursting) return;
      bursting = true;
      burst = { connections: openedThisSecond, startedAt: secondStartedAt };
      // 0: V8's own growth.
      setFlags('--heap-growing-percent=0');
      began();
    },
    /** Called every second or so: ends a burst that is over. */
    check() {
      if (!bursting || now() - lastBurstAt < CALM_AFTER_MS) return;
      bursting = false;
      setFlags(`--heap-growing-percent=${steadyGrowthPercent}`);
      collect({ connections: burst.connections, ms: lastBurstAt - burst.startedAt });
    },
    get bursting() {
      return bursting;
    },
  };
}

/**
 * V8's low-memory collection, asked for through an in-process inspector session (no port is opened): a full,
 * compacting collection that also gives the freed pages back to the system. V8's ordinary full GC (`gc()`) frees
 * the garbage but keeps the pages it lived in, and its memory reducer waits for an idle heap that a heartbeat of
 * 10 000 sockets never has. One pause of ~0.3 s per burst of 10 000 connections, after the burst.
 */
export function lowMemoryCollection(): Promise<void> {
  const session = new Session();
  session.connect();
  return new Promise((resolve, reject) => {
    session.post('HeapProfiler.collectGarbage', (err) => {
      // Disconnected inside its own callback, a session blocks the thread for good (Node 20 and 22).
      setImmediate(() => {
        session.disconnect();
        if (err) reject(err);
        else resolve();
      });
    });
  });
}

const mib = (bytes: number) => Math.round(bytes / 2 ** 20);

/**
 * Follows the connections of an engine.io server (`io.engine`); returns the function that stops it. Each burst is
 * logged when it ends: a reconnect storm is worth knowing about, and so is what its garbage cost.
 */
export function adaptHeapGrowth(engine: EventEmitter, log: Pick<FastifyBaseLogger, 'info' | 'warn'>): () => void {
  const collect = ({ connections, ms }: Burst) => {
    const rssBefore = process.memoryUsage.rss();
    lowMemoryCollection().then(
      () => log.info({ connections, seconds: Math.round(ms / 1000), rssMiB: { before: mib(rssBefore), after: mib(process.memoryUsage.rss()) } }, 'a burst of connections ended; its garbage was collected'),
      (err: Error) => log.warn({ err }, 'collecting the garbage of a burst of connections failed'),
    );
  };
  const began = () => log.info(`a burst of connections began (${BURST_PER_SECOND} or more a second): V8 sizes the heap until it ends`);
  const policy = heapGrowthPolicy({
    now: Date.now,
    steadyGrowthPercent: startupGrowthPercent(process.execArgv),
    setFlags: (flags) => v8.setFlagsFromString(flags),
    began,
    collect,
  });
  const opened = () => policy.connectionOpened();
  engine.on('connection', opened);
  const timer = setInterval(() => policy.check(), 1000).unref();
  return () => {
    clearInterval(timer);
    engine.off('connection', opened);
  };
}
