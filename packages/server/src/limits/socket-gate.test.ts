import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { Server } from 'socket.io';
import { io as ioClient, type Socket as ClientSocket } from 'socket.io-client';
import { z } from 'zod';
import { waitUntil } from '@vaahshare/testkit';
import { createMetrics } from '../infra/metrics.js';
import { createSocketHandlers } from '../infra/socket-handler.js';
import { fakeLog } from '../test/fakes.js';
import { BACKLOG_RETRY_MS, createSocketGate, type GateSettings } from './socket-gate.js';

const MiB = 1024 * 1024;
const SETTINGS: GateSettings = {
  MAX_FRAME_BYTES: MiB,
  MAX_FRAME_BYTES_IN_FLIGHT: 3 * MiB,
  // Slow enough that the buckets do not refill noticeably while a test runs.
  AGENT_FRAME_BYTES_PER_SECOND: 1024,
  AGENT_CONNECTS_PER_MINUTE: 2,
  AGENT_ALERTS_PER_MINUTE: 3,
  AGENT_EVENTS_PER_MINUTE: 5,
};

const agent = () => ({ data: { role: 'agent' } }) as never;
const frame = (bytes: number) => ({ buffer: new Uint8Array(bytes) });

describe('the socket gate (plain)', () => {
  test('each kind of event has its own budget per socket; a dashboard is not limited', () => {
    const gate = createSocketGate(SETTINGS);
    const [a, b] = [agent(), agent()];
    const alerts = Array.from({ length: 5 }, () => gate.admit(a, 'alert', {}).admitted);
    assert.deepEqual(alerts, [true, true, true, false, false]);
    assert.equal(gate.admit(a, 'client-connected', {}).admitted, true, 'another kind');
    assert.equal(gate.admit(b, 'alert', {}).admitted, true, 'another socket');
    assert.equal(gate.admit(a, 'constructor', {}).admitted, true, 'an event named like an Object property is an other');
    const dashboard = { data: { role: 'dashboard' } } as never;
    assert.ok(Array.from({ length: 50 }, () => gate.admit(dashboard, 'watch', {}).admitted).every(Boolean));
  });

  test('a refusal says when to try again, and asks for a warning once per run of refusals', () => {
    const gate = createSocketGate(SETTINGS);
    const a = agent();
    for (let i = 0; i < 5; i++) gate.admit(a, 'resume', {});
    const first = gate.admit(a, 'resume', {});
    const second = gate.admit(a, 'resume', {});
    assert.ok(!first.admitted && !second.admitted);
    assert.equal(first.error.code, 'rate_limited');
    assert.ok((first.error.details.retry_after_ms as number) > 0 && (first.error.details.retry_after_ms as number) <= 12_000);
    assert.deepEqual([first.warn, second.warn], [true, false]);
  });

  test('frames are counted in bytes (a burst of four largest frames), tiny ones at least 1 KiB each', () => {
    const gate = createSocketGate({ ...SETTINGS, MAX_FRAME_BYTES_IN_FLIGHT: 100 * MiB });
    const a = agent();
    const taken = Array.from({ length: 6 }, () => gate.admit(a, 'video-frame', frame(MiB)));
    assert.deepEqual(taken.map((t) => t.admitted), [true, true, true, true, false, false]);
    const b = agent();
    const tiny = Array.from({ length: 4 * 1024 + 1 }, () => gate.admit(b, 'video-frame', frame(1)).admitted);
    assert.equal(tiny.filter(Boolean).length, 4 * 1024);
  });

  test('frame bytes in flight are bounded; an answered frame makes room; one frame always passes', () => {
    const gate = createSocketGate({ ...SETTINGS, AGENT_FRAME_BYTES_PER_SECOND: 100 * MiB, MAX_FRAME_BYTES: 25 * MiB });
    const a = agent();
    const first = gate.admit(a, 'video-frame', frame(2 * MiB));
    assert.ok(first.admitted);
    assert.ok(gate.admit(a, 'video-frame', frame(MiB)).admitted);
    const over = gate.admit(a, 'video-frame', frame(MiB));
    assert.ok(!over.admitted);
    assert.equal(over.error.code, 'backlog_full');
    assert.equal(over.error.details.retry_after_ms, BACKLOG_RETRY_MS);
    first.done();
    assert.ok(gate.admit(a, 'video-frame', frame(2 * MiB)).admitted);
    const b = agent();
    assert.ok(gate.admit(b, 'video-frame', frame(5 * MiB)).admitted, 'larger than the bound, alone');
  });
});

/**
 * The gate in the socket handler wrapper, over real Socket.IO: a `video-frame` handler held until the test lets it go
 * stands for a disk slower than the sender, and a sender that does not wait for acks.
 */
describe('frame back-pressure over Socket.IO', () => {
  let server: http.Server;
  let io: Server;
  let url: string;
  let release = () => {};
  let held = Promise.resolve();
  const handled: number[] = [];
  const { log, lines } = fakeLog();

  before(async () => {
    server = http.createServer();
    io = new Server(server, { transports: ['websocket'], maxHttpBufferSize: 4 * MiB });
    const handlers = createSocketHandlers({ log, metrics: createMetrics() }, createSocketGate({ ...SETTINGS, AGENT_FRAME_BYTES_PER_SECOND: 100 * MiB }));
    io.on('connection', (socket) => {
      socket.data = { role: 'agent' };
      handlers.on(socket, 'video-frame', z.object({ buffer: z.instanceof(Buffer) }), async ({ buffer }) => {
        await held;
        handled.push(buffer.length);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise<void>((resolve) => io.close(() => resolve()));
  });

  const connect = async () => {
    const socket: ClientSocket = ioClient(url, { transports: ['websocket'], forceNew: true, reconnection: false });
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    return socket;
  };

  test('frames beyond the bytes in flight are refused at once (backlog_full), the held ones answered once written', async () => {
    held = new Promise<void>((resolve) => (release = resolve));
    const socket = await connect();
    const replies = Array.from({ length: 10 }, () => socket.timeout(10_000).emitWithAck('video-frame', { buffer: Buffer.alloc(MiB) }));
    const refused = await Promise.all(replies.slice(3));
    assert.deepEqual(refused.map((r) => r.error), Array(7).fill('backlog_full'));
    assert.equal(refused[0].retry_after_ms, BACKLOG_RETRY_MS);
    assert.deepEqual(handled, [], 'nothing was handled while the disk held the first three');
    release();
    assert.deepEqual(await Promise.all(replies.slice(0, 3)), [{ ok: true }, { ok: true }, { ok: true }]);
    assert.deepEqual(handled, [MiB, MiB, MiB]);
    socket.disconnect();
  });

  test('a sender without acks is warned once with an error event, and its refused frames are dropped', async () => {
    held = new Promise<void>((resolve) => (release = resolve));
    handled.length = 0;
    const socket = await connect();
    const errors: unknown[] = [];
    socket.on('error', (e: unknown) => errors.push(e));
    for (let i = 0; i < 10; i++) socket.emit('video-frame', { buffer: Buffer.alloc(MiB) });
    const last = socket.timeout(10_000).emitWithAck('video-frame', { buffer: Buffer.alloc(MiB) });
    assert.equal((await last).error, 'backlog_full', 'answered before the held frames');
    release();
    await waitUntil(() => handled.length === 3, 5000, 'the held frames handled');
    assert.equal(errors.length, 1);
    assert.equal((errors[0] as { error: string }).error, 'backlog_full');
    assert.ok(lines.some((l) => l.level === 'warn' && l.msg === 'socket event refused by a limit'));
    socket.disconnect();
  });
});
