import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DiskStatus } from '@vaahshare/protocol';
import { createDiskGuard, resumeAt } from './disk-guard.js';

const MB = 1024 * 1024;

/** A guard over a file system whose free space the test sets. */
function guardOver(minFreeBytes: number) {
  let free = 100 * MB;
  const changes: DiskStatus[] = [];
  const guard = createDiskGuard({
    statfs: async () => ({ bavail: free / 4096, bsize: 4096, blocks: (200 * MB) / 4096 }),
    dataDir: '/data',
    minFreeBytes,
    onChange: (status) => changes.push(status),
  });
  return { guard, changes, setFree: (bytes: number) => (free = bytes) };
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
  const { guard, changes } = guardOver(10 * MB);
  await guard.check();
  let resumed = false;
  guard.noteFull();
  void guard.whenRoom().then(() => (resumed = true));
  assert.equal(guard.isLow(), true);
  await Promise.resolve();
  assert.equal(resumed, false);
  await guard.check();
  await Promise.resolve();
  assert.equal(resumed, true);
  assert.deepEqual(changes.map((c) => c.low), [true, false]);
});
