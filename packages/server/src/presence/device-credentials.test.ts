import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Client } from '@vaahshare/protocol';
import {
  AGENT_TOKEN,
  api,
  connectAgent,
  connectDashboard,
  connected,
  heardAll,
  login,
  machineInfo,
  openSocket,
  startServer,
  waitForEvent,
  type TestServer,
} from '@vaahshare/testkit';
import { untyped } from '@vaahshare/testkit/probes';
import { makeWebm } from '@vaahshare/testkit/webm';
import { sha256 } from '../infra/secrets.js';

type ErrorEvent = { error: string; message: string; event?: string };

/** A socket of the company's token that sends `client-connected` for `userHost` itself; the ack and the `error` event. */
async function claim(url: string, userHost: string, deviceSecret?: string) {
  const socket = openSocket(url);
  await connected(socket);
  const errorEvent = waitForEvent<ErrorEvent>(socket, 'error').catch(() => undefined);
  const reply = await socket.timeout(5000).emitWithAck('client-connected', {
    machine_info: { ...machineInfo(userHost), platform: 'impostor' },
    ...(deviceSecret !== undefined && { device_secret: deviceSecret }),
  });
  return { socket, reply, errorEvent };
}

async function upload(url: string, userHost: string, bytes: Buffer, name: string, deviceSecret?: string) {
  const form = new FormData();
  form.append('user_host', userHost);
  form.append('file', new Blob([new Uint8Array(bytes)], { type: 'video/webm' }), name);
  const headers: Record<string, string> = { authorization: `Bearer ${AGENT_TOKEN}`, ...(deviceSecret && { 'x-device-secret': deviceSecret }) };
  const res = await fetch(`${url}/api/media/upload`, { method: 'POST', headers, body: form });
  return { status: res.status, body: (await res.json()) as { error?: string; message?: string; duplicate?: boolean } };
}

const clientRow = (t: TestServer, userHost: string) =>
  t.server.ctx.db.selectFrom('clients').selectAll().where('user_host', '=', userHost).executeTakeFirstOrThrow();

