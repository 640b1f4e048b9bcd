import type { Role } from './models.js';

/**
 * What each role may do (PROTOCOL.md §8.19): the server checks it on every route and socket event; the dashboard
 * shows the pages and buttons it allows. Companies and a viewer's groups are checked on the rows themselves.
 */
export type Permission =
  /** Clients of the groups one sees: lists, counts, details, presence, groups. */
  | 'clients:read'
  /** Watching a client live. */
  | 'live:watch'
  /** Recordings of the groups one sees: lists, thumbnails, playback. */
  | 'media:read'
  /** A recording as a file to keep (a viewer only with `may_download`). */
  | 'media:download'
  | 'alerts:read'
  /** Everything an admin does in its company: settings, tokens, users, groups, retention, deleting, acknowledging. */
  | 'company:manage'
  | 'audit:read'
  /** Creating companies: a superadmin's alone. */
  | 'companies:create'
  /** Resetting another user's second factor (a lost phone, PROTOCOL.md §8.20): a superadmin's alone. */
  | 'second-factors:reset';

export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  superadmin: ['clients:read', 'live:watch', 'media:read', 'media:download', 'alerts:read', 'company:manage', 'audit:read', 'companies:create', 'second-factors:reset'],
  admin: ['clients:read', 'live:watch', 'media:read', 'media:download', 'alerts:read', 'company:manage', 'audit:read'],
  viewer: ['clients:read', 'live:watch', 'media:read', 'media:download', 'alerts:read'],
  auditor: ['audit:read'],
};

/** Whether a user of this role (and download right) may do `permission` at all. */
export function can(access: { role: Role; may_download: boolean }, permission: Permission): boolean {
  if (!ROLE_PERMISSIONS[access.role].includes(permission)) return false;
  return permission !== 'media:download' || access.role !== 'viewer' || access.may_download;
}
