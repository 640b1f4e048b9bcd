import { Readable } from 'node:stream';
import { auditQuerySchema, type ApiResponse, type User } from '@vaahshare/protocol';
import { stringify } from 'csv-stringify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import { requireUser, scopeCompany } from '../auth/index.js';
import type { AppContext } from '../context.js';
import { eachAuditEntry, listAuditEntries, type AuditFilters } from './audit.repository.js';
import { CSV_COLUMNS, toAuditEntry, toCsvRecord } from './audit-view.js';

const DAY_MS = 86_400_000;
const isBareDate = (value: string) => /^\d{4}-\d{2}-\d{2}$/.test(value);

/** A superadmin sees every company's entries (or the one it names); anyone else only its own company's. */
function filtersOf(user: User, query: z.output<typeof auditQuerySchema>): AuditFilters {
  const { actor, target, action, from, to, company_id } = query;
  return {
    companyId: user.role === 'superadmin' ? company_id : scopeCompany(user, company_id),
    actor,
    target,
    action,
    from: from === undefined ? undefined : Date.parse(from),
    // A bare date includes its whole day; a time is included itself.
    before: to === undefined ? undefined : Date.parse(to) + (isBareDate(to) ? DAY_MS : 1),
  };
}

/**
 * The audit trail, read-only (PROTOCOL.md §8.14): there is no route that changes or deletes an entry. Mounted
 * without a prefix: `/api/audit` and `/api/audit.csv`.
 */
export const auditRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.get('/api/audit', { schema: { querystring: auditQuerySchema } }, async (request): Promise<ApiResponse<'GET /api/audit'>> => {
    const user = await requireUser(ctx, request);
    const { page, per_page } = request.query;
    const { total, rows } = await listAuditEntries(ctx.db, filtersOf(user, request.query), page, per_page);
    return { data: rows.map(toAuditEntry), meta: { total, page, per_page } };
  });

  // The filtered entries (paging ignored), streamed: an export of a year's trail never sits in memory whole.
  app.get('/api/audit.csv', { schema: { querystring: auditQuerySchema } }, async (request, reply) => {
    const user = await requireUser(ctx, request);
    const rows = Readable.from(eachAuditEntry(ctx.db, filtersOf(user, request.query)));
    const csv = rows.map(toCsvRecord).pipe(stringify({ header: true, columns: CSV_COLUMNS }));
    const day = new Date(ctx.clock.now()).toISOString().slice(0, 10);
    reply.header('content-type', 'text/csv; charset=utf-8');
    reply.header('content-disposition', `attachment; filename="vaahshare-audit-${day}.csv"`);
    reply.header('cache-control', 'private, no-cache');
    return reply.send(csv);
  });
};
