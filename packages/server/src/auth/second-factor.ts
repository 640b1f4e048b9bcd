import type { AppContext } from '../context.js';
import type { UserRow } from '../db/schema.js';
import { takeRecoveryCode, takeTotpStep } from './second-factor.repository.js';
import { totpStep } from './totp.js';

export type SecondFactorMethod = 'totp' | 'recovery-code';

/**
 * Takes a code typed at login: an authenticator code valid now and of a later step than the last one taken (so a
 * code seen over a shoulder or replayed is refused within its window too), or an unused recovery code (used up).
 * Null when it is neither.
 */
export async function takeSecondFactor(ctx: Pick<AppContext, 'db' | 'clock'>, user: Pick<UserRow, 'id' | 'totp_secret'>, typed: string): Promise<SecondFactorMethod | null> {
  if (!user.totp_secret) return null;
  const code = typed.replace(/\s/g, '');
  if (/^\d{6}$/.test(code)) {
    const step = totpStep(user.totp_secret, code, ctx.clock.now());
    return step !== null && (await takeTotpStep(ctx.db, user.id, step)) ? 'totp' : null;
  }
  return (await takeRecoveryCode(ctx.db, user.id, code)) ? 'recovery-code' : null;
}
