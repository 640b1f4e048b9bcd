import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { io as ioClient } from 'socket.io-client';
import WebSocket from 'ws';
import {
  AGENT_TOKEN,
  api,
  connectAgent,
  connected,
  hello,
  login,
  openSocket,
  startServer,
  waitUntil,
  type TestServer,
  type TestSocket,
} from '@vaahshare/testkit';
import { handshakeRefusal, rowCount, untyped } from '@vaahshare/testkit/probes';

const KiB = 1024;
const MiB = 1024 * KiB;

/** A raw engine.io peer over WebSocket: the close code the server ends it with. */
async function closeCodeAfterSending(url: string, message: string): Promise<number> {
  const ws = new WebSocket(`${url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`);
  await new Promise((resolve, reject) => ws.once('message', resolve).once('error', reject));
  ws.send(message);
  return new Promise((resolve) => ws.once('close', (code) => resolve(code)));
}

/** Sends a frame of `bytes` before any segment is open: read and answered (`no_segment`) when within the limit. */
const NO_SEGMENT = { ok: false, error: 'no_segment', message: 'No open segment: send start-streaming first' };
const frameOf = (socket: TestSocket, bytes: number) => socket.timeout(10_000).emitWithAck('video-frame', { buffer: Buffer.alloc(bytes, 1) });

describe('message size before and after authentication', () => {
  let t: TestServer;
  before(async () => {
    t = await startServer();
  });
  after(() => t.dispose());

  test('before its handshake authenticated it, a connection may send 64 KiB at most: ws closes it (1009) unread', async () => {
    assert.equal(await closeCodeAfterSending(t.url, `4${'x'.repeat(MiB)}`), 1009);
    // A handshake with a huge auth payload is never read either.
    assert.equal(await closeCodeAfterSending(t.url, `40${JSON.stringify({ token: 'x'.repeat(100 * KiB) })}`), 1009);
  });

  test('an authenticated agent sends frames of MAX_FRAME_BYTES, over WebSocket, long-polling and after an upgrade', async () => {
    const { socket } = await connectAgent(t.url, 'big@frames-1');
    assert.deepEqual(await frameOf(socket, 3 * MiB), NO_SEGMENT, 'websocket');
    for (const transports of [['polling'], ['polling', 'websocket']] as const) {
      const agent = ioClient(t.url, { transports: [...transports], forceNew: true, reconnection: false, query: { app: 'agent' }, auth: { token: AGENT_TOKEN } }) as TestSocket;
      await connected(agent);
      if (transports.length === 2) await new Promise<void>((resolve) => (agent.io.engine.transport.name === 'websocket' ? resolve() : agent.io.engine.once('upgrade', () => resolve())));
      assert.equal((await agent.timeout(5000).emitWithAck('client-connected', hello(`big@frames-${transports.length + 1}`))).ok, true);
      assert.deepEqual(await frameOf(agent, 3 * MiB), NO_SEGMENT, transports.join('+'));
      agent.disconnect();
    }
    socket.disconnect();
  });

  test('a dashboard socket keeps the small limit', async () => {
    const dashboard = openSocket(t.url, { app: 'backend', auth: { token: await login(t.url) } });
    await connected(dashboard);
    const closed = new Promise<string>((resolve) => dashboard.once('disconnect', resolve));
    untyped(dashboard).emit('watch', { client_id: 1, padding: 'x'.repeat(100 * KiB) });
    assert.match(await closed, /^transport (close|error)$/);
  });
});

describe('per-token caps', () => {
  let t: TestServer;
  let superToken: string;
  /** A fresh enrollment token of the default company, so that each test counts its own sockets and desktops. */
  const newToken = async () => (await api(t.url, '/api/companies/1/tokens', { token: superToken, body: {} })).body.data.token as string;

  before(async () => {
    t = await startServer({ MAX_SOCKETS_PER_TOKEN: '3', MAX_NEW_CLIENTS_PER_TOKEN_PER_HOUR: '2' });
    superToken = await login(t.url);
  });
  after(() => t.dispose());

  test('a token has at most MAX_SOCKETS_PER_TOKEN sockets open; a closed one makes room; another token has its own', async () => {
    const token = await newToken();
    const open = [openSocket(t.url, { token }), openSocket(t.url, { token }), openSocket(t.url, { token })];
    await Promise.all(open.map(connected));
    const refusal = await handshakeRefusal(openSocket(t.url, { token }));
    assert.deepEqual(refusal.data, { error: 'too_many_connections' });
    assert.match(refusal.message, /This enrollment token already has 3 connections open on this server \(MAX_SOCKETS_PER_TOKEN\)/);
    const other = openSocket(t.url);
    await connected(other);

    open[0].disconnect();
    // The two others of the token and `other`: the refused one and the first are closed on the server too.
    await waitUntil(() => t.server.io.engine.clientsCount === 3, 5000, 'the server saw the sockets close');
    const again = openSocket(t.url, { token });
    await connected(again);
    for (const socket of [...open, other, again]) socket.disconnect();
    await waitUntil(() => t.server.io.engine.clientsCount === 0, 5000, 'every socket closed');
  });

  test('a token adds at most MAX_NEW_CLIENTS_PER_TOKEN_PER_HOUR new desktops an hour; known ones and other tokens go on', async () => {
    const token = await newToken();
    const a = await connectAgent(t.url, 'new@desk-1', { token });
    const b = await connectAgent(t.url, 'new@desk-2', { token });
    const third = openSocket(t.url, { token });
    await connected(third);
    const errors: unknown[] = [];
    third.on('error', (e) => errors.push(e));
    const clientsBefore = await rowCount(t, 'clients');
    const refused = await third.timeout(5000).emitWithAck('client-connected', hello('new@desk-3', { token }));
    assert.equal(!refused.ok && refused.error, 'too_many_new_clients');
    assert.match(!refused.ok ? refused.message : '', /This enrollment token added 2 new desktops within the last hour \(MAX_NEW_CLIENTS_PER_TOKEN_PER_HOUR\): new@desk-3 can enroll in 60 min/);
    assert.ok(!refused.ok && refused.retry_after_ms! > 59 * 60_000 && refused.retry_after_ms! <= 3_600_000);
    assert.equal(errors.length, 1, 'announced with an error event too');
    assert.equal(await rowCount(t, 'clients'), clientsBefore, 'nothing stored');
    third.disconnect();

    // A desktop the token already added comes back; another token adds its own.
    a.socket.disconnect();
    await waitUntil(() => t.server.io.engine.clientsCount === 1, 5000, 'only b is still connected');
    const back = await connectAgent(t.url, 'new@desk-1', { token });
    const other = await connectAgent(t.url, 'new@desk-3', { token: await newToken() });
    assert.equal(other.client.user_host, 'new@desk-3');
    for (const socket of [back.socket, b.socket, other.socket]) socket.disconnect();
  });
});
