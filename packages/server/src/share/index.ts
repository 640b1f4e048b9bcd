import type { FastifyInstance } from 'fastify';
import type { Feature } from '../feature.js';
import { shareRoutes } from './share.routes.js';

/** The browser share page, served at `/share`. */
export const createShareFeature = () =>
  ({
    routes: async (app: FastifyInstance) => {
      await app.register(shareRoutes);
    },
  }) satisfies Feature;
