import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { before, describe, test } from 'node:test';
import type { Role } from '@vaahshare/protocol';
import Fastify from 'fastify';
import { api, type TestServer } from '@vaahshare/testkit';
import { http } from '@vaahshare/testkit/probes';
import { useRolesServer, type RolesFixture } from '../test/roles-fixture.js';
import { installAccessControl } from './guard.js';
import { can, refusal } from './policy.js';
import { needsNoUser, ROUTE_POLICIES } from './route-policies.js';

const ROLES: Role[] = ['superadmin', 'admin', 'viewer', 'auditor'];
/** An id nothing has: an allowed role gets "not found" (or a refusal of its body), never a refusal of its role. */
const NO_SUCH_ID = '2147483000';

describe('every REST route, walked as each role', () => {
  const server = useRolesServer();
  let t: TestServer;
  let f: RolesFixture;
  let userIds: Record<Role, number>;

  before(async () => {
    ({ t, f } = server);
    const superadminId = (await api(t.url, '/api/auth/me', { token: f.tokens.superadmin })).body.data.id as number;
    userIds = { superadmin: superadminId, admin: f.users.admin, viewer: f.users.viewer, auditor: f.users.auditor };
  });

  /** A fresh session of the role's user for each request: a walked logout must not end the next request's. */
  async function sessionOf(role: Role): Promise<string> {
    const token = randomBytes(24).toString('hex');
    const now = Date.now();
    const token_hash = createHash('sha256').update(token).digest('hex');
    await t.server.ctx.db.insertInto('sessions').values({ token_hash, user_id: userIds[role], created_at: now, expires_at: now + 3600_000, last_seen_at: now }).execute();
    return token;
  }

  /** The route's path with its parameters filled: the walking company's id for a company, an unknown id else. */
  const pathOf = (route: string) =>
    route
      .slice(route.indexOf(' ') + 1)
      .replace(/^\/api\/companies\/:id/, `/api/companies/${f.companyId}`)
      .replace(/:[A-Za-z_]+/g, NO_SUCH_ID);

  function request(route: string, token?: string) {
    const method = route.slice(0, route.indexOf(' '));
    const withBody = ['POST', 'PUT', 'PATCH'].includes(method);
    return http(t.url, method, pathOf(route), { token, ...(withBody && { headers: { 'content-type': 'application/json' }, body: '{}' }) });
  }

  test('each route is allowed to the roles its policy names and refused (403, saying why) to the others; nobody’s without a login', async () => {
    const routes = t.server.routes();
    for (const expected of ['PUT /api/users/:id/access', 'POST /api/groups/:id/clients', 'GET /api/media/:id/video', 'GET /api/audit.csv']) {
      assert.ok(routes.includes(expected), `${expected} is registered`);
    }
    let walked = 0;
    for (const route of routes) {
      const policy = ROUTE_POLICIES[route]!;
      if (needsNoUser(policy)) continue;
      const anonymous = await request(route);
      assert.equal(anonymous.status, 401, `${route} without a login → ${anonymous.status}`);
      for (const role of ROLES) {
        const answer = await request(route, await sessionOf(role));
        const what = `${route} as ${role} → ${answer.status} ${JSON.stringify(answer.body).slice(0, 200)}`;
        if (policy === 'account' || policy === 'session' || can({ role, may_download: false }, policy)) {
          assert.ok(![401, 403].includes(answer.status), `allowed: ${what}`);
          assert.ok(answer.status < 500, what);
        } else {
          assert.equal(answer.status, 403, `refused: ${what}`);
          assert.deepEqual(answer.body, { error: 'forbidden', message: refusal(policy) }, what);
        }
        walked++;
      }
    }
    assert.ok(walked >= 4 * 35, `walked ${walked} requests`);
  });

  test('a route registered without a policy stops the server from starting', async () => {
    const app = Fastify();
    installAccessControl(app, { db: t.server.ctx.db, userOf: async () => Promise.reject(new Error('not called')) });
    assert.throws(() => app.get('/api/something-new', async () => ({})), /GET \/api\/something-new has no access policy/);
    await app.close();
  });
});
