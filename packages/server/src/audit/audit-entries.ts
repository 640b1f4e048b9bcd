import type { Actor, DomainEvents } from '../events/domain-events.js';
import type { NewAuditEntry } from '../db/schema.js';

type Target = { kind: string; id: number | null; label: string | null };

const SYSTEM = { kind: 'system', userId: null, email: null, ip: null } as const;

/** An audit entry of what `actor` did to `target` in `companyId`, now. */
export function entryOf(
  at: number,
  action: string,
  actor: Pick<Actor, 'kind' | 'userId' | 'email' | 'ip'>,
  companyId: number | null,
  target: Target | null,
  details?: Record<string, unknown>,
): NewAuditEntry {
  return {
    at,
    company_id: companyId,
    actor_kind: actor.kind,
    actor_user_id: actor.userId,
    actor_email: actor.email,
    action,
    target_kind: target?.kind ?? null,
    target_id: target?.id ?? null,
    target_label: target?.label ?? null,
    ip: actor.ip,
    details: details ? JSON.stringify(details) : null,
  };
}

/** The events the audit trail records, each turned into its entry (the action is the event's name). */
export const auditedEvents = {
  'logged-in': (at, { userId, companyId, email, ip, secondFactor }) =>
    entryOf(at, 'logged-in', { kind: 'user', userId, email, ip }, companyId, { kind: 'user', id: userId, label: email }, secondFactor && { second_factor: secondFactor }),
  'login-failed': (at, { email, ip, reason, userId, companyId }) =>
    entryOf(at, 'login-failed', { kind: 'user', userId: null, email, ip }, companyId ?? null, { kind: 'user', id: userId ?? null, label: email }, { reason }),
  'live-view-started': (_at, { actor, companyId, clientId, label, startedAt }) =>
    entryOf(startedAt, 'live-view-started', actor, companyId, { kind: 'client', id: clientId, label }),
  'live-view-ended': (at, { actor, companyId, clientId, label, startedAt }) =>
    entryOf(at, 'live-view-ended', actor, companyId, { kind: 'client', id: clientId, label }, {
      started_at: new Date(startedAt).toISOString(),
      seconds: Math.round((at - startedAt) / 1000),
    }),
  'recording-played': (at, { actor, companyId, mediaId, label }) =>
    entryOf(at, 'recording-played', actor, companyId, { kind: 'recording', id: mediaId, label }),
  'recording-downloaded': (at, { actor, companyId, mediaId, label }) =>
    entryOf(at, 'recording-downloaded', actor, companyId, { kind: 'recording', id: mediaId, label }),
  'settings-changed': (at, { actor, companyId, changes }) =>
    entryOf(at, 'settings-changed', actor, companyId, { kind: 'company', id: companyId, label: null }, changes),
  'token-created': (at, { actor, companyId, tokenId, label }) =>
    entryOf(at, 'token-created', actor, companyId, { kind: 'token', id: tokenId, label }),
  'token-revoked': (at, { actor, companyId, tokenId, label }) =>
    entryOf(at, 'token-revoked', actor, companyId, { kind: 'token', id: tokenId, label }),
  'user-created': (at, { actor, companyId, user }) =>
    entryOf(at, 'user-created', actor, companyId, { kind: 'user', id: user.id, label: user.email }, { role: user.role }),
  'user-changed': (at, { actor, companyId, user, change, access }) =>
    entryOf(at, `user-${change}`, actor, companyId, { kind: 'user', id: user.id, label: user.email }, access),
  'group-changed': (at, { actor, companyId, group, change, before, moved }) =>
    entryOf(at, `group-${change}`, actor, companyId, { kind: 'group', id: group.id, label: group.name }, before === undefined && moved === undefined ? undefined : { before, moved }),
  'clients-moved': (at, { actor, companyId, group, clients }) =>
    entryOf(at, 'clients-moved', actor, companyId, { kind: 'group', id: group.id, label: group.name }, { clients: clients.map((c) => ({ id: c.id, user_host: c.label, from_group: c.from })) }),
  'company-created': (at, { actor, companyId, name }) => entryOf(at, 'company-created', actor, companyId, { kind: 'company', id: companyId, label: name }),
  'enrollment-reset': (at, { actor, companyId, clientId, label }) => entryOf(at, 'enrollment-reset', actor, companyId, { kind: 'client', id: clientId, label }),
  // The retention sweep's deletions have no actor: the system did them, by the company's rule.
  'media-deleted': (at, { actor, companyId, media, reason }) =>
    entryOf(at, 'recordings-deleted', actor ?? SYSTEM, companyId, null, { reason, ids: media.map((m) => m.id), bytes: media.reduce((sum, m) => sum + m.size, 0) }),
  'client-deleted': (at, { actor, companyId, clientId, userHost, recordings, bytes }) =>
    entryOf(at, 'client-deleted', actor, companyId, { kind: 'client', id: clientId, label: userHost }, { recordings, bytes }),
  'retention-changed': (at, { actor, companyId, clientId, before, after }) =>
    entryOf(at, 'retention-changed', actor, companyId, clientId === null ? { kind: 'company', id: companyId, label: null } : { kind: 'client', id: clientId, label: null }, { before, after }),
  'monitoring-hours-changed': (at, { actor, companyId, group, before, after }) =>
    entryOf(at, 'monitoring-hours-changed', actor, companyId, group ? { kind: 'group', id: group.id, label: group.name } : { kind: 'company', id: companyId, label: null }, { before, after }),
} satisfies { [E in keyof DomainEvents]?: (at: number, payload: DomainEvents[E]) => NewAuditEntry };
