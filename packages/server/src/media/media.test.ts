import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { USER_HOST_RULE, type Media } from '@vaahshare/protocol';
import { AGENT_TOKEN, api, connectAgent, deviceSecretOf, login, startServer, tempDir, waitForEvent, waitUntil, type TestServer } from '@vaahshare/testkit';
import { decodeFrames, makeWebm } from '@vaahshare/testkit/webm';
import { insertMedia } from './media.repository.js';
import { mediaPaths } from './storage.js';

type UploadAnswer = { data: Media & { error: string | null }; duplicate: boolean } & { error?: string; message?: string };

/** An agent's upload: the fields first, then the file, as multipart. */
async function upload(url: string, fileName: string, bytes: Buffer, options: { userHost?: string; token?: string; fileFirst?: boolean } = {}) {
  const form = new FormData();
  const file = new Blob([new Uint8Array(bytes)], { type: 'video/webm' });
  if (options.fileFirst) form.append('file', file, fileName);
  form.append('user_host', options.userHost ?? 'up@pc-1');
  if (!options.fileFirst) form.append('file', file, fileName);
  const token = options.token ?? AGENT_TOKEN;
  // As the agent does: the secret its desktop got when it enrolled (PROTOCOL.md §2), if it did.
  const deviceSecret = deviceSecretOf(options.userHost ?? 'up@pc-1', { token });
  const res = await fetch(`${url}/api/media/upload`, {
    method: 'POST',
    headers: { ...(token && { authorization: `Bearer ${token}` }), ...(deviceSecret && { 'x-device-secret': deviceSecret }) },
    body: form,
  });
  return { status: res.status, body: (await res.json()) as UploadAnswer };
}

/** An agent's `POST /api/media/check`, with its desktop's device secret when it enrolled. */
function checkNames(url: string, body: { user_host: string; media_names: string[] }, token = AGENT_TOKEN) {
  const deviceSecret = deviceSecretOf(body.user_host, { token });
  return fetch(`${url}/api/media/check`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...(deviceSecret && { 'x-device-secret': deviceSecret }) },
    body: JSON.stringify(body),
  }).then(async (res) => ({ status: res.status, body: (await res.json()) as any }));
}

