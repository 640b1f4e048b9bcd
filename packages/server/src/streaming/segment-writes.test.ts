import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { SegmentWrites } from './segment-writes.js';

/** A fake clock and two recording writers; a write on the loop advances the clock by `loopWriteMs`. */
function fakeDisk(loopWriteMs: number[]) {
  let clock = 0;
  const calls: Array<{ where: 'loop' | 'pool'; length: number; position: number }> = [];
  const slowWrites: number[] = [];
  const writes = new SegmentWrites({
    now: () => clock,
    onSlowWrite: (tookMs) => slowWrites.push(tookMs),
    writeOnLoop: (_fd, bytes, position) => {
      clock += loopWriteMs.shift() ?? 0;
      calls.push({ where: 'loop', length: bytes.length, position });
      return bytes.length;
    },
    writeInPool: async (_fd, bytes, position) => {
      calls.push({ where: 'pool', length: bytes.length, position });
      return bytes.length;
    },
  });
  return { writes, calls, slowWrites, advance: (ms: number) => (clock += ms) };
}

test('writes go on the event loop while the kernel takes them at once', async () => {
  const { writes, calls, slowWrites } = fakeDisk([0.02, 0.03, 5]);
  for (let i = 0; i < 3; i++) await writes.writeAll(3, Buffer.alloc(100), i * 100);
  assert.deepEqual(
    calls.map((c) => c.where),
    ['loop', 'loop', 'loop'],
  );
  assert.equal(writes.offLoop, false);
  assert.deepEqual(slowWrites, []);
});

test('after a write the kernel made wait, writes go to the thread pool for a minute, then back', async () => {
  const { writes, calls, slowWrites, advance } = fakeDisk([0.02, 35]);
  await writes.writeAll(3, Buffer.alloc(10), 0);
  await writes.writeAll(3, Buffer.alloc(10), 10);
  assert.equal(writes.offLoop, true, 'the 35 ms write moved writes off the loop');
  assert.deepEqual(slowWrites, [35], 'and was told');
  await writes.writeAll(3, Buffer.alloc(10), 20);
  advance(59_000);
  await writes.writeAll(3, Buffer.alloc(10), 30);
  advance(1_000);
  assert.equal(writes.offLoop, false);
  await writes.writeAll(3, Buffer.alloc(10), 40);
  assert.deepEqual(
    calls.map((c) => `${c.where}@${c.position}`),
    ['loop@0', 'loop@10', 'pool@20', 'pool@30', 'loop@40'],
  );
});

test('a short write is continued where it stopped', async () => {
  const calls: Array<[number, number]> = [];
  const writes = new SegmentWrites({
    writeOnLoop: (_fd, bytes, position) => {
      calls.push([position, bytes.length]);
      return Math.min(bytes.length, 4);
    },
  });
  await writes.writeAll(3, Buffer.alloc(10), 100);
  assert.deepEqual(calls, [
    [100, 10],
    [104, 6],
    [108, 2],
  ]);
});

test('both ways put the bytes at their position in a real file, and a failed write rejects', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'segment-writes-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'raw');
  const fd = fs.openSync(file, 'w+');
  const onLoop = new SegmentWrites();
  await onLoop.writeAll(fd, Buffer.from('world'), 6);
  let clock = 0;
  const slow = new SegmentWrites({
    now: () => clock,
    writeOnLoop: (f, bytes, position) => {
      clock += 100;
      return fs.writeSync(f, bytes, 0, bytes.length, position);
    },
  });
  await slow.writeAll(fd, Buffer.from('hello '), 0);
  assert.equal(slow.offLoop, true);
  await slow.writeAll(fd, Buffer.from('!'), 11);
  fs.closeSync(fd);
  assert.equal(fs.readFileSync(file, 'utf8'), 'hello world!');
  await assert.rejects(onLoop.writeAll(fd, Buffer.from('x'), 0), { code: 'EBADF' });
  await assert.rejects(slow.writeAll(fd, Buffer.from('x'), 0), { code: 'EBADF' });
});

test('STREAM_WRITES=pool and alwaysInPool keep writes off the loop', () => {
  assert.equal(new SegmentWrites({ mode: 'pool' }).offLoop, true);
  const writes = new SegmentWrites();
  assert.equal(writes.offLoop, false);
  writes.alwaysInPool();
  assert.equal(writes.offLoop, true);
});

test('a full disk: the write rejects with ENOSPC on the loop and in the thread pool', async (t) => {
  // /dev/full takes no byte: every write fails for want of space, as on a full file system.
  const fd = fs.openSync('/dev/full', 'r+');
  t.after(() => fs.closeSync(fd));
  await assert.rejects(new SegmentWrites().writeAll(fd, Buffer.alloc(4096), 0), { code: 'ENOSPC' });
  await assert.rejects(new SegmentWrites({ mode: 'pool' }).writeAll(fd, Buffer.alloc(4096), 0), { code: 'ENOSPC' });
});
