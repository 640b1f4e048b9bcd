import type { ManagedUser, User } from '@vaahshare/protocol';
import type { Db } from '../db/database.js';
import type { UserRow } from '../db/schema.js';
import { sha256 } from '../infra/secrets.js';
import { accessOfRow, groupsOfUsers } from '../access/index.js';

export const toUser = (row: Pick<UserRow, 'id' | 'email' | 'company_id' | 'role'>): User => ({
  id: row.id,
  email: row.email,
  company_id: row.company_id,
  role: row.role,
});

export const findUserByEmail = (db: Db, email: string) =>
  db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();

const toManagedUser = (row: UserRow, groupIds: number[]): ManagedUser => ({
  ...accessOfRow(toUser(row), row, groupIds),
  disabled: row.disabled_at !== null,
  second_factor: row.totp_secret !== null,
});

/** A user as its admins see it: with its access (its groups read now). */
export const managedUser = async (db: Db, row: UserRow): Promise<ManagedUser> => toManagedUser(row, (await groupsOfUsers(db, [row.id])).get(row.id) ?? []);

export const findUserById = (db: Db, id: number) => db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();

export async function insertUser(db: Db, user: Pick<UserRow, 'email' | 'company_id' | 'role' | 'password_hash' | 'created_at'>): Promise<User> {
  const row = await db.insertInto('users').values(user).returningAll().executeTakeFirstOrThrow();
  return toUser(row);
}

export async function listUsers(db: Db, companyId: number): Promise<ManagedUser[]> {
  const rows = await db.selectFrom('users').selectAll().where('company_id', '=', companyId).orderBy('id').execute();
  const groups = await groupsOfUsers(db, rows.map((row) => row.id));
  return rows.map((row) => toManagedUser(row, groups.get(row.id) ?? []));
}

export async function setUserDisabled(db: Db, id: number, disabledAt: number | null): Promise<ManagedUser> {
  const row = await db.updateTable('users').set({ disabled_at: disabledAt }).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
  return managedUser(db, row);
}

export const setPasswordHash = (db: Db, id: number, passwordHash: string) =>
  db.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', id).execute();

export const deleteUser = (db: Db, id: number) => db.deleteFrom('users').where('id', '=', id).execute();

export async function countAdmins(db: Db): Promise<number> {
  const row = await db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function insertSession(db: Db, token: string, userId: number, now: number, ttlMs: number) {
  await db
    .insertInto('sessions')
    .values({ token_hash: sha256(token), user_id: userId, created_at: now, expires_at: now + ttlMs, last_seen_at: now })
    .execute();
}

/**
 * A session that has neither expired nor idled out (unused since `idleSince`), of a user who is not disabled; with
 * what decides whether the user still has to set up a second factor.
 */
export const findLiveSession = (db: Db, tokenHash: string, now: number, idleSince: number) =>
  db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .innerJoin('companies', 'companies.id', 'users.company_id')
    .select(['users.id', 'users.email', 'users.company_id', 'users.role', 'users.totp_enabled_at', 'companies.require_admin_totp', 'sessions.last_seen_at'])
    .where('sessions.token_hash', '=', tokenHash)
    .where('sessions.expires_at', '>', now)
    .where('sessions.last_seen_at', '>', idleSince)
    .where('users.disabled_at', 'is', null)
    .executeTakeFirst();

export const touchSession = (db: Db, tokenHash: string, now: number) =>
  db.updateTable('sessions').set({ last_seen_at: now }).where('token_hash', '=', tokenHash).execute();

/** Deletes sessions and answers their token hashes (their sockets are to be closed). */
async function deleteSessionsWhere(db: Db, where: (q: ReturnType<typeof sessionsOf>) => ReturnType<typeof sessionsOf>): Promise<string[]> {
  const rows = await where(sessionsOf(db)).execute();
  const hashes = rows.map((r) => r.token_hash);
  if (hashes.length) await db.deleteFrom('sessions').where('token_hash', 'in', hashes).execute();
  return hashes;
}
const sessionsOf = (db: Db) => db.selectFrom('sessions').select('token_hash');

/** Every session of a user, but `keepHash` (the one asking, when it stays logged in). */
export const deleteSessionsOfUser = (db: Db, userId: number, keepHash?: string) =>
  deleteSessionsWhere(db, (q) => (keepHash ? q.where('user_id', '=', userId).where('token_hash', '!=', keepHash) : q.where('user_id', '=', userId)));

/** Sessions past their lifetime or idle since `idleSince`. */
export const deleteDeadSessions = (db: Db, now: number, idleSince: number) =>
  deleteSessionsWhere(db, (q) => q.where((eb) => eb.or([eb('expires_at', '<=', now), eb('last_seen_at', '<=', idleSince)])));

export const deleteSession = (db: Db, token: string) =>
  db.deleteFrom('sessions').where('token_hash', '=', sha256(token)).execute();