async function getBytes(url: string, token: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}`, ...headers } });
  return { res, bytes: Buffer.from(await res.arrayBuffer()) };
}

/** Every file under `dir`, recursively. */
function walkFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? walkFiles(full) : [full];
  });
}

const EBML_MAGIC = Buffer.from([0x1a, 0x45, 0xdf, 0xa3]);

describe('media REST and uploads', () => {
  let t: TestServer;
  let admin: string;
  let webm: Buffer;

  const mediaById = async (id: number) => (await api<{ data: Media & { error: string | null } }>(t.url, `/api/media/${id}`, { token: admin })).body.data;
  const waitForDone = async (id: number) => {
    await waitUntil(async () => ['ready', 'error'].includes((await mediaById(id)).status), 20_000, `media ${id} processed`);
    return mediaById(id);
  };

  before(async () => {
    t = await startServer();
    admin = await login(t.url);
    webm = await makeWebm({ seconds: 8, fps: 10, gop: 10 });
  });
  after(() => t.dispose());

  test('an upload becomes a ready video with a duration and a thumbnail; its agent is told', async () => {
    const agent = await connectAgent(t.url, 'up@pc-1');
    const processing = waitForEvent<{ media: Media }>(agent.socket, 'processing-video', 10_000);
    const processed = waitForEvent<{ media: Media }>(agent.socket, 'video-processed', 20_000);
    const { status, body } = await upload(t.url, 'session-1.webm', webm);
    assert.equal(status, 201, JSON.stringify(body));
    assert.equal(body.duplicate, false);
    assert.equal(body.data.original_name, 'session-1');
    assert.equal(body.data.source, 'upload');
    assert.equal(body.data.status, 'processing');
    assert.equal(body.data.client_id, agent.client.id);
    assert.equal((await processing).media.original_name, 'session-1');
    const told = (await processed).media;
    assert.equal(told.id, body.data.id);

    const media = await waitForDone(body.data.id);
    assert.equal(media.status, 'ready');
    assert.ok(Math.abs((media.duration_ms ?? 0) - 8000) <= 200, `duration ${media.duration_ms}`);
    assert.equal(media.thumbnail_url, `/api/media/${media.id}/thumbnail`);
    const final = mediaPaths(t.dataDir, media).final;
    assert.equal(media.size, fs.statSync(final).size);
    const decoded = await decodeFrames(final);
    assert.equal(decoded.frames, 80, 'every frame of 8 s at 10 fps decodes');
    assert.equal(fs.existsSync(mediaPaths(t.dataDir, media).raw), false, 'the raw upload is gone once ready');
    agent.socket.disconnect();
  });

  test('the same name is not stored twice; check reports the names the server has', async () => {
    const again = await upload(t.url, 'session-1.webm', webm);
    assert.equal(again.status, 200);
    assert.equal(again.body.duplicate, true);
    assert.equal(again.body.data.original_name, 'session-1');
    const rows = await t.server.ctx.db.selectFrom('media').select('id').where('original_name', '=', 'session-1').execute();
    assert.equal(rows.length, 1);
    assert.equal(again.body.data.id, rows[0].id);
    const files = walkFiles(path.join(t.dataDir, 'media')).filter((f) => !f.includes(`${path.sep}${rows[0].id}.`));
    assert.deepEqual(files, [], 'no other file was kept');

    const check = await checkNames(t.url, { user_host: 'up@pc-1', media_names: ['session-1.webm', 'never-uploaded.webm'] });
    assert.equal(check.status, 200);
    assert.equal(check.body.data.medias.length, 1);
    assert.equal(check.body.data.medias[0].original_name, 'session-1');
    assert.equal(check.body.data.medias[0].name, 'session-1.webm');
    assert.equal(check.body.data.medias[0].id, rows[0].id);
    const bare = await checkNames(t.url, { user_host: 'up@pc-1', media_names: ['session-1'] });
    assert.equal(bare.body.data.medias[0].original_name, 'session-1');
    const stranger = await checkNames(t.url, { user_host: 'nobody@nowhere', media_names: ['session-1'] });
    assert.deepEqual(stranger.body, { data: { medias: [] } });
    const noToken = await api(t.url, '/api/media/check', { body: { user_host: 'up@pc-1', media_names: [] } });
    assert.equal(noToken.status, 401);
  });

  test('the video is served with HTTP ranges; the thumbnail is a JPEG', async () => {
    const [row] = await t.server.ctx.db.selectFrom('media').selectAll().where('original_name', '=', 'session-1').execute();
    const onDisk = fs.readFileSync(mediaPaths(t.dataDir, row).final);
    const videoUrl = `${t.url}/api/media/${row.id}/video`;

    const part = await getBytes(videoUrl, admin, { range: 'bytes=0-99' });
    assert.equal(part.res.status, 206);
    assert.equal(part.res.headers.get('content-range'), `bytes 0-99/${onDisk.length}`);
    assert.equal(part.bytes.length, 100);
    assert.ok(part.bytes.equals(onDisk.subarray(0, 100)));

    const middle = await getBytes(videoUrl, admin, { range: 'bytes=1000-1999' });
    assert.equal(middle.res.status, 206);
    assert.ok(middle.bytes.equals(onDisk.subarray(1000, 2000)));

    const full = await getBytes(videoUrl, admin);
    assert.equal(full.res.status, 200);
    assert.equal(full.res.headers.get('content-type'), 'video/webm');
    assert.equal(full.res.headers.get('accept-ranges'), 'bytes');
    assert.ok(full.bytes.equals(onDisk), 'the whole file, byte for byte');

    const outside = await getBytes(videoUrl, admin, { range: `bytes=${onDisk.length + 10}-` });
    assert.equal(outside.res.status, 416);
    assert.equal(outside.res.headers.get('content-range'), `bytes */${onDisk.length}`);
    assert.equal(JSON.parse(outside.bytes.toString()).error, 'range_not_satisfiable');

    const thumb = await getBytes(`${t.url}/api/media/${row.id}/thumbnail`, admin);
    assert.equal(thumb.res.status, 200);
    assert.equal(thumb.res.headers.get('content-type'), 'image/jpeg');
    assert.deepEqual([...thumb.bytes.subarray(0, 2)], [0xff, 0xd8]);

    const anonymous = await fetch(videoUrl);
    assert.equal(anonymous.status, 401);
  });

  test('a corrupt upload ends as an error with a reason; the server stays up', async () => {
    const corrupt = Buffer.concat([EBML_MAGIC, randomBytes(64 * 1024)]);
    const { status, body } = await upload(t.url, 'broken.webm', corrupt);
    assert.equal(status, 201);
    const media = await waitForDone(body.data.id);
    assert.equal(media.status, 'error');
    assert.match(media.error ?? '', /could not be read|no decodable/);
    const video = await api(t.url, `/api/media/${media.id}/video`, { token: admin });
    assert.equal(video.status, 409);
    assert.equal(video.body.error, 'media_failed');
    assert.ok(video.body.message.includes(media.error!), video.body.message);
    const thumb = await api(t.url, `/api/media/${media.id}/thumbnail`, { token: admin });
    assert.equal(thumb.status, 404);
    assert.equal(thumb.body.error, 'not_found');
    assert.equal((await api(t.url, '/healthz')).status, 200);
  });

  test('an upload with no video frame (a WebM header only) stays, as an error that says so', async () => {
    const header = webm.subarray(0, webm.indexOf(Buffer.from([0x1f, 0x43, 0xb6, 0x75])));
    const { status, body } = await upload(t.url, 'header-only.webm', header);
    assert.equal(status, 201, JSON.stringify(body));
    const media = await waitForDone(body.data.id);
    assert.equal(media.status, 'error');
    assert.match(media.error ?? '', /no video frame/);
  });

  test('the same name uploaded twice at once is stored once', async () => {
    const [a, b] = await Promise.all([upload(t.url, 'twice.webm', webm), upload(t.url, 'twice.webm', webm)]);
    assert.deepEqual([a.status, b.status].sort(), [200, 201]);
    assert.equal(a.body.data.id, b.body.data.id);
    const rows = await t.server.ctx.db.selectFrom('media').select('id').where('original_name', '=', 'twice').execute();
    assert.equal(rows.length, 1);
    await waitForDone(rows[0].id);
    assert.deepEqual(walkFiles(path.join(t.dataDir, 'media', 'incoming')), [], 'the loser left no partial file');
  });

  test('an upload cut off midway leaves no partial file and no row', async () => {
    const boundary = 'cut-off-boundary';
    const head = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="user_host"\r\n\r\nup@pc-1\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="cut.webm"\r\nContent-Type: video/webm\r\n\r\n`,
    );
    const req = http.request(`${t.url}/api/media/upload`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${AGENT_TOKEN}`,
        'x-device-secret': deviceSecretOf('up@pc-1') ?? '',
        'content-type': `multipart/form-data; boundary=${boundary}`,
        'content-length': head.length + webm.length + 100,
      },
    });
    req.on('error', () => {});
    req.write(Buffer.concat([head, webm.subarray(0, 20_000)]));
    await waitUntil(() => walkFiles(path.join(t.dataDir, 'media', 'incoming')).length === 1, 5000, 'the partial file');
    req.destroy();
    await waitUntil(() => walkFiles(path.join(t.dataDir, 'media', 'incoming')).length === 0, 5000, 'the partial file removed');
    const rows = await t.server.ctx.db.selectFrom('media').select('id').where('original_name', '=', 'cut').execute();
    assert.deepEqual(rows, []);
    assert.equal((await api(t.url, '/healthz')).status, 200);
  });

  test('a video still recording or processing answers 409', async () => {
    // A connected client: the sweep finalizes recordings only of clients that are gone. The rows are this live
    // node's: a node that is not in cluster_nodes would have its processing taken over at the next beat.
    const agent = await connectAgent(t.url, 'busy@pc-9');
    const now = Date.now();
    const row = (status: 'recording' | 'processing', name: string) =>
      insertMedia(t.server.ctx.db, {
        company_id: 1, client_id: agent.client.id, segment_id: name, original_name: name, source: 'live', status,
        size: 0, has_thumbnail: 0, node_id: t.server.ctx.config.NODE_ID, started_at: now, updated_at: now,
      });
    for (const [status, message] of [['recording', /still recording/], ['processing', /still processing/]] as const) {
      const media = await row(status, `busy-${status}`);
      const video = await api(t.url, `/api/media/${media.id}/video`, { token: admin });
      assert.equal(video.status, 409);
      assert.equal(video.body.error, 'not_ready');
      assert.match(video.body.message, message);
    }
    agent.socket.disconnect();
  });

  test('what is not a WebM upload is refused with 415 and nothing is kept', async () => {
    const before = walkFiles(path.join(t.dataDir, 'media')).length;
    const { status, body } = await upload(t.url, 'notes.webm', Buffer.from('just some text, not a video at all'.repeat(100)));
    assert.equal(status, 415);
    assert.equal(body.error, 'unsupported_media_type');
    assert.match(body.message!, /EBML/);
    const tiny = await upload(t.url, 'tiny.webm', Buffer.from([0x1a, 0x45]));
    assert.equal(tiny.status, 415);
    const rows = await t.server.ctx.db.selectFrom('media').select('id').where('original_name', 'in', ['notes', 'tiny']).execute();
    assert.deepEqual(rows, []);
    assert.equal(walkFiles(path.join(t.dataDir, 'media')).length, before);
  });

  test('uploads need a token, the fields before the file, and a file', async () => {
    assert.equal((await upload(t.url, 'a.webm', webm, { token: '' })).status, 401);
    assert.equal((await upload(t.url, 'a.webm', webm, { token: 'wrong-token-123' })).status, 401);
    const late = await upload(t.url, 'a.webm', webm, { fileFirst: true });
    assert.equal(late.status, 400);
    assert.match(late.body.message!, /before `file`.*user_host/);
    const json = await api(t.url, '/api/media/upload', { token: AGENT_TOKEN, body: { user_host: 'x@y' } });
    assert.equal(json.status, 415);
    const noFile = new FormData();
    noFile.append('user_host', 'up@pc-1');
    const res = await fetch(`${t.url}/api/media/upload`, { method: 'POST', headers: { authorization: `Bearer ${AGENT_TOKEN}` }, body: noFile });
    assert.equal(res.status, 400);
    const rows = await t.server.ctx.db.selectFrom('media').select('id').where('original_name', '=', 'a').execute();
    assert.deepEqual(rows, []);
  });

  test('the legacy POST /upload does not exist without LEGACY_AGENTS', async () => {
    const form = new FormData();
    form.append('socket_id', 'abc');
    form.append('company_id', '1');
    form.append('file', new Blob([new Uint8Array(webm)]), '1-local.webm');
    const res = await fetch(`${t.url}/upload`, { method: 'POST', body: form });
    assert.equal(res.status, 404);
    assert.equal(((await res.json()) as { error: string }).error, 'legacy_disabled');
  });

  test('GET /api/media filters by client, dates, source and status, newest first, in pages', async () => {
    const db = t.server.ctx.db;
    const client = await t.server.clients.ensure(1, 'filter@pc-7');
    const day = (d: number, h = 12) => Date.UTC(2024, 0, d, h);
    const specs = [
      { d: 1, source: 'live', status: 'ready' },
      { d: 2, source: 'upload', status: 'ready' },
      { d: 3, source: 'live', status: 'error' },
      { d: 3, source: 'upload', status: 'error', h: 23 },
      { d: 4, source: 'upload', status: 'ready' },
    ] as const;
    for (const [i, s] of specs.entries()) {
      await insertMedia(db, {
        company_id: 1, client_id: client.id, segment_id: `filter-${i}`, original_name: `filter-${i}`, source: s.source, status: s.status,
        size: 10, has_thumbnail: 0, node_id: 'test-node', started_at: day(s.d, 'h' in s ? s.h : 12), ended_at: day(s.d) + 1000, updated_at: Date.now(),
      });
    }
    const list = async (query: string) => {
      const { status, body } = await api(t.url, `/api/media?client_id=${client.id}&${query}`, { token: admin });
      assert.equal(status, 200, JSON.stringify(body));
      return { names: (body.data as Media[]).map((m) => m.original_name), meta: body.meta };
    };
    const all = await list('');
    assert.deepEqual(all.names, ['filter-4', 'filter-3', 'filter-2', 'filter-1', 'filter-0']);
    assert.deepEqual(all.meta, { total: 5, page: 1, per_page: 100 });
    const page2 = await list('per_page=2&page=2');
    assert.deepEqual(page2.names, ['filter-2', 'filter-1']);
    assert.deepEqual(page2.meta, { total: 5, page: 2, per_page: 2 });
    assert.deepEqual((await list('per_page=2&page=3')).names, ['filter-0']);
    assert.deepEqual((await list('from=2024-01-02&to=2024-01-03')).names, ['filter-3', 'filter-2', 'filter-1'], 'a bare `to` date includes its whole day');
    assert.deepEqual((await list('from=2024-01-03T00:00:00Z&to=2024-01-03T12:00:00Z')).names, ['filter-2']);
    assert.deepEqual((await list('source=upload')).names, ['filter-4', 'filter-3', 'filter-1']);
    assert.deepEqual((await list('status=error')).names, ['filter-3', 'filter-2']);
    assert.deepEqual((await list('source=upload&status=ready')).meta.total, 2);

    const bad = await api(t.url, '/api/media?from=yesterday', { token: admin });
    assert.equal(bad.status, 400);
    assert.match(bad.body.message, /from/);
    assert.equal((await api(t.url, '/api/media?source=tape', { token: admin })).status, 400);
    assert.equal((await api(t.url, '/api/media')).status, 401);
  });

  test("another company sees none of this company's media", async () => {
    const { body: company } = await api(t.url, '/api/companies', { token: admin, body: { name: 'Other Media Co' } });
    await api(t.url, '/api/users', { token: admin, body: { email: 'media-other@example.com', password: 'other-password', company_id: company.data.id, role: 'admin' } });
    const other = await login(t.url, 'media-other@example.com', 'other-password');
    const [row] = await t.server.ctx.db.selectFrom('media').selectAll().where('original_name', '=', 'session-1').execute();

    const list = await api(t.url, '/api/media', { token: other });
    assert.deepEqual(list.body, { data: [], meta: { total: 0, page: 1, per_page: 100 } });
    const byClient = await api(t.url, `/api/media?client_id=${row.client_id}`, { token: other });
    assert.equal(byClient.body.meta.total, 0);
    for (const suffix of ['', '/video', '/thumbnail']) {
      const res = await api(t.url, `/api/media/${row.id}${suffix}`, { token: other });
      const missing = await api(t.url, `/api/media/999999${suffix}`, { token: other });
      assert.equal(res.status, 404, `${suffix} of another company's media`);
      assert.equal(res.body.error, 'not_found');
      assert.equal(missing.status, 404);
      assert.equal(res.body.message.replace(String(row.id), 'N'), missing.body.message.replace('999999', 'N'), 'indistinguishable from a missing one');
    }
    assert.equal((await api(t.url, `/api/media?company_id=${row.company_id}`, { token: other })).status, 403);

    const check = await checkNames(t.url, { user_host: 'up@pc-1', media_names: ['session-1'] }, company.data.enrollment_token);
    assert.deepEqual(check.body, { data: { medias: [] } }, "the other company's agents do not see it either");
    // The same user_host in the other company is another client: its upload of the same name is its own.
    const theirs = await upload(t.url, 'session-1.webm', webm, { token: company.data.enrollment_token });
    assert.equal(theirs.status, 201);
    assert.notEqual(theirs.body.data.client_id, row.client_id);
    await waitForDone(theirs.body.data.id);
  });
});

