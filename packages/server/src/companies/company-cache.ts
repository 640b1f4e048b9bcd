import type { Settings } from '@vaahshare/protocol';
import { LRUCache } from 'lru-cache';
import type { Db } from '../db/database.js';
import { companyForAgentToken, findCompany, toSettings } from './companies.repository.js';

export type CompanyCache = ReturnType<typeof createCompanyCache>;

/**
 * What every agent (re)connect reads — its token's company and that company's settings — kept for a few
 * seconds: in a reconnect storm thousands of agents present the same token within a second. Concurrent
 * lookups of one key share a query. A revoke or a settings change made on this node applies at once;
 * other nodes notice within `ttlMs`. Unknown tokens are never cached, so a new token works at once.
 */
export function createCompanyCache(db: Db, ttlMs = 5_000) {
  const tokens = new LRUCache<string, number>({ max: 1_000, ttl: ttlMs, fetchMethod: (token) => companyForAgentToken(db, token) });
  const settings = new LRUCache<number, Settings>({
    max: 1_000,
    ttl: ttlMs,
    fetchMethod: async (companyId) => {
      const company = await findCompany(db, companyId);
      return company && toSettings(company);
    },
  });
  return {
    /** The company of an active enrollment token, or undefined for an unknown or revoked one. */
    companyForAgentToken: (token: string) => tokens.fetch(token),
    settings: (companyId: number) => settings.fetch(companyId),
    forgetTokens: () => tokens.clear(),
    forgetSettings: (companyId: number) => settings.delete(companyId),
  };
}
