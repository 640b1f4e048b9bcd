import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ORPHAN_RESCAN_MS, createOrphanWatch } from './orphan-watch.js';

function setUp() {
  const clock = { t: 1_000_000, now: () => clock.t };
  const watch = createOrphanWatch(clock);
  let releases = 0;
  const release = async () => void releases++;
  const check = async (alive: string[]) => {
    clock.t += 1_500;
    const before = releases;
    await watch.checked(alive, release);
    return releases > before;
  };
  return { clock, watch, check };
}

test('orphans are looked for at the first check, then only when a node seen alive is gone', async () => {
  const { check } = setUp();
  assert.equal(await check(['a', 'b']), true, 'first check');
  assert.equal(await check(['a', 'b']), false, 'nothing changed');
  assert.equal(await check(['a', 'b', 'c']), false, 'a node joined');
  assert.equal(await check(['a', 'c']), true, 'b is gone');
  assert.equal(await check(['a', 'c']), false);
  assert.equal(await check(['a']), true, 'c, seen alive only since it joined, is gone');
});

test('a look that failed is made again at the next check', async () => {
  const { watch, check } = setUp();
  await check(['a', 'b']);
  await assert.rejects(watch.checked(['a'], async () => Promise.reject(new Error('database busy'))));
  assert.equal(await check(['a']), true, 'b is still unaccounted for');
  assert.equal(await check(['a']), false);
});

test('without any node lost, orphans are still looked for once per ORPHAN_RESCAN_MS', async () => {
  const { clock, check } = setUp();
  await check(['a']);
  clock.t += ORPHAN_RESCAN_MS - 3_000;
  assert.equal(await check(['a']), false);
  assert.equal(await check(['a']), true);
});
