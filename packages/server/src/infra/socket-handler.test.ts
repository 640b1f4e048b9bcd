import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { connectAgent, disconnectAll, startServer, type TestServer } from '@vaahshare/testkit';

let t: TestServer;
before(async () => {
  t = await startServer();
});
after(async () => {
  disconnectAll();
  await t.dispose();
});

/**
 * A node holds tens of thousands of agent sockets: each must cost Socket.IO's own state and little more, so the
 * handlers and listeners the server hangs on an agent socket are shared by all of them, never closures of its own
 * (docs/bench-log/presence.md, "Memory per connection").
 */
test('agent sockets share the server’s event routing and disconnect listeners', async () => {
  await connectAgent(t.url, 'first@shared');
  await connectAgent(t.url, 'second@shared');
  const [first, second] = ['first@shared', 'second@shared'].map((userHost) => [...t.server.io.of('/').sockets.values()].find((s) => s.data.userHost === userHost)!);
  assert.equal(first.listenersAny().length, 1, 'one listener routes every event');
  assert.equal(first.listenersAny()[0], second.listenersAny()[0]);
  assert.ok(first.listeners('disconnect').length > 0);
  assert.deepEqual(first.listeners('disconnect'), second.listeners('disconnect'));
});
