import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { api, type TestServer } from '@vaahshare/testkit';
import { assertError, http } from '@vaahshare/testkit/probes';
import { addRecording } from '@vaahshare/testkit/recordings';
import { useRolesServer, type RolesFixture } from '../test/roles-fixture.js';

const hosts = (body: { data: Array<{ user_host: string }> }) => body.data.map((c) => c.user_host).sort();

describe('roles and groups over REST', () => {
  const server = useRolesServer();
  let t: TestServer;
  let f: RolesFixture;
  before(() => ({ t, f } = server));

  test('new clients land in their enrollment token’s group; a token naming none lands them in the default group', async () => {
    const list = await api(t.url, '/api/clients', { token: f.tokens.admin });
    const groupOf = Object.fromEntries(list.body.data.map((c: { user_host: string; group_id: number }) => [c.user_host, c.group_id]));
    assert.deepEqual(groupOf, { 'ann@sales-pc': f.sales.id, 'bob@support-pc': f.support.id, 'cy@default-pc': f.defaultGroup.id });
  });

  test('a viewer lists and counts only the clients of its groups; another client is not found; a filter stays within them', async () => {
    const mine = await api(t.url, '/api/clients', { token: f.tokens.viewer });
    assert.deepEqual(hosts(mine.body), ['ann@sales-pc']);
    assert.equal(mine.body.meta.total, 1, 'the count is the viewer’s too');
    assert.deepEqual(hosts((await api(t.url, '/api/clients?status=live', { token: f.tokens.viewer })).body), ['ann@sales-pc']);
    assert.deepEqual((await api(t.url, `/api/clients?group_id=${f.support.id}`, { token: f.tokens.viewer })).body.meta.total, 0);
    assert.equal((await api(t.url, `/api/clients/${f.clients.ann}`, { token: f.tokens.viewer })).status, 200);
    for (const id of [f.clients.bob, f.clients.cy]) {
      assertError(await http(t.url, 'GET', `/api/clients/${id}`, { token: f.tokens.viewer }), 404, 'not_found', `Client ${id} not found`);
    }
    assert.deepEqual(hosts((await api(t.url, `/api/clients?group_id=${f.support.id}`, { token: f.tokens.admin })).body), ['bob@support-pc'], 'an admin filters by group');
    assert.equal((await api(t.url, '/api/clients', { token: f.tokens.admin })).body.meta.total, 3, 'an admin sees every group');
  });

  test('a viewer sees only its groups’ groups', async () => {
    const groups = await api(t.url, '/api/groups', { token: f.tokens.viewer });
    assert.deepEqual(groups.body.data.map((g: { name: string }) => g.name), ['Sales']);
    const all = await api(t.url, '/api/groups', { token: f.tokens.admin });
    assert.deepEqual(all.body.data.map((g: { name: string; clients: number }) => [g.name, g.clients]), [['Default', 1], ['Sales', 1], ['Support', 1]]);
  });

  test('a viewer lists, opens, plays and sees thumbnails of its groups’ recordings only, and downloads only when allowed', async () => {
    const db = t.server.ctx.db;
    const inSales = await addRecording(db, t.dataDir, { companyId: f.companyId, clientId: f.clients.ann, ageMs: 60_000 });
    const inSupport = await addRecording(db, t.dataDir, { companyId: f.companyId, clientId: f.clients.bob, ageMs: 60_000 });
    const listed = await api(t.url, '/api/media', { token: f.tokens.viewer });
    assert.deepEqual(listed.body.data.map((m: { id: number }) => m.id), [inSales.id]);
    assert.equal(listed.body.meta.total, 1);
    assert.deepEqual((await api(t.url, `/api/media?group_id=${f.support.id}`, { token: f.tokens.admin })).body.data.map((m: { id: number }) => m.id), [inSupport.id]);
    for (const path of ['', '/video', '/thumbnail']) {
      assert.equal((await http(t.url, 'GET', `/api/media/${inSales.id}${path}`, { token: f.tokens.viewer })).status, 200, `its own ${path}`);
      assertError(await http(t.url, 'GET', `/api/media/${inSupport.id}${path}`, { token: f.tokens.viewer }), 404, 'not_found', `Media ${inSupport.id} not found`, `another group’s ${path}`);
    }
    const refused = await http(t.url, 'GET', `/api/media/${inSales.id}/video?download=1`, { token: f.tokens.viewer });
    assertError(refused, 403, 'forbidden', 'You may not download recordings: ask an admin to allow it');
    const downloaded = await http(t.url, 'GET', `/api/media/${inSales.id}/video?download=1`, { token: f.tokens.downloader });
    assert.equal(downloaded.status, 200);
    assert.match(downloaded.headers.get('content-disposition') ?? '', /attachment/);
    assertError(await http(t.url, 'GET', `/api/media/${inSupport.id}/video?download=1`, { token: f.tokens.downloader }), 404, 'not_found', `Media ${inSupport.id} not found`);
    assertError(await http(t.url, 'DELETE', `/api/media/${inSales.id}`, { token: f.tokens.downloader }), 403, 'forbidden', 'Only an admin may do this');
    assert.equal((await api(t.url, `/api/media/${inSales.id}`, { token: f.tokens.admin })).status, 200, 'still there');
  });

  test('a viewer sees the alerts of its groups’ clients only', async () => {
    const [ann, bob] = f.agents;
    for (const agent of [ann!, bob!]) assert.equal((await agent.socket.timeout(5000).emitWithAck('alert', { type: 'idle', idle_seconds: 300 })).ok, true);
    const viewerAlerts = await api(t.url, '/api/alerts', { token: f.tokens.viewer });
    assert.deepEqual(viewerAlerts.body.data.map((a: { user_host: string }) => a.user_host), ['ann@sales-pc']);
    assert.equal(viewerAlerts.body.meta.total, 1);
    assert.equal((await api(t.url, '/api/alerts', { token: f.tokens.admin })).body.meta.total, 2);
    const bobAlert = (await api(t.url, '/api/alerts', { token: f.tokens.admin })).body.data.find((a: { user_host: string }) => a.user_host === 'bob@support-pc');
    assertError(await http(t.url, 'POST', `/api/alerts/${bobAlert.id}/acknowledge`, { token: f.tokens.viewer }), 403, 'forbidden', 'Only an admin may do this');
  });

  test('an auditor reads the audit trail and nothing else', async () => {
    assert.equal((await api(t.url, '/api/audit', { token: f.tokens.auditor })).status, 200);
    assert.equal((await http(t.url, 'GET', '/api/audit.csv', { token: f.tokens.auditor })).status, 200);
    assertError(await http(t.url, 'GET', '/api/clients', { token: f.tokens.auditor }), 403, 'forbidden', 'Your role does not show clients');
    assertError(await http(t.url, 'GET', '/api/media', { token: f.tokens.auditor }), 403, 'forbidden', 'Your role does not show recordings');
    assertError(await http(t.url, 'GET', '/api/audit', { token: f.tokens.viewer }), 403, 'forbidden', 'Your role does not show the audit trail');
    const me = await api(t.url, '/api/auth/me', { token: f.tokens.auditor });
    assert.deepEqual({ role: me.body.data.role, group_ids: me.body.data.group_ids, may_download: me.body.data.may_download }, { role: 'auditor', group_ids: [], may_download: false });
  });

  test('an admin sets a user’s role and groups (audited with before and after); never a superadmin, another company’s group, or its own', async () => {
    const path = `/api/users/${f.users.auditor}/access`;
    const set = await api(t.url, path, { token: f.tokens.admin, method: 'PUT', body: { role: 'viewer', group_ids: [f.support.id], may_download: false } });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    assert.deepEqual([set.body.data.role, set.body.data.group_ids, set.body.data.may_download], ['viewer', [f.support.id], false]);
    assert.deepEqual(hosts((await api(t.url, '/api/clients', { token: f.tokens.auditor })).body), ['bob@support-pc'], 'at once, with the same session');
    const entry = (await api(t.url, '/api/audit?action=user-access-changed', { token: f.tokens.admin })).body.data[0];
    assert.deepEqual(entry.details, {
      before: { role: 'auditor', group_ids: [], may_download: false },
      after: { role: 'viewer', group_ids: [f.support.id], may_download: false },
    });
    const body = (more: object) => ({ token: f.tokens.admin, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ role: 'viewer', group_ids: [], may_download: false, ...more }) });
    assertError(await http(t.url, 'PUT', path, body({ role: 'superadmin' })), 403, 'forbidden', 'Only a superadmin may make a superadmin');
    assertError(await http(t.url, 'PUT', path, body({ group_ids: [999_999] })), 404, 'not_found', 'Group 999999 not found');
    assertError(await http(t.url, 'PUT', `/api/users/${f.users.admin}/access`, body({})), 400, 'bad_request', 'You cannot change your own role or groups');
    assertError(await http(t.url, 'PUT', path, body({ role: 'owner' })), 400, 'bad_request', /role must be one of superadmin, admin, viewer, auditor/);
    assertError(await http(t.url, 'PUT', path, { token: f.tokens.viewer, headers: { 'content-type': 'application/json' }, body: '{}' }), 403, 'forbidden', 'Only an admin may do this');
    // Back as it was, for the other tests.
    await api(t.url, path, { token: f.tokens.admin, method: 'PUT', body: { role: 'auditor', group_ids: [], may_download: false } });
  });
});
