import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import type { Feature } from '../feature.js';
import { groupsRoutes } from './groups.routes.js';

/** Groups of a company's clients (`/api/groups`): created, renamed, deleted, and clients moved between them. */
export function createGroupsFeature(ctx: AppContext) {
  return {
    routes: async (app: FastifyInstance) => {
      await app.register(groupsRoutes, { prefix: '/api/groups', ctx });
    },
  } satisfies Feature & Record<string, unknown>;
}
