import { clientsQuerySchema, idParamsSchema } from '@vaahshare/protocol';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { sql } from 'kysely';
import type { AppContext } from '../context.js';
import { toIso } from '../db/database.js';
import { canSeeCompany, requireAgentCompany, requireUser, scopeCompany } from '../auth/guards.js';
import { findCompany } from '../companies/companies.repository.js';
import { notFound } from '../errors.js';
import { toClient } from './client-view.js';
import { recentPauses } from './pauses.js';
import { presenceHistory } from './presence.repository.js';

/** How much presence history (and how many pauses) GET /api/clients/:id returns. */
const HISTORY_LIMIT = 500;
const PAUSES_LIMIT = 100;

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

export const clientsRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.get('/', { schema: { querystring: clientsQuerySchema } }, async (request) => {
    const user = await requireUser(ctx, request);
    const { status, q, page, per_page } = request.query;
    const companyId = scopeCompany(user, request.query.company_id);
    let query = ctx.db.selectFrom('clients').where('company_id', '=', companyId);
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

  app.get('/assets', async (request) => {
    const company = await findCompany(ctx.db, await requireAgentCompany(ctx, request));
    if (!company) throw notFound('Company');
    return {
      data: { localization: { idle_message: company.idle_message }, idle_threshold_seconds: company.idle_threshold_seconds },
    };
  });

  app.get('/:id', { schema: { params: idParamsSchema } }, async (request) => {
    const user = await requireUser(ctx, request);
    const row = await ctx.db.selectFrom('clients').selectAll().where('id', '=', request.params.id).executeTakeFirst();
    // Another company's client is reported as missing, not as forbidden: ids reveal nothing.
    if (!row || !canSeeCompany(user, row.company_id)) throw notFound(`Client ${request.params.id}`);
    const [history, pauses] = await Promise.all([presenceHistory(ctx.db, row.id, HISTORY_LIMIT), recentPauses(ctx.db, row.id, PAUSES_LIMIT)]);
    return { data: { ...toClient(row), presence: history.map((h) => ({ state: h.state, at: toIso(h.at)! })), pauses } };
  });
};
