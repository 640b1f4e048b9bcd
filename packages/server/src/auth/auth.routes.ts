import { changePasswordBodySchema, loginBodySchema, type ApiResponse } from '@vaahshare/protocol';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AppContext } from '../context.js';
import type { UserRow } from '../db/schema.js';
import { AppError, forbidden, unauthorized } from '../errors.js';
import type { DomainEvents } from '../events/domain-events.js';
import { accessOf } from '../access/guard.js';
import { actorOf } from './actor.js';
import { requireUser, sessionTokenOf } from './guards.js';
import { createLoginThrottle, tooManyLogins } from './login-throttle.js';
import { hashPassword, verifyLogin, verifyPassword } from './passwords.js';
import { endSessionsOfUser } from './sessions.js';
import { SESSION_COOKIE } from './session-cookie.js';
import { newSecretToken, sha256 } from '../infra/secrets.js';
import { deleteSession, findUserByEmail, findUserById, insertSession, setPasswordHash, toUser } from './users.repository.js';

type LoginFailure = DomainEvents['login-failed'];

export const authRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  const ttlMs = ctx.config.SESSION_TTL_HOURS * 3600_000;

  const throttle = await createLoginThrottle(app, ctx);

  const refuse = (request: FastifyRequest, reason: LoginFailure['reason'], row?: UserRow) => {
    const failure: LoginFailure = { email: (request.body as { email: string }).email, ip: request.ip, reason, userId: row?.id, companyId: row?.company_id };
    request.log.warn(failure, 'login failed');
    ctx.events.emit('login-failed', failure);
  };

  app.post('/login', { schema: { body: loginBodySchema } }, async (request, reply): Promise<ApiResponse<'POST /api/auth/login'>> => {
    const waitSeconds = await throttle.waitSeconds(request, request.body.email);
    if (waitSeconds) {
      refuse(request, 'throttled');
      throw tooManyLogins(waitSeconds);
    }
    const row = await findUserByEmail(ctx.db, request.body.email);
    const valid = await verifyLogin(row?.password_hash, request.body.password);
    if (!row || !valid) {
      await throttle.failed(request, request.body.email);
      refuse(request, row ? 'wrong_password' : 'unknown_email', row);
      throw unauthorized('Wrong e-mail or password');
    }
    if (row.disabled_at !== null) {
      refuse(request, 'disabled', row);
      throw new AppError('account_disabled', 'Your account is disabled: ask an admin of your company', 403);
    }
    ctx.events.emit('logged-in', { userId: row.id, companyId: row.company_id, email: row.email, ip: request.ip });
    const token = newSecretToken(32);
    await insertSession(ctx.db, token, row.id, ctx.clock.now(), ttlMs);
    reply.setCookie(SESSION_COOKIE, token, { httpOnly: true, sameSite: 'lax', path: '/', maxAge: ttlMs / 1000, secure: request.protocol === 'https' });
    return { token, user: toUser(row) };
  });

  app.post('/logout', async (request, reply): Promise<ApiResponse<'POST /api/auth/logout'>> => {
    const token = sessionTokenOf(request);
    if (token) {
      await deleteSession(ctx.db, token);
      ctx.broadcast.disconnectSession(sha256(token));
    }
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return { ok: true };
  });

  app.post('/logout-all', async (request, reply): Promise<ApiResponse<'POST /api/auth/logout-all'>> => {
    const user = await requireUser(ctx, request);
    const ended = await endSessionsOfUser(ctx, user.id);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return { ok: true, ended_sessions: ended };
  });

  app.post('/password', { schema: { body: changePasswordBodySchema } }, async (request): Promise<ApiResponse<'POST /api/auth/password'>> => {
    const user = await requireUser(ctx, request);
    const waitSeconds = await throttle.waitSeconds(request, user.email);
    if (waitSeconds) throw tooManyLogins(waitSeconds);
    const row = await findUserById(ctx.db, user.id);
    if (!row || !(await verifyPassword(row.password_hash, request.body.current_password))) {
      await throttle.failed(request, user.email);
      throw forbidden('The current password is wrong');
    }
    await setPasswordHash(ctx.db, user.id, await hashPassword(request.body.new_password));
    // Whoever else holds a session of this user (a stolen one) is out; this one stays.
    await endSessionsOfUser(ctx, user.id, sessionTokenOf(request));
    await ctx.events.emitAndWait('user-changed', { actor: actorOf(user, request), companyId: user.company_id, user: { id: user.id, email: user.email }, change: 'password-changed' });
    return { ok: true };
  });

  // With what the user may reach (a viewer's groups, its download right): the dashboard's pages follow it.
  app.get('/me', async (request): Promise<ApiResponse<'GET /api/auth/me'>> => ({ data: accessOf(request) }));
};
