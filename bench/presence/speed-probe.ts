/**
 * How fast this machine is right now, measured by a fixed piece of work: the benchmark runs it at the start of each
 * phase (the servers and agents idle or holding their connections), so that phases measured minutes apart can be told
 * apart by the machine's speed as well as by what the servers did. On this VM a server's CPU for the same storm moved
 * by half between runs with no steal and no other process (docs/bench-log/presence.md): a host's other VMs can slow
 * its cores and caches without taking them.
 *
 * Two probes, each timed over its best of three tries (a try the scheduler interrupted says nothing of the machine):
 * - `cpuMs`: integer arithmetic on a few registers (the core's own speed);
 * - `memoryMs`: a random walk over 64 MiB (last-level cache and memory, which neighbours share).
 */
export interface SpeedProbe {
  cpuMs: number;
  memoryMs: number;
}

const WALK_WORDS = 16 * 2 ** 20;
const WALK_STEPS = 500_000;
const ARITHMETIC_STEPS = 30_000_000;

/** A single cycle through every word in random order (Sattolo's shuffle), so the walk cannot settle in a short loop. */
function randomCycle(): Uint32Array {
  const next = new Uint32Array(WALK_WORDS);
  for (let i = 0; i < WALK_WORDS; i++) next[i] = i;
  let seed = 12345;
  for (let i = WALK_WORDS - 1; i > 0; i--) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    const j = seed % i;
    const swap = next[i];
    next[i] = next[j];
    next[j] = swap;
  }
  return next;
}

let cycle: Uint32Array | undefined;

function timed(work: () => number): number {
  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    const start = performance.now();
    // The result is kept, so that the work is not optimized away.
    if (work() === -1) throw new Error('unreachable');
    best = Math.min(best, performance.now() - start);
  }
  return Math.round(best * 10) / 10;
}

function arithmetic(): number {
  let x = 88172645;
  for (let i = 0; i < ARITHMETIC_STEPS; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
  }
  return x;
}

function walk(): number {
  cycle ??= randomCycle();
  let at = 0;
  for (let i = 0; i < WALK_STEPS; i++) at = cycle[at];
  return at;
}

/** ~0.4 s of this process's time (the first call also builds the walk's 64 MiB, once). */
export function probeSpeed(): SpeedProbe {
  return { cpuMs: timed(arithmetic), memoryMs: timed(walk) };
}
