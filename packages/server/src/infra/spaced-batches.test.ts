import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, mock, test } from 'node:test';
import DataLoader from 'dataloader';
import { spacedBatches } from './spaced-batches.js';

describe('spaced batches (fake timers)', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout', 'setImmediate', 'Date'] }));
  afterEach(() => mock.timers.reset());

  function loader() {
    const batches: number[][] = [];
    const load = new DataLoader<number, number>(
      async (keys) => {
        batches.push([...keys]);
        return keys;
      },
      { cache: false, batchScheduleFn: spacedBatches(20, () => Date.now()) },
    );
    return { load, batches };
  }

  test('a lone request goes on the next turn; what arrives within the spacing after it waits and goes as one batch', async () => {
    const { load, batches } = loader();
    const first = load.load(1);
    mock.timers.tick(0);
    assert.equal(await first, 1);
    assert.deepEqual(batches, [[1]]);

    mock.timers.tick(5);
    const later = [load.load(2), load.load(3)];
    mock.timers.tick(0);
    assert.deepEqual(batches, [[1]], 'not before 20 ms after the first');
    mock.timers.tick(10);
    const alsoLater = load.load(4);
    mock.timers.tick(5);
    assert.deepEqual(await Promise.all([...later, alsoLater]), [2, 3, 4]);
    assert.deepEqual(batches, [[1], [2, 3, 4]]);

    mock.timers.tick(100);
    const afterAQuietSpell = load.load(5);
    mock.timers.tick(0);
    assert.equal(await afterAQuietSpell, 5);
    assert.deepEqual(batches.at(-1), [5], 'after a quiet spell: the next turn again');
  });
});
