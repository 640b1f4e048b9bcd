import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import type { Feature } from '../feature.js';
import { findCompany, findEnrollmentToken, firstCompany } from './companies.repository.js';
import { companiesRoutes } from './companies.routes.js';
import { createCompanyAccess } from './access.js';

export { createCompanyCache, type CompanyCache } from './company-cache.js';
export { DEFAULT_IDLE_MESSAGE } from './companies.repository.js';
export { seedDefaultCompany } from './seed.js';

export type CompaniesFace = ReturnType<typeof createCompaniesFeature>;

/** Companies (tenants), their enrollment tokens and settings. */
export function createCompaniesFeature(ctx: AppContext) {
  const access = createCompanyAccess(ctx);
  return {
    start: () => access.warnIfOriginalClientsAccepted(ctx.log),
    routes: async (app: FastifyInstance) => {
      await app.register(companiesRoutes, { prefix: '/api/companies', ctx, access });
    },
    /** Original VaahShare clients: whether any company accepts them, and whether one at an address may be of a company. */
    anyAcceptsOriginalClients: access.anyAcceptsOriginalClients,
    admitsOriginalClient: access.admitsOriginalClient,
    /** A company by id (uncached), or undefined. */
    find: (id: number) => findCompany(ctx.db, id),
    /** The oldest company (the default one of an installation). */
    first: () => firstCompany(ctx.db),
    /** An enrollment token by its value, revoked or not (uncached), or undefined. */
    findToken: (token: string) => findEnrollmentToken(ctx.db, token),
  } satisfies Feature & Record<string, unknown>;
}
