import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startFreezingProxy } from '../test/freezing-proxy.js';
import { connectAgent, connectDashboard, login, sleep, startServer, waitUntil } from '../test/harness.js';

test('a silent drop (no TCP close) is reconnecting within 10 s with the default heartbeat', async () => {
  const t = await startServer();
  const proxy = await startFreezingProxy(t.port);
  try {
    const dashboard = await connectDashboard(t.url, await login(t.url));
    const viaProxy = await connectAgent(`http://127.0.0.1:${proxy.port}`, 'lid@laptop');
    const direct = await connectAgent(t.url, 'desk@tower');
    await waitUntil(() => dashboard.of('lid@laptop').length === 1);

    const frozenAt = Date.now();
    proxy.freeze();
    await waitUntil(() => dashboard.of('lid@laptop').length === 2, 10_000, 'client-reconnecting after the silent drop');
    const noticedAfter = Date.now() - frozenAt;
    assert.deepEqual(dashboard.of('lid@laptop'), ['client-connected', 'client-reconnecting']);
    assert.ok(noticedAfter <= 10_000, `noticed after ${noticedAfter} ms`);

    // A healthy, idle agent answers the pings and is never dropped by them.
    await sleep(1000);
    assert.deepEqual(dashboard.of('desk@tower'), ['client-connected']);
    viaProxy.socket.disconnect();
    direct.socket.disconnect();
    dashboard.socket.disconnect();
  } finally {
    await proxy.close();
    await t.dispose();
  }
});
