import rateLimit from '@fastify/rate-limit';
import {
  createUserBodySchema,
  idParamsSchema,
  resetPasswordBodySchema,
  updateUserBodySchema,
  type ApiResponse,
  type User,
} from '@vaahshare/protocol';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AppContext } from '../context.js';
import type { CompaniesFace } from '../companies/index.js';
import type { DomainEvents, UserChange } from '../events/domain-events.js';
import { foreignGroups, mayAssignRole, setUserAccess } from '../access/index.js';
import { AppError, badRequest, conflict, forbidden, notFound } from '../errors.js';
import { canSeeCompany, requireUser, scopeCompany, sessionTokenOf } from './guards.js';
import { clearTotp } from './second-factor.repository.js';
import { actorOf } from './actor.js';
import { hashPassword } from './passwords.js';
import { endSessionsOfUser, userOfSession } from './sessions.js';
import { deleteUser, findUserByEmail, findUserById, insertUser, listUsers, managedUser, setPasswordHash, setUserDisabled } from './users.repository.js';

/** New users per caller and hour: answers about taken e-mail addresses are few. */
const CREATIONS_PER_HOUR = 30;

const creationLimit = (ctx: AppContext) => ({
  max: CREATIONS_PER_HOUR,
  timeWindow: 3600_000,
  // Per user, not per login: logging in again gives no fresh tries.
  keyGenerator: async (request: FastifyRequest) => {
    const token = sessionTokenOf(request);
    const user = token && (await userOfSession(ctx, token));
    return user ? `user:${user.id}` : `ip:${request.ip}`;
  },
  errorResponseBuilder: (_request: FastifyRequest, context: { ttl: number }) => {
    const waitSeconds = Math.ceil(context.ttl / 1000);
    return new AppError('too_many_requests', `Too many new users: try again in ${waitSeconds} s`, 429, { retryAfter: waitSeconds });
  },
});

/** Another company's user is not named: an admin learns only that the address cannot be used. */
const emailTaken = (caller: User, existing: { company_id: number }, email: string) =>
  canSeeCompany(caller, existing.company_id)
    ? conflict(`A user with e-mail ${email} already exists`)
    : conflict('This e-mail address cannot be used: choose another');

/**
 * The user an admin acts on: of a company it may see (else not found), not a superadmin unless it is one, and not
 * itself (its own password takes the current one, and it must not lock itself out).
 */
export async function manageableUser(ctx: AppContext, caller: User, id: number, ownAccountHint: string) {
  const target = await findUserById(ctx.db, id);
  if (!target || !canSeeCompany(caller, target.company_id)) throw notFound(`User ${id}`);
  if (target.id === caller.id) throw badRequest(ownAccountHint);
  if (target.role === 'superadmin' && caller.role !== 'superadmin') throw forbidden('Only a superadmin may change a superadmin');
  return target;
}

/** Tells the audit trail (awaited: on record before the answer) what `caller` did to `target`. */
export const userChanged = (
  ctx: AppContext,
  caller: User,
  request: FastifyRequest,
  target: { id: number; email: string; company_id: number },
  change: UserChange,
  access?: DomainEvents['user-changed']['access'],
) => ctx.events.emitAndWait('user-changed', { actor: actorOf(caller, request), companyId: target.company_id, user: { id: target.id, email: target.email }, change, access });

/** Refuses a role the caller may not give (`verb`: what the caller does, for the sentence), and groups of another company than the user's. */
export async function checkAccessGiven(ctx: AppContext, caller: User, companyId: number, access: { role: User['role']; group_ids: number[] }, verb: 'create' | 'make') {
  if (!mayAssignRole(caller, access.role)) throw forbidden(`Only a superadmin may ${verb} a superadmin`);
  const foreign = access.role === 'viewer' ? await foreignGroups(ctx.db, companyId, access.group_ids) : [];
  if (foreign.length) throw notFound(`Group ${foreign[0]}`);
}

