import type { FastifyInstance } from 'fastify';
import type { CompaniesFace } from '../companies/index.js';
import type { AppContext } from '../context.js';
import type { Feature } from '../feature.js';
import { agentDownloadsRoutes } from './agent-downloads.routes.js';

export { guessServerUrl } from './public-url.js';

/** The agent for desktops: its executables, the one-line install scripts and what "Add a desktop" shows. */
export const createAgentDownloadsFeature = (ctx: AppContext, { companies }: { companies: CompaniesFace }) =>
  ({
    routes: async (app: FastifyInstance) => {
      await app.register(agentDownloadsRoutes, { ctx, companies });
    },
  }) satisfies Feature;
