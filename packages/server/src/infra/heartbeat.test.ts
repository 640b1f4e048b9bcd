import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { Server } from 'socket.io';
import WebSocket from 'ws';
import { startHeartbeat } from './heartbeat.js';
import { waitUntil } from '@vaahshare/testkit';

const INTERVAL_MS = 400;
const TIMEOUT_MS = 200;
/** Socket.IO's own heartbeat, slower than ours as in production (25 s against 7 s), and out of step with it. */
const ENGINE_PING_INTERVAL_MS = INTERVAL_MS * 2.5;

let io: Server;
let url: string;
let stop: () => void;

before(async () => {
  const server = http.createServer();
  io = new Server(server, { transports: ['websocket'], pingInterval: ENGINE_PING_INTERVAL_MS, pingTimeout: TIMEOUT_MS });
  stop = startHeartbeat(io, { intervalMs: INTERVAL_MS, timeoutMs: TIMEOUT_MS });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/socket.io/?EIO=4&transport=websocket`;
});
after(async () => {
  stop();
  await new Promise<void>((resolve) => io.close(() => resolve()));
});

/**
 * A raw engine.io peer that counts the engine.io pings ("2") it receives and, when `answers`, sends the
 * pong ("3") as every Socket.IO client does; one that does not answer stands for a frozen network.
 */
async function peer(answers: boolean) {
  const ws = new WebSocket(url);
  const pingTimes: number[] = [];
  ws.on('message', (data) => {
    if (String(data) !== '2') return;
    pingTimes.push(performance.now());
    if (answers) ws.send('3');
  });
  const closed = new Promise<number>((resolve) => ws.once('close', () => resolve(performance.now())));
  await new Promise((resolve) => ws.once('open', resolve));
  return { ws, closed, pings: () => pingTimes.length, pingTimes };
}

test('a peer that answers pings stays; one that answers nothing is dropped within interval + timeout', async () => {
  const healthy = await peer(true);
  const silent = await peer(false);
  const since = performance.now();
  const closedAt = await silent.closed;
  assert.ok(closedAt - since <= INTERVAL_MS + TIMEOUT_MS + 150, `dropped after ${Math.round(closedAt - since)} ms`);
  // Two more pings answered: two more chances to be dropped, not taken.
  const answered = healthy.pings();
  await waitUntil(() => healthy.pings() >= answered + 2, INTERVAL_MS * 10, 'two more pings');
  assert.equal(healthy.ws.readyState, WebSocket.OPEN);
  healthy.ws.close();
});

test('a socket that just connected is first pinged most of an interval later, not at once', async () => {
  // Spread over the interval, a few of these would be pinged within half of it; each one waits at least that long.
  const peers = await Promise.all(Array.from({ length: 8 }, async () => ({ openedAt: performance.now(), ...(await peer(true)) })));
  await waitUntil(() => peers.every((p) => p.pings() >= 1), INTERVAL_MS * 5, 'a first ping each');
  const waits = peers.map((p) => Math.round(p.pingTimes[0] - p.openedAt));
  assert.ok(waits.every((wait) => wait >= INTERVAL_MS / 2), `first pings after ${waits.join(', ')} ms`);
  for (const p of peers) p.ws.close();
});

test("the answered pings replace Socket.IO's own: one ping per interval, none more", async () => {
  const healthy = await peer(true);
  // Enough pings to span three of Socket.IO's own intervals, had they been left on.
  const count = Math.ceil((ENGINE_PING_INTERVAL_MS * 3) / INTERVAL_MS) + 1;
  await waitUntil(() => healthy.pings() >= count, INTERVAL_MS * count * 5, `${count} pings`);
  // Timers may run late on a loaded machine, never early: our pings alone are an interval apart or more,
  // while Socket.IO's, one per ENGINE_PING_INTERVAL_MS on top, would bring these pings in sooner.
  // Half an interval of slack for the first ping reaching this peer later than the last one did.
  const span = healthy.pingTimes[count - 1] - healthy.pingTimes[0];
  assert.ok(span >= (count - 1.5) * INTERVAL_MS, `${count} pings in ${Math.round(span)} ms: more than one per ${INTERVAL_MS} ms`);
  // And they are ours: Socket.IO's alone would be ENGINE_PING_INTERVAL_MS apart.
  assert.ok(span < (count - 1) * ENGINE_PING_INTERVAL_MS, `${count} pings in ${Math.round(span)} ms: fewer than one per ${INTERVAL_MS} ms`);
  assert.equal(healthy.ws.readyState, WebSocket.OPEN);
  healthy.ws.close();
});

test('a peer whose pongs are held up but whose packets arrive is not dropped', async () => {
  const busy = await peer(false);
  // engine.io packets stand in for the video an uploading agent sends while its pong waits.
  const sending = setInterval(() => busy.ws.send('3'), TIMEOUT_MS / 2);
  // Pings left unanswered, each outliving its timeout (the next one comes after it), while packets kept arriving.
  await waitUntil(() => busy.pings() >= 4, INTERVAL_MS * 10, 'four unanswered pings');
  clearInterval(sending);
  assert.equal(busy.ws.readyState, WebSocket.OPEN);
  await waitUntil(() => busy.ws.readyState === WebSocket.CLOSED, INTERVAL_MS * 3, 'dropped once it falls silent');
});
