import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Migrator, sql } from 'kysely';
import { api, connectAgent, disconnectAll, freshDatabaseEnv, login, startServer, tempDir, type TestServer } from '@vaahshare/testkit';
import { assertError, http } from '@vaahshare/testkit/probes';
import { openDatabase } from '../db/database.js';
import { migrationProvider } from '../db/migrations/index.js';

const json = (token: string, body: unknown) => ({ token, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('groups of clients', () => {
  let t: TestServer;
  let admin: string;
  let companyId: number;

  before(async () => {
    t = await startServer();
    admin = await login(t.url);
    companyId = (await api(t.url, '/api/auth/me', { token: admin })).body.data.company_id;
  });
  after(async () => {
    disconnectAll();
    await t.dispose();
  });

  const actions = async (action: string) =>
    (await api(t.url, `/api/audit?action=${action}`, { token: admin })).body.data.map((e: { target: { label: string }; details: unknown }) => [e.target.label, e.details]);

  test('an admin creates, renames and deletes a group: its clients go back to the default group, its token too; all audited', async () => {
    const created = await api(t.url, '/api/groups', { token: admin, body: { name: '  Night shift ' } });
    assert.equal(created.status, 201);
    assert.deepEqual(created.body.data, { id: created.body.data.id, company_id: companyId, name: 'Night shift', is_default: false, clients: 0 });
    const id = created.body.data.id;
    const token = (await api(t.url, `/api/companies/${companyId}/tokens`, { token: admin, body: { label: 'night', group_id: id } })).body.data;
    assert.equal(token.group_id, id);
    const agent = await connectAgent(t.url, 'nina@night-pc', { token: token.token });
    assert.equal(agent.client.group_id, id);

    const renamed = await api(t.url, `/api/groups/${id}`, { token: admin, method: 'PATCH', body: { name: 'Nights' } });
    assert.deepEqual([renamed.body.data.name, renamed.body.data.clients], ['Nights', 1]);
    assertError(await http(t.url, 'POST', '/api/groups', json(admin, { name: 'Nights' })), 409, 'conflict', 'A group named Nights already exists');

    const deleted = await api(t.url, `/api/groups/${id}`, { token: admin, method: 'DELETE' });
    assert.deepEqual(deleted.body, { data: { moved: 1 } });
    const defaultGroup = (await api(t.url, '/api/groups', { token: admin })).body.data.find((g: { is_default: boolean }) => g.is_default);
    assert.equal((await api(t.url, `/api/clients/${agent.client.id}`, { token: admin })).body.data.group_id, defaultGroup.id);
    const tokens = (await api(t.url, `/api/companies/${companyId}/tokens`, { token: admin })).body.data;
    assert.equal(tokens.find((row: { id: number }) => row.id === token.id).group_id, null, 'the token now lands clients in the default group');
    assert.deepEqual(await actions('group-created'), [['Night shift', null]]);
    assert.deepEqual(await actions('group-renamed'), [['Nights', { before: 'Night shift' }]]);
    assert.deepEqual(await actions('group-deleted'), [['Nights', { moved: 1 }]]);
    agent.socket.disconnect();
  });

  test('clients move between groups (one or many), audited; the default group cannot go; bad input changes nothing', async () => {
    const group = (await api(t.url, '/api/groups', { token: admin, body: { name: 'Floor 2' } })).body.data;
    const [a, b] = [await connectAgent(t.url, 'al@floor2'), await connectAgent(t.url, 'bea@floor2')];
    const moved = await api(t.url, `/api/groups/${group.id}/clients`, { token: admin, body: { client_ids: [a.client.id, b.client.id, a.client.id] } });
    assert.deepEqual(moved.body, { data: { moved: 2 } });
    assert.deepEqual((await api(t.url, `/api/groups/${group.id}/clients`, { token: admin, body: { client_ids: [a.client.id] } })).body, { data: { moved: 0 } }, 'already there');
    const entry = (await api(t.url, '/api/audit?action=clients-moved', { token: admin })).body.data[0];
    assert.deepEqual(entry.target, { kind: 'group', id: group.id, label: 'Floor 2' });
    assert.deepEqual(entry.details.clients.map((c: { user_host: string }) => c.user_host).sort(), ['al@floor2', 'bea@floor2']);

    const defaultId = (await api(t.url, '/api/groups', { token: admin })).body.data.find((g: { is_default: boolean }) => g.is_default).id;
    assertError(await http(t.url, 'DELETE', `/api/groups/${defaultId}`, { token: admin }), 409, 'default_group', 'The default group cannot be deleted: new clients land in it');
    assertError(await http(t.url, 'POST', `/api/groups/${group.id}/clients`, json(admin, { client_ids: [] })), 400, 'bad_request', /name at least one client/);
    assertError(await http(t.url, 'POST', `/api/groups/${group.id}/clients`, json(admin, { client_ids: [a.client.id, 2147483000] })), 404, 'not_found', 'Client 2147483000 not found');
    assertError(await http(t.url, 'POST', '/api/groups', json(admin, { name: '   ' })), 400, 'bad_request', /Name the group: the name must not be empty/);
    assertError(await http(t.url, 'POST', `/api/companies/${companyId}/tokens`, json(admin, { group_id: 2147483000 })), 404, 'not_found', 'Group 2147483000 not found');
    a.socket.disconnect();
    b.socket.disconnect();
  });

  test('another company’s admin can neither see, change, fill nor use a company’s groups', async () => {
    const other = (await api(t.url, '/api/companies', { token: admin, body: { name: 'Other Ltd' } })).body.data;
    const email = 'boss@other.example';
    await api(t.url, '/api/users', { token: admin, body: { email, password: 'other-password', company_id: other.id } });
    const otherAdmin = await login(t.url, email, 'other-password');
    const otherGroups = (await api(t.url, '/api/groups', { token: otherAdmin })).body.data;
    assert.deepEqual(otherGroups.map((g: { name: string; is_default: boolean }) => [g.name, g.is_default]), [['Default', true]], 'a new company has its default group');
    const mine = (await api(t.url, '/api/groups', { token: admin, body: { name: 'Private' } })).body.data;
    const agent = await connectAgent(t.url, 'pia@private');
    await api(t.url, `/api/groups/${mine.id}/clients`, { token: admin, body: { client_ids: [agent.client.id] } });
    for (const [method, path, body] of [
      ['PATCH', `/api/groups/${mine.id}`, { name: 'Mine now' }],
      ['DELETE', `/api/groups/${mine.id}`, undefined],
      ['POST', `/api/groups/${mine.id}/clients`, { client_ids: [agent.client.id] }],
    ] as const) {
      const init = body === undefined ? { token: otherAdmin } : json(otherAdmin, body);
      assertError(await http(t.url, method, path, init), 404, 'not_found', `Group ${mine.id} not found`, `${method} ${path}`);
    }
    const ownGroup = otherGroups[0].id;
    assertError(await http(t.url, 'POST', `/api/groups/${ownGroup}/clients`, json(otherAdmin, { client_ids: [agent.client.id] })), 404, 'not_found', `Client ${agent.client.id} not found`);
    assertError(await http(t.url, 'GET', `/api/groups?company_id=${companyId}`, { token: otherAdmin }), 403, 'forbidden', 'You may only act on your own company');
    const viewer = { email: 'v@other.example', password: 'other-password', company_id: other.id, role: 'viewer', group_ids: [mine.id] };
    assertError(await http(t.url, 'POST', '/api/users', json(otherAdmin, viewer)), 404, 'not_found', `Group ${mine.id} not found`);
    assert.equal((await api(t.url, `/api/clients/${agent.client.id}`, { token: admin })).body.data.group_id, mine.id, 'unchanged');
    agent.socket.disconnect();
  });
});

test('migration 014 gives every company its default group and puts every existing client in it', async () => {
  const dataDir = tempDir();
  const database = await freshDatabaseEnv();
  const handle = await openDatabase({ dataDir, databaseUrl: database.env.DATABASE_URL });
  const migrator = new Migrator({ db: handle.db, provider: migrationProvider(handle.dialect) });
  assert.equal((await migrator.migrateTo('011-audit')).error, undefined);
  for (const name of ['First', 'Second']) await sql`insert into companies (name, idle_threshold_seconds, idle_message, created_at) values (${name}, 300, 'idle?', 1)`.execute(handle.db);
  for (const [company, host] of [[1, 'old@one'], [2, 'old@two'], [2, 'older@two']] as const) {
    await sql`insert into clients (company_id, user_host, created_at) values (${company}, ${host}, 1)`.execute(handle.db);
  }
  assert.equal((await migrator.migrateToLatest()).error, undefined);
  const groups = await handle.db.selectFrom('client_groups').selectAll().orderBy('id').execute();
  assert.deepEqual(groups.map((g) => [g.company_id, g.name, g.is_default]), [[1, 'Default', 1], [2, 'Default', 1]]);
  const clients = await handle.db.selectFrom('clients').select(['user_host', 'group_id']).orderBy('id').execute();
  assert.deepEqual(clients.map((c) => [c.user_host, c.group_id]), [['old@one', groups[0]!.id], ['old@two', groups[1]!.id], ['older@two', groups[1]!.id]]);
  await assert.rejects(
    sql`insert into client_groups (company_id, name, is_default, created_at) values (1, 'Second default', 1, 1)`.execute(handle.db),
    'one default group per company',
  );
  await handle.db.destroy();
  await database.drop();
});
