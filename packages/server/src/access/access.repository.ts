import type { User } from '@vaahshare/protocol';
import type { Db } from '../db/database.js';
import type { Access } from './policy.js';

/** The groups given to each of these users, by user id. */
export async function groupsOfUsers(db: Db, userIds: readonly number[]): Promise<Map<number, number[]>> {
  const byUser = new Map(userIds.map((id) => [id, [] as number[]]));
  if (!userIds.length) return byUser;
  const rows = await db.selectFrom('user_groups').select(['user_id', 'group_id']).where('user_id', 'in', [...userIds]).orderBy('group_id').execute();
  for (const row of rows) byUser.get(row.user_id)?.push(row.group_id);
  return byUser;
}

/** A user's access as its row stores it: a viewer's groups and download right; admins download, auditors never. */
export const accessOfRow = (user: User, stored: { may_download: number }, groupIds: number[]): Access => ({
  ...user,
  group_ids: user.role === 'viewer' ? groupIds : [],
  may_download: user.role === 'viewer' ? stored.may_download === 1 : user.role !== 'auditor',
});

/** What a logged-in user may reach (one query more, for a viewer only). */
export async function loadAccess(db: Db, user: User): Promise<Access> {
  if (user.role !== 'viewer') return accessOfRow(user, { may_download: 0 }, []);
  const [row, groups] = await Promise.all([
    db.selectFrom('users').select('may_download').where('id', '=', user.id).executeTakeFirst(),
    groupsOfUsers(db, [user.id]),
  ]);
  return accessOfRow(user, row ?? { may_download: 0 }, groups.get(user.id) ?? []);
}

/** The group of each of these clients (a client deleted meanwhile is absent). */
export async function groupsOfClients(db: Db, clientIds: readonly number[]): Promise<Map<number, number>> {
  if (!clientIds.length) return new Map();
  const rows = await db.selectFrom('clients').select(['id', 'group_id']).where('id', 'in', [...new Set(clientIds)]).execute();
  return new Map(rows.map((row) => [row.id, row.group_id]));
}

/** Those of `groupIds` that are not groups of `companyId` (a viewer may be given its own company's groups only). */
export async function foreignGroups(db: Db, companyId: number, groupIds: readonly number[]): Promise<number[]> {
  if (!groupIds.length) return [];
  const rows = await db.selectFrom('client_groups').select('id').where('company_id', '=', companyId).where('id', 'in', [...groupIds]).execute();
  const own = new Set(rows.map((row) => row.id));
  return groupIds.filter((id) => !own.has(id));
}

/** Sets a user's role, download right and groups (a viewer's only: the other roles are not limited by groups). */
export async function setUserAccess(db: Db, userId: number, access: Pick<Access, 'role' | 'group_ids' | 'may_download'>): Promise<void> {
  const viewer = access.role === 'viewer';
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('users').set({ role: access.role, may_download: viewer && access.may_download ? 1 : 0 }).where('id', '=', userId).execute();
    await trx.deleteFrom('user_groups').where('user_id', '=', userId).execute();
    const groupIds = viewer ? [...new Set(access.group_ids)] : [];
    if (groupIds.length) await trx.insertInto('user_groups').values(groupIds.map((groupId) => ({ user_id: userId, group_id: groupId }))).execute();
  });
}
