import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import type { DomainEvents } from '../events/domain-events.js';
import type { Feature } from '../feature.js';
import { every } from '../infra/background.js';
import { auditedEvents } from './audit-entries.js';
import { AUDIT_SWEEP_MS, sweepAuditTrail } from './audit-sweep.js';
import { createAuditWriter } from './audit-writer.js';
import { insertAuditEntries } from './audit.repository.js';
import { auditRoutes } from './audit.routes.js';

/**
 * The audit trail: every audited domain event becomes one entry, written through one ordered queue (committed
 * before the emitter's `emitAndWait` returns; written at shutdown); read through `GET /api/audit`; kept per the
 * company's `audit_retention_days` by an hourly sweep.
 */
export function createAuditFeature(ctx: AppContext) {
  const writer = createAuditWriter((entries) => insertAuditEntries(ctx.db, entries), ctx.log);
  for (const [event, toEntry] of Object.entries(auditedEvents)) {
    const entryOf = toEntry as (at: number, payload: unknown) => Parameters<typeof writer.record>[0];
    ctx.events.on(event as keyof DomainEvents, (payload) => writer.record(entryOf(ctx.clock.now(), payload)));
  }
  let stopSweep = () => {};

  return {
    routes: async (app: FastifyInstance) => {
      await app.register(auditRoutes, { ctx });
    },
    start: async () => {
      stopSweep = every(ctx.log, 'audit retention sweep', AUDIT_SWEEP_MS, () => sweepAuditTrail(ctx));
    },
    stop: async () => stopSweep(),
    // Once every socket is closed (their live views ended): what is queued is written.
    drain: () => writer.drain(),
    /** Runs the audit retention sweep now (tests; the timer runs it hourly). */
    sweep: () => sweepAuditTrail(ctx),
  } satisfies Feature & Record<string, unknown>;
}
