import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AppError } from '../errors.js';
import { createNewClientBudget } from './new-clients.js';

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
  other();
});

test('connects under way count too: a storm of them cannot slip past together; a release makes room', async () => {
  const budget = createNewClientBudget({ max: 2, clock: { now: () => NOW }, count: fakeCount({}) });
  const outcomes = await Promise.allSettled([budget.reserve(1, 'a@pc'), budget.reserve(1, 'b@pc'), budget.reserve(1, 'c@pc')]);
  assert.deepEqual(outcomes.map((o) => o.status), ['fulfilled', 'fulfilled', 'rejected']);
  (outcomes[0] as PromiseFulfilledResult<() => void>).value();
  const again = await budget.reserve(1, 'c@pc');
  again();
});
