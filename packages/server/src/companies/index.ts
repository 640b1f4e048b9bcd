import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import type { Feature } from '../feature.js';
import { findCompany, findEnrollmentToken, firstCompany } from './companies.repository.js';
import { companiesRoutes } from './companies.routes.js';

export { createCompanyCache, type CompanyCache } from './company-cache.js';
export { DEFAULT_IDLE_MESSAGE } from './companies.repository.js';
export { seedDefaultCompany } from './seed.js';

export type CompaniesFace = ReturnType<typeof createCompaniesFeature>;

/** Companies (tenants), their enrollment tokens and settings. */
export function createCompaniesFeature(ctx: AppContext) {
  return {
    routes: async (app: FastifyInstance) => {
      await app.register(companiesRoutes, { prefix: '/api/companies', ctx });
    },
    /** A company by id (uncached), or undefined. */
    find: (id: number) => findCompany(ctx.db, id),
    /** The oldest company (the default one of an installation). */
    first: () => firstCompany(ctx.db),
    /** An enrollment token by its value, revoked or not (uncached), or undefined. */
    findToken: (token: string) => findEnrollmentToken(ctx.db, token),
  } satisfies Feature & Record<string, unknown>;
}
