import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Role } from '@vaahshare/protocol';
import { audienceOf, can, canSeeClient, mayAssignRole, visibleGroups, type Access, type Permission } from './policy.js';
import { needsNoUser, ROUTE_POLICIES, routeKey } from './route-policies.js';

const user = (role: Role, more: Partial<Access> = {}): Access => ({ id: 1, email: `${role}@a.example`, company_id: 10, role, group_ids: [], may_download: false, ...more });

const ALL: Permission[] = ['clients:read', 'live:watch', 'media:read', 'media:download', 'alerts:read', 'company:manage', 'audit:read', 'companies:create', 'second-factors:reset'];
const allowed = (access: Access) => ALL.filter((permission) => can(access, permission));

test('a superadmin may do everything; an admin all but create companies and reset second factors', () => {
  assert.deepEqual(allowed(user('superadmin')), ALL);
  assert.deepEqual(allowed(user('admin')), ALL.filter((p) => p !== 'companies:create' && p !== 'second-factors:reset'));
});

test('a viewer watches, plays back and reads alerts; it downloads only when allowed; it never manages nor audits', () => {
  assert.deepEqual(allowed(user('viewer')), ['clients:read', 'live:watch', 'media:read', 'alerts:read']);
  assert.deepEqual(allowed(user('viewer', { may_download: true })), ['clients:read', 'live:watch', 'media:read', 'media:download', 'alerts:read']);
});

test('an auditor reads the audit trail and nothing else (a download right changes nothing)', () => {
  assert.deepEqual(allowed(user('auditor')), ['audit:read']);
  assert.deepEqual(allowed(user('auditor', { may_download: true })), ['audit:read']);
});

test('a client is seen by its company’s admins, any superadmin, and the viewers of its group only', () => {
  const client = { company_id: 10, group_id: 5 };
  const foreign = { company_id: 11, group_id: 5 };
  assert.equal(canSeeClient(user('admin'), client), true);
  assert.equal(canSeeClient(user('admin'), foreign), false, 'another company’s');
  assert.equal(canSeeClient(user('superadmin'), foreign), true);
  assert.equal(canSeeClient(user('viewer', { group_ids: [5] }), client), true);
  assert.equal(canSeeClient(user('viewer', { group_ids: [6] }), client), false, 'another group');
  assert.equal(canSeeClient(user('viewer', { group_ids: [5] }), foreign), false, 'the same group id in another company is not its');
  assert.equal(canSeeClient(user('auditor', { group_ids: [5] }), client), false);
});

test('lists show every group to admins, a viewer’s own groups to it, none to an auditor; a filter narrows within them', () => {
  assert.equal(visibleGroups(user('admin')), undefined);
  assert.deepEqual(visibleGroups(user('admin'), 7), [7]);
  assert.deepEqual(visibleGroups(user('viewer', { group_ids: [5, 6] })), [5, 6]);
  assert.deepEqual(visibleGroups(user('viewer', { group_ids: [5, 6] }), 6), [6]);
  assert.deepEqual(visibleGroups(user('viewer', { group_ids: [5, 6] }), 7), [], 'a group not given shows nothing');
  assert.deepEqual(visibleGroups(user('viewer')), []);
  assert.deepEqual(visibleGroups(user('auditor', { group_ids: [5] })), []);
});

test('only a superadmin gives the superadmin role', () => {
  assert.equal(mayAssignRole(user('admin'), 'superadmin'), false);
  assert.equal(mayAssignRole(user('superadmin'), 'superadmin'), true);
  for (const role of ['admin', 'viewer', 'auditor'] as const) assert.equal(mayAssignRole(user('admin'), role), true);
});

test('a dashboard hears every group and the server’s status (admins), its groups (viewers), nothing (auditors)', () => {
  assert.deepEqual(audienceOf(user('admin')), { allGroups: true, groups: [], serverStatus: true });
  assert.deepEqual(audienceOf(user('viewer', { group_ids: [5] })), { allGroups: false, groups: [5], serverStatus: false });
  assert.deepEqual(audienceOf(user('auditor', { group_ids: [5] })), { allGroups: false, groups: [], serverStatus: false });
});

test('a route’s key: HEAD is its GET and a prefix’s trailing slash goes; user-less policies are named', () => {
  assert.equal(routeKey('HEAD', '/api/media/:id/video'), 'GET /api/media/:id/video');
  assert.equal(routeKey('GET', '/api/users/'), 'GET /api/users');
  assert.equal(routeKey('GET', '/'), 'GET /');
  assert.equal(ROUTE_POLICIES['GET /api/audit'], 'audit:read');
  assert.deepEqual(['public', 'agent', 'legacy', 'account', 'media:read'].map((p) => needsNoUser(p as never)), [true, true, true, false, false]);
});
