import type { Permission } from './policy.js';

/**
 * What each REST route needs, in one table (`METHOD /path` as Fastify registered it; HEAD goes as its GET):
 * - a permission: a logged-in user whose role has it (the route then checks companies and groups on its rows);
 * - `account`: any logged-in user (its own session, password, profile);
 * - `session`: any logged-in user, even one whose required second factor is not set up yet (its profile, its
 *   second factor's set-up, logging out everywhere): every other route refuses such a session;
 * - `agent` / `legacy`: an agent's enrollment token / the original client (checked by the route itself);
 * - `public`: no login (the login itself, pages, scripts, health; `/metrics` checks its own token).
 * A route missing here cannot be registered: the server refuses to start (`guard.ts`).
 */
export type RoutePolicy = Permission | 'account' | 'session' | 'agent' | 'legacy' | 'public';

export const ROUTE_POLICIES: Record<string, RoutePolicy> = {
  // CORS preflights (with CORS_ORIGINS): @fastify/cors answers them, before any route's own hooks.
  'OPTIONS *': 'public',
  'GET /healthz': 'public',
  'GET /metrics': 'public',
  'GET /*': 'public',
  'GET /share': 'public',
  'GET /share/*': 'public',
  'GET /agent/download/:platform': 'public',
  'GET /agent/download/:platform/ffmpeg': 'public',
  'GET /agent/install.sh': 'public',
  'GET /agent/install.ps1': 'public',

  'POST /api/auth/login': 'public',
  // The code of a second factor: the challenge the right password was answered with stands for the login.
  'POST /api/auth/login/code': 'public',
  // Works without a live session: it clears the cookie whatever it holds.
  'POST /api/auth/logout': 'public',
  'POST /api/auth/logout-all': 'session',
  'POST /api/auth/password': 'account',
  'GET /api/auth/me': 'session',
  // The user's own second factor (PROTOCOL.md §8.20).
  'GET /api/auth/totp': 'session',
  'POST /api/auth/totp/setup': 'session',
  'POST /api/auth/totp/enable': 'session',
  'POST /api/auth/totp/disable': 'session',

  'GET /api/users': 'company:manage',
  'POST /api/users': 'company:manage',
  'PATCH /api/users/:id': 'company:manage',
  'PUT /api/users/:id/password': 'company:manage',
  'PUT /api/users/:id/access': 'company:manage',
  'DELETE /api/users/:id': 'company:manage',
  'DELETE /api/users/:id/totp': 'second-factors:reset',

  // Each user sees its own company (a superadmin every one).
  'GET /api/companies': 'account',
  'POST /api/companies': 'companies:create',
  'GET /api/companies/:id/tokens': 'company:manage',
  'POST /api/companies/:id/tokens': 'company:manage',
  'DELETE /api/companies/:id/tokens/:tokenId': 'company:manage',
  'GET /api/companies/:id/settings': 'company:manage',
  'PATCH /api/companies/:id/settings': 'company:manage',
  // Second factor required of admins, original clients and their addresses (PROTOCOL.md §8.20, §8.21).
  'GET /api/companies/:id/access': 'company:manage',
  'PATCH /api/companies/:id/access': 'company:manage',

  'GET /api/groups': 'clients:read',
  'POST /api/groups': 'company:manage',
  'PATCH /api/groups/:id': 'company:manage',
  'DELETE /api/groups/:id': 'company:manage',
  'POST /api/groups/:id/clients': 'company:manage',

  'GET /api/clients': 'clients:read',
  'GET /api/clients/:id': 'clients:read',
  'POST /api/clients/:id/reset-enrollment': 'company:manage',
  'DELETE /api/clients/:id': 'company:manage',
  'GET /api/clients/assets': 'agent',

  'GET /api/alerts': 'alerts:read',
  'POST /api/alerts/:id/acknowledge': 'company:manage',

  'GET /api/media': 'media:read',
  'GET /api/media/:id': 'media:read',
  // `?download=1` also needs media:download (checked by the route: the query is not the route's key).
  'GET /api/media/:id/video': 'media:read',
  'GET /api/media/:id/thumbnail': 'media:read',
  'DELETE /api/media/:id': 'company:manage',
  'DELETE /api/media': 'company:manage',
  'POST /api/media/upload': 'agent',
  'POST /api/media/check': 'agent',

  // Viewers read the hours of their groups (the clients list shows who is outside them); admins set them.
  'GET /api/monitoring-hours': 'clients:read',
  'PUT /api/monitoring-hours': 'company:manage',

  'GET /api/storage': 'company:manage',
  'PUT /api/retention': 'company:manage',
  'GET /api/audit': 'audit:read',
  'GET /api/audit.csv': 'audit:read',
  'GET /api/agent-downloads': 'company:manage',

  'GET /api/vaahshare/clients/assets': 'legacy',
  'POST /api/vaahshare/media/client/:socket_id/:user_host': 'legacy',
  'POST /api/vaahshare/media/client/:socket_id': 'legacy',
  'POST /api/vaahshare/alerts': 'legacy',
  'POST /upload': 'legacy',
};

/** A route's key in the table: HEAD is its GET, and `/api/users/` (a prefix's root) is `/api/users`. */
export function routeKey(method: string, url: string): string {
  const path = url.length > 1 && url.endsWith('/') ? url.slice(0, -1) : url;
  return `${method === 'HEAD' ? 'GET' : method} ${path}`;
}

/** Whether a policy lets a request through without a logged-in user. */
export const needsNoUser = (policy: RoutePolicy) => policy === 'public' || policy === 'agent' || policy === 'legacy';