export const usersRoutes: FastifyPluginAsyncZod<{ ctx: AppContext; companies: Pick<CompaniesFace, 'find'> }> = async (app, { ctx, companies }) => {
  await app.register(rateLimit, { global: false });

  app.get('/', async (request): Promise<ApiResponse<'GET /api/users'>> => {
    const user = await requireUser(ctx, request);
    const users = await listUsers(ctx.db, user.company_id);
    return { data: users, meta: { total: users.length, page: 1, per_page: users.length } };
  });

  app.post('/', { schema: { body: createUserBodySchema }, config: { rateLimit: creationLimit(ctx) } }, async (request, reply): Promise<ApiResponse<'POST /api/users'>> => {
    const user = await requireUser(ctx, request);
    const { email, password, role } = request.body;
    const companyId = scopeCompany(user, request.body.company_id);
    if (!(await companies.find(companyId))) throw notFound(`Company ${companyId}`);
    await checkAccessGiven(ctx, user, companyId, request.body, 'create');
    const existing = await findUserByEmail(ctx.db, email);
    if (existing) throw emailTaken(user, existing, email);
    const created = await insertUser(ctx.db, {
      email,
      company_id: companyId,
      role,
      password_hash: await hashPassword(password, ctx.config),
      created_at: ctx.clock.now(),
    });
    await setUserAccess(ctx.db, created.id, request.body);
    await ctx.events.emitAndWait('user-created', { actor: actorOf(user, request), companyId, user: created });
    reply.code(201);
    return { data: await managedUser(ctx.db, (await findUserById(ctx.db, created.id))!) };
  });

  app.patch('/:id', { schema: { params: idParamsSchema, body: updateUserBodySchema } }, async (request): Promise<ApiResponse<'PATCH /api/users/:id'>> => {
    const caller = await requireUser(ctx, request);
    const target = await manageableUser(ctx, caller, request.params.id, 'You cannot disable your own account');
    const updated = await setUserDisabled(ctx.db, target.id, request.body.disabled ? (target.disabled_at ?? ctx.clock.now()) : null);
    if (request.body.disabled) await endSessionsOfUser(ctx, target.id);
    await userChanged(ctx, caller, request, target, request.body.disabled ? 'disabled' : 'enabled');
    return { data: updated };
  });

  app.put('/:id/password', { schema: { params: idParamsSchema, body: resetPasswordBodySchema } }, async (request): Promise<ApiResponse<'PUT /api/users/:id/password'>> => {
    const caller = await requireUser(ctx, request);
    const target = await manageableUser(ctx, caller, request.params.id, 'Change your own password in your account settings (it takes the current one)');
    await setPasswordHash(ctx.db, target.id, await hashPassword(request.body.password, ctx.config));
    await endSessionsOfUser(ctx, target.id);
    await userChanged(ctx, caller, request, target, 'password-reset');
    return { ok: true };
  });

  // A lost phone: the user logs in with the password alone and (where one is required) sets up a new second factor.
  app.delete('/:id/totp', { schema: { params: idParamsSchema } }, async (request): Promise<ApiResponse<'DELETE /api/users/:id/totp'>> => {
    const caller = await requireUser(ctx, request);
    const target = await manageableUser(ctx, caller, request.params.id, 'Turn your own second factor off in your account settings');
    await clearTotp(ctx.db, target.id);
    await endSessionsOfUser(ctx, target.id);
    await userChanged(ctx, caller, request, target, 'totp-reset');
    return { data: await managedUser(ctx.db, { ...target, totp_secret: null }) };
  });

  app.delete('/:id', { schema: { params: idParamsSchema } }, async (request): Promise<ApiResponse<'DELETE /api/users/:id'>> => {
    const caller = await requireUser(ctx, request);
    const target = await manageableUser(ctx, caller, request.params.id, 'You cannot remove your own account');
    await endSessionsOfUser(ctx, target.id);
    await deleteUser(ctx.db, target.id);
    await userChanged(ctx, caller, request, target, 'removed');
    return { ok: true };
  });
};
