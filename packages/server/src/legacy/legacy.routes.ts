import { legacyAlertBodySchema } from '@vaahshare/protocol';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../context.js';
import { raiseIdleAlert } from '../alerts/alerts.service.js';
import { findCompany, firstCompany } from '../companies/companies.repository.js';
import { AppError, notFound } from '../errors.js';
import { findClientBySocketHistory } from './legacy.repository.js';

const assetsQuerySchema = z.object({ socket_id: z.string().min(1).max(64).optional() });

/** REST calls of the original VaahShare desktop client (PROTOCOL.md §6), mounted under /api/vaahshare. */
export const legacyRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.addHook('onRequest', async () => {
    if (!ctx.config.LEGACY_AGENTS) {
      throw new AppError('legacy_disabled', 'Original VaahShare clients are not accepted here: set LEGACY_AGENTS=true', 404);
    }
  });

  async function clientOf(socketId: string) {
    const client = await findClientBySocketHistory(ctx.db, socketId);
    if (!client) throw notFound(`A client with socket id ${socketId}`);
    return client;
  }

  app.get('/clients/assets', { schema: { querystring: assetsQuerySchema } }, async (request) => {
    const socketId = request.query.socket_id;
    const company = socketId
      ? await findCompany(ctx.db, (await clientOf(socketId)).company_id)
      : await firstCompany(ctx.db);
    if (!company) throw notFound('Company');
    return {
      data: { localization: { idle_message: company.idle_message }, idle_threshold_seconds: company.idle_threshold_seconds },
    };
  });

  app.post('/alerts', { schema: { body: legacyAlertBodySchema } }, async (request, reply) => {
    const client = await clientOf(request.body.socket_id);
    // The original reports only that the user went idle; the company's threshold is how long that took.
    const company = await findCompany(ctx.db, client.company_id);
    const idleSeconds = request.body.idle_seconds ?? company?.idle_threshold_seconds ?? 0;
    const alert = await raiseIdleAlert(ctx, { companyId: client.company_id, clientId: client.id }, idleSeconds);
    reply.code(201);
    return { data: alert };
  });
};
