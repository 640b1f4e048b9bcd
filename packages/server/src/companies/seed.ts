import type { FastifyBaseLogger } from 'fastify';
import type { Db } from '../db/database.js';
import { newSecretToken } from '../infra/secrets.js';
import * as repo from './companies.repository.js';

/**
 * The default company of a fresh installation, with an enrollment token: AGENT_TOKEN when set, else a generated
 * one (returned, to be shown once) if the company has none.
 */
export async function seedDefaultCompany(db: Db, options: { agentToken?: string; now: number; log: FastifyBaseLogger }) {
  const { agentToken, now } = options;
  const company = (await repo.firstCompany(db)) ?? (await repo.insertCompany(db, repo.DEFAULT_COMPANY_NAME, now));
  let enrollmentToken: string | undefined;
  if (agentToken) {
    const existing = await repo.findEnrollmentToken(db, agentToken);
    if (!existing) await repo.insertEnrollmentToken(db, company.id, agentToken, 'AGENT_TOKEN', now);
    else if (existing.company_id !== company.id) options.log.warn('AGENT_TOKEN belongs to another company; left as it is');
  } else if ((await repo.listEnrollmentTokens(db, company.id)).length === 0) {
    enrollmentToken = (await repo.insertEnrollmentToken(db, company.id, newSecretToken(), 'default', now)).token;
  }
  return { companyId: company.id, enrollmentToken };
}
