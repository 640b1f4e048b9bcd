import fs from 'node:fs';
import { performance } from 'node:perf_hooks';

/** A write to the page cache takes microseconds; one this slow means the disk pushes back. */
const SLOW_WRITE_MS = 20;
/** How long writes stay in the thread pool after a slow one, before the event loop tries again. */
const OFF_LOOP_MS = 60_000;

type WriteAt = (fd: number, bytes: Buffer, position: number) => number | Promise<number>;

interface PendingWrite {
  fd: number;
  bytes: Buffer;
  position: number;
  done: (err: Error | null, written: number) => void;
}

let pendingWrites: PendingWrite[] = [];

function submitPendingWrites() {
  const batch = pendingWrites;
  pendingWrites = [];
  for (const { fd, bytes, position, done } of batch) fs.write(fd, bytes, 0, bytes.length, position, done);
}

/**
 * `fs.write` at a position, handed to the thread pool once the event loop has read this turn's frames, all
 * together: a pool thread woken for one write then finds the others queued.
 */
const writeInPool: WriteAt = (fd, bytes, position) =>
  new Promise<number>((resolve, reject) => {
    if (pendingWrites.length === 0) setImmediate(submitPendingWrites);
    pendingWrites.push({ fd, bytes, position, done: (err, written) => (err ? reject(err) : resolve(written)) });
  });

const writeOnLoop: WriteAt = (fd, bytes, position) => fs.writeSync(fd, bytes, 0, bytes.length, position);

export interface SegmentWritesOptions {
  /** STREAM_WRITES (config.ts). */
  mode?: 'auto' | 'pool';
  /** Told when a write on the event loop was slow and writes move to the thread pool: the disk pushes back. */
  onSlowWrite?: (tookMs: number) => void;
  now?: () => number;
  writeOnLoop?: WriteAt;
  writeInPool?: WriteAt;
}

/**
 * How a segment's bytes reach the kernel. Normally with `write(2)` on the event loop, as Redis writes its
 * append-only file: a write to the page cache is a copy of a few microseconds, while handing each frame to
 * the thread pool wakes a sleeping pool thread and then the loop again (on a 2-core VM that hand-off cost
 * more than the write itself: 10–15 % of a core at 200 streams, BENCHMARKS.md, Streaming). When the kernel
 * makes a write wait (dirty-page throttling, a slow or stalled disk), the loop must not wait with it: after
 * one write slower than SLOW_WRITE_MS, writes go to the thread pool for OFF_LOOP_MS, so presence and the
 * dashboard keep answering while the disk catches up, and only the acks wait. On a network file system every
 * write may wait, so there they all go to the pool (`alwaysInPool`, STREAM_WRITES in config.ts).
 */
export class SegmentWrites {
  private offLoopUntil: number;
  private readonly now: () => number;
  private readonly onLoop: WriteAt;
  private readonly inPool: WriteAt;
  private readonly onSlowWrite: (tookMs: number) => void;

  constructor(options: SegmentWritesOptions = {}) {
    this.now = options.now ?? (() => performance.now());
    this.onLoop = options.writeOnLoop ?? writeOnLoop;
    this.inPool = options.writeInPool ?? writeInPool;
    this.onSlowWrite = options.onSlowWrite ?? (() => undefined);
    this.offLoopUntil = options.mode === 'pool' ? Infinity : -Infinity;
  }

  /** From now on every write goes to the thread pool (a network file system: any write may wait). */
  alwaysInPool(): void {
    this.offLoopUntil = Infinity;
  }

  /** Whether the next write goes to the thread pool, because a recent one was slow. */
  get offLoop(): boolean {
    return this.now() < this.offLoopUntil;
  }

  /** Writes all of `bytes` at `position`; rejects with the write's error (ENOSPC: a full disk). */
  async writeAll(fd: number, bytes: Buffer, position: number): Promise<void> {
    const write = this.offLoop ? this.inPool : this.timedOnLoop;
    for (let written = 0; written < bytes.length; ) {
      written += await write(fd, bytes.subarray(written), position + written);
    }
  }

  private readonly timedOnLoop: WriteAt = (fd, bytes, position) => {
    const started = this.now();
    try {
      return this.onLoop(fd, bytes, position);
    } finally {
      const took = this.now() - started;
      if (took > SLOW_WRITE_MS) {
        this.offLoopUntil = this.now() + OFF_LOOP_MS;
        this.onSlowWrite(took);
      }
    }
  };
}
