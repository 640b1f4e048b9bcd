import type { User } from '@vaahshare/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Db } from '../db/database.js';
import { AppError, forbidden } from '../errors.js';
import { loadAccess } from './access.repository.js';
import { can, refusal, type Access, type Permission } from './policy.js';
import { needsNoUser, ROUTE_POLICIES, routeKey } from './route-policies.js';

const accesses = new WeakMap<FastifyRequest, Access>();

/** The access of the user a guarded route's request comes from (the guard loaded it before the handler). */
export function accessOf(request: FastifyRequest): Access {
  const access = accesses.get(request);
  if (!access) throw new Error(`${request.method} ${request.routeOptions.url ?? request.url} is not guarded by a user policy`);
  return access;
}

/** Refuses `access` what its role may not do, with the sentence that says why. */
export function requirePermission(access: Pick<Access, 'role' | 'may_download'>, permission: Permission): void {
  if (!can(access, permission)) throw forbidden(refusal(permission));
}

/**
 * Every REST route's policy, checked before anything else of the request (its body is not even read): a route
 * registered without one makes the server refuse to start, so no route is ever left unguarded by accident.
 * Returns the keys of the routes registered, for the test that walks each of them as each role.
 */
export function installAccessControl(
  app: FastifyInstance,
  deps: { db: Db; userOf: (request: FastifyRequest, evenWithSetupPending: boolean) => Promise<User> },
) {
  const registered = new Set<string>();
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      const key = routeKey(method, route.url);
      if (!ROUTE_POLICIES[key]) throw new AppError('no_policy', `${key} has no access policy: add it to packages/server/src/access/route-policies.ts`, 500);
      registered.add(key);
    }
  });
  app.addHook('onRequest', async (request) => {
    const url = request.routeOptions.url;
    if (url === undefined) return;
    const policy = ROUTE_POLICIES[routeKey(request.method, url)];
    // Only a route registered before this guard could lack one: refused rather than left open.
    if (!policy) throw new AppError('no_policy', `${request.method} ${url} has no access policy`, 500);
    if (needsNoUser(policy)) return;
    // A session whose required second factor is not set up yet reaches the `session` routes only (it sets it up).
    const access = await loadAccess(deps.db, await deps.userOf(request, policy === 'session'));
    if (policy !== 'account' && policy !== 'session') requirePermission(access, policy);
    accesses.set(request, access);
  });
  return { routes: () => [...registered].sort() };
}