describe('upload limits and paths', () => {
  test('an upload above MAX_UPLOAD_BYTES answers 413 and leaves no file and no row', async () => {
    const t = await startServer({ MAX_UPLOAD_BYTES: String(64 * 1024) });
    try {
      const webm = await makeWebm({ seconds: 8, fps: 10, gop: 10 });
      assert.ok(webm.length > 64 * 1024 && webm.length < 1024 * 1024, `fixture of ${webm.length} bytes streams past the limit`);
      const streamed = await upload(t.url, 'big.webm', webm);
      assert.equal(streamed.status, 413);
      assert.equal(streamed.body.error, 'too_large');
      assert.match(streamed.body.message!, /65536 bytes/);
      // Declared far beyond the limit: refused before a byte is written.
      const declared = await upload(t.url, 'huge.webm', Buffer.concat([EBML_MAGIC, Buffer.alloc(2 * 1024 * 1024)]));
      assert.equal(declared.status, 413);
      assert.deepEqual(await t.server.ctx.db.selectFrom('media').select('id').execute(), []);
      assert.deepEqual(await t.server.ctx.db.selectFrom('clients').select('id').execute(), [], 'nor a client for a refused upload');
      assert.deepEqual(walkFiles(path.join(t.dataDir, 'media')), []);

      const small = await makeWebm({ seconds: 1, fps: 5, gop: 5, size: '64x48' });
      assert.ok(small.length < 64 * 1024);
      const fits = await upload(t.url, 'small.webm', small);
      assert.equal(fits.status, 201, 'one within the limit is taken');
      await waitUntil(async () => (await t.server.ctx.db.selectFrom('media').select('status').where('id', '=', fits.body.data.id).executeTakeFirstOrThrow()).status !== 'processing', 20_000, 'processed');
    } finally {
      await t.dispose();
    }
  });

  test('a hostile user_host is refused, and a hostile file name creates nothing outside DATA_DIR', async () => {
    const root = tempDir('vaahshare-paths-');
    const dataDir = path.join(root, 'a', 'b', 'data');
    const t = await startServer({ DATA_DIR: dataDir });
    try {
      const webm = await makeWebm({ seconds: 2, fps: 10, gop: 10 });
      for (const userHost of ['../../x', '/etc/../../x']) {
        const refused = await upload(t.url, 'a.webm', webm, { userHost });
        assert.deepEqual([refused.status, refused.body], [400, { error: 'bad_request', message: `Invalid upload fields (send them before \`file\`): user_host: ${USER_HOST_RULE}` }]);
      }
      assert.equal(await t.server.ctx.db.selectFrom('clients').select('id').executeTakeFirst(), undefined, 'a refused identity creates no client');
      const { status, body } = await upload(t.url, '../../../escape.webm', webm, { userHost: 'up@pc-9' });
      assert.equal(status, 201, JSON.stringify(body));
      assert.equal(body.data.original_name, 'escape');
      const client = await t.server.ctx.db.selectFrom('clients').selectAll().where('id', '=', body.data.client_id).executeTakeFirstOrThrow();
      assert.deepEqual([client.user_host, client.is_connected, client.socket_id], ['up@pc-9', 0, null], 'a client that never connected is created disconnected');
      const evil = await upload(t.url, '..\\..\\win.webm', webm, { userHost: 'up@pc-9' });
      assert.equal(evil.status, 201);
      assert.equal(evil.body.data.original_name, 'win');
      for (const id of [body.data.id, evil.body.data.id]) {
        await waitUntil(async () => (await t.server.ctx.db.selectFrom('media').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status === 'ready', 20_000, 'ready');
      }
      const files = walkFiles(root);
      const outside = files.filter((f) => !f.startsWith(dataDir + path.sep));
      assert.deepEqual(outside, [], 'every file is under DATA_DIR');
      const media = files.filter((f) => f.startsWith(path.join(dataDir, 'media') + path.sep));
      for (const file of media) {
        assert.match(path.relative(dataDir, file), /^media\/\d+\/\d+\/\d+\.(webm|jpg)$/, 'named by numeric ids only');
      }
      assert.equal(media.length, 4);
    } finally {
      await t.dispose();
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
