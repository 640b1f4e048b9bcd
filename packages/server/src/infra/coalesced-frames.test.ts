import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo, Socket as TcpSocket } from 'node:net';
import { after, before, test } from 'node:test';
import { Server } from 'socket.io';
import { io as connect, type Socket as ClientSocket } from 'socket.io-client';
import { coalesceFlushedFrames } from './coalesced-frames.js';

let io: Server;
let url: string;

before(async () => {
  coalesceFlushedFrames();
  const server = http.createServer();
  io = new Server(server, { transports: ['websocket'] });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  await new Promise<void>((resolve) => io.close(() => resolve()));
});

/** Counts the writes (system calls) the server's TCP socket of the next connection makes. */
function countWrites(): Promise<{ writes: () => number; socket: import('socket.io').Socket }> {
  return new Promise((resolve) => {
    io.once('connection', (socket) => {
      const tcp = (socket.conn.transport as unknown as { socket: { _socket: TcpSocket & { _writev: Function; _write: Function } } }).socket._socket;
      let writes = 0;
      for (const method of ['_writev', '_write'] as const) {
        const original = tcp[method];
        tcp[method] = function (this: TcpSocket, ...args: unknown[]) {
          writes++;
          return original.apply(this, args);
        };
      }
      resolve({ writes: () => writes, socket });
    });
  });
}

test('packets emitted together leave in two writes (the first at once, the rest together), in order', async () => {
  const counted = countWrites();
  const client: ClientSocket = connect(url, { transports: ['websocket'] });
  const { writes, socket } = await counted;
  const heard: string[] = [];
  const all = new Promise<void>((resolve) => client.onAny((event: string) => heard.push(event) === 4 && resolve()));
  const before = writes();
  for (const event of ['one', 'two', 'three', 'four']) socket.emit(event);
  await all;
  assert.deepEqual(heard, ['one', 'two', 'three', 'four']);
  // Without coalescing: four writes, one per packet.
  assert.equal(writes() - before, 2);
  client.close();
});
