import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BURST_PER_SECOND, CALM_AFTER_MS, heapGrowthPolicy, STEADY_GROWTH_PERCENT } from './heap-growth.js';

function setup() {
  let now = 1_000_000;
  const calls: string[] = [];
  const policy = heapGrowthPolicy({ now: () => now, setFlags: (f) => calls.push(f), collect: () => calls.push('collect') });
  return {
    policy,
    calls,
    advance: (ms: number) => {
      now += ms;
    },
    open: (count: number) => {
      for (let i = 0; i < count; i++) policy.connectionOpened();
    },
  };
}

const v8Own = '--heap-growing-percent=0';
const steady = `--heap-growing-percent=${STEADY_GROWTH_PERCENT}`;

describe('heap growth by load', () => {
  test('a second with the burst count of connections lets V8 size the heap, until no burst came for a while; then one full collection', () => {
    const { policy, calls, advance, open } = setup();
    open(BURST_PER_SECOND - 1);
    assert.equal(policy.bursting, false);
    assert.deepEqual(calls, []);
    open(1);
    assert.equal(policy.bursting, true);
    assert.deepEqual(calls, [v8Own]);
    // Connections go on at the same rate: still a burst, and the flag is not set again.
    advance(1000);
    open(BURST_PER_SECOND);
    advance(CALM_AFTER_MS - 1);
    policy.check();
    assert.equal(policy.bursting, true);
    assert.deepEqual(calls, [v8Own]);
    advance(1);
    policy.check();
    assert.equal(policy.bursting, false);
    assert.deepEqual(calls, [v8Own, steady, 'collect']);
    // Calm stays calm: no collection each check.
    advance(CALM_AFTER_MS * 3);
    policy.check();
    assert.deepEqual(calls, [v8Own, steady, 'collect']);
  });

  test('connections spread below the burst rate leave the growth steady and collect nothing', () => {
    const { policy, calls, advance, open } = setup();
    for (let second = 0; second < 30; second++) {
      open(BURST_PER_SECOND - 1);
      advance(1000);
      policy.check();
    }
    assert.equal(policy.bursting, false);
    assert.deepEqual(calls, []);
  });

  test('a second burst after calm is a burst again', () => {
    const { policy, calls, advance, open } = setup();
    open(BURST_PER_SECOND);
    advance(CALM_AFTER_MS);
    policy.check();
    advance(1000);
    open(BURST_PER_SECOND);
    assert.equal(policy.bursting, true);
    assert.deepEqual(calls, [v8Own, steady, 'collect', v8Own]);
  });
});
