import type { Db } from '../db/database.js';
import { sha256 } from '../infra/secrets.js';
import { normalRecoveryCode } from './totp.js';

/** A recovery code is kept as the sha256 of its normal form, so it matches however it is typed. */
const recoveryHash = (code: string) => sha256(normalRecoveryCode(code));

export const setPendingSecret = (db: Db, userId: number, secret: string) =>
  db.updateTable('users').set({ totp_pending_secret: secret }).where('id', '=', userId).execute();

/** The pending secret becomes the user's, with the step of the code that confirmed it, and these recovery codes. */
export async function enableTotp(db: Db, userId: number, secret: string, step: number, now: number, recoveryCodes: string[]): Promise<boolean> {
  return db.transaction().execute(async (tx) => {
    const row = await tx
      .updateTable('users')
      .set({ totp_secret: secret, totp_pending_secret: null, totp_enabled_at: now, totp_last_step: step })
      .where('id', '=', userId)
      .where('totp_pending_secret', '=', secret)
      .returning('id')
      .executeTakeFirst();
    if (!row) return false;
    await replaceRecoveryCodes(tx, userId, recoveryCodes);
    return true;
  });
}

async function replaceRecoveryCodes(db: Db, userId: number, codes: string[]) {
  await db.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
  await db.insertInto('recovery_codes').values(codes.map((code) => ({ user_id: userId, code_hash: recoveryHash(code) }))).execute();
}

/**
 * Takes the code of `step`: true only when it is later than the last step taken. One guarded update, so of two
 * logins with the same code (on two nodes at once) only one gets it.
 */
export async function takeTotpStep(db: Db, userId: number, step: number): Promise<boolean> {
  const row = await db
    .updateTable('users')
    .set({ totp_last_step: step })
    .where('id', '=', userId)
    .where('totp_secret', 'is not', null)
    .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', step)]))
    .returning('id')
    .executeTakeFirst();
  return row !== undefined;
}

/** Uses up a recovery code (as typed): true when it was one of the user's, unused. */
export async function takeRecoveryCode(db: Db, userId: number, code: string): Promise<boolean> {
  const row = await db.deleteFrom('recovery_codes').where('user_id', '=', userId).where('code_hash', '=', recoveryHash(code)).returning('user_id').executeTakeFirst();
  return row !== undefined;
}

export async function countRecoveryCodes(db: Db, userId: number): Promise<number> {
  const row = await db.selectFrom('recovery_codes').select((eb) => eb.fn.countAll<number>().as('n')).where('user_id', '=', userId).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The second factor is off: secret, pending secret, recovery codes and waiting logins are forgotten. */
export async function clearTotp(db: Db, userId: number): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await tx.updateTable('users').set({ totp_secret: null, totp_pending_secret: null, totp_enabled_at: null, totp_last_step: null }).where('id', '=', userId).execute();
    await tx.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
    await tx.deleteFrom('login_challenges').where('user_id', '=', userId).execute();
  });
}

export const insertChallenge = (db: Db, token: string, userId: number, expiresAt: number) =>
  db.insertInto('login_challenges').values({ token_hash: sha256(token), user_id: userId, expires_at: expiresAt }).execute();

/** The user a live challenge belongs to. */
export async function userOfChallenge(db: Db, token: string, now: number): Promise<number | undefined> {
  const row = await db.selectFrom('login_challenges').select('user_id').where('token_hash', '=', sha256(token)).where('expires_at', '>', now).executeTakeFirst();
  return row?.user_id;
}

export const deleteChallenge = (db: Db, token: string) => db.deleteFrom('login_challenges').where('token_hash', '=', sha256(token)).execute();

export const deleteDeadChallenges = (db: Db, now: number) => db.deleteFrom('login_challenges').where('expires_at', '<=', now).execute();
