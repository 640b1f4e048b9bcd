import { z } from 'zod';
import { idParam } from './ids.js';
import { isoDateOrTimeSchema, pagingQuerySchema } from './rest.js';
import { textSchema } from './agent-events.js';

/** What the audit trail records (README "Audit trail"); each is one domain event the server emits. */
export const AUDIT_ACTIONS = [
  'logged-in',
  'login-failed',
  'live-view-started',
  'live-view-ended',
  'recording-played',
  'recording-downloaded',
  'settings-changed',
  'token-created',
  'token-revoked',
  'user-created',
  'user-disabled',
  'user-enabled',
  'user-removed',
  'user-password-reset',
  'user-password-changed',
  'user-totp-enabled',
  'user-totp-disabled',
  'user-totp-reset',
  'user-access-changed',
  'group-created',
  'group-renamed',
  'group-deleted',
  'clients-moved',
  'company-created',
  'recordings-deleted',
  'client-deleted',
  'retention-changed',
  'enrollment-reset',
  'monitoring-hours-changed',
] as const;
export const auditActionSchema = z.enum(AUDIT_ACTIONS, { error: `action must be one of ${AUDIT_ACTIONS.join(', ')}` });
export type AuditAction = z.infer<typeof auditActionSchema>;

/** Who did it: a dashboard user, an agent, or the server itself. */
export const auditActorSchema = z.object({
  kind: z.enum(['user', 'agent', 'system']),
  user_id: z.number().nullable(),
  email: z.string().nullable(),
});

/** One line of the audit trail, as `GET /api/audit` shows it. */
export const auditEntrySchema = z.object({
  id: z.number(),
  at: z.string(),
  company_id: z.number().nullable(),
  actor: auditActorSchema,
  action: z.string(),
  target: z.object({ kind: z.string(), id: z.number().nullable(), label: z.string().nullable() }).nullable(),
  ip: z.string().nullable(),
  details: z.record(z.string(), z.unknown()).nullable(),
});
export type AuditEntry = z.infer<typeof auditEntrySchema>;

/**
 * GET /api/audit and /api/audit.csv: newest first. `actor` matches the actor's e-mail (a part of it, any case),
 * `target` the target's label or id, `from` / `to` bound the time (a bare date `to` includes that day).
 */
export const auditQuerySchema = pagingQuerySchema.extend({
  actor: textSchema().trim().max(255).optional(),
  target: textSchema().trim().max(255).optional(),
  action: auditActionSchema.optional(),
  from: isoDateOrTimeSchema.optional(),
  to: isoDateOrTimeSchema.optional(),
  company_id: idParam.optional(),
});
