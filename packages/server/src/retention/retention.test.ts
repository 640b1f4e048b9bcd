import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { StorageOverview } from '@vaahshare/protocol';
import { api, connectAgent, connectDashboard, disconnectAll, login, startServer, waitUntil, type TestServer } from '@vaahshare/testkit';
import { assertError, http } from '@vaahshare/testkit/probes';
import type { DomainEvents } from '../events/domain-events.js';
import { addRecording, DAY, filesOf, rowExists, type RecordingSpec } from '@vaahshare/testkit/recordings';

const MB = 1_000_000;

describe('retention and deletion', () => {
  let t: TestServer;
  let admin: string;
  let companyA: number;
  let companyB: number;
  let adminB: string;
  const heard: { [E in 'media-deleted' | 'client-deleted' | 'retention-changed']: Array<DomainEvents[E]> } = {
    'media-deleted': [],
    'client-deleted': [],
    'retention-changed': [],
  };

  const add = (spec: Omit<RecordingSpec, 'companyId'> & { companyId?: number }) =>
    addRecording(t.server.ctx.db, t.dataDir, { companyId: companyA, ...spec });
  const client = async (userHost: string, companyId = companyA) => (await t.server.clients.ensure(companyId, userHost)).id;
  /**
   * A client whose agent is connected: its unfinished recordings stay unfinished (those of a client gone are
   * finalized by the stream sweep within a second, and would then be finished, deletable ones).
   */
  const connectedClient = async (userHost: string) => (await connectAgent(t.url, userHost)).client.id;
  const setRule = (body: Record<string, unknown>, token = admin) => api(t.url, '/api/retention', { token, method: 'PUT', body });
  const storage = async () => (await api<{ data: StorageOverview }>(t.url, '/api/storage', { token: admin })).body.data;
  const sweep = async () => {
    const result = await t.server.retention.sweep();
    assert.notEqual(result, 'skipped');
    return result as Exclude<typeof result, 'skipped'>;
  };
  /** Every test starts with no rule and no recording. */
  const reset = async () => {
    await t.server.ctx.db.deleteFrom('client_retention').execute();
    await t.server.ctx.db.updateTable('companies').set({ retention_days: null, retention_max_bytes: null }).execute();
    await t.server.ctx.db.deleteFrom('media').execute();
  };

  before(async () => {
    t = await startServer();
    admin = await login(t.url);
    companyA = (await api(t.url, '/api/auth/me', { token: admin })).body.data.company_id;
    companyB = (await api(t.url, '/api/companies', { token: admin, body: { name: 'Company B' } })).body.data.id;
    await api(t.url, '/api/users', { token: admin, body: { email: 'admin@b.example', password: 'b-password', company_id: companyB } });
    adminB = await login(t.url, 'admin@b.example', 'b-password');
    for (const event of Object.keys(heard) as Array<keyof typeof heard>) {
      t.server.ctx.events.on(event, (payload) => void (heard[event] as unknown[]).push(payload));
    }
  });
  after(async () => {
    disconnectAll();
    await t.dispose();
  });

  test('by age: recordings older than the company keeps go (row and files); newer ones and unfinished ones stay', async () => {
    await reset();
    const ana = await connectedClient('ana@pc-1');
    const old = await add({ clientId: ana, ageMs: 10 * DAY, size: 5000 });
    const failed = await add({ clientId: ana, ageMs: 9 * DAY, size: 300, status: 'error' });
    const recent = await add({ clientId: ana, ageMs: 3 * DAY });
    const streaming = await add({ clientId: ana, ageMs: 30 * DAY, status: 'recording' });
    const finalizing = await add({ clientId: ana, ageMs: 30 * DAY, status: 'processing' });

    const set = await setRule({ max_days: 7, max_gb: null });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    assert.deepEqual(set.body.data, { max_days: 7, max_gb: null });
    const changed = heard['retention-changed'].at(-1)!;
    assert.deepEqual({ ...changed, actor: { ...changed.actor, userId: 0 } }, {
      companyId: companyA,
      clientId: null,
      before: { max_days: null, max_gb: null },
      after: { max_days: 7, max_gb: null },
      actor: { kind: 'user', userId: 0, email: 'admin@example.com', companyId: companyA, ip: '127.0.0.1' },
    });

    const overview = await storage();
    assert.deepEqual(overview.policy, { max_days: 7, max_gb: null });
    assert.deepEqual(overview.used, { bytes: 5000 + 300 + 3 * 1000, recordings: 5 });
    assert.equal(overview.next_sweep.recordings, 2, 'the preview counts what the sweep will delete');
    assert.equal(overview.next_sweep.bytes, 5300);
    assert.equal(overview.disk.low, false);

    const dashboard = await connectDashboard(t.url, admin);
    const told: number[][] = [];
    dashboard.socket.on('media-deleted', ({ ids }) => told.push(ids));
    assert.deepEqual(await sweep(), { deleted: 2, bytes: 5300 });
    for (const gone of [old, failed]) {
      assert.equal(await rowExists(t, gone.id), false);
      assert.deepEqual(filesOf(t.dataDir, gone), []);
    }
    for (const kept of [recent, streaming, finalizing]) {
      assert.equal(await rowExists(t, kept.id), true);
      assert.equal(filesOf(t.dataDir, kept).length > 0, true);
    }
    const event = heard['media-deleted'].at(-1)!;
    assert.equal(event.reason, 'retention');
    assert.equal(event.actor, null);
    assert.deepEqual(event.media.map((m) => m.id).sort(), [old.id, failed.id].sort());
    await waitUntil(() => told.flat().length === 2, 5000, 'the dashboard told');
    assert.equal((await storage()).next_sweep.recordings, 0);
    dashboard.socket.disconnect();
  });

  test('by size: past the company cap the oldest finished recordings go until it fits', async () => {
    await reset();
    const ana = await client('ana@pc-1');
    const bo = await connectedClient('bo@pc-2');
    // 5 × 0.4 MB against a 1 MB cap: the three oldest go, whoever's they are.
    const rows = [];
    for (const [i, clientId] of [ana, bo, ana, bo, ana].entries()) rows.push(await add({ clientId, ageMs: (10 - i) * DAY, size: 0.4 * MB }));
    await add({ clientId: bo, ageMs: 20 * DAY, size: 0.4 * MB, status: 'recording' });
    assert.equal((await setRule({ max_days: null, max_gb: 0.001 })).status, 200);
    // With the live recording's 0.4 MB the company holds 2.4 MB: 1.4 MB over, so four finished ones must go.
    assert.equal((await storage()).next_sweep.recordings, 4);
    assert.deepEqual(await sweep(), { deleted: 4, bytes: 1.6 * MB });
    assert.deepEqual(
      await Promise.all(rows.map((row) => rowExists(t, row.id))),
      [false, false, false, false, true],
      'the oldest first, the newest kept',
    );
    assert.deepEqual(await sweep(), { deleted: 0, bytes: 0 }, 'nothing more: only the live recording is over');
  });

  test('per client: its own days replace the company’s for it, its own cap is its own', async () => {
    await reset();
    const ana = await client('ana@pc-1');
    const bo = await client('bo@pc-2');
    const cy = await client('cy@pc-3');
    const anaOld = await add({ clientId: ana, ageMs: 2 * DAY });
    const boOld = await add({ clientId: bo, ageMs: 2 * DAY });
    const boAncient = await add({ clientId: bo, ageMs: 40 * DAY });
    const cyRows = [await add({ clientId: cy, ageMs: 3 * DAY, size: 0.6 * MB }), await add({ clientId: cy, ageMs: 1 * DAY, size: 0.6 * MB })];
    assert.equal((await setRule({ max_days: 30, max_gb: null })).status, 200);
    const own = await setRule({ client_id: ana, max_days: 1, max_gb: null });
    assert.deepEqual(own.body.data, { client_id: ana, user_host: 'ana@pc-1', max_days: 1, max_gb: null });
    assert.equal((await setRule({ client_id: cy, max_days: null, max_gb: 0.001 })).status, 200);
    assert.equal(heard['retention-changed'].at(-1)!.clientId, cy);
    assert.deepEqual((await storage()).clients.map((c) => c.user_host), ['ana@pc-1', 'cy@pc-3']);

    await sweep();
    assert.equal(await rowExists(t, anaOld.id), false, 'ana keeps one day');
    assert.equal(await rowExists(t, boOld.id), true, 'bo keeps the company’s 30 days');
    assert.equal(await rowExists(t, boAncient.id), false);
    assert.deepEqual(await Promise.all(cyRows.map((r) => rowExists(t, r.id))), [false, true], 'cy’s own 1 MB: its oldest goes');

    const removed = await setRule({ client_id: ana, max_days: null, max_gb: null });
    assert.equal(removed.status, 200);
    assert.equal(heard['retention-changed'].at(-1)!.after, null, 'both null removes a client’s rule');
    assert.deepEqual((await storage()).clients.map((c) => c.user_host), ['cy@pc-3']);
  });

  test('an empty live recording (media’s live-recording-empty) goes with its files, as the system’s; a finished one is not taken so', async () => {
    await reset();
    const clientId = await connectedClient('empty@pc-1');
    const empty = await add({ clientId, ageMs: DAY, size: 557, status: 'processing' });
    const finished = await add({ clientId, ageMs: DAY, status: 'ready' });
    const before = heard['media-deleted'].length;

    for (const { id } of [empty, finished]) await t.server.ctx.events.emitAndWait('live-recording-empty', { companyId: companyA, clientId, mediaId: id });
    assert.equal(await rowExists(t, empty.id), false);
    assert.deepEqual(filesOf(t.dataDir, empty), []);
    assert.equal(await rowExists(t, finished.id), true);
    assert.equal(filesOf(t.dataDir, finished).length, 2);
    const announced = heard['media-deleted'].slice(before);
    assert.deepEqual(announced.map((e) => ({ reason: e.reason, ids: e.media.map((m) => m.id), actor: e.actor })), [{ reason: 'empty', ids: [empty.id], actor: null }]);
  });

  test('rules: bad input is refused with a clear error and changes nothing; another company’s are out of reach', async () => {
    await reset();
    assertError(await http(t.url, 'PUT', '/api/retention', { token: admin, body: JSON.stringify({ max_days: 0, max_gb: null }), headers: { 'content-type': 'application/json' } }), 400, 'bad_request', /max_days must be at least 1 day/);
    assertError(await http(t.url, 'PUT', '/api/retention', { token: admin, body: JSON.stringify({ max_days: 3 }), headers: { 'content-type': 'application/json' } }), 400, 'bad_request', /max_gb/);
    assertError(await http(t.url, 'PUT', '/api/retention', { body: JSON.stringify({ max_days: 3, max_gb: null }), headers: { 'content-type': 'application/json' } }), 401, 'unauthorized', /Log in/);
    assert.deepEqual((await storage()).policy, { max_days: null, max_gb: null });
    const prying = await setRule({ company_id: companyA, max_days: 1, max_gb: null }, adminB);
    assert.equal(prying.status, 403);
    const anaOfA = await client('ana@pc-1');
    const foreignClient = await setRule({ client_id: anaOfA, max_days: 1, max_gb: null }, adminB);
    assert.equal(foreignClient.status, 404, 'another company’s client is missing');
    assert.deepEqual((await storage()).policy, { max_days: null, max_gb: null });
  });

  test('DELETE /api/media/:id: a finished recording goes with its files; one still recording or finalizing is refused (409)', async () => {
    await reset();
    const ana = await connectedClient('ana@pc-1');
    const done = await add({ clientId: ana, ageMs: DAY, size: 1234 });
    const live = await add({ clientId: ana, ageMs: DAY, status: 'recording' });
    const finalizing = await add({ clientId: ana, ageMs: DAY, status: 'processing' });
    const ofB = await add({ companyId: companyB, clientId: await client('bea@pc-9', companyB), ageMs: DAY });

    assertError(await http(t.url, 'DELETE', `/api/media/${live.id}`, { token: admin }), 409, 'media_busy', `Media ${live.id} is still recording: it can be deleted once it is finished`);
    assertError(await http(t.url, 'DELETE', `/api/media/${finalizing.id}`, { token: admin }), 409, 'media_busy', `Media ${finalizing.id} is being finalized: it can be deleted once it is finished`);
    assertError(await http(t.url, 'DELETE', `/api/media/${done.id}`, { token: adminB }), 404, 'not_found', `Media ${done.id} not found`);
    assertError(await http(t.url, 'DELETE', '/api/media/abc', { token: admin }), 400, 'bad_request', /id/);
    assertError(await http(t.url, 'DELETE', `/api/media/${done.id}`), 401, 'unauthorized', /Log in/);
    assert.equal(await rowExists(t, done.id), true);

    const deleted = await api(t.url, `/api/media/${done.id}`, { token: admin, method: 'DELETE' });
    assert.equal(deleted.status, 200);
    assert.deepEqual(deleted.body.data, { deleted: 1, bytes: 1234, skipped: 0 });
    assert.deepEqual(filesOf(t.dataDir, done), []);
    assert.equal((await api(t.url, `/api/media/${done.id}`, { token: admin })).status, 404);
    assertError(await http(t.url, 'DELETE', `/api/media/${done.id}`, { token: admin }), 404, 'not_found', `Media ${done.id} not found`);
    const event = heard['media-deleted'].at(-1)!;
    assert.equal(event.reason, 'user');
    assert.equal(event.actor?.email, 'admin@example.com');
    assert.equal(event.actor?.ip, '127.0.0.1');
    assert.equal(await rowExists(t, ofB.id), true);
    assert.equal(filesOf(t.dataDir, live).length, 1, 'the live recording’s bytes are untouched');
  });

  test('DELETE /api/media with filters: all that the History filter selects, finished ones; within the company', async () => {
    await reset();
    const ana = await connectedClient('ana@pc-1');
    const bo = await client('bo@pc-2');
    const anas = [await add({ clientId: ana, ageMs: DAY }), await add({ clientId: ana, ageMs: 2 * DAY }), await add({ clientId: ana, ageMs: DAY, status: 'recording' })];
    const bos = await add({ clientId: bo, ageMs: DAY });
    const ofB = await add({ companyId: companyB, clientId: await client('ana@pc-1', companyB), ageMs: DAY });
    const deleted = await api(t.url, `/api/media?client_id=${ana}`, { token: admin, method: 'DELETE' });
    assert.equal(deleted.status, 200, JSON.stringify(deleted.body));
    assert.deepEqual(deleted.body.data, { deleted: 2, bytes: 2000, skipped: 1 });
    assert.deepEqual(await Promise.all([...anas, bos, ofB].map((r) => rowExists(t, r.id))), [false, false, true, true, true]);
    assertError(await http(t.url, 'DELETE', '/api/media?status=sleeping', { token: admin }), 400, 'bad_request', /status/);
    // B's admin deleting "everything" deletes B's only.
    assert.deepEqual((await api(t.url, '/api/media', { token: adminB, method: 'DELETE' })).body.data, { deleted: 1, bytes: 1000, skipped: 0 });
    assert.equal(await rowExists(t, bos.id), true);
    assert.equal((await api(t.url, `/api/media?company_id=${companyA}`, { token: adminB, method: 'DELETE' })).status, 403);
  });

  test('DELETE /api/clients/:id: refused while connected; once offline the client and all its data go; other companies’ stay', async () => {
    await reset();
    const agent = await connectAgent(t.url, 'dee@pc-4');
    const dee = agent.client.id;
    const recordings = [await add({ clientId: dee, ageMs: DAY, size: 100 }), await add({ clientId: dee, ageMs: 2 * DAY, size: 200, status: 'error' })];
    await setRule({ client_id: dee, max_days: 5, max_gb: null });
    assertError(await http(t.url, 'DELETE', `/api/clients/${dee}`, { token: admin }), 409, 'client_connected', 'dee@pc-4 is connected: stop its agent (or revoke its token) and delete it once it is offline');
    assertError(await http(t.url, 'DELETE', `/api/clients/${dee}`, { token: adminB }), 404, 'not_found', `Client ${dee} not found`);
    const closed = await agent.socket.timeout(5000).emitWithAck('app-closed');
    assert.equal(closed.ok, true);
    agent.socket.disconnect();

    const dashboard = await connectDashboard(t.url, admin);
    const told: number[] = [];
    dashboard.socket.on('client-deleted', ({ id }) => told.push(id));
    const deleted = await api(t.url, `/api/clients/${dee}`, { token: admin, method: 'DELETE' });
    assert.equal(deleted.status, 200, JSON.stringify(deleted.body));
    assert.deepEqual(deleted.body.data, { deleted: 2, bytes: 300, skipped: 0 });
    assert.equal((await api(t.url, `/api/clients/${dee}`, { token: admin })).status, 404);
    for (const row of recordings) assert.equal(await rowExists(t, row.id), false);
    assert.equal(fs.existsSync(path.join(t.dataDir, 'media', String(companyA), String(dee))), false, 'its folder is gone');
    assert.deepEqual((await storage()).clients, [], 'its rule went with it');
    const event = heard['client-deleted'].at(-1)!;
    assert.deepEqual({ ...event, actor: event.actor.email }, { companyId: companyA, clientId: dee, userHost: 'dee@pc-4', recordings: 2, bytes: 300, actor: 'admin@example.com' });
    assert.equal(heard['media-deleted'].at(-1)!.reason, 'client-deleted');
    await waitUntil(() => told.includes(dee), 5000, 'the dashboard told');
    dashboard.socket.disconnect();
  });
});
