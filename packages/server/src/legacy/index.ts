import type { FastifyInstance } from 'fastify';
import type { AlertsFace } from '../alerts/index.js';
import type { CompaniesFace } from '../companies/index.js';
import type { AppContext } from '../context.js';
import type { Feature } from '../feature.js';
import type { MediaFace } from '../media/index.js';
import type { PresenceFace } from '../presence/index.js';
import { legacyRoutes } from './legacy.routes.js';
import { legacyUploadRoutes } from './legacy-upload.routes.js';

interface LegacyNeeds {
  companies: CompaniesFace;
  presence: PresenceFace;
  alerts: AlertsFace;
  media: MediaFace;
}

/**
 * The original VaahShare desktop client's REST (PROTOCOL.md §6): an adapter over the other features' faces.
 * Its socket events are the current ones, told apart by `socket.data.legacy` where they differ.
 */
export function createLegacyFeature(ctx: AppContext, { companies, presence, alerts, media }: LegacyNeeds) {
  return {
    routes: async (app: FastifyInstance) => {
      await app.register(legacyRoutes, { prefix: '/api/vaahshare', ctx, companies, clients: presence.clients, alerts: alerts.alerts });
      await app.register(legacyUploadRoutes, { ctx, uploads: media.uploads, companies });
    },
  } satisfies Feature;
}
