import { clientsQuerySchema, idParamsSchema, type ApiResponse } from '@vaahshare/protocol';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { sql } from 'kysely';
import type { AppContext } from '../context.js';
import { toIso } from '../db/database.js';
import { accessOf, canSeeClient, visibleGroups } from '../access/index.js';
import { actorOf, requireAgentCompany, requireUser, scopeCompany } from '../auth/index.js';
import type { CompaniesFace } from '../companies/index.js';
import { AppError, notFound } from '../errors.js';
import { toClient } from './client-view.js';
import { recentPauses } from './pauses.js';
import { presenceHistory, resetDeviceSecret } from './presence.repository.js';

/** How much presence history (and how many pauses) GET /api/clients/:id returns. */
const HISTORY_LIMIT = 500;
const PAUSES_LIMIT = 100;

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

export const clientsRoutes: FastifyPluginAsyncZod<{ ctx: AppContext; companies: Pick<CompaniesFace, 'find'> }> = async (app, { ctx, companies }) => {
  app.get('/', { schema: { querystring: clientsQuerySchema } }, async (request): Promise<ApiResponse<'GET /api/clients'>> => {
    const access = accessOf(request);
    const { status, q, page, per_page } = request.query;
    const companyId = scopeCompany(access, request.query.company_id);
    const groups = visibleGroups(access, request.query.group_id);
    let query = ctx.db.selectFrom('clients').where('company_id', '=', companyId);
    // A viewer sees the clients of its groups only (none without a group): lists and counts alike.
    if (groups) query = groups.length ? query.where('group_id', 'in', groups) : query.where(sql<boolean>`1 = 0`);
    if (status === 'live') query = query.where('is_connected', '=', 1).where('is_reconnecting', '=', 0);
    if (status === 'reconnecting') query = query.where('is_connected', '=', 1).where('is_reconnecting', '=', 1);
    if (status === 'disconnected') query = query.where('is_connected', '=', 0);
    if (q) query = query.where(sql<boolean>`lower(user_host) like ${`%${escapeLike(q.toLowerCase())}%`} escape '\\'`);
    const [{ total }, rows] = await Promise.all([
      query.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow(),
      query.selectAll().orderBy('user_host').limit(per_page).offset((page - 1) * per_page).execute(),
    ]);
    return { data: rows.map(toClient), meta: { total: Number(total), page, per_page } };
  });

  app.get('/assets', async (request): Promise<ApiResponse<'GET /api/clients/assets'>> => {
    const company = await companies.find(await requireAgentCompany(ctx, request));
    if (!company) throw notFound('Company');
    return {
      data: { localization: { idle_message: company.idle_message }, idle_threshold_seconds: company.idle_threshold_seconds },
    };
  });

  /** The client `id` if the user may see it (its company, a viewer's groups); any other is reported as missing: ids reveal nothing. */
  async function visibleClient(request: FastifyRequest, id: number) {
    const row = await ctx.db.selectFrom('clients').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row || !canSeeClient(accessOf(request), row)) throw notFound(`Client ${id}`);
    return row;
  }

  app.get('/:id', { schema: { params: idParamsSchema } }, async (request): Promise<ApiResponse<'GET /api/clients/:id'>> => {
    const row = await visibleClient(request, request.params.id);
    const [history, pauses] = await Promise.all([presenceHistory(ctx.db, row.id, HISTORY_LIMIT), recentPauses(ctx.db, row.id, PAUSES_LIMIT)]);
    return { data: { ...toClient(row), presence: history.map((h) => ({ state: h.state, at: toIso(h.at)! })), pauses } };
  });

  /**
   * Forgets the desktop's device secret (PROTOCOL.md §2): the next connection of its `user_host` enrolls it again.
   * Its sockets are cut now, so the enrolled device cannot go on under the reset identity.
   */
  app.post('/:id/reset-enrollment', { schema: { params: idParamsSchema } }, async (request): Promise<ApiResponse<'POST /api/clients/:id/reset-enrollment'>> => {
    // A form or text body means a request not made by the dashboard (e.g. a cross-site form post): refused.
    if (request.headers['content-type'] && !/^application\/json\b/i.test(request.headers['content-type'])) {
      throw new AppError('unsupported_media_type', 'This route reads no body: send none, or JSON', 415);
    }
    const { id } = await visibleClient(request, request.params.id);
    const row = await resetDeviceSecret(ctx.db, id);
    if (!row) throw notFound(`Client ${id}`);
    ctx.broadcast.disconnectClient(id);
    request.log.info({ client: id, user_host: row.user_host }, 'device enrollment reset');
    const action = { actor: actorOf(await requireUser(ctx, request), request), companyId: row.company_id, clientId: id, label: row.user_host };
    await ctx.events.emitAndWait('enrollment-reset', action);
    return { data: toClient(row) };
  });
};
