import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { toMedia } from '../media/index.js';
import {
  connectDashboard,
  connected,
  login,
  machineInfo,
  openSocket,
  roundTrip,
  startServer,
  waitUntil,
  type TestServer,
  type TestSocket,
} from '@vaahshare/testkit';
import { chunks, makeWebm } from '@vaahshare/testkit/webm';

/** The original VaahShare client: token-less, no segment ids, no offsets, no acks (PROTOCOL.md §6). */
async function connectOriginal(url: string, userHost: string): Promise<TestSocket> {
  const socket = openSocket(url, { app: 'electron', token: null });
  await connected(socket);
  socket.emit('client-connected', { machine_info: machineInfo(userHost), company_id: '1' });
  return socket;
}

describe('original clients stream as they always did', () => {
  let t: TestServer;
  const mediaOf = async (clientUserHost: string) => {
    const rows = await t.server.ctx.db
      .selectFrom('media')
      .innerJoin('clients', 'clients.id', 'media.client_id')
      .selectAll('media')
      .where('clients.user_host', '=', clientUserHost)
      .orderBy('media.id')
      .execute();
    return rows.map(toMedia);
  };

  before(async () => {
    t = await startServer({ LEGACY_AGENTS: 'true' });
  });
  after(() => t.dispose());

  test('frames without start-streaming open a segment; 2-second packets above 1 MB are accepted', async () => {
    const webm = await makeWebm({ seconds: 4, fps: 10, gop: 20, size: '1280x720', bitrate: '4M', noisy: true });
    const packets = chunks(webm, Math.ceil(webm.length / 2));
    assert.ok(packets[0].length > 1024 * 1024, `a packet of ${packets[0].length} bytes`);
    const socket = await connectOriginal(t.url, 'old@pc-1');
    await waitUntil(async () => (await t.server.ctx.db.selectFrom('clients').select('id').where('user_host', '=', 'old@pc-1').executeTakeFirst()) !== undefined);
    for (const buffer of packets) socket.emit('video-frame', { buffer, socket_id: socket.id, company_id: 1 });
    await waitUntil(async () => (await mediaOf('old@pc-1'))[0]?.status === 'recording');
    socket.emit('stop-streaming', { socket_id: socket.id });
    await waitUntil(async () => (await mediaOf('old@pc-1'))[0]?.status === 'ready', 15_000, 'ready');
    const [media] = await mediaOf('old@pc-1');
    assert.ok(Math.abs((media.duration_ms ?? 0) - 4000) <= 200, `duration ${media.duration_ms}`);
    socket.disconnect();
  });

  test('every start-streaming opens a new segment; a comeback finishes the open one; no connect-stream is sent', async () => {
    const webm = await makeWebm({ seconds: 4, fps: 10, gop: 10 });
    const socket = await connectOriginal(t.url, 'old@pc-2');
    const told: string[] = [];
    socket.on('connect-stream', () => told.push('connect-stream'));
    socket.on('disconnect-stream', () => told.push('disconnect-stream'));
    await waitUntil(async () => (await t.server.ctx.db.selectFrom('clients').select('id').where('user_host', '=', 'old@pc-2').executeTakeFirst()) !== undefined);
    const client = await t.server.ctx.db.selectFrom('clients').select('id').where('user_host', '=', 'old@pc-2').executeTakeFirstOrThrow();

    const dashboard = await connectDashboard(t.url, await login(t.url));
    await dashboard.socket.emitWithAck('watch', { client_id: client.id });

    socket.emit('start-streaming', { socket_id: socket.id, company_id: 1 });
    socket.emit('video-frame', { buffer: webm, socket_id: socket.id });
    socket.emit('start-streaming', { socket_id: socket.id, company_id: 1 });
    socket.emit('video-frame', { buffer: webm, socket_id: socket.id });
    await waitUntil(async () => (await mediaOf('old@pc-2')).length === 2);
    await waitUntil(async () => (await mediaOf('old@pc-2'))[0].status === 'ready', 15_000, 'the first segment finalized');

    socket.disconnect();
    const again = await connectOriginal(t.url, 'old@pc-2');
    again.on('connect-stream', () => told.push('connect-stream'));
    again.on('disconnect-stream', () => told.push('disconnect-stream'));
    await waitUntil(async () => (await mediaOf('old@pc-2'))[1].status === 'ready', 15_000, 'the comeback finished the open one');
    await dashboard.socket.emitWithAck('unwatch', { client_id: client.id });
    await roundTrip(again);
    assert.deepEqual(told, []);
    again.disconnect();
    dashboard.socket.disconnect();
  });
});
