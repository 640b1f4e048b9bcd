import { changePasswordBodySchema, loginBodySchema, loginCodeBodySchema, type ApiResponse } from '@vaahshare/protocol';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AppContext } from '../context.js';
import type { UserRow } from '../db/schema.js';
import { AppError, forbidden, unauthorized } from '../errors.js';
import type { DomainEvents } from '../events/domain-events.js';
import { actorOf } from './actor.js';
import { requireSession, requireUser, sessionTokenOf } from './guards.js';
import { createLoginThrottle, tooManyLogins } from './login-throttle.js';
import { hashPassword, verifyLogin, verifyPassword } from './passwords.js';
import { takeSecondFactor, type SecondFactorMethod } from './second-factor.js';
import { deleteChallenge, insertChallenge, userOfChallenge } from './second-factor.repository.js';
import { secondFactorRoutes } from './second-factor.routes.js';
import { endSessionsOfUser } from './sessions.js';
import { SESSION_COOKIE } from './session-cookie.js';
import { newSecretToken, sha256 } from '../infra/secrets.js';
import { deleteSession, findUserByEmail, findUserById, insertSession, setPasswordHash, toUser } from './users.repository.js';

type LoginFailure = DomainEvents['login-failed'];

/** How long a right password waits for its second factor's code. */
const CHALLENGE_TTL_MS = 5 * 60_000;

const accountDisabled = () => new AppError('account_disabled', 'Your account is disabled: ask an admin of your company', 403);

export const authRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  const ttlMs = ctx.config.SESSION_TTL_HOURS * 3600_000;

  const throttle = await createLoginThrottle(app, ctx);

  const refuse = (request: FastifyRequest, email: string, reason: LoginFailure['reason'], row?: UserRow) => {
    const failure: LoginFailure = { email, ip: request.ip, reason, userId: row?.id, companyId: row?.company_id };
    request.log.warn(failure, 'login failed');
    ctx.events.emit('login-failed', failure);
  };

  async function startSession(request: FastifyRequest, reply: FastifyReply, row: UserRow, secondFactor?: SecondFactorMethod) {
    ctx.events.emit('logged-in', { userId: row.id, companyId: row.company_id, email: row.email, ip: request.ip, ...(secondFactor && { secondFactor }) });
    const token = newSecretToken(32);
    await insertSession(ctx.db, token, row.id, ctx.clock.now(), ttlMs);
    reply.setCookie(SESSION_COOKIE, token, { httpOnly: true, sameSite: 'lax', path: '/', maxAge: ttlMs / 1000, secure: request.protocol === 'https' });
    return { token, user: toUser(row) };
  }

  app.post('/login', { schema: { body: loginBodySchema } }, async (request, reply): Promise<ApiResponse<'POST /api/auth/login'>> => {
    const { email } = request.body;
    const waitSeconds = await throttle.waitSeconds(request, email);
    if (waitSeconds) {
      refuse(request, email, 'throttled');
      throw tooManyLogins(waitSeconds);
    }
    const row = await findUserByEmail(ctx.db, email);
    const valid = await verifyLogin(row?.password_hash, request.body.password);
    if (!row || !valid) {
      await throttle.failed(request, email);
      refuse(request, email, row ? 'wrong_password' : 'unknown_email', row);
      throw unauthorized('Wrong e-mail or password');
    }
    if (row.disabled_at !== null) {
      refuse(request, email, 'disabled', row);
      throw accountDisabled();
    }
    if (row.totp_secret === null) return startSession(request, reply, row);
    const challenge = newSecretToken(32);
    await insertChallenge(ctx.db, challenge, row.id, ctx.clock.now() + CHALLENGE_TTL_MS);
    return { second_factor: 'totp', challenge, expires_in_seconds: CHALLENGE_TTL_MS / 1000 };
  });

  // The second step of a login with a second factor: the throttle that counts wrong passwords counts wrong codes.
  app.post('/login/code', { schema: { body: loginCodeBodySchema } }, async (request, reply): Promise<ApiResponse<'POST /api/auth/login/code'>> => {
    const userId = await userOfChallenge(ctx.db, request.body.challenge, ctx.clock.now());
    const row = userId === undefined ? undefined : await findUserById(ctx.db, userId);
    if (!row) throw new AppError('login_expired', 'This login waited too long for its code: enter your e-mail and password again', 401);
    const waitSeconds = await throttle.waitSeconds(request, row.email);
    if (waitSeconds) {
      refuse(request, row.email, 'throttled', row);
      throw tooManyLogins(waitSeconds);
    }
    if (row.disabled_at !== null) {
      refuse(request, row.email, 'disabled', row);
      throw accountDisabled();
    }
    const method = await takeSecondFactor(ctx, row, request.body.code);
    if (!method) {
      await throttle.failed(request, row.email);
      refuse(request, row.email, 'wrong_code', row);
      throw new AppError('wrong_code', 'Wrong code, or one used already: enter the code your authenticator app shows now (each works once), or a recovery code', 401);
    }
    await deleteChallenge(ctx.db, request.body.challenge);
    return startSession(request, reply, row, method);
  });

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
    await setPasswordHash(ctx.db, user.id, await hashPassword(request.body.new_password));
    // Whoever else holds a session of this user (a stolen one) is out; this one stays.
    await endSessionsOfUser(ctx, user.id, sessionTokenOf(request));
    await ctx.events.emitAndWait('user-changed', { actor: actorOf(user, request), companyId: user.company_id, user: { id: user.id, email: user.email }, change: 'password-changed' });
    return { ok: true };
  });

  // Answers also while a required second factor is not set up: the dashboard learns from it to show the set-up.
  app.get('/me', async (request): Promise<ApiResponse<'GET /api/auth/me'>> => {
    const { user, secondFactor } = await requireSession(ctx, request);
    return { data: { ...user, second_factor: secondFactor } };
  });
};
