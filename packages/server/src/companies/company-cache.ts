import type { Settings } from '@vaahshare/protocol';
import { LRUCache } from 'lru-cache';
import type { Db } from '../db/database.js';
import { findActiveToken, findCompany, toSettings } from './companies.repository.js';

type ActiveToken = { id: number; company_id: number };

export type CompanyCache = ReturnType<typeof createCompanyCache>;

/**
 * What every agent (re)connect reads — its token's company and that company's settings — kept for a few
 * seconds: in a reconnect storm thousands of agents present the same token within a second. Concurrent
 * lookups of one key share a query. A revoke or a settings change made on this node applies at once;
 * other nodes notice within `ttlMs`. Unknown tokens are never cached, so a new token works at once.
 */
export function createCompanyCache(db: Db, ttlMs = 5_000) {
  const tokens = new LRUCache<string, ActiveToken>({ max: 1_000, ttl: ttlMs, fetchMethod: (token) => findActiveToken(db, token) });
  const settings = new LRUCache<number, Settings>({
    max: 1_000,
    ttl: ttlMs,
    fetchMethod: async (companyId) => {
      const company = await findCompany(db, companyId);
      return company && toSettings(company);
    },
  });
  return {
    /** An active enrollment token's id and company, or undefined for an unknown or revoked one. */
    activeToken: (token: string) => tokens.fetch(token),
    settings: (companyId: number) => settings.fetch(companyId),
    forgetTokens: () => tokens.clear(),
    forgetSettings: (companyId: number) => settings.delete(companyId),
  };
}
