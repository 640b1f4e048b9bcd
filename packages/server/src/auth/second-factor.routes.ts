import { disableTotpBodySchema, enableTotpBodySchema, totpSetupBodySchema, type ApiResponse } from '@vaahshare/protocol';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import QRCode from 'qrcode';
import type { AppContext } from '../context.js';
import { AppError, badRequest, conflict, forbidden } from '../errors.js';
import type { UserChange } from '../events/domain-events.js';
import { actorOf } from './actor.js';
import { requireSession } from './guards.js';
import { tooManyLogins, type LoginThrottle } from './login-throttle.js';
import { verifyPassword } from './passwords.js';
import { clearTotp, countRecoveryCodes, enableTotp, setPendingSecret } from './second-factor.repository.js';
import type { LiveSession } from './sessions.js';
import { newRecoveryCodes, newTotpSecret, totpStep, totpUri } from './totp.js';
import { findUserById } from './users.repository.js';

type Plugin = Parameters<FastifyPluginAsyncZod>[0];

/**
 * A user's own second factor (under /api/auth/totp): set up (a secret shown once, with its QR code), confirmed by a
 * code of it (recovery codes shown once), or turned off with the password where it is not required. Reachable while
 * a required one is not set up yet. The secret is never answered again and never logged.
 */
export async function secondFactorRoutes(app: Plugin, ctx: AppContext, throttle: LoginThrottle) {
  const ownRow = async (session: LiveSession) => {
    const row = await findUserById(ctx.db, session.user.id);
    if (!row) throw new AppError('unauthorized', 'Your session expired or is invalid: log in again', 401);
    return row;
  };
  const changed = (request: FastifyRequest, { user }: LiveSession, change: UserChange) =>
    ctx.events.emitAndWait('user-changed', { actor: actorOf(user, request), companyId: user.company_id, user: { id: user.id, email: user.email }, change });
  const throttled = async (request: FastifyRequest, email: string) => {
    const waitSeconds = await throttle.waitSeconds(request, email);
    if (waitSeconds) throw tooManyLogins(waitSeconds);
  };

  app.get('/totp', async (request): Promise<ApiResponse<'GET /api/auth/totp'>> => {
    const session = await requireSession(ctx, request);
    return { data: { ...session.secondFactor, recovery_codes_left: await countRecoveryCodes(ctx.db, session.user.id) } };
  });

  app.post('/totp/setup', { schema: { body: totpSetupBodySchema } }, async (request): Promise<ApiResponse<'POST /api/auth/totp/setup'>> => {
    const session = await requireSession(ctx, request);
    if ((await ownRow(session)).totp_secret !== null) throw conflict('Your second factor is on already: turn it off first to move it to another app');
    const secret = newTotpSecret();
    await setPendingSecret(ctx.db, session.user.id, secret);
    const uri = totpUri(secret, session.user.email);
    return { data: { secret, otpauth_url: uri, qr_code: await QRCode.toDataURL(uri, { errorCorrectionLevel: 'M', margin: 1, width: 240 }) } };
  });

  app.post('/totp/enable', { schema: { body: enableTotpBodySchema } }, async (request): Promise<ApiResponse<'POST /api/auth/totp/enable'>> => {
    const session = await requireSession(ctx, request);
    await throttled(request, session.user.email);
    const row = await ownRow(session);
    if (row.totp_secret !== null) throw conflict('Your second factor is on already');
    if (row.totp_pending_secret === null) throw badRequest('Start the set-up first (POST /api/auth/totp/setup): it shows the key to scan');
    const step = totpStep(row.totp_pending_secret, request.body.code, ctx.clock.now());
    if (step === null) {
      await throttle.failed(request, session.user.email);
      throw new AppError('wrong_code', 'That code does not match: enter the code the app shows now for VaahShare (check the phone’s clock if it keeps failing)', 400);
    }
    const recoveryCodes = newRecoveryCodes();
    if (!(await enableTotp(ctx.db, row.id, row.totp_pending_secret, step, ctx.clock.now(), recoveryCodes))) {
      throw conflict('The set-up was started again meanwhile (another tab?): scan the newest key');
    }
    await changed(request, session, 'totp-enabled');
    return { data: { recovery_codes: recoveryCodes } };
  });

  app.post('/totp/disable', { schema: { body: disableTotpBodySchema } }, async (request): Promise<ApiResponse<'POST /api/auth/totp/disable'>> => {
    const session = await requireSession(ctx, request);
    if (session.secondFactor.required) throw forbidden('Your account requires a second factor: it stays on (a superadmin can reset it, e.g. for a lost phone)');
    await throttled(request, session.user.email);
    const row = await ownRow(session);
    if (!(await verifyPassword(row.password_hash, request.body.password))) {
      await throttle.failed(request, session.user.email);
      throw forbidden('The password is wrong');
    }
    await clearTotp(ctx.db, row.id);
    await changed(request, session, 'totp-disabled');
    return { ok: true };
  });
}
