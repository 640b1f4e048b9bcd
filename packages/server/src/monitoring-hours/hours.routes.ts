import { monitoringHoursQuerySchema, putMonitoringHoursBodySchema, type ApiResponse } from '@vaahshare/protocol';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { accessOf, canSeeCompany, visibleGroups } from '../access/index.js';
import { actorOf, scopeCompany } from '../auth/index.js';
import type { AppContext } from '../context.js';
import { notFound } from '../errors.js';
import * as repo from './hours.repository.js';
import type { CompanySchedules } from './schedules.js';

/** Monitoring hours (PROTOCOL.md §8.24): read by whoever sees clients (a viewer: of its groups), set by admins. */
export const hoursRoutes: FastifyPluginAsyncZod<{ ctx: AppContext; schedules: CompanySchedules }> = async (app, { ctx, schedules }) => {
  app.get('/', { schema: { querystring: monitoringHoursQuerySchema } }, async (request): Promise<ApiResponse<'GET /api/monitoring-hours'>> => {
    const access = accessOf(request);
    const companyId = scopeCompany(access, request.query.company_id);
    const [hours, groups] = await Promise.all([repo.companyHours(ctx.db, companyId), repo.groupsOf(ctx.db, companyId, visibleGroups(access))]);
    return {
      data: {
        company_id: companyId,
        default: hours.default,
        groups: groups.map((g) => ({ group_id: g.id, name: g.name, hours: hours.groups.get(g.id) ?? null })),
      },
    };
  });

  app.put('/', { schema: { body: putMonitoringHoursBodySchema } }, async (request): Promise<ApiResponse<'PUT /api/monitoring-hours'>> => {
    const access = accessOf(request);
    const { group_id: groupId, hours } = request.body;
    let companyId = scopeCompany(access, request.body.company_id);
    let group: { id: number; name: string } | null = null;
    if (groupId !== null) {
      const found = await repo.findGroup(ctx.db, groupId);
      // Another company's group is reported as missing, as everywhere; a superadmin acts in the group's company.
      if (!found || !canSeeCompany(access, found.company_id) || (request.body.company_id !== undefined && found.company_id !== companyId)) throw notFound(`Group ${groupId}`);
      companyId = found.company_id;
      group = { id: found.id, name: found.name };
    }
    const before = await repo.putHours(ctx.db, companyId, groupId, hours, ctx.clock.now());
    await ctx.events.emitAndWait('monitoring-hours-changed', { actor: actorOf(access, request), companyId, group, before, after: hours });
    await schedules.changed(companyId);
    // The default concerns every group; a viewer's dashboard hears of its groups only.
    const concerned = groupId === null ? (await repo.groupsOf(ctx.db, companyId)).map((g) => g.id) : [groupId];
    ctx.broadcast.toGroups(companyId, concerned).emit('monitoring-hours-updated', { company_id: companyId });
    return { data: { group_id: groupId, hours } };
  });
};
