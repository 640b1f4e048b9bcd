import assert from 'node:assert/strict';
import { afterEach, beforeEach, mock, test } from 'node:test';
import type { Client } from '@vaahshare/protocol';
import { createPinia, setActivePinia } from 'pinia';
import { effectScope, nextTick } from 'vue';
import { useClientsStore } from '../stores/clients';
import { COUNTS_REFRESH_MS, useShownCounts } from './useShownCounts';

const online = (id: number, connected: boolean): Client => ({
  id,
  company_id: 1,
  user_host: `user-${id}@pc`,
  socket_id: connected ? `s${id}` : null,
  meta: {},
  is_connected: connected,
  is_reconnecting: false,
  is_streaming: false,
  grace_deadline: null,
  last_seen_at: new Date(0).toISOString(),
  disconnect_reason: connected ? null : 'app_closed',
  device_enrolled: true,
  group_id: 1,
});

beforeEach(() => {
  setActivePinia(createPinia());
  mock.timers.enable({ apis: ['setTimeout', 'Date'], now: Date.now() });
});
afterEach(() => mock.timers.reset());

test('the counts shown take the first change at once, then follow a storm of changes at most four times a second', async () => {
  const store = useClientsStore();
  const scope = effectScope();
  const shown = scope.run(useShownCounts)!;
  store.apply(online(1, true));
  await nextTick();
  assert.equal(shown.value.connected, 1, 'the first change after a quiet moment shows at once');

  for (let id = 2; id <= 100; id++) store.apply(online(id, true));
  store.apply(online(1, false));
  await nextTick();
  assert.equal(shown.value.connected, 1, 'a storm is not painted change by change');

  mock.timers.tick(COUNTS_REFRESH_MS);
  await nextTick();
  assert.deepEqual(shown.value, { connected: 99, reconnecting: 0, disconnected: 1 }, 'the last change always shows');
  scope.stop();
});
