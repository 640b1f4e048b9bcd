import { changePasswordBodySchema, type ApiResponse } from '@vaahshare/protocol';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AppContext } from '../context.js';
import { forbidden } from '../errors.js';
import { accessOf } from '../access/index.js';
import { actorOf } from './actor.js';
import { requireSession, requireUser, sessionTokenOf } from './guards.js';
import { loginRoutes } from './login.routes.js';
import { createLoginThrottle, tooManyLogins } from './login-throttle.js';
import { hashPassword, verifyPassword } from './passwords.js';
import { secondFactorRoutes } from './second-factor.routes.js';
import { endSessionsOfUser } from './sessions.js';
import { SESSION_COOKIE } from './session-cookie.js';
import { sha256 } from '../infra/secrets.js';
import { deleteSession, findUserById, setPasswordHash } from './users.repository.js';

export const authRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  const throttle = await createLoginThrottle(app, ctx);
  await loginRoutes(app, ctx, throttle);
  await secondFactorRoutes(app, ctx, throttle);

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
    const { user } = await requireSession(ctx, request);
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
    await setPasswordHash(ctx.db, user.id, await hashPassword(request.body.new_password, ctx.config));
    // Whoever else holds a session of this user (a stolen one) is out; this one stays.
    await endSessionsOfUser(ctx, user.id, sessionTokenOf(request));
    await ctx.events.emitAndWait('user-changed', { actor: actorOf(user, request), companyId: user.company_id, user: { id: user.id, email: user.email }, change: 'password-changed' });
    return { ok: true };
  });

  // Answers also while a required second factor is not set up (policy `session`): the dashboard learns from it to
  // show the set-up. With what the user may reach (a viewer's groups, its download right): the pages follow it.
  app.get('/me', async (request): Promise<ApiResponse<'GET /api/auth/me'>> => {
    const { secondFactor } = await requireSession(ctx, request);
    return { data: { ...accessOf(request), second_factor: secondFactor } };
  });
};
