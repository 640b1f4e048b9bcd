import type { FastifyInstance } from 'fastify';
import type { CompaniesFace } from '../companies/index.js';
import type { AppContext } from '../context.js';
import type { Feature } from '../feature.js';
import type { AgentSocket } from '../sockets.js';
import { authRoutes } from './auth.routes.js';
import { bootstrap } from './bootstrap.js';
import { authenticateSocket } from './handshake.js';
import { purgeDeadSessions } from './sessions.js';
import { usersRoutes } from './users.routes.js';
import { userAccessRoutes } from './user-access.routes.js';

export { describeBootstrap, type BootstrapResult } from './bootstrap.js';
export { purgeDeadSessions } from './sessions.js';
export { canSeeCompany, requireAgentCompany, requireAgentToken, requireSession, requireUser, scopeCompany } from './guards.js';
export { actorOf, socketActor } from './actor.js';

/** How often expired and idle sessions are deleted. */
const SESSION_PURGE_EVERY_MS = 60_000;

/** Logins, sessions, users, the socket handshake, and what a first start creates. */
export function createAuthFeature(ctx: AppContext, { companies }: { companies: CompaniesFace }) {
  let purgeTimer: NodeJS.Timeout | undefined;
  return {
    start: async () => {
      purgeTimer = setInterval(() => {
        purgeDeadSessions(ctx).catch((err: unknown) => ctx.log.warn({ err }, 'purging dead sessions failed'));
      }, SESSION_PURGE_EVERY_MS);
      purgeTimer.unref();
    },
    stop: async () => clearInterval(purgeTimer),
    routes: async (app: FastifyInstance) => {
      await app.register(authRoutes, { prefix: '/api/auth', ctx });
      await app.register(usersRoutes, { prefix: '/api/users', ctx, companies });
      await app.register(userAccessRoutes, { prefix: '/api/users', ctx });
    },
    authenticateSocket: (socket: AgentSocket) => authenticateSocket(ctx, companies, socket),
    /** A default company, its token and a superadmin on a fresh installation. */
    bootstrap: () => bootstrap(ctx),
  } satisfies Feature & Record<string, unknown>;
}
