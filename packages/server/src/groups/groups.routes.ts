import {
  createGroupBodySchema,
  groupsQuerySchema,
  idParamsSchema,
  moveClientsBodySchema,
  renameGroupBodySchema,
  type ApiResponse,
  type Group,
} from '@vaahshare/protocol';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { accessOf, canSeeCompany, visibleGroups } from '../access/index.js';
import { actorOf, scopeCompany } from '../auth/index.js';
import type { AppContext } from '../context.js';
import { AppError, conflict, notFound } from '../errors.js';
import { announceMoves } from './moves.js';
import * as repo from './groups.repository.js';

/** Groups of clients (PROTOCOL.md §8.19): listed to whoever sees clients (a viewer its own), changed by admins. */
export const groupsRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  /** The group `id` if the user's company may see it; another company's is reported as missing. */
  async function visibleGroup(request: FastifyRequest, id: number): Promise<Group> {
    const group = await repo.findGroup(ctx.db, id);
    if (!group || !canSeeCompany(accessOf(request), group.company_id)) throw notFound(`Group ${id}`);
    return group;
  }

  async function refuseTakenName(companyId: number, name: string) {
    if (await repo.findGroupByName(ctx.db, companyId, name)) throw conflict(`A group named ${name} already exists`);
  }

  const changed = (request: FastifyRequest, group: Group, change: 'created' | 'renamed' | 'deleted', more: { before?: string; moved?: number } = {}) =>
    ctx.events.emitAndWait('group-changed', { actor: actorOf(accessOf(request), request), companyId: group.company_id, group, change, ...more });

  app.get('/', { schema: { querystring: groupsQuerySchema } }, async (request): Promise<ApiResponse<'GET /api/groups'>> => {
    const access = accessOf(request);
    const data = await repo.listGroups(ctx.db, scopeCompany(access, request.query.company_id), visibleGroups(access));
    return { data, meta: { total: data.length, page: 1, per_page: data.length } };
  });

  app.post('/', { schema: { body: createGroupBodySchema } }, async (request, reply): Promise<ApiResponse<'POST /api/groups'>> => {
    const companyId = scopeCompany(accessOf(request), request.body.company_id);
    await refuseTakenName(companyId, request.body.name);
    const group = await repo.insertGroup(ctx.db, companyId, request.body.name, ctx.clock.now());
    await changed(request, group, 'created');
    reply.code(201);
    return { data: group };
  });

  app.patch('/:id', { schema: { params: idParamsSchema, body: renameGroupBodySchema } }, async (request): Promise<ApiResponse<'PATCH /api/groups/:id'>> => {
    const group = await visibleGroup(request, request.params.id);
    const { name } = request.body;
    if (name === group.name) return { data: group };
    await refuseTakenName(group.company_id, name);
    await repo.renameGroup(ctx.db, group.id, name);
    await changed(request, { ...group, name }, 'renamed', { before: group.name });
    return { data: { ...group, name } };
  });

  app.delete('/:id', { schema: { params: idParamsSchema } }, async (request): Promise<ApiResponse<'DELETE /api/groups/:id'>> => {
    const group = await visibleGroup(request, request.params.id);
    if (group.is_default) throw new AppError('default_group', 'The default group cannot be deleted: new clients land in it', 409);
    const deleted = await repo.deleteGroup(ctx.db, group);
    await changed(request, group, 'deleted', { moved: deleted.rows.length });
    announceMoves(ctx.broadcast, deleted);
    for (const userId of deleted.viewers) ctx.broadcast.disconnectUser(userId);
    return { data: { moved: deleted.rows.length } };
  });

  app.post('/:id/clients', { schema: { params: idParamsSchema, body: moveClientsBodySchema } }, async (request): Promise<ApiResponse<'POST /api/groups/:id/clients'>> => {
    const group = await visibleGroup(request, request.params.id);
    const moved = await repo.moveClients(ctx.db, group.company_id, group.id, request.body.client_ids);
    // Another company's client is reported as missing, as everywhere: and then none moves.
    if (moved.missing !== undefined) throw notFound(`Client ${moved.missing}`);
    if (moved.rows.length) {
      const clients = moved.rows.map((row) => ({ id: row.id, label: row.user_host, from: moved.from.get(row.id)! }));
      await ctx.events.emitAndWait('clients-moved', { actor: actorOf(accessOf(request), request), companyId: group.company_id, group, clients });
      announceMoves(ctx.broadcast, moved);
    }
    return { data: { moved: moved.rows.length } };
  });
};
