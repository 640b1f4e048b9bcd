import { hash, randomBytes } from 'node:crypto';

export const newSecretToken = (bytes = 24) => randomBytes(bytes).toString('base64url');
// The one-shot `hash` makes no Hash object: a reconnect storm hashes a device secret per connect.
export const sha256 = (value: string) => hash('sha256', value, 'hex');
