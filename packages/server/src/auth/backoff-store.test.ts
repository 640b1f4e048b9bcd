import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FastifyRateLimitStore } from '@fastify/rate-limit';
import { backoffStore } from './backoff-store.js';

const WINDOW = 60_000;
const MAX = 3;

function storeAt() {
  const clock = { now: () => 1_000_000 };
  const Store = backoffStore(clock);
  const store = new Store({} as never) as FastifyRateLimitStore & { read: FastifyRateLimitStore['incr'] };
  const call = (method: 'incr' | 'read', key = 'k') =>
    new Promise<{ current: number; ttl: number }>((resolve, reject) =>
      store[method](key, (err, res) => (err || !res ? reject(err) : resolve(res)), WINDOW, MAX),
    );
  return { clock, incr: (key?: string) => call('incr', key), read: (key?: string) => call('read', key) };
}

test('a key that reached the limit waits one window from its last try; each further try doubles the wait', async () => {
  const { clock, incr, read } = storeAt();
  assert.deepEqual(await incr(), { current: 1, ttl: WINDOW });
  clock.now = () => 1_010_000;
  assert.deepEqual(await incr(), { current: 2, ttl: WINDOW - 10_000 });
  assert.deepEqual(await incr(), { current: 3, ttl: WINDOW }, 'the third failure: refused for a window from now');
  assert.deepEqual(await read(), { current: 3, ttl: WINDOW }, 'a read counts nothing');
  assert.deepEqual(await incr(), { current: 4, ttl: WINDOW }, 'the first try while refused: a window from now');
  assert.deepEqual(await incr(), { current: 5, ttl: 2 * WINDOW });
  assert.deepEqual(await incr(), { current: 6, ttl: 4 * WINDOW });
  assert.deepEqual(await read('other'), { current: 0, ttl: 0 }, 'keys count apart');

  clock.now = () => 1_010_000 + 4 * WINDOW - 1;
  assert.deepEqual(await read(), { current: 6, ttl: 1 }, 'still refused a millisecond before the wait is over');
  clock.now = () => 1_010_000 + 4 * WINDOW;
  assert.deepEqual(await read(), { current: 0, ttl: 0 }, 'then forgotten');
  assert.deepEqual(await incr(), { current: 1, ttl: WINDOW });
});

test('the wait is at most a day, however many tries', async () => {
  const { incr } = storeAt();
  let last = { current: 0, ttl: 0 };
  for (let i = 0; i < 40; i++) last = await incr();
  assert.deepEqual(last, { current: 40, ttl: 24 * 3600_000 });
});

test('below the limit, the window runs from the first failure and then starts afresh', async () => {
  const { clock, incr, read } = storeAt();
  await incr();
  await incr();
  clock.now = () => 1_000_000 + WINDOW;
  assert.deepEqual(await read(), { current: 0, ttl: 0 });
  assert.deepEqual(await incr(), { current: 1, ttl: WINDOW });
});
