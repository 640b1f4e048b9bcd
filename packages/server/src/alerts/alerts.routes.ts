import { alertsQuerySchema, idParamsSchema, type ApiResponse } from '@vaahshare/protocol';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AppContext } from '../context.js';
import { accessOf, visibleGroups } from '../access/index.js';
import { canSeeCompany, requireUser, scopeCompany } from '../auth/index.js';
import { notFound } from '../errors.js';
import { acknowledgeAlert, companyOfAlert, listAlerts } from './alerts.repository.js';

export const alertsRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.get('/', { schema: { querystring: alertsQuerySchema } }, async (request): Promise<ApiResponse<'GET /api/alerts'>> => {
    const access = accessOf(request);
    const { page, per_page, client_id, acknowledged } = request.query;
    const companyId = scopeCompany(access, request.query.company_id);
    const groupIds = visibleGroups(access);
    const { total, alerts } = await listAlerts(ctx.db, { companyId, clientId: client_id, groupIds, acknowledged, page, perPage: per_page });
    return { data: alerts, meta: { total, page, per_page } };
  });

  app.post('/:id/acknowledge', { schema: { params: idParamsSchema } }, async (request): Promise<ApiResponse<'POST /api/alerts/:id/acknowledge'>> => {
    const user = await requireUser(ctx, request);
    const { id } = request.params;
    const companyId = await companyOfAlert(ctx.db, id);
    if (companyId === undefined || !canSeeCompany(user, companyId)) throw notFound(`Alert ${id}`);
    const alert = await acknowledgeAlert(ctx.db, companyId, id, ctx.clock.now());
    if (!alert) throw notFound(`Alert ${id}`);
    return { data: alert };
  });
};
