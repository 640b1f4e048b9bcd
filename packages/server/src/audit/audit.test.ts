import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { parse } from 'csv-parse/sync';
import type { AuditEntry } from '@vaahshare/protocol';
import { ADMIN_EMAIL, api, connectAgent, connectDashboard, connected, login, openSocket, startServer, waitUntil, type TestServer } from '@vaahshare/testkit';
import { assertError, http } from '@vaahshare/testkit/probes';
import { mediaPaths } from '../media/index.js';

/** What GET /api/audit answers `token` for these filters. */
async function audit(t: TestServer, token: string, query: Record<string, string | number> = {}) {
  const qs = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)]));
  const res = await api<{ data: AuditEntry[]; meta: { total: number; page: number; per_page: number } }>(t.url, `/api/audit?${qs}`, { token });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

const newest = async (t: TestServer, token: string, action: string) => (await audit(t, token, { action, per_page: 1 })).data[0];

describe('audit trail', () => {
  let t: TestServer;
  let superToken: string;
  let companyB: number;
  let adminB: string;

  before(async () => {
    // Behind a proxy on this machine: its X-Forwarded-For is believed.
    t = await startServer({ TRUST_PROXY: 'loopback' });
    superToken = await login(t.url);
    const created = await api(t.url, '/api/companies', { token: superToken, body: { name: 'Beta' } });
    companyB = created.body.data.id;
    await api(t.url, '/api/users', { token: superToken, body: { email: 'admin@beta.example', password: 'beta password', company_id: companyB } });
    adminB = await login(t.url, 'admin@beta.example', 'beta password');
  });
  after(async () => {
    await t.dispose();
  });

  test('a login and a failed one are recorded with who, from where and why', async () => {
    await api(t.url, '/api/auth/login', { body: { email: ADMIN_EMAIL, password: 'not it' } });
    await api(t.url, '/api/auth/login', { body: { email: 'nobody@example.com', password: 'x' } });
    // Behind the proxy, the address is the one the proxy forwards (trustProxy).
    const res = await http(t.url, 'POST', '/api/auth/login', {
      headers: { 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.7' },
      body: JSON.stringify({ email: ADMIN_EMAIL, password: 'correct horse battery' }),
    });
    assert.equal(res.status, 200);
    // Logins are emitted without waiting (auth's choice): their entries follow at once.
    await waitUntil(async () => (await audit(t, superToken, { action: 'login-failed' })).meta.total === 2, 5000, 'both failures on record');
    await waitUntil(async () => (await newest(t, superToken, 'logged-in'))?.ip === '203.0.113.7', 5000, 'the login on record');
    const [unknown, wrong] = (await audit(t, superToken, { action: 'login-failed' })).data;
    assert.equal(wrong.actor.email, ADMIN_EMAIL);
    assert.deepEqual(wrong.details, { reason: 'wrong_password' });
    assert.equal(wrong.company_id, 1);
    assert.equal(wrong.ip, '127.0.0.1');
    assert.deepEqual(unknown.details, { reason: 'unknown_email' });
    assert.equal(unknown.company_id, null, 'an unknown e-mail belongs to no company');
    const ok = await newest(t, superToken, 'logged-in');
    assert.deepEqual({ email: ok.actor.email, kind: ok.actor.kind, ip: ok.ip, target: ok.target?.label }, { email: ADMIN_EMAIL, kind: 'user', ip: '203.0.113.7', target: ADMIN_EMAIL });
  });

  test('a live view is recorded from when to when: unwatch and a disconnect both end it', async () => {
    const agent = await connectAgent(t.url, 'watched@pc');
    const dashboard = await connectDashboard(t.url, superToken);
    assert.equal((await dashboard.socket.emitWithAck('watch', { client_id: agent.client.id })).ok, true);
    assert.equal((await dashboard.socket.emitWithAck('unwatch', { client_id: agent.client.id })).ok, true);
    const started = await newest(t, superToken, 'live-view-started');
    const ended = await newest(t, superToken, 'live-view-ended');
    for (const entry of [started, ended]) {
      assert.deepEqual(entry.target, { kind: 'client', id: agent.client.id, label: 'watched@pc' });
      assert.equal(entry.actor.email, ADMIN_EMAIL);
    }
    assert.equal(ended.details?.started_at, started.at);

    assert.equal(started.ip, '127.0.0.1');
    dashboard.socket.disconnect();

    // Through a proxy: the address is the forwarded one, as for REST.
    const proxied = openSocket(t.url, { app: 'backend', auth: { token: superToken }, extraHeaders: { 'x-forwarded-for': '198.51.100.4' } });
    await connected(proxied);
    assert.equal((await proxied.emitWithAck('watch', { client_id: agent.client.id })).ok, true);
    assert.equal((await newest(t, superToken, 'live-view-started')).ip, '198.51.100.4');
    const before = (await audit(t, superToken, { action: 'live-view-ended' })).meta.total;
    proxied.disconnect();
    await waitUntil(async () => (await audit(t, superToken, { action: 'live-view-ended' })).meta.total === before + 1, 10_000, 'the view ended by the disconnect');
    assert.equal((await newest(t, superToken, 'live-view-ended')).ip, '198.51.100.4');
    agent.socket.disconnect();
  });

  test('a playback is recorded once per viewer and recording, not per range request; a download each time it is new', async () => {
    const agent = await connectAgent(t.url, 'rec@pc');
    const now = Date.now();
    // A finished recording, as media leaves it once ready (its own tests cover getting there).
    const media = await t.server.ctx.db
      .insertInto('media')
      .values({
        company_id: 1, client_id: agent.client.id, segment_id: 'played', original_name: 'Monday morning', source: 'live', status: 'ready',
        size: 4096, duration_ms: 1000, has_thumbnail: 0, error: null, node_id: null, started_at: now, ended_at: now, updated_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    const paths = mediaPaths(t.dataDir, media);
    fs.mkdirSync(paths.dir, { recursive: true });
    fs.writeFileSync(paths.final, Buffer.alloc(4096, 1));
    for (const range of ['bytes=0-1023', 'bytes=1024-2047', 'bytes=2048-']) {
      const res = await http(t.url, 'GET', `/api/media/${media.id}/video`, { token: superToken, headers: { range } });
      assert.equal(res.status, 206);
    }
    const played = (await audit(t, superToken, { action: 'recording-played' })).data;
    assert.equal(played.length, 1, 'three range requests are one playback');
    assert.deepEqual(played[0].target, { kind: 'recording', id: media.id, label: 'Monday morning' });

    const download = await fetch(`${t.url}/api/media/${media.id}/video?download=1`, { headers: { authorization: `Bearer ${superToken}` } });
    assert.equal(download.status, 200);
    assert.match(download.headers.get('content-disposition') ?? '', /^attachment; filename="Monday morning.webm"/);
    await download.arrayBuffer();
    assert.equal((await newest(t, superToken, 'recording-downloaded')).target?.id, media.id);
    agent.socket.disconnect();
  });

  test('settings changes are recorded with the old and new values; an unchanged PATCH records nothing', async () => {
    const patch = (body: object) => api(t.url, '/api/companies/1/settings', { token: superToken, method: 'PATCH', body });
    assert.equal((await patch({ idle_threshold_seconds: 120, pause_allowed: true })).status, 200);
    const entry = await newest(t, superToken, 'settings-changed');
    assert.deepEqual(entry.details, { idle_threshold_seconds: { from: 300, to: 120 }, pause_allowed: { from: false, to: true } });
    assert.deepEqual(entry.target, { kind: 'company', id: 1, label: null });
    const count = (await audit(t, superToken, { action: 'settings-changed' })).meta.total;
    await patch({ idle_threshold_seconds: 120 });
    assert.equal((await audit(t, superToken, { action: 'settings-changed' })).meta.total, count);
    // The audit trail's own retention is a setting like the others, and its change is recorded too.
    assert.equal((await patch({ audit_retention_days: 30 })).body.data.audit_retention_days, 30);
    assert.deepEqual((await newest(t, superToken, 'settings-changed')).details, { audit_retention_days: { from: 365, to: 30 } });
  });

  test('enrollment token creation and revocation, user and company creation are recorded', async () => {
    const token = await api(t.url, '/api/companies/1/tokens', { token: superToken, body: { label: 'lab pcs' } });
    await api(t.url, `/api/companies/1/tokens/${token.body.data.id}`, { token: superToken, method: 'DELETE' });
    for (const action of ['token-created', 'token-revoked']) {
      assert.deepEqual((await newest(t, superToken, action)).target, { kind: 'token', id: token.body.data.id, label: 'lab pcs' });
    }
    const user = await newest(t, superToken, 'user-created');
    assert.deepEqual({ target: user.target?.label, company: user.company_id, role: user.details?.role }, { target: 'admin@beta.example', company: companyB, role: 'admin' });
    assert.deepEqual((await newest(t, superToken, 'company-created')).target, { kind: 'company', id: companyB, label: 'Beta' });

    const temp = await api(t.url, '/api/users', { token: superToken, body: { email: 'temp@example.com', password: 'temp password', company_id: 1 } });
    const id = temp.body.data.id;
    assert.equal((await api(t.url, `/api/users/${id}`, { token: superToken, method: 'PATCH', body: { disabled: true } })).status, 200);
    assert.equal((await api(t.url, `/api/users/${id}/password`, { token: superToken, method: 'PUT', body: { password: 'another password' } })).status, 200);
    assert.equal((await api(t.url, `/api/users/${id}`, { token: superToken, method: 'DELETE' })).status, 200);
    for (const action of ['user-disabled', 'user-password-reset', 'user-removed']) {
      const entry = await newest(t, superToken, action);
      assert.deepEqual({ target: entry.target, actor: entry.actor.email }, { target: { kind: 'user', id, label: 'temp@example.com' }, actor: ADMIN_EMAIL }, action);
    }
  });

  test('a retention change, a device enrollment reset and a client deleted with its data are recorded', async () => {
    const rule = await api(t.url, '/api/retention', { token: superToken, method: 'PUT', body: { max_days: 30, max_gb: null } });
    assert.equal(rule.status, 200, JSON.stringify(rule.body));
    const changed = await newest(t, superToken, 'retention-changed');
    assert.deepEqual({ target: changed.target?.kind, after: (changed.details?.after as { max_days: number }).max_days, actor: changed.actor.email }, { target: 'company', after: 30, actor: ADMIN_EMAIL });

    const { socket, client } = await connectAgent(t.url, 'leaver@pc');
    // Quit on purpose: disconnected at once, so it may be deleted.
    await socket.timeout(5000).emitWithAck('app-closed');
    socket.disconnect();
    assert.equal((await api(t.url, `/api/clients/${client.id}/reset-enrollment`, { token: superToken, method: 'POST' })).status, 200);
    assert.deepEqual((await newest(t, superToken, 'enrollment-reset')).target, { kind: 'client', id: client.id, label: 'leaver@pc' });
    const deleted = await api(t.url, `/api/clients/${client.id}`, { token: superToken, method: 'DELETE' });
    assert.equal(deleted.status, 200, JSON.stringify(deleted.body));
    const entry = await newest(t, superToken, 'client-deleted');
    assert.deepEqual({ target: entry.target, recordings: entry.details?.recordings }, { target: { kind: 'client', id: client.id, label: 'leaver@pc' }, recordings: 0 });
  });

  test("a company's admin sees only its company's entries; a superadmin all, or one company's", async () => {
    await api(t.url, `/api/companies/${companyB}/settings`, { token: adminB, method: 'PATCH', body: { idle_threshold_seconds: 600 } });
    const own = await audit(t, adminB, { per_page: 1000 });
    assert.ok(own.data.length >= 2, 'its login and its settings change');
    assert.ok(own.data.every((e) => e.company_id === companyB), 'nothing of another company');
    assertError(await http(t.url, 'GET', '/api/audit?company_id=1', { token: adminB }), 403, 'forbidden', 'You may only act on your own company');
    const all = await audit(t, superToken, { per_page: 1000 });
    assert.ok(all.data.some((e) => e.company_id === 1) && all.data.some((e) => e.company_id === companyB) && all.data.some((e) => e.company_id === null));
    const onlyB = await audit(t, superToken, { company_id: companyB, per_page: 1000 });
    assert.deepEqual(onlyB.data.map((e) => e.id), own.data.map((e) => e.id));
    assertError(await http(t.url, 'GET', '/api/audit'), 401, 'unauthorized', 'Log in first: send Authorization: Bearer <token>');
  });

  test('filters by who, whom, what and when, pages newest first; bad filters are 400', async () => {
    const byWho = await audit(t, superToken, { actor: 'BETA.example' });
    assert.ok(byWho.data.length > 0 && byWho.data.every((e) => e.actor.email === 'admin@beta.example'));
    const byWhom = await audit(t, superToken, { target: 'watched@' });
    assert.ok(byWhom.data.length >= 2 && byWhom.data.every((e) => e.target?.label === 'watched@pc'));
    // A % in the filter is taken literally.
    assert.equal((await audit(t, superToken, { target: '%' })).meta.total, 0);
    const all = await audit(t, superToken, { per_page: 1000 });
    const times = all.data.map((e) => Date.parse(e.at));
    assert.deepEqual(times, [...times].sort((a, b) => b - a), 'newest first');
    const page2 = await audit(t, superToken, { per_page: 2, page: 2 });
    assert.deepEqual(page2.data.map((e) => e.id), all.data.slice(2, 4).map((e) => e.id));
    assert.equal(page2.meta.total, all.meta.total);
    const future = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    assert.equal((await audit(t, superToken, { from: future })).meta.total, 0);
    assert.equal((await audit(t, superToken, { to: '2000-01-01' })).meta.total, 0);
    assert.equal((await audit(t, superToken, { to: future })).meta.total, all.meta.total);
    const bad = await http(t.url, 'GET', '/api/audit?action=deleted-everything', { token: superToken });
    assert.equal(bad.status, 400);
    assert.match(bad.body.message, /action must be one of/);
    assert.equal((await http(t.url, 'GET', '/api/audit?from=yesterday', { token: superToken })).status, 400);
  });

  test('the CSV export holds the filtered entries, escaped, streamed', async () => {
    // A label with a comma, a quote and a line break must survive the round trip.
    const tricky = 'desk, "north"\nfloor 2';
    await api(t.url, '/api/companies/1/tokens', { token: superToken, body: { label: tricky } });
    const res = await fetch(`${t.url}/api/audit.csv?action=token-created`, { headers: { authorization: `Bearer ${superToken}` } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/csv/);
    assert.match(res.headers.get('content-disposition') ?? '', /^attachment; filename="vaahshare-audit-\d{4}-\d{2}-\d{2}\.csv"$/);
    const records = parse(await res.text(), { columns: true }) as Array<Record<string, string>>;
    const json = await audit(t, superToken, { action: 'token-created' });
    assert.equal(records.length, json.meta.total);
    assert.equal(records[0].target, tricky);
    assert.equal(records[0].action, 'token-created');
    assert.equal(records[0].actor_email, ADMIN_EMAIL);
    const own = await fetch(`${t.url}/api/audit.csv`, { headers: { authorization: `Bearer ${adminB}` } });
    const ownRecords = parse(await own.text(), { columns: true }) as Array<Record<string, string>>;
    assert.ok(ownRecords.length > 0 && ownRecords.every((r) => r.company_id === String(companyB)), 'the export is as isolated as the list');
  });

  test('no route changes or deletes an entry, and the database refuses an UPDATE', async () => {
    const [entry] = (await audit(t, superToken, { per_page: 1 })).data;
    for (const method of ['PUT', 'PATCH', 'DELETE', 'POST']) {
      for (const path of ['/api/audit', `/api/audit/${entry.id}`]) {
        assert.equal((await http(t.url, method, path, { token: superToken, headers: { 'content-type': 'application/json' }, body: '{}' })).status, 404, `${method} ${path}`);
      }
    }
    await assert.rejects(t.server.ctx.db.updateTable('audit_entries').set({ action: 'nothing happened' }).where('id', '=', entry.id).execute(), /append-only/);
  });

  test('none is missing under load: many concurrent actions, each one entry', async () => {
    const before = (await audit(t, superToken, { action: 'token-created' })).meta.total;
    const logins = (await audit(t, superToken, { action: 'login-failed' })).meta.total;
    const count = 200;
    const answers = await Promise.all([
      ...Array.from({ length: count }, (_, i) => api(t.url, '/api/companies/1/tokens', { token: superToken, body: { label: `load ${i}` } })),
      ...Array.from({ length: 20 }, () => api(t.url, '/api/auth/login', { body: { email: 'load@example.com', password: 'x' } })),
    ]);
    assert.equal(answers.filter((a) => a.status === 201).length, count);
    // Each was answered only once its entry was committed: no waiting needed.
    const after = await audit(t, superToken, { action: 'token-created', per_page: 1000 });
    assert.equal(after.meta.total, before + count);
    const labels = new Set(after.data.map((e) => e.target?.label));
    for (let i = 0; i < count; i++) assert.ok(labels.has(`load ${i}`), `load ${i}`);
    await waitUntil(async () => (await audit(t, superToken, { action: 'login-failed' })).meta.total === logins + 20, 10_000, 'every failed login on record');
  });
});
