import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { AGENT_TOKEN, connectAgent, machineInfo, startServer, waitUntil, type TestServer } from '@vaahshare/testkit';
import { openConnection } from '../src/connection.js';

let t: TestServer;
before(async () => {
  t = await startServer({ MAX_NEW_CLIENTS_PER_TOKEN_PER_HOUR: '1' });
});
after(() => t.dispose());

test('a client-connected refused for now (too_many_new_clients) is not fatal: the agent says when it tries again and disconnects meanwhile', async () => {
  const first = await connectAgent(t.url, 'first@limit-1');
  const told: string[] = [];
  const fatal: string[] = [];
  let ready = false;
  const socket = openConnection(t.url, AGENT_TOKEN, () => machineInfo('second@limit-1'), { load: () => undefined, save: () => undefined }, {
    ready: () => (ready = true),
    lost: () => undefined,
    unreachable: () => undefined,
    deferred: (message) => told.push(message),
    fatal: (message) => fatal.push(message),
  });
  await waitUntil(() => told.length === 1, 10_000, 'the refusal reported');
  const [, seconds] = /^the server refused for now \(This enrollment token added 1 new desktops within the last hour .*\); connecting again in (\d+) s$/.exec(told[0]) ?? [];
  // When the first desktop was added, an hour on: a second or two less under load.
  assert.ok(Number(seconds) > 3500 && Number(seconds) <= 3600, told[0]);
  assert.deepEqual(fatal, []);
  assert.equal(ready, false);
  await waitUntil(() => !socket.connected, 5000, 'disconnected while it waits');
  socket.io.reconnection(false);
  socket.disconnect();
  first.socket.disconnect();
});
