import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DiskStatus } from '@vaahshare/protocol';
import { createDiskGuard, FULL_HOLD_MAX_MS, FULL_HOLD_MS, resumeAt } from './disk-guard.js';

const MB = 1024 * 1024;

/** A guard over a file system whose free space the test sets, on a clock the test moves. */
function guardOver(minFreeBytes: number) {
  let free = 100 * MB;
  let now = 0;
  const changes: DiskStatus[] = [];
  const guard = createDiskGuard({
    statfs: async () => ({ bavail: free / 4096, bsize: 4096, blocks: (200 * MB) / 4096 }),
    dataDir: '/data',
    minFreeBytes,
    onChange: (status) => changes.push(status),
    now: () => now,
  });
  return { guard, changes, setFree: (bytes: number) => (free = bytes), advance: (ms: number) => (now += ms), clock: () => now };
}

test('low below the minimum, back only above the minimum plus a tenth; each change told once', async () => {
  const { guard, changes, setFree } = guardOver(10 * MB);
  await guard.check();
  assert.equal(guard.isLow(), false);
  setFree(9 * MB);
  await guard.check();
  await guard.check();
  assert.equal(guard.isLow(), true);
  setFree(10.5 * MB);
  await guard.check();
  assert.equal(guard.isLow(), true, 'not back at the limit itself: no flapping');
  setFree(resumeAt(10 * MB));
  await guard.check();
  assert.equal(guard.isLow(), false);
  assert.deepEqual(changes.map((c) => c.low), [true, false]);
  assert.deepEqual(changes[0], { free_bytes: 9 * MB, total_bytes: 200 * MB, min_free_bytes: 10 * MB, low: true });
});

test('a write that found the disk full makes it low at once; waiters for room go on once there is room', async () => {
  const { guard, changes, advance } = guardOver(10 * MB);
  await guard.check();
  let resumed = false;
  guard.noteFull();
  void guard.whenRoom().then(() => (resumed = true));
  assert.equal(guard.isLow(), true);
  await Promise.resolve();
  assert.equal(resumed, false);
  advance(FULL_HOLD_MS);
  await guard.check();
  await Promise.resolve();
  assert.equal(resumed, true);
  assert.deepEqual(changes.map((c) => c.low), [true, false]);
});

// Under a quota (or with blocks reserved for root) statfs shows room that writes do not get: the disk must not read
// low and fine by turns with every check (the admins' banner flickered every second).
test('after a failed write the disk stays low for a while whatever statfs shows, longer after each failure, until a write goes through', async () => {
  const { guard, changes, advance, clock } = guardOver(10 * MB);
  await guard.check();
  const lowFor = async (failedWrites: number) => {
    // The writes of several streams fail at once: as long as one.
    for (let i = 0; i < failedWrites; i++) guard.noteFull();
    let ms = 0;
    for (; guard.isLow(); ms += 500) {
      advance(500);
      await guard.check();
    }
    return ms;
  };
  assert.deepEqual([await lowFor(1), await lowFor(30), await lowFor(1)], [FULL_HOLD_MS, 2 * FULL_HOLD_MS, 4 * FULL_HOLD_MS]);
  assert.deepEqual(changes.map((c) => c.low), [true, false, true, false, true, false], 'one change each way per failure, none while held');
  assert.equal(changes[0].free_bytes, 100 * MB, 'the banner shows the room statfs reads');

  guard.noteWritten();
  assert.equal(await lowFor(1), FULL_HOLD_MS, 'a write that went through starts the holds over');
  for (let i = 0; i < 20; i++) await lowFor(1);
  guard.noteFull();
  assert.equal(guard.heldUntil() - clock(), FULL_HOLD_MAX_MS, 'the hold is bounded');
});
