import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createDomainEvents, type Actor } from '../events/domain-events.js';
import { trackLiveViews } from './live-views.js';

const actor: Actor = { kind: 'user', userId: 3, email: 'a@b.c', companyId: 1, ip: '10.0.0.1' };

function setup() {
  let now = 1000;
  const events = createDomainEvents(() => {});
  const heard: string[] = [];
  events.on('live-view-started', ({ clientId, startedAt }) => void heard.push(`start ${clientId} at ${startedAt}`));
  events.on('live-view-ended', ({ clientId, startedAt }) => void heard.push(`end ${clientId} since ${startedAt} at ${now}`));
  const views = trackLiveViews({ events, clock: { now: () => now } }, actor, 1);
  return { views, heard, at: (t: number) => (now = t) };
}

test('a view starts at the first watch and ends at unwatch; a repeated watch is the same view', async () => {
  const { views, heard, at } = setup();
  await views.started(5, 'x@pc');
  at(2000);
  await views.started(5, 'x@pc');
  at(3000);
  await views.ended(5);
  await views.ended(5);
  assert.deepEqual(heard, ['start 5 at 1000', 'end 5 since 1000 at 3000']);
});

test('a disconnect ends every open view; a watch finishing after it ends at once', async () => {
  const { views, heard, at } = setup();
  await views.started(5, 'x@pc');
  await views.started(6, 'y@pc');
  at(4000);
  await views.closeAll();
  await views.started(7, 'z@pc');
  assert.deepEqual(heard, ['start 5 at 1000', 'start 6 at 1000', 'end 5 since 1000 at 4000', 'end 6 since 1000 at 4000', 'start 7 at 4000', 'end 7 since 4000 at 4000']);
});
