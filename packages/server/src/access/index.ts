/**
 * Who may do what (roles, a viewer's groups, the download right), the face every feature checks through: the
 * rules as plain functions (`policy.ts`), the request guard (`guard.ts`) and the queries they need
 * (`access.repository.ts`). Not a feature with routes of its own: the users' routes (auth) set what it reads.
 */
export { accessOfRow, foreignGroups, groupsOfClients, groupsOfUsers, loadAccess, setUserAccess } from './access.repository.js';
export { accessOf, installAccessControl, requirePermission } from './guard.js';
export { audienceOf, canSeeClient, canSeeCompany, mayAssignRole, visibleGroups, type Access } from './policy.js';