describe('per-device credentials (PROTOCOL.md §2 "Device credential")', () => {
  let t: TestServer;
  let admin: string;
  let dashboard: Awaited<ReturnType<typeof connectDashboard>>;

  before(async () => {
    t = await startServer({ LEGACY_AGENTS: 'true' });
    admin = await login(t.url);
    dashboard = await connectDashboard(t.url, admin);
  });
  after(async () => {
    dashboard?.socket.disconnect();
    await t.dispose();
  });

  test('the first client-connected enrolls the desktop: the ack and client-connected-success carry the secret, the database only its hash', async () => {
    const socket = openSocket(t.url);
    await connected(socket);
    const success = waitForEvent<{ device_secret?: string; client: Client }>(socket, 'client-connected-success');
    const reply = await socket.timeout(5000).emitWithAck('client-connected', { machine_info: machineInfo('first@desk') });
    assert.equal(reply.ok, true);
    if (!reply.ok) return;
    assert.match(reply.device_secret ?? '', /^[A-Za-z0-9_-]{43}$/);
    assert.equal((await success).device_secret, reply.device_secret);
    assert.equal(reply.client.device_enrolled, true);
    const row = await clientRow(t, 'first@desk');
    assert.equal(row.device_secret_hash, sha256(reply.device_secret!));

    // Shown once: the same socket repeating client-connected, or the device coming back with it, gets none.
    const again = await socket.timeout(5000).emitWithAck('client-connected', { machine_info: machineInfo('first@desk'), device_secret: reply.device_secret });
    assert.equal(again.ok && again.device_secret, undefined);
    socket.disconnect();
    const back = await claim(t.url, 'first@desk', reply.device_secret);
    assert.equal(back.reply.ok, true);
    assert.equal(back.reply.ok && back.reply.device_secret, undefined);
    back.socket.disconnect();
  });

  test('the company token alone cannot take over an enrolled desktop: no secret or a wrong one is refused and changes nothing', async () => {
    const ana = await connectAgent(t.url, 'ana@desk-1');
    const before = await clientRow(t, 'ana@desk-1');
    const eventsBefore = dashboard.of('ana@desk-1').length;

    for (const [secret, code] of [[undefined, 'device_secret_required'], ['x'.repeat(43), 'device_secret_invalid']] as const) {
      const impostor = await claim(t.url, 'ana@desk-1', secret);
      assert.deepEqual(impostor.reply.ok, false, `${code}: ${JSON.stringify(impostor.reply)}`);
      assert.equal(!impostor.reply.ok && impostor.reply.error, code);
      assert.match(!impostor.reply.ok ? impostor.reply.message : '', /ana@desk-1\b.*an admin resets its enrollment/);
      const errorEvent = await impostor.errorEvent;
      assert.equal(errorEvent?.error, code, 'the refusal is an error event too');
      assert.equal(errorEvent?.event, 'client-connected');

      // Nothing the impostor sends acts on ana's client: it holds no connection.
      for (const [event, payload] of [
        ['app-closed', undefined],
        ['start-streaming', { segment_id: 'stolen-1' }],
        ['alert', { type: 'idle', idle_seconds: 600 }],
      ] as const) {
        const args = payload === undefined ? [] : [payload];
        const answer = (await untyped(impostor.socket).timeout(5000).emitWithAck(event, ...args)) as { ok: boolean };
        assert.equal(answer.ok, false, `${event} from a refused socket`);
      }
      impostor.socket.disconnect();
    }

    const after = await clientRow(t, 'ana@desk-1');
    assert.deepEqual(after, before, 'the client row is untouched (socket, generation, meta, secret hash)');
    await heardAll(t.url, dashboard);
    assert.equal(dashboard.of('ana@desk-1').length, eventsBefore, 'dashboards heard nothing about ana');
    assert.equal(ana.socket.connected, true);
    ana.socket.disconnect();
  });

  test('uploads and checks of an enrolled desktop need its secret in X-Device-Secret', async () => {
    const owner = await connectAgent(t.url, 'up@desk-2');
    const webm = await makeWebm({ seconds: 1 });
    const without = await upload(t.url, 'up@desk-2', webm, '1700000000000-local.webm');
    assert.equal(without.status, 401);
    assert.equal(without.body.error, 'device_secret_required');
    const wrong = await upload(t.url, 'up@desk-2', webm, '1700000000000-local.webm', 'y'.repeat(43));
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.error, 'device_secret_invalid');
    const media = await api(t.url, '/api/media', { token: admin });
    assert.equal(media.body.meta.total, 0, 'nothing was stored');

    const check = (headers: Record<string, string>) =>
      fetch(`${t.url}/api/media/check`, {
        method: 'POST',
        headers: { authorization: `Bearer ${AGENT_TOKEN}`, 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ user_host: 'up@desk-2', media_names: ['1700000000000-local'] }),
      });
    assert.equal((await check({})).status, 401);

    const good = await upload(t.url, 'up@desk-2', webm, '1700000000000-local.webm', owner.deviceSecret);
    assert.equal(good.status, 201, JSON.stringify(good.body));
    const checked = await check({ 'x-device-secret': owner.deviceSecret! });
    assert.equal(checked.status, 200);
    assert.equal(((await checked.json()) as { data: { medias: unknown[] } }).data.medias.length, 1);
    owner.socket.disconnect();
  });

  test('an admin resets a client’s enrollment: its sockets are cut and its next connection enrolls again', async () => {
    const lost = await connectAgent(t.url, 'lost@desk-3');
    const oldSecret = lost.deviceSecret!;

    const bAdmin = await (async () => {
      const company = await api(t.url, '/api/companies', { token: admin, body: { name: 'Other company' } });
      await api(t.url, '/api/users', { token: admin, body: { email: 'b@other.example', password: 'other-password', company_id: company.body.data.id } });
      return login(t.url, 'b@other.example', 'other-password');
    })();
    const foreign = await api(t.url, `/api/clients/${lost.client.id}/reset-enrollment`, { token: bAdmin, method: 'POST' });
    assert.equal(foreign.status, 404, 'another company’s admin cannot reset it');
    assert.equal((await clientRow(t, 'lost@desk-3')).device_secret_hash, sha256(oldSecret));

    // Waited for from now (making another company's admin takes seconds on a loaded machine): a cut before would miss it.
    const cut = waitForEvent(lost.socket, 'disconnect');
    const reset = await api<{ data: Client }>(t.url, `/api/clients/${lost.client.id}/reset-enrollment`, { token: admin, method: 'POST' });
    assert.equal(reset.status, 200);
    assert.equal(reset.body.data.device_enrolled, false);
    await cut;

    // The desktop reinstalled without its secret: it enrolls again and gets a new one; the old one is worthless.
    const fresh = await claim(t.url, 'lost@desk-3');
    assert.equal(fresh.reply.ok, true);
    const newSecret = fresh.reply.ok ? fresh.reply.device_secret : undefined;
    assert.ok(newSecret && newSecret !== oldSecret);
    assert.equal(fresh.reply.ok && fresh.reply.client.id, lost.client.id, 'the same client, history kept');
    fresh.socket.disconnect();
    const stale = await claim(t.url, 'lost@desk-3', oldSecret);
    assert.equal(!stale.reply.ok && stale.reply.error, 'device_secret_invalid');
    stale.socket.disconnect();
  });

  test('a desktop known from before device credentials keeps working: its next connection enrolls it', async () => {
    await t.server.clients.ensure(1, 'old@desk-4');
    const row = await clientRow(t, 'old@desk-4');
    assert.equal(row.device_secret_hash, null);
    const old = await claim(t.url, 'old@desk-4');
    assert.equal(old.reply.ok, true);
    assert.equal(old.reply.ok && old.reply.client.id, row.id);
    assert.ok(old.reply.ok && old.reply.device_secret);
    old.socket.disconnect();
  });

  test('an original client (no token) connects as an unenrolled identity, never as an enrolled one', async () => {
    const original = openSocket(t.url, { token: null, app: 'electron' });
    await connected(original);
    const ok = await original.timeout(5000).emitWithAck('client-connected', { machine_info: machineInfo('legacy@desk-5'), company_id: '1' });
    assert.equal(ok.ok, true);
    assert.equal(ok.ok && ok.device_secret, undefined, 'an original client is not enrolled');
    assert.equal((await clientRow(t, 'legacy@desk-5')).device_secret_hash, null);

    const enrolled = await connectAgent(t.url, 'agent@desk-6');
    const refused = await original.timeout(5000).emitWithAck('client-connected', { machine_info: machineInfo('agent@desk-6'), company_id: '1' });
    assert.equal(!refused.ok && refused.error, 'device_secret_required');
    assert.equal((await clientRow(t, 'agent@desk-6')).socket_id, enrolled.socket.id);
    original.disconnect();
    enrolled.socket.disconnect();
  });
});
