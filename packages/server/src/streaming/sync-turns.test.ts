import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dueForSync } from './stream-sweep.js';

const segment = (id: number, dirty = true) => ({ id, dirty, row: { id } });

test('each written segment is synced once every STREAM_FSYNC_MS, an even share of them each second', () => {
  const segments = Array.from({ length: 200 }, (_, i) => segment(i + 17));
  const sweepsPerSync = 5;
  for (const start of [0, 3]) {
    const synced = new Map<number, number>();
    for (let sweep = start; sweep < start + sweepsPerSync; sweep++) {
      const due = dueForSync(segments, sweep, sweepsPerSync);
      assert.equal(due.length, 40, `sweep ${sweep} syncs a fifth of the files`);
      for (const s of due) synced.set(s.id, (synced.get(s.id) ?? 0) + 1);
    }
    assert.equal(synced.size, 200, 'every file had its turn');
    assert.ok([...synced.values()].every((times) => times === 1), 'and only one');
  }
});

test('a segment with nothing written since its last sync is not synced again', () => {
  const due = dueForSync([segment(5, false), segment(10)], 0, 5);
  assert.deepEqual(due.map((s) => s.id), [10]);
});

test('STREAM_FSYNC_MS of one second syncs every written file in every sweep', () => {
  const segments = [segment(1), segment(2), segment(3)];
  assert.equal(dueForSync(segments, 7, 1).length, 3);
});
