import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { Server, type Socket } from 'socket.io';
import { io as connect } from 'socket.io-client';
import WebSocket from 'ws';
import { waitUntil } from '@vaahshare/testkit';
import { takePongsDirectly } from './direct-pongs.js';
import { startHeartbeat } from './heartbeat.js';

const INTERVAL_MS = 400;
const TIMEOUT_MS = 300;

let io: Server;
let port: number;
let stop: () => void;
/** Text messages each server-side WebSocket handed to engine.io the ordinary way, by the socket's id. */
const ordinary = new Map<string, string[]>();

before(async () => {
  const server = http.createServer();
  // engine.io's own heartbeat would close a socket whose pongs it never hears within interval + timeout.
  io = new Server(server, { transports: ['websocket'], pingInterval: INTERVAL_MS * 2, pingTimeout: TIMEOUT_MS });
  stop = startHeartbeat(io, { intervalMs: INTERVAL_MS, timeoutMs: TIMEOUT_MS });
  io.on('connection', (socket: Socket) => {
    const messages: string[] = [];
    ordinary.set(socket.id, messages);
    (socket.conn.transport as unknown as { socket: WebSocket }).socket.on('message', (data) => messages.push(String(data)));
    socket.on('echo', (value: unknown, ack: (v: unknown) => void) => ack(value));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
after(async () => {
  stop();
  await new Promise<void>((resolve) => io.close(() => resolve()));
});

const serverSocket = (id: string) => io.sockets.sockets.get(id);

test('pongs reach the heartbeat and engine.io without passing through ws as messages; events still do', async () => {
  const client = connect(`http://127.0.0.1:${port}`, { transports: ['websocket'] });
  let pings = 0;
  client.io.engine.on('ping', () => pings++);
  await new Promise((resolve) => client.once('connect', () => resolve(undefined)));
  // Many pings answered, over several of engine.io's own timeouts: the socket stays, so both heard the pongs.
  await waitUntil(() => pings >= 6, INTERVAL_MS * 20, 'six pings answered');
  assert.ok(serverSocket(client.id!), 'still connected');
  const messages = ordinary.get(client.id!)!;
  assert.equal(messages.filter((m) => m === '3').length, 0, `pongs went through ws: ${messages.join(' ')}`);
  // (A pong sent together with this event may share its read, and so go the ordinary way: not counted.)
  assert.deepEqual(await client.timeout(2000).emitWithAck('echo', 'hello'), 'hello');
  assert.ok(messages.some((m) => m.startsWith('42')), 'the event went the ordinary way');
  client.close();
});

/** A client frame as the browser or `ws` sends it: final, text, masked. */
function clientTextFrame(text: string) {
  const payload = Buffer.from(text);
  assert.ok(payload.length < 126);
  const mask = randomBytes(4);
  const masked = payload.map((byte, i) => byte ^ mask[i % 4]);
  return Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, masked]);
}

test('a pong that shares a read with another frame, or arrives in pieces, takes the ordinary way and still counts', async () => {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`);
  // ws's TCP socket, there once the connection is open: the frames are written on it as they are, glued or split.
  const raw = { write: (bytes: Buffer) => (ws as unknown as { _socket: { write(b: Buffer): void } })._socket.write(bytes) };
  let sid: string | undefined;
  let pings = 0;
  const acks: string[] = [];
  ws.on('message', (data) => {
    const text = String(data);
    if (text === '2') {
      pings++;
      // Once connected (an event before that would be refused): every other pong glued to an event; the others in
      // two pieces.
      if (!sid) ws.send('3');
      else if (pings % 2) raw.write(Buffer.concat([clientTextFrame('3'), clientTextFrame(`420["echo",${pings}]`)]));
      else {
        const pong = clientTextFrame('3');
        raw.write(pong.subarray(0, 3));
        setImmediate(() => raw.write(pong.subarray(3)));
      }
    } else if (text.startsWith('40')) sid = JSON.parse(text.slice(2)).sid;
    else if (text.startsWith('430')) acks.push(text);
  });
  await new Promise((resolve) => ws.once('open', resolve));
  ws.send('40');
  let closedWith: number | undefined;
  ws.once('close', (code) => (closedWith = code));
  // Three events glued to pongs answered, with as many split pongs between them.
  await waitUntil(() => acks.length >= 3 || closedWith !== undefined, INTERVAL_MS * 30, 'three events glued to pongs answered');
  assert.equal(closedWith, undefined, `dropped after ${pings} pings`);
  const messages = ordinary.get(sid!)!;
  assert.ok(messages.filter((m) => m === '3').length >= 3, 'those pongs went through ws');
  ws.close();
});

test('a socket that is not on a WebSocket, or whose ws is not as expected, keeps the ordinary way', () => {
  const onPacket = () => undefined;
  assert.equal(takePongsDirectly({ onPacket, transport: { name: 'polling' } }), false);
  assert.equal(takePongsDirectly({ onPacket, transport: { name: 'websocket', socket: { _receiver: { write() {} } } } }), false);
});
