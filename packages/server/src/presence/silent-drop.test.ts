import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startFreezingProxy } from '@vaahshare/testkit/freezing-proxy';
import { connectAgent, connectDashboard, heardAll, login, startServer, waitUntil } from '@vaahshare/testkit';

// Short heartbeat settings keep the test quick; the defaults' sum stays under 10 s (config.test.ts) and the
// presence benchmark measures them. The allowance covers a loaded machine's late timers.
const INTERVAL_MS = 2_000;
const TIMEOUT_MS = 1_000;
const ALLOWANCE_MS = 2_000;

test('a silent drop (no TCP close) is reconnecting within the heartbeat interval + timeout', async () => {
  const t = await startServer({ HEARTBEAT_INTERVAL_MS: String(INTERVAL_MS), HEARTBEAT_TIMEOUT_MS: String(TIMEOUT_MS) });
  const proxy = await startFreezingProxy(t.port);
  try {
    const dashboard = await connectDashboard(t.url, await login(t.url));
    const viaProxy = await connectAgent(`http://127.0.0.1:${proxy.port}`, 'lid@laptop');
    const direct = await connectAgent(t.url, 'desk@tower');
    await waitUntil(() => dashboard.of('lid@laptop').length === 1);

    const frozenAt = Date.now();
    proxy.freeze();
    const bound = INTERVAL_MS + TIMEOUT_MS + ALLOWANCE_MS;
    await waitUntil(() => dashboard.of('lid@laptop').length === 2, bound, 'client-reconnecting after the silent drop');
    const noticedAfter = Date.now() - frozenAt;
    assert.deepEqual(dashboard.of('lid@laptop'), ['client-connected', 'client-reconnecting']);
    assert.ok(noticedAfter <= bound, `noticed after ${noticedAfter} ms`);

    // A healthy, idle agent answers the pings and is never dropped by them: two more pings answered.
    const pinged = () => new Promise<void>((resolve) => direct.socket.io.engine.once('ping', () => resolve()));
    await pinged();
    await pinged();
    await heardAll(t.url, dashboard);
    assert.deepEqual(dashboard.of('desk@tower'), ['client-connected']);
    viaProxy.socket.disconnect();
    direct.socket.disconnect();
    dashboard.socket.disconnect();
  } finally {
    await proxy.close();
    await t.dispose();
  }
});
