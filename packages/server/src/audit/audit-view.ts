import type { AuditEntry } from '@vaahshare/protocol';
import { toIso } from '../db/database.js';
import type { AuditEntryRow } from '../db/schema.js';

export const toAuditEntry = (row: AuditEntryRow): AuditEntry => ({
  id: row.id,
  at: toIso(row.at)!,
  company_id: row.company_id,
  actor: { kind: row.actor_kind, user_id: row.actor_user_id, email: row.actor_email },
  action: row.action,
  target: row.target_kind ? { kind: row.target_kind, id: row.target_id, label: row.target_label } : null,
  ip: row.ip,
  details: row.details ? (JSON.parse(row.details) as Record<string, unknown>) : null,
});

/** The CSV export's columns, in order. */
export const CSV_COLUMNS = ['time', 'company_id', 'actor_kind', 'actor_user_id', 'actor_email', 'action', 'target_kind', 'target_id', 'target', 'ip', 'details'];

export const toCsvRecord = (row: AuditEntryRow) => [
  toIso(row.at),
  row.company_id,
  row.actor_kind,
  row.actor_user_id,
  row.actor_email,
  row.action,
  row.target_kind,
  row.target_id,
  row.target_label,
  row.ip,
  row.details,
];
