import type { Permission, Role, User } from '@vaahshare/protocol';

export { can, type Permission } from '@vaahshare/protocol';

/**
 * Who may do what (issue 16, MeshCentral's user rights): plain functions over a user's access, used by the REST
 * guard (`route-policies.ts`), the routes that scope their rows, the dashboard socket, and the broadcast rooms.
 */

/** A logged-in user with what it may reach: a viewer's groups and download right. */
export interface Access extends User {
  /** A viewer's groups; ignored for the other roles (admins see every group of their company). */
  group_ids: number[];
  may_download: boolean;
}

/** The sentence a refusal of `permission` says. */
export function refusal(permission: Permission): string {
  const needs: Record<Permission, string> = {
    'clients:read': 'Your role does not show clients',
    'live:watch': 'Your role may not watch live',
    'media:read': 'Your role does not show recordings',
    'media:download': 'You may not download recordings: ask an admin to allow it',
    'alerts:read': 'Your role does not show alerts',
    'company:manage': 'Only an admin may do this',
    'audit:read': 'Your role does not show the audit trail',
    'companies:create': 'Only a superadmin may do this',
    'second-factors:reset': 'Only a superadmin may reset a second factor',
  };
  return needs[permission];
}

/** Whether the role sees every group of the companies it sees (admins), or only the groups given to it (viewers). */
export const seesAllGroups = (role: Role) => role === 'superadmin' || role === 'admin';

export const canSeeCompany = (access: Pick<User, 'role' | 'company_id'>, companyId: number) =>
  access.role === 'superadmin' || access.company_id === companyId;

/** Whether a client (of `company_id`, in `group_id`) is visible to `access`: its company, and for a viewer its groups. */
export function canSeeClient(access: Pick<Access, 'role' | 'company_id' | 'group_ids'>, client: { company_id: number; group_id: number }): boolean {
  if (!canSeeCompany(access, client.company_id)) return false;
  if (seesAllGroups(access.role)) return true;
  return access.role === 'viewer' && access.group_ids.includes(client.group_id);
}

/**
 * The groups whose clients a list shows to `access`, within a company it may see: undefined for every group;
 * a viewer's own (an empty list shows nothing). `wanted`, a filter, narrows it to one group.
 */
export function visibleGroups(access: Pick<Access, 'role' | 'group_ids'>, wanted?: number): number[] | undefined {
  if (seesAllGroups(access.role)) return wanted === undefined ? undefined : [wanted];
  const own = access.role === 'viewer' ? access.group_ids : [];
  return wanted === undefined ? own : own.filter((id) => id === wanted);
}

/** Which roles `caller` may give (and take away): only a superadmin makes or changes a superadmin. */
export const mayAssignRole = (caller: Pick<User, 'role'>, role: Role) => role !== 'superadmin' || caller.role === 'superadmin';

/**
 * What a dashboard socket of `access`, following `companyId`, hears (the broadcast port turns it into rooms): every
 * group of the company and the server's own status (admins), its groups only (viewers), or nothing (auditors).
 */
export function audienceOf(access: Pick<Access, 'role' | 'group_ids'>): { allGroups: boolean; groups: number[]; serverStatus: boolean } {
  if (seesAllGroups(access.role)) return { allGroups: true, groups: [], serverStatus: true };
  return { allGroups: false, groups: access.role === 'viewer' ? access.group_ids : [], serverStatus: false };
}
