import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Media } from '@vaahshare/protocol';
import { api, connected, login, machineInfo, openSocket, startServer, waitForEvent, waitUntil, type TestServer, type TestSocket } from '@vaahshare/testkit';
import { makeWebm } from '@vaahshare/testkit/webm';

/** The original VaahShare client: token-less, company id from a text field (PROTOCOL.md §6). */
async function connectOriginal(url: string, userHost: string): Promise<TestSocket> {
  const socket = openSocket(url, { app: 'electron', token: null });
  await connected(socket);
  const success = waitForEvent(socket, 'client-connected-success');
  socket.emit('client-connected', { machine_info: machineInfo(userHost), company_id: '1' });
  await success;
  return socket;
}

/** The original's upload: `socket_id`, `company_id`, then `file` (videoUploader.js). */
async function legacyUpload(url: string, socketId: string, companyId: string, fileName: string, bytes: Buffer) {
  const form = new FormData();
  form.append('socket_id', socketId);
  form.append('company_id', companyId);
  form.append('file', new Blob([new Uint8Array(bytes)], { type: 'video/webm' }), fileName);
  const res = await fetch(`${url}/upload`, { method: 'POST', body: form });
  return { status: res.status, body: (await res.json()) as { data: Media; duplicate: boolean; error?: string } };
}

describe('original clients upload offline recordings', () => {
  let t: TestServer;
  let webm: Buffer;

  before(async () => {
    t = await startServer({ LEGACY_AGENTS: 'true' });
    webm = await makeWebm({ seconds: 4, fps: 10, gop: 10 });
  });
  after(() => t.dispose());

  test('an upload naming a socket id from before a reconnect reaches the client; the name loses its extension', async () => {
    const first = await connectOriginal(t.url, 'old@pc-up');
    const earlierSocketId = first.id!;
    first.disconnect();
    const second = await connectOriginal(t.url, 'old@pc-up');
    assert.notEqual(second.id, earlierSocketId);
    const client = await t.server.ctx.db.selectFrom('clients').selectAll().where('user_host', '=', 'old@pc-up').executeTakeFirstOrThrow();
    await waitUntil(async () => (await t.server.ctx.db.selectFrom('clients').select('socket_id').where('id', '=', client.id).executeTakeFirstOrThrow()).socket_id === second.id);

    const processing = waitForEvent<{ media: Media }>(second, 'processing-video', 10_000);
    const processed = waitForEvent<{ media: Media }>(second, 'video-processed', 20_000);
    const { status, body } = await legacyUpload(t.url, earlierSocketId, '1', '1715000000000-local.webm', webm);
    assert.equal(status, 201, JSON.stringify(body));
    assert.equal(body.data.client_id, client.id);
    assert.equal(body.data.original_name, '1715000000000-local');
    assert.equal(body.data.source, 'upload');
    assert.equal(body.data.started_at, new Date(1715000000000).toISOString(), 'the recording time from its name');
    assert.equal((await processing).media.original_name, '1715000000000-local');
    const done = (await processed).media;
    assert.equal(done.original_name, '1715000000000-local');
    assert.equal(done.status, 'ready');
    assert.ok(Math.abs((done.duration_ms ?? 0) - 4000) <= 200, `duration ${done.duration_ms}`);

    const again = await legacyUpload(t.url, second.id!, '1', '1715000000000-local.webm', webm);
    assert.equal(again.status, 200);
    assert.equal(again.body.duplicate, true);
    assert.equal(again.body.data.id, body.data.id);

    const check = await api(t.url, `/api/vaahshare/media/client/${second.id}/${encodeURIComponent('old@pc-up')}`, {
      body: { media_names: ['1715000000000-local.webm', '1715000099999-local.webm'] },
    });
    assert.equal(check.status, 200);
    assert.equal(check.body.data.medias.length, 1);
    assert.equal(check.body.data.medias[0].original_name, '1715000000000-local');
    assert.equal(check.body.data.medias[0].name, '1715000000000-local.webm');
    const older = await api(t.url, `/api/vaahshare/media/client/${earlierSocketId}`, { body: { media_names: ['1715000000000-local'] } });
    assert.equal(older.body.data.medias[0].original_name, '1715000000000-local', 'older clients omit user_host');
    second.disconnect();
  });

  test('the socket id must be known and belong to the company named', async () => {
    const socket = await connectOriginal(t.url, 'old@pc-other');
    const { body: company } = await api(t.url, '/api/companies', { token: await login(t.url), body: { name: 'Legacy Other Co' } });
    const wrongCompany = await legacyUpload(t.url, socket.id!, String(company.data.id), '1715000000001-local.webm', webm);
    assert.equal(wrongCompany.status, 404);
    assert.equal(wrongCompany.body.error, 'not_found');
    const unknown = await legacyUpload(t.url, 'never-seen-socket', '1', '1715000000001-local.webm', webm);
    assert.equal(unknown.status, 404);
    const badCompany = await legacyUpload(t.url, socket.id!, 'acme', '1715000000001-local.webm', webm);
    assert.equal(badCompany.status, 400);
    const rows = await t.server.ctx.db.selectFrom('media').select('id').where('original_name', '=', '1715000000001-local').execute();
    assert.deepEqual(rows, []);
    const unknownCheck = await api(t.url, '/api/vaahshare/media/client/never-seen-socket/x@y', { body: { media_names: [] } });
    assert.equal(unknownCheck.status, 404);
    socket.disconnect();
  });
});
