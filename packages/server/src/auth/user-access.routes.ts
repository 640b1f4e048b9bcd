import { idParamsSchema, userAccessBodySchema, type ApiResponse } from '@vaahshare/protocol';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { accessOf, loadAccess, setUserAccess } from '../access/index.js';
import type { AppContext } from '../context.js';
import { checkAccessGiven, manageableUser, userChanged } from './users.routes.js';
import { findUserById, managedUser, toUser } from './users.repository.js';

const accessView = ({ role, group_ids, may_download }: { role: string; group_ids: number[]; may_download: boolean }) => ({ role, group_ids, may_download });

/**
 * `PUT /api/users/:id/access` (PROTOCOL.md §8.19): an admin sets a user's role, a viewer's groups and its download
 * right. Audited with before and after; the user's open dashboards connect again and hear what the new access allows.
 */
export const userAccessRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.put('/:id/access', { schema: { params: idParamsSchema, body: userAccessBodySchema } }, async (request): Promise<ApiResponse<'PUT /api/users/:id/access'>> => {
    const caller = accessOf(request);
    const target = await manageableUser(ctx, caller, request.params.id, 'You cannot change your own role or groups');
    await checkAccessGiven(ctx, caller, target.company_id, request.body, 'make');
    const before = await loadAccess(ctx.db, toUser(target));
    await setUserAccess(ctx.db, target.id, request.body);
    const row = (await findUserById(ctx.db, target.id))!;
    const after = await managedUser(ctx.db, row);
    await userChanged(ctx, caller, request, target, 'access-changed', { before: accessView(before), after: accessView(after) });
    ctx.broadcast.disconnectUser(target.id);
    return { data: after };
  });
};
