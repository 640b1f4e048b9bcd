import { randomInt } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';

/** RFC 6238 as every authenticator app reads it: SHA-1, 6 digits, 30-second steps. */
const PERIOD_S = 30;
/** Codes of the step before and after the current one are taken too: phones' clocks drift. */
const WINDOW = 1;
const ISSUER = 'VaahShare';

const totpOf = (secret: string, label = '') =>
  new TOTP({ issuer: ISSUER, label, algorithm: 'SHA1', digits: 6, period: PERIOD_S, secret: Secret.fromBase32(secret) });

/** A new secret (160 bits, as RFC 4226 recommends), base32 as authenticator apps take it typed in. */
export const newTotpSecret = () => new Secret({ size: 20 }).base32;

/** The otpauth:// URI a QR code carries: the app names the account `VaahShare: <email>`. */
export const totpUri = (secret: string, email: string) => totpOf(secret, email).toString();

/** The code of `secret` at `now` (what the app shows; tests use it). */
export const totpCode = (secret: string, now: number) => totpOf(secret).generate({ timestamp: now });

/**
 * The time step a code belongs to when it is valid at `now` (within one step either side), else null. A caller
 * takes a code only if its step is later than the last one taken, so a code is never accepted twice.
 */
export function totpStep(secret: string, code: string, now: number): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const totp = totpOf(secret);
  const delta = totp.validate({ token: code, timestamp: now, window: WINDOW });
  return delta === null ? null : totp.counter({ timestamp: now }) + delta;
}

/** Ten codes, each 50 random bits (base32: a–z and 2–7), written `xxxxx-xxxxx`. */
const RECOVERY_ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
export const RECOVERY_CODE_COUNT = 10;

export function newRecoveryCodes(): string[] {
  const code = () => Array.from({ length: 10 }, () => RECOVERY_ALPHABET[randomInt(RECOVERY_ALPHABET.length)]).join('');
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => code().replace(/^(.{5})/, '$1-'));
}

/** A recovery code as typed (any case, spaces, dashes) in the form it is hashed in. */
export const normalRecoveryCode = (typed: string) => typed.toLowerCase().replace(/[\s-]/g, '');
