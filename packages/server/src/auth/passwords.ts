import argon2 from 'argon2';
import { newSecretToken } from '../infra/secrets.js';

export const hashPassword = (password: string) => argon2.hash(password, { type: argon2.argon2id });

export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  try {
    return await argon2.verify(hash, password);
  } catch {
    return false;
  }
}

let dummyHash: Promise<string> | undefined;

/**
 * Checks a password against a user's hash, or — for an unknown user — against a hash of a random password made
 * with the same cost, so that an unknown e-mail takes as long to refuse as a wrong password (no enumeration).
 */
export async function verifyLogin(hash: string | undefined, password: string): Promise<boolean> {
  dummyHash ??= hashPassword(newSecretToken());
  const matches = await verifyPassword(hash ?? (await dummyHash), password);
  return hash !== undefined && matches;
}
