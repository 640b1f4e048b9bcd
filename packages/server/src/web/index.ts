import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import type { Feature } from '../feature.js';
import { webRoutes } from './web.routes.js';

/** The built dashboard, served at `/`. */
export const createWebFeature = (ctx: AppContext) =>
  ({
    routes: async (app: FastifyInstance) => {
      await app.register(webRoutes, { ctx });
    },
  }) satisfies Feature;
