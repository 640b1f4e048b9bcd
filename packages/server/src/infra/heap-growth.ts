import type { EventEmitter } from 'node:events';
import v8 from 'node:v8';

/**
 * Between bursts, V8 may grow the heap 40 % before its next full collection. Live streams keep a few MB of young
 * objects in flight (frames being written, their acks), and each full GC promotes them all to the old generation,
 * where they die; with V8's own growth that garbage started the next full GC at once (measured with
 * --trace-gc-nvp), so marking ran all the time: 2–3 full GCs a second, a fifth of a core in GC threads, and long
 * pauses. A fixed 40 % breaks that cycle (one every few seconds; BENCHMARKS.md, Streaming).
 */
export const STEADY_GROWTH_PERCENT = 40;
/**
 * Connections opened within one second that make a burst. A restart's reconnect storm of 10 000 agents brings
 * 1 000–2 000 a second; a node otherwise sees a few a second, and a few hundred when a company's desktops start
 * streaming with their viewers (the streaming benchmark: 400), which is no burst: it is what the steady growth is for.
 */
export const BURST_PER_SECOND = 500;
/** Seconds without a burst before the steady growth returns. */
export const CALM_AFTER_MS = 10_000;

export interface HeapGrowthDeps {
  now: () => number;
  /** `v8.setFlagsFromString`: V8 reads the flag each time it sets the heap's next limit. */
  setFlags: (flags: string) => void;
}

/**
 * During a burst of connections V8 sizes the heap itself. Each admitted connection keeps its state for good, so the
 * live heap grows from ~30 to ~150 MB in a 10 000-agent storm; with a fixed 40 % every such step starts a full GC
 * that marks the whole, still growing, heap again (9 in a kill -9 storm against V8's 2: ~1.1 s of the server's ~11 s
 * of CPU, 10 storms each way, docs/bench-log/presence.md 2026-12-03). V8's own factor is made for a heap that grows.
 */
export function heapGrowthPolicy({ now, setFlags }: HeapGrowthDeps) {
  let bursting: boolean | undefined;
  let secondStartedAt = now();
  let openedThisSecond = 0;
  let lastBurstAt = 0;
  const growth = (burst: boolean) => {
    if (burst === bursting) return;
    bursting = burst;
    // 0: V8's own growth.
    setFlags(`--heap-growing-percent=${burst ? 0 : STEADY_GROWTH_PERCENT}`);
  };
  growth(false);
  return {
    connectionOpened() {
      const at = now();
      if (at - secondStartedAt >= 1000) {
        secondStartedAt = at;
        openedThisSecond = 0;
      }
      if (++openedThisSecond < BURST_PER_SECOND) return;
      lastBurstAt = at;
      growth(true);
    },
    /** Called every second or so: ends a burst that is over. */
    check() {
      if (bursting && now() - lastBurstAt >= CALM_AFTER_MS) growth(false);
    },
    get bursting() {
      return bursting === true;
    },
  };
}

/** Follows the connections of an engine.io server (`io.engine`); returns the function that stops it. */
export function adaptHeapGrowth(engine: EventEmitter): () => void {
  const policy = heapGrowthPolicy({ now: Date.now, setFlags: (flags) => v8.setFlagsFromString(flags) });
  const opened = () => policy.connectionOpened();
  engine.on('connection', opened);
  const timer = setInterval(() => policy.check(), 1000).unref();
  return () => {
    clearInterval(timer);
    engine.off('connection', opened);
  };
}
