import ipaddr from 'ipaddr.js';
import { z } from 'zod';
import type { Me } from './models.js';

/** A 6-digit code of an authenticator app, or a recovery code (`xxxxx-xxxxx`; spaces and dashes ignored). */
export const secondFactorCodeSchema = z
  .string()
  .trim()
  .min(6, 'Enter the 6-digit code of your authenticator app, or a recovery code')
  .max(64, 'Enter the 6-digit code of your authenticator app, or a recovery code');

/** POST /api/auth/login/code: the challenge a right password was answered with, and the code. */
export const loginCodeBodySchema = z.object({ challenge: z.string().min(1).max(128), code: secondFactorCodeSchema });

/** POST /api/auth/totp/setup reads no body: none, or an empty JSON object (a text or form body is refused). */
export const totpSetupBodySchema = z.strictObject({}).nullish();

/** POST /api/auth/totp/enable: a code of the secret just shown, proving the app holds it. */
export const enableTotpBodySchema = z.object({ code: z.string().trim().regex(/^\d{6}$/, 'Enter the 6-digit code your authenticator app shows') });

/** POST /api/auth/totp/disable: the password again (a session left open must not turn the factor off). */
export const disableTotpBodySchema = z.object({ password: z.string().min(1, 'Enter your password').max(1024) });

/** Whether a user has a second factor, and whether the rules (superadmin, or the company's) require one. */
export interface SecondFactorState {
  enabled: boolean;
  required: boolean;
}

/** The logged-in user as `GET /api/auth/me` shows it: until a required second factor is set up, nothing else answers. */
export type SessionUser = Me & { second_factor: SecondFactorState };

/** A right password of a user with a second factor: the login goes on with `POST /api/auth/login/code`. */
export interface LoginChallenge {
  second_factor: 'totp';
  challenge: string;
  expires_in_seconds: number;
}

/** What enrolling shows once: the secret for typing in, the otpauth:// URI, and the same as a QR code (PNG data URL). */
export interface TotpEnrollment {
  secret: string;
  otpauth_url: string;
  qr_code: string;
}

/** One address (IPv4 dotted quad or IPv6) or a CIDR prefix of either. */
export const isAddressOrCidr = (value: string) =>
  ipaddr.IPv4.isValidFourPartDecimal(value) || ipaddr.IPv6.isValid(value) || ipaddr.IPv4.isValidCIDRFourPartDecimal(value) || ipaddr.IPv6.isValidCIDR(value);

/** How many entries an allow-list of original clients may hold. */
export const MAX_ORIGINAL_CLIENT_RANGES = 100;

/**
 * A company's acceptance of original VaahShare clients (PROTOCOL.md §6, §8.21): off, or on from the listed
 * addresses and prefixes only (`0.0.0.0/0` and `::/0` say "anywhere", explicitly).
 */
export const originalClientsBodySchema = z
  .object({
    accepted: z.boolean({ error: 'accepted must be true or false' }),
    allowed_addresses: z
      .array(
        z
          .string()
          .trim()
          .refine(isAddressOrCidr, { error: (issue) => `${String(issue.input)} is not an IPv4/IPv6 address or CIDR (e.g. 203.0.113.7, 10.1.0.0/16, 2001:db8::/32)` }),
      )
      .max(MAX_ORIGINAL_CLIENT_RANGES, `at most ${MAX_ORIGINAL_CLIENT_RANGES} addresses or ranges`),
  })
  .refine((body) => !body.accepted || body.allowed_addresses.length > 0, {
    message: 'List the addresses original clients connect from (0.0.0.0/0 and ::/0 for anywhere)',
    path: ['allowed_addresses'],
  });

export interface OriginalClients {
  accepted: boolean;
  allowed_addresses: string[];
  /** LEGACY_AGENTS=true on the server makes the default company accept them whatever its setting. */
  accepted_by_server_config: boolean;
}

/** A company's access rules (`GET`/`PATCH /api/companies/:id/access`): its admins' second factor and original clients. */
export interface AccessSettings {
  /** Its admins must set up a second factor at their next request (superadmins always must). */
  require_admin_totp: boolean;
  original_clients: OriginalClients;
}

export const updateAccessBodySchema = z
  .object({
    require_admin_totp: z.boolean({ error: 'require_admin_totp must be true or false' }).optional(),
    original_clients: originalClientsBodySchema.optional(),
  })
  .refine((body) => body.require_admin_totp !== undefined || body.original_clients !== undefined, {
    message: 'send require_admin_totp, original_clients or both',
  });
export type UpdateAccessBody = z.input<typeof updateAccessBodySchema>;
