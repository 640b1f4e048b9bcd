import { loginBodySchema, type ApiResponse } from '@vaahshare/protocol';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AppContext } from '../context.js';
import { unauthorized } from '../errors.js';
import { actorOf } from './actor.js';
import { requireUser, sessionTokenOf } from './guards.js';
import { verifyPassword } from './passwords.js';
import { SESSION_COOKIE } from './session-cookie.js';
import { newSecretToken, sha256 } from '../infra/secrets.js';
import { deleteSession, findUserByEmail, insertSession, toUser } from './users.repository.js';

export const authRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  const ttlMs = ctx.config.SESSION_TTL_HOURS * 3600_000;

  app.post('/login', { schema: { body: loginBodySchema } }, async (request, reply): Promise<ApiResponse<'POST /api/auth/login'>> => {
    const { email, password } = request.body;
    const row = await findUserByEmail(ctx.db, email);
    if (!row || !(await verifyPassword(row.password_hash, password))) {
      // Recorded before answering: a refused login is in the audit trail once the client hears 401.
      const reason = row ? 'wrong password' : 'unknown e-mail';
      await ctx.events.emitAndWait('login-failed', { email, ip: request.ip, reason, companyId: row?.company_id ?? null });
      throw unauthorized('Wrong e-mail or password');
    }
    const token = newSecretToken(32);
    await insertSession(ctx.db, token, row.id, ctx.clock.now(), ttlMs);
    await ctx.events.emitAndWait('logged-in', { actor: actorOf(toUser(row), request) });
    reply.setCookie(SESSION_COOKIE, token, { httpOnly: true, sameSite: 'lax', path: '/', maxAge: ttlMs / 1000 });
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

  app.get('/me', async (request): Promise<ApiResponse<'GET /api/auth/me'>> => ({ data: await requireUser(ctx, request) }));
};
