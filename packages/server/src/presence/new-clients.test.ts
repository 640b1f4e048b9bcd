import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AppError } from '../errors.js';
import type { Reservation } from './new-clients.js';
import { COUNT_FRESH_MS, createNewClientBudget } from './new-clients.js';

const HOUR = 3_600_000;
const NOW = 1_700_000_000_000;

/** Desktops added per token, as the clients table would count them. */
function fakeCount(added: Record<number, number[]>) {
  return async (tokenId: number, since: number) => {
    const times = (added[tokenId] ?? []).filter((at) => at > since);
    return { count: times.length, oldest: times.length ? Math.min(...times) : null };
  };
}

test('a token adds at most `max` new desktops an hour; refused, it is told when the oldest of them ages out', async () => {
  const budget = createNewClientBudget({ max: 2, clock: { now: () => NOW }, count: fakeCount({ 1: [NOW - HOUR + 60_000, NOW - 10] }) });
  const refused = await budget.reserve(1, 'ana@pc').then(
    () => assert.fail('a third desktop within the hour'),
    (err: AppError) => err,
  );
  assert.equal(refused.code, 'too_many_new_clients');
  assert.equal(refused.details.retry_after_ms, 60_000);
  assert.match(refused.message, /added 2 new desktops within the last hour .*: ana@pc can enroll in 1 min/);
  assert.equal(refused.announced, true, 'also an error event on the socket');
  const other = await budget.reserve(2, 'ana@pc');
  other.settle(true);
});

test('connects under way count too: a storm of them cannot slip past together; a release makes room', async () => {
  const budget = createNewClientBudget({ max: 2, clock: { now: () => NOW }, count: fakeCount({}) });
  const outcomes = await Promise.allSettled([budget.reserve(1, 'a@pc'), budget.reserve(1, 'b@pc'), budget.reserve(1, 'c@pc')]);
  assert.deepEqual(outcomes.map((o) => o.status), ['fulfilled', 'fulfilled', 'rejected']);
  (outcomes[0] as PromiseFulfilledResult<Reservation>).value.settle(false);
  const again = await budget.reserve(1, 'c@pc');
  again.settle(false);
});

test('the database is counted at most once per COUNT_FRESH_MS per token; meanwhile what this node wrote counts', async () => {
  const clock = { t: NOW, now: () => clock.t };
  const added: number[] = [];
  let queries = 0;
  const count = fakeCount({ 1: added });
  const budget = createNewClientBudget({ max: 3, clock, count: (tokenId, since) => (queries++, count(tokenId, since)) });
  for (const userHost of ['a@pc', 'b@pc', 'c@pc']) {
    const reservation = await budget.reserve(1, userHost);
    added.push(clock.now());
    reservation.settle(true);
    clock.t += 100;
  }
  assert.equal(queries, 1, 'one count for three desktops within a second');
  await assert.rejects(budget.reserve(1, 'd@pc'), { code: 'too_many_new_clients' }, 'the three written count before the next count');
  clock.t += COUNT_FRESH_MS;
  // Two of them aged out meanwhile; the fresh count (one) replaces what this node had added up, not adds to it.
  added.splice(0, 2);
  const reservation = await budget.reserve(1, 'd@pc');
  assert.equal(queries, 2, 'counted again once the count is old');
  reservation.settle(true);
});

test('a failed count is not kept', async () => {
  let fail = true;
  const budget = createNewClientBudget({
    max: 5,
    clock: { now: () => NOW },
    count: async () => {
      if (fail) throw new Error('database unavailable');
      return { count: 0, oldest: null };
    },
  });
  await assert.rejects(budget.reserve(1, 'a@pc'), /database unavailable/);
  fail = false;
  (await budget.reserve(1, 'a@pc')).settle(true);
});
