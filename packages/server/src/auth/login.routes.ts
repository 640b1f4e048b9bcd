import { loginBodySchema, loginCodeBodySchema, type ApiResponse } from '@vaahshare/protocol';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AppContext } from '../context.js';
import type { UserRow } from '../db/schema.js';
import { AppError, unauthorized } from '../errors.js';
import type { DomainEvents } from '../events/domain-events.js';
import { newSecretToken } from '../infra/secrets.js';
import { tooManyLogins, type LoginThrottle } from './login-throttle.js';
import { hashPassword, needsRehash, verifyLogin } from './passwords.js';
import { takeSecondFactor, type SecondFactorMethod } from './second-factor.js';
import { deleteChallenge, insertChallenge, userOfChallenge } from './second-factor.repository.js';
import { SESSION_COOKIE } from './session-cookie.js';
import { findUserByEmail, findUserById, insertSession, setPasswordHash, toUser } from './users.repository.js';

type Plugin = Parameters<FastifyPluginAsyncZod>[0];
type LoginFailure = DomainEvents['login-failed'];

/** How long a right password waits for its second factor's code. */
const CHALLENGE_TTL_MS = 5 * 60_000;

const accountDisabled = () => new AppError('account_disabled', 'Your account is disabled: ask an admin of your company', 403);

/**
 * `POST /api/auth/login` and, for a user with a second factor, its second step `POST /api/auth/login/code`: both
 * counted by the login throttle, both refused alike for a disabled account.
 */
export async function loginRoutes(app: Plugin, ctx: AppContext, throttle: LoginThrottle) {
  const ttlMs = ctx.config.SESSION_TTL_HOURS * 3600_000;

  const refuse = (request: FastifyRequest, email: string, reason: LoginFailure['reason'], row?: UserRow) => {
    const failure: LoginFailure = { email, ip: request.ip, reason, userId: row?.id, companyId: row?.company_id };
    request.log.warn(failure, 'login failed');
    ctx.events.emit('login-failed', failure);
  };

  // The cost changed since this password was stored (PASSWORD_HASH_*): the right password is at hand to store it anew.
  async function rehashIfOutdated(row: UserRow, password: string) {
    if (needsRehash(row.password_hash, ctx.config)) await setPasswordHash(ctx.db, row.id, await hashPassword(password, ctx.config));
  }

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
    const valid = await verifyLogin(row?.password_hash, request.body.password, ctx.config);
    if (!row || !valid) {
      await throttle.failed(request, email);
      refuse(request, email, row ? 'wrong_password' : 'unknown_email', row);
      throw unauthorized('Wrong e-mail or password');
    }
    if (row.disabled_at !== null) {
      refuse(request, email, 'disabled', row);
      throw accountDisabled();
    }
    await rehashIfOutdated(row, request.body.password);
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
}
