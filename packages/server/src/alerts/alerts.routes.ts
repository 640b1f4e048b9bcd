import { alertsQuerySchema, idParamsSchema } from '@vaahshare/protocol';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AppContext } from '../context.js';
import { requireUser, scopeCompany } from '../auth/guards.js';
import { notFound } from '../errors.js';
import { acknowledgeAlert, listAlerts } from './alerts.repository.js';

export const alertsRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.get('/', { schema: { querystring: alertsQuerySchema } }, async (request) => {
    const user = await requireUser(ctx, request);
    const { page, per_page, client_id, acknowledged } = request.query;
    const companyId = scopeCompany(user, request.query.company_id);
    const { total, alerts } = await listAlerts(ctx.db, { companyId, clientId: client_id, acknowledged, page, perPage: per_page });
    return { data: alerts, meta: { total, page, per_page } };
  });

  app.post('/:id/acknowledge', { schema: { params: idParamsSchema } }, async (request) => {
    const user = await requireUser(ctx, request);
    const alert = await acknowledgeAlert(ctx.db, user.company_id, request.params.id, ctx.clock.now());
    if (!alert) throw notFound(`Alert ${request.params.id}`);
    return { data: alert };
  });
};
