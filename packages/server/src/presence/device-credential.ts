import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';
import { newSecretToken, sha256 } from '../infra/secrets.js';

/**
 * Per-device credentials (PROTOCOL.md §2 "Device credential"): what a `client-connected` may do to the identity it
 * names, given the hash stored for that identity. The secret is 32 random bytes, so a plain sha256 of it is as good
 * as a slow hash and lets every node of a cluster check it from the shared database.
 */
export type DeviceDecision =
  /** The desktop proved it is the enrolled one: the stored hash stays. */
  | { kind: 'verified'; hash: string }
  /** Nobody enrolled this identity yet (new, from before device credentials, or reset): this connection does. */
  | { kind: 'enroll'; hash: string; secret: string }
  /** An original client on an identity no agent enrolled: it cannot keep a secret (PROTOCOL.md §6). */
  | { kind: 'exempt'; hash: null }
  | { kind: 'refused'; error: AppError };

export interface DeviceClaim {
  userHost: string;
  /** A token-less original client. */
  legacy: boolean;
  /** What the connection sent as `device_secret`. */
  presented?: string;
  /** The hash stored for this identity; null when it is not enrolled (or does not exist). */
  storedHash: string | null;
}

export const hashDeviceSecret = (secret: string) => sha256(secret);

/** Whether `secret` is the one whose hash is `storedHash`, in constant time. */
export function secretMatches(storedHash: string, secret: string | undefined): boolean {
  if (secret === undefined) return false;
  const expected = Buffer.from(storedHash, 'hex');
  const actual = Buffer.from(hashDeviceSecret(secret), 'hex');
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

const resetHint = 'If this desktop lost its secret (reinstalled, new user profile), an admin resets its enrollment on its page in the dashboard.';

// Announced: over a socket the refusal is also an `error` event, ack or not (PROTOCOL.md §2).
export const deviceSecretRequired = (userHost: string) =>
  new AppError('device_secret_required', `${userHost} is enrolled by a device: only it may use this identity, with its device_secret. ${resetHint}`, 401).announce();

export const deviceSecretInvalid = (userHost: string) =>
  new AppError('device_secret_invalid', `Wrong device_secret for ${userHost}: nothing was changed. ${resetHint}`, 401).announce();

export const enrolledMeanwhile = (userHost: string) =>
  new AppError('device_enrolled_meanwhile', `Another device enrolled ${userHost} at the same moment: nothing was changed. ${resetHint}`, 409).announce();

export function decideDevice(claim: DeviceClaim): DeviceDecision {
  const { userHost, legacy, presented, storedHash } = claim;
  if (storedHash === null) {
    if (legacy) return { kind: 'exempt', hash: null };
    const secret = newSecretToken(32);
    return { kind: 'enroll', hash: hashDeviceSecret(secret), secret };
  }
  // An original client never holds a secret, so it never takes over an identity an agent enrolled.
  if (legacy) return { kind: 'refused', error: deviceSecretRequired(userHost) };
  if (presented === undefined) return { kind: 'refused', error: deviceSecretRequired(userHost) };
  if (!secretMatches(storedHash, presented)) return { kind: 'refused', error: deviceSecretInvalid(userHost) };
  return { kind: 'verified', hash: storedHash };
}

/** An agent's REST call (upload, check) for `userHost`: an enrolled identity only with its secret. */
export function proveDevice(userHost: string, storedHash: string | null | undefined, presented: string | undefined): void {
  if (storedHash === null || storedHash === undefined) return;
  if (presented === undefined) throw deviceSecretRequired(userHost);
  if (!secretMatches(storedHash, presented)) throw deviceSecretInvalid(userHost);
}

/** The header an agent's REST call presents its device secret in. */
export const DEVICE_SECRET_HEADER = 'x-device-secret';

export function deviceSecretOf(request: FastifyRequest): string | undefined {
  const value = request.headers[DEVICE_SECRET_HEADER];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}
