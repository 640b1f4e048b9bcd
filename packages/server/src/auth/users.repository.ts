import type { User } from '@vaahshare/protocol';
import type { Db } from '../db/database.js';
import type { UserRow } from '../db/schema.js';
import { sha256 } from '../infra/secrets.js';

export const toUser = (row: Pick<UserRow, 'id' | 'email' | 'company_id' | 'role'>): User => ({
  id: row.id,
  email: row.email,
  company_id: row.company_id,
  role: row.role,
});

export const findUserByEmail = (db: Db, email: string) =>
  db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();

export async function insertUser(db: Db, user: Omit<UserRow, 'id'>): Promise<User> {
  const row = await db.insertInto('users').values(user).returningAll().executeTakeFirstOrThrow();
  return toUser(row);
}

export async function listUsers(db: Db, companyId: number): Promise<User[]> {
  const rows = await db.selectFrom('users').selectAll().where('company_id', '=', companyId).orderBy('id').execute();
  return rows.map(toUser);
}

export async function countAdmins(db: Db): Promise<number> {
  const row = await db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function insertSession(db: Db, token: string, userId: number, now: number, ttlMs: number) {
  await db
    .insertInto('sessions')
    .values({ token_hash: sha256(token), user_id: userId, created_at: now, expires_at: now + ttlMs })
    .execute();
}

export async function findUserBySession(db: Db, token: string, now: number): Promise<User | undefined> {
  const row = await db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .select(['users.id', 'users.email', 'users.company_id', 'users.role'])
    .where('sessions.token_hash', '=', sha256(token))
    .where('sessions.expires_at', '>', now)
    .executeTakeFirst();
  return row && toUser(row);
}

export const deleteSession = (db: Db, token: string) =>
  db.deleteFrom('sessions').where('token_hash', '=', sha256(token)).execute();
