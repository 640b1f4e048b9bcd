import argon2 from 'argon2';
import type { Config } from '../config.js';
import { newSecretToken } from '../infra/secrets.js';

/** The settings that give argon2id's cost for dashboard passwords. */
export type PasswordCost = Pick<Config, 'PASSWORD_HASH_MEMORY_KIB' | 'PASSWORD_HASH_ITERATIONS'>;

const argon2Cost = (cost: PasswordCost) => ({ memoryCost: cost.PASSWORD_HASH_MEMORY_KIB, timeCost: cost.PASSWORD_HASH_ITERATIONS });

export const hashPassword = (password: string, cost: PasswordCost) => argon2.hash(password, { type: argon2.argon2id, ...argon2Cost(cost) });

export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  try {
    return await argon2.verify(hash, password);
  } catch {
    return false;
  }
}

/** A hash made with another cost (or an older argon2 version): its user's next login stores a new one. */
export function needsRehash(hash: string, cost: PasswordCost): boolean {
  try {
    return argon2.needsRehash(hash, argon2Cost(cost));
  } catch {
    return true; // not an argon2 hash at all
  }
}

const dummyHashes = new Map<string, Promise<string>>();

/**
 * Checks a password against a user's hash, or — for an unknown user — against a hash of a random password made
 * with the same cost, so that an unknown e-mail takes as long to refuse as a wrong password (no enumeration).
 */
export async function verifyLogin(hash: string | undefined, password: string, cost: PasswordCost): Promise<boolean> {
  const key = `${cost.PASSWORD_HASH_MEMORY_KIB}:${cost.PASSWORD_HASH_ITERATIONS}`;
  if (!dummyHashes.has(key)) dummyHashes.set(key, hashPassword(newSecretToken(), cost));
  const matches = await verifyPassword(hash ?? (await dummyHashes.get(key)!), password);
  return hash !== undefined && matches;
}
