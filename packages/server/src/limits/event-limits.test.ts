import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Alert } from '@vaahshare/protocol';
import {
  connectAgent,
  connectDashboard,
  connected,
  login,
  machineInfo,
  openSocket,
  startServer,
  waitUntil,
  type TestServer,
} from '@vaahshare/testkit';
import { untyped } from '@vaahshare/testkit/probes';
import { sendFrames, startSegment } from '@vaahshare/testkit/streaming';
import { chunks, makeWebm } from '@vaahshare/testkit/webm';

/** Everything the socket sent before has been handled: an acked event that goes through the socket's queue. */
async function drained(socket: ReturnType<typeof openSocket>) {
  const reply = await socket.timeout(30_000).emitWithAck('stop-streaming', { segment_id: 'none-open' });
  assert.equal(!reply.ok && reply.error, 'no_segment');
}

/** Per-socket token buckets and alert de-duplication (docs/SECURITY.md "Limits"), with the default settings. */
describe('event limits of agent sockets', () => {
  let t: TestServer;
  let token: string;
  let dashboard: Awaited<ReturnType<typeof connectDashboard>>;
  const created: Alert[] = [];
  const updated: Alert[] = [];

  before(async () => {
    t = await startServer({ LEGACY_AGENTS: 'true' });
    token = await login(t.url);
    dashboard = await connectDashboard(t.url, token);
    dashboard.socket.on('alert-created', ({ alert }) => created.push(alert));
    dashboard.socket.on('alert-updated', ({ alert }) => updated.push(alert));
  });
  after(async () => {
    dashboard.socket.disconnect();
    await t.dispose();
  });

  test('3 000 alert events in a burst make one alert with a count: one toast, one warning to the sender', async () => {
    const { socket, client } = await connectAgent(t.url, 'flood@alerts-1');
    const errors: Array<{ error: string; message?: string; event?: string }> = [];
    socket.on('error', (e) => errors.push(e));
    for (let i = 0; i < 3000; i++) socket.emit('alert', { type: 'idle', idle_seconds: 300 });
    // Right behind the flood, three with acks: refused at once, with when to try again.
    const acked = await Promise.all([1, 2, 3].map(() => socket.timeout(30_000).emitWithAck('alert', { type: 'idle', idle_seconds: 300 })));
    await drained(socket);

    const stored = await t.server.ctx.db.selectFrom('alerts').selectAll().where('client_id', '=', client.id).execute();
    assert.equal(stored.length, 1);
    // The socket's alert budget (AGENT_ALERTS_PER_MINUTE, 30), plus one per 2 s the flood took to arrive: not 3 000.
    const count = stored[0].repeat_count;
    assert.ok(count >= 30 && count <= 33, `repeat_count ${count}`);
    // One warning per run of refusals (a token that dripped in meanwhile may start a new run).
    assert.ok(errors.length >= 1 && errors.length <= 1 + (count - 30), `${errors.length} warnings`);
    assert.deepEqual(errors[0], { error: 'rate_limited', message: errors[0]?.message, event: 'alert' });
    assert.match(errors[0].message ?? '', /Too many alert events from this connection: send it again in \d+ s/);
    await waitUntil(() => updated.filter((a) => a.client_id === client.id).length === count - 1, 5000, 'the repeats announced');
    assert.equal(created.filter((a) => a.client_id === client.id).length, 1, 'one alert-created: one toast');
    assert.equal(updated.at(-1)?.repeat_count, count);

    const refused = acked.filter((reply) => !reply.ok);
    assert.ok(refused.length >= 2, 'a token that dripped in may take one');
    for (const reply of refused) {
      assert.equal(!reply.ok && reply.error, 'rate_limited');
      assert.ok(!reply.ok && reply.retry_after_ms! > 0 && reply.retry_after_ms! <= 2000, `retry after ${!reply.ok && reply.retry_after_ms}`);
    }
    socket.disconnect();
  });

  test('an honest agent at its normal rates is never limited: catch-up video, held alerts, its returns, stop', async () => {
    const webm = await makeWebm({ seconds: 4, fps: 10, gop: 20, size: '1280x720', bitrate: '4M', noisy: true });
    const { socket, client } = await connectAgent(t.url, 'honest@agent-1');
    await startSegment(socket, 'honest-1');
    // The backlog of a cut, as fast as acks come back, in the agent's 512 KiB chunks.
    assert.equal(await sendFrames(socket, 'honest-1', webm, 0, webm.length, 512 * 1024), webm.length);
    // Alerts held while offline: idle periods ten minutes apart, each followed by the person's return.
    const start = Date.now() - 3_600_000;
    for (let i = 0; i < 5; i++) {
      const alert = { type: 'idle' as const, idle_seconds: 300, alert_id: `honest-${i}`, occurred_at: new Date(start + i * 600_000).toISOString() };
      assert.equal((await socket.timeout(5000).emitWithAck('alert', alert)).ok, true);
      assert.equal((await socket.timeout(5000).emitWithAck('alert', { ...alert, away_seconds: 400 })).ok, true);
    }
    assert.equal((await socket.timeout(5000).emitWithAck('stop-streaming', { segment_id: 'honest-1' })).ok, true);
    const alerts = await t.server.ctx.db.selectFrom('alerts').select(['repeat_count', 'away_seconds']).where('client_id', '=', client.id).execute();
    assert.deepEqual(alerts, Array(5).fill({ repeat_count: 1, away_seconds: 400 }), 'distinct idle periods stay distinct');
    socket.disconnect();
  });

  test('an original client streaming 2-second packets without acks is never limited', async () => {
    const webm = await makeWebm({ seconds: 4, fps: 10, gop: 20, size: '1280x720', bitrate: '4M', noisy: true });
    const socket = openSocket(t.url, { app: 'electron', token: null });
    const errors: unknown[] = [];
    socket.on('error', (e) => errors.push(e));
    await connected(socket);
    socket.emit('client-connected', { machine_info: machineInfo('old@limits-1'), company_id: '1' });
    for (const buffer of chunks(webm, Math.ceil(webm.length / 2))) untyped(socket).emit('video-frame', { buffer, socket_id: socket.id });
    untyped(socket).emit('stop-streaming', socket.id);
    const mediaOf = () =>
      t.server.ctx.db.selectFrom('media').innerJoin('clients', 'clients.id', 'media.client_id').select(['media.status', 'media.duration_ms']).where('clients.user_host', '=', 'old@limits-1').execute();
    await waitUntil(async () => (await mediaOf())[0]?.status === 'ready', 20_000, 'the recording finalized');
    const [media] = await mediaOf();
    assert.ok(Math.abs((media.duration_ms ?? 0) - 4000) <= 200, `all 4 s recorded: ${media.duration_ms} ms`);
    assert.deepEqual(errors, []);
    socket.disconnect();
  });

  test('an agent’s events of other kinds have their own budget; a refused one changes nothing', async () => {
    const { socket } = await connectAgent(t.url, 'busy@agent-2');
    const replies = await Promise.all(Array.from({ length: 130 }, () => socket.timeout(10_000).emitWithAck('stop-streaming', {})));
    const refused = replies.filter((r) => !r.ok && r.error === 'rate_limited');
    // AGENT_EVENTS_PER_MINUTE is 120 (two drip in per second while they arrive); the others were handled.
    assert.ok(refused.length >= 6 && refused.length <= 10, `${refused.length} refused`);
    assert.equal(replies.filter((r) => !r.ok && r.error === 'no_segment').length, 130 - refused.length);
    // Alerts are counted apart: still taken.
    assert.equal((await socket.timeout(5000).emitWithAck('alert', { type: 'idle', idle_seconds: 60 })).ok, true);
    socket.disconnect();
  });
});
