import { createUserBodySchema, type ApiResponse } from '@vaahshare/protocol';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AppContext } from '../context.js';
import type { CompaniesFace } from '../companies/index.js';
import { conflict, forbidden, notFound } from '../errors.js';
import { actorOf } from './actor.js';
import { requireUser, scopeCompany } from './guards.js';
import { hashPassword } from './passwords.js';
import { findUserByEmail, insertUser, listUsers } from './users.repository.js';

export const usersRoutes: FastifyPluginAsyncZod<{ ctx: AppContext; companies: Pick<CompaniesFace, 'find'> }> = async (app, { ctx, companies }) => {
  app.get('/', async (request): Promise<ApiResponse<'GET /api/users'>> => {
    const user = await requireUser(ctx, request);
    const users = await listUsers(ctx.db, user.company_id);
    return { data: users, meta: { total: users.length, page: 1, per_page: users.length } };
  });

  app.post('/', { schema: { body: createUserBodySchema } }, async (request, reply): Promise<ApiResponse<'POST /api/users'>> => {
    const user = await requireUser(ctx, request);
    const { email, password, role } = request.body;
    const companyId = scopeCompany(user, request.body.company_id);
    if (role === 'superadmin' && user.role !== 'superadmin') throw forbidden('Only a superadmin may create a superadmin');
    if (!(await companies.find(companyId))) throw notFound(`Company ${companyId}`);
    if (await findUserByEmail(ctx.db, email)) throw conflict(`A user with e-mail ${email} already exists`);
    const created = await insertUser(ctx.db, {
      email,
      company_id: companyId,
      role,
      password_hash: await hashPassword(password),
      created_at: ctx.clock.now(),
    });
    await ctx.events.emitAndWait('user-created', { actor: actorOf(user, request), companyId, user: created });
    reply.code(201);
    return { data: created };
  });
};
