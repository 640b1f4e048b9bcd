import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import type { Group, Role } from '@vaahshare/protocol';
import { api, connectAgent, disconnectAll, login, startServer, type TestServer } from '@vaahshare/testkit';

const PASSWORD = 'a-good-long-password';

export interface RolesFixture {
  companyId: number;
  /** Sales: the viewer's group; Support: another group; the company's default group. */
  sales: Group;
  support: Group;
  defaultGroup: Group;
  /** An enrollment token whose new clients land in Sales. */
  salesToken: string;
  /** Session tokens of a user of each role (two viewers of Sales: one may download), all of the first company. */
  tokens: { superadmin: string; admin: string; viewer: string; downloader: string; auditor: string };
  users: { admin: number; viewer: number; downloader: number; auditor: number };
  /** Clients: ann in Sales (by its token), bob in Support (moved there), cy in the default group. */
  clients: { ann: number; bob: number; cy: number };
  agents: Array<Awaited<ReturnType<typeof connectAgent>>>;
}

/** A user of `role` created by the superadmin over REST, logged in. */
async function addUser(t: TestServer, superToken: string, companyId: number, role: Role, more: { group_ids?: number[]; may_download?: boolean } = {}) {
  const email = `${role}-${Math.random().toString(36).slice(2, 8)}@roles.example`;
  const created = await api(t.url, '/api/users', { token: superToken, body: { email, password: PASSWORD, company_id: companyId, role, ...more } });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return { id: created.body.data.id as number, token: await login(t.url, email, PASSWORD) };
}

/**
 * One company with three groups, a user of every role, and three connected agents (one per group): what the roles
 * and groups tests look at, made through the REST API as an admin would.
 */
export async function rolesFixture(t: TestServer): Promise<RolesFixture> {
  const superadmin = await login(t.url);
  const companyId = (await api(t.url, '/api/auth/me', { token: superadmin })).body.data.company_id as number;
  const group = async (name: string) => (await api(t.url, '/api/groups', { token: superadmin, body: { name } })).body.data as Group;
  const [sales, support] = [await group('Sales'), await group('Support')];
  const groups = (await api(t.url, '/api/groups', { token: superadmin })).body.data as Group[];
  const defaultGroup = groups.find((g) => g.is_default)!;
  const salesToken = (await api(t.url, `/api/companies/${companyId}/tokens`, { token: superadmin, body: { label: 'sales', group_id: sales.id } })).body.data.token as string;

  const admin = await addUser(t, superadmin, companyId, 'admin');
  const viewer = await addUser(t, superadmin, companyId, 'viewer', { group_ids: [sales.id] });
  const downloader = await addUser(t, superadmin, companyId, 'viewer', { group_ids: [sales.id], may_download: true });
  const auditor = await addUser(t, superadmin, companyId, 'auditor');

  const ann = await connectAgent(t.url, 'ann@sales-pc', { token: salesToken });
  const bob = await connectAgent(t.url, 'bob@support-pc');
  const cy = await connectAgent(t.url, 'cy@default-pc');
  const moved = await api(t.url, `/api/groups/${support.id}/clients`, { token: superadmin, body: { client_ids: [bob.client.id] } });
  assert.deepEqual(moved.body, { data: { moved: 1 } });
  return {
    companyId,
    sales,
    support,
    defaultGroup,
    salesToken,
    tokens: { superadmin, admin: admin.token, viewer: viewer.token, downloader: downloader.token, auditor: auditor.token },
    users: { admin: admin.id, viewer: viewer.id, downloader: downloader.id, auditor: auditor.id },
    clients: { ann: ann.client.id, bob: bob.client.id, cy: cy.client.id },
    agents: [ann, bob, cy],
  };
}

/**
 * A test server with the roles fixture for the `describe` it is called in (started before its tests, disposed
 * after them): `ctx.t` and `ctx.f` are set once the tests run.
 */
export function useRolesServer(): { t: TestServer; f: RolesFixture } {
  const ctx = {} as { t: TestServer; f: RolesFixture };
  before(async () => {
    ctx.t = await startServer();
    ctx.f = await rolesFixture(ctx.t);
  });
  after(async () => {
    disconnectAll();
    await ctx.t?.dispose();
  });
  return ctx;
}
