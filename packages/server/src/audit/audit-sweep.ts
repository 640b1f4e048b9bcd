import { exclusively, type DatabaseHandle } from '../db/database.js';
import type { Clock } from '../infra/clock.js';
import { deleteExpiredAuditEntries } from './audit.repository.js';

/** How long entries of no company (a failed login with an unknown e-mail) are kept: the default retention. */
export const DEFAULT_AUDIT_RETENTION_DAYS = 365;
export const AUDIT_SWEEP_MS = 3600_000;

/**
 * Deletes the audit entries older than their company's retention. On PostgreSQL it runs under an advisory lock,
 * so nodes sweeping at the same time take turns (the second finds nothing left); SQLite has one node.
 */
export function sweepAuditTrail(deps: { database: DatabaseHandle; clock: Clock }): Promise<number> {
  return exclusively(deps.database, 'vaahshare:audit-retention', (trx) =>
    deleteExpiredAuditEntries(trx, deps.clock.now(), DEFAULT_AUDIT_RETENTION_DAYS),
  );
}
