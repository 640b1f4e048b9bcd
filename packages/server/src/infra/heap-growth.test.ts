import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { tempDir, testEnv, waitUntil } from '@vaahshare/testkit';
import { freePort, spawnServer } from '@vaahshare/testkit/process';
import { WebSocket } from 'ws';
import { BURST_PER_SECOND, CALM_AFTER_MS, heapGrowthPolicy, startupGrowthPercent, type Burst } from './heap-growth.js';

function setup() {
  let now = 1_000_000;
  const calls: string[] = [];
  const bursts: Burst[] = [];
  const collect = (burst: Burst) => {
    calls.push('collect');
    bursts.push(burst);
  };
  const policy = heapGrowthPolicy({ now: () => now, steadyGrowthPercent: 40, setFlags: (f) => calls.push(f), began: () => calls.push('began'), collect });
  return {
    policy,
    calls,
    bursts,
    advance: (ms: number) => {
      now += ms;
    },
    open: (count: number) => {
      for (let i = 0; i < count; i++) policy.connectionOpened();
    },
  };
}

const v8Own = '--heap-growing-percent=0';
const steady = '--heap-growing-percent=40';

describe('heap growth by load', () => {
  test('a second with the burst count of connections lets V8 size the heap, until no burst came for a while; then one collection', () => {
    const { policy, calls, bursts, advance, open } = setup();
    open(BURST_PER_SECOND - 1);
    assert.equal(policy.bursting, false);
    assert.deepEqual(calls, []);
    open(1);
    assert.equal(policy.bursting, true);
    assert.deepEqual(calls, [v8Own, 'began']);
    // Connections go on at the same rate: still a burst, and the flag is not set again.
    advance(1000);
    open(BURST_PER_SECOND);
    advance(CALM_AFTER_MS - 1);
    policy.check();
    assert.equal(policy.bursting, true);
    assert.deepEqual(calls, [v8Own, 'began']);
    advance(1);
    policy.check();
    assert.equal(policy.bursting, false);
    assert.deepEqual(calls, [v8Own, 'began', steady, 'collect']);
    assert.deepEqual(bursts, [{ connections: 2 * BURST_PER_SECOND, ms: 1000 }], 'the burst: its connections, from its first second to its last');
    // Calm stays calm: no collection each check.
    advance(CALM_AFTER_MS * 3);
    policy.check();
    assert.deepEqual(calls, [v8Own, 'began', steady, 'collect']);
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

  test('the growth a burst ends with is the one the process was started with', () => {
    assert.equal(startupGrowthPercent(['--enable-source-maps', '--max-semi-space-size=6', '--heap-growing-percent=40']), 40);
    assert.equal(startupGrowthPercent(['--heap_growing_percent=25', '--heap-growing-percent=60']), 60, 'the last one given wins, as in V8');
    assert.equal(startupGrowthPercent(['--enable-source-maps']), 0, "none given: V8's own");
  });

  test('a second burst after calm is a burst again', () => {
    const { policy, calls, advance, open } = setup();
    open(BURST_PER_SECOND);
    advance(CALM_AFTER_MS);
    policy.check();
    advance(1000);
    open(BURST_PER_SECOND);
    assert.equal(policy.bursting, true);
    assert.deepEqual(calls, [v8Own, 'began', steady, 'collect', v8Own, 'began']);
  });
});

/**
 * In a process of its own: a collection that blocked the thread (as an inspector session disconnected inside its own
 * callback does) would also block this test's timers. The child drops ~100 MB of garbage, collects, and prints its
 * RSS before and after; then collects again with a second session, as the benchmarks' forced GC does, and says
 * whether an inspector port is open (none may be: docs/SECURITY.md).
 */
test('the low-memory collection gives the garbage of a burst back to the system and leaves the thread running', () => {
  const module = fileURLToPath(new URL('./heap-growth.ts', import.meta.url));
  const child = `
    const { lowMemoryCollection } = await import(${JSON.stringify(module)});
    let garbage = Array.from({ length: 1_000_000 }, (_, i) => ({ i, text: 'garbage ' + i }));
    const before = process.memoryUsage().rss;
    garbage = null;
    await lowMemoryCollection();
    const after = process.memoryUsage().rss;
    await lowMemoryCollection();
    const { url } = await import('node:inspector');
    console.log(JSON.stringify({ before, after, inspectorUrl: url() ?? null }));
  `;
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', child], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(run.status, 0, `the collection did not return (signal ${run.signal}): ${run.stderr}`);
  const { before, after, inspectorUrl } = JSON.parse(run.stdout) as { before: number; after: number; inspectorUrl: string | null };
  assert.ok(before - after > 50 * 2 ** 20, `RSS ${before} → ${after} bytes: the garbage stayed resident`);
  assert.equal(inspectorUrl, null, 'the collection opened an inspector port');
});

test('the built server notices a burst of connections, and says when it began and when it ended', async () => {
  const server = await spawnServer(testEnv(tempDir(), { PORT: String(await freePort()), LOG_LEVEL: 'info' }));
  const sockets: WebSocket[] = [];
  try {
    // Engine.io connections are what the server counts; these need not go on to a Socket.IO handshake.
    const url = `${server.url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`;
    const logged = (text: string) => server.output().split('\n').find((line) => line.includes(text));
    // Batches until the server says a burst began: on a loaded machine one batch may straddle its counting seconds.
    for (let batch = 0; batch < 10 && !logged('a burst of connections began'); batch++) {
      const opened = Array.from({ length: 250 }, () => new WebSocket(url));
      sockets.push(...opened);
      await Promise.all(opened.map((socket) => new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject))));
    }
    await waitUntil(() => logged('a burst of connections began') !== undefined, 5000, 'the start of the burst in the log');
    const ended = () => logged('a burst of connections ended');
    await waitUntil(() => ended() !== undefined, CALM_AFTER_MS + 10_000, 'the end of the burst in the log');
    const { connections, rssMiB } = JSON.parse(ended()!) as { connections: number; rssMiB: { before: number; after: number } };
    assert.ok(connections >= BURST_PER_SECOND, `the burst counted ${connections} connections`);
    assert.ok(rssMiB.before > 0 && rssMiB.after > 0, `RSS ${rssMiB.before} → ${rssMiB.after} MiB`);
  } finally {
    for (const socket of sockets) socket.terminate();
    await server.stop('SIGTERM');
  }
});
