import {
  idParamsSchema,
  mediaDeleteQuerySchema,
  storageQuerySchema,
  updateRetentionBodySchema,
  type ApiResponse,
} from '@vaahshare/protocol';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { actorOf, canSeeCompany, requireUser, scopeCompany } from '../auth/index.js';
import type { AppContext } from '../context.js';
import type { DiskFace } from '../disk/index.js';
import { filtersOf } from '../media/index.js';
import type { Deletions } from './deletions.js';
import type { createRules } from './rules.js';

interface RetentionRoutesOptions {
  ctx: AppContext;
  deletions: Deletions;
  rules: ReturnType<typeof createRules>;
  disk: Pick<DiskFace, 'guard'>;
}

/** Storage and retention (GET /api/storage, PUT /api/retention) and deletions (PROTOCOL.md §8.15). */
export const retentionRoutes: FastifyPluginAsyncZod<RetentionRoutesOptions> = async (app, { ctx, deletions, rules, disk }) => {
  app.get('/api/storage', { schema: { querystring: storageQuerySchema } }, async (request): Promise<ApiResponse<'GET /api/storage'>> => {
    const user = await requireUser(ctx, request);
    const overview = await rules.overview(scopeCompany(user, request.query.company_id));
    return { data: { ...overview, disk: disk.guard.status() } };
  });

  app.put('/api/retention', { schema: { body: updateRetentionBodySchema } }, async (request): Promise<ApiResponse<'PUT /api/retention'>> => {
    const user = await requireUser(ctx, request);
    const { company_id, client_id, max_days, max_gb } = request.body;
    const companyId = scopeCompany(user, company_id);
    const rule = { max_days, max_gb };
    const actor = actorOf(user, request);
    return { data: client_id === undefined ? await rules.setCompanyRule(companyId, rule, actor) : await rules.setClientRule(companyId, client_id, rule, actor) };
  });

  app.delete('/api/media/:id', { schema: { params: idParamsSchema } }, async (request): Promise<ApiResponse<'DELETE /api/media/:id'>> => {
    const user = await requireUser(ctx, request);
    return { data: await deletions.deleteOne((companyId) => canSeeCompany(user, companyId), request.params.id, actorOf(user, request)) };
  });

  app.delete('/api/media', { schema: { querystring: mediaDeleteQuerySchema } }, async (request): Promise<ApiResponse<'DELETE /api/media'>> => {
    const user = await requireUser(ctx, request);
    const filters = filtersOf(request.query, scopeCompany(user, request.query.company_id));
    return { data: await deletions.deleteSelected(filters, actorOf(user, request)) };
  });

  app.delete('/api/clients/:id', { schema: { params: idParamsSchema } }, async (request): Promise<ApiResponse<'DELETE /api/clients/:id'>> => {
    const user = await requireUser(ctx, request);
    return { data: await deletions.deleteClient((companyId) => canSeeCompany(user, companyId), request.params.id, actorOf(user, request)) };
  });
};
