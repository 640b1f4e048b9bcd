import type { Company, Settings } from '@vaahshare/protocol';
import { LRUCache } from 'lru-cache';
import type { Db } from '../db/database.js';
import { memoizedPerObject } from '../infra/memoized.js';
import type { CompanyRow } from '../db/schema.js';
import { findActiveToken, findCompany, toCompany, toSettings } from './companies.repository.js';

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
  const companies = new LRUCache<number, CompanyRow>({ max: 1_000, ttl: ttlMs, fetchMethod: (companyId) => findCompany(db, companyId) });
  // What agents are sent, made once per row read rather than once per agent.
  const settingsOf = memoizedPerObject(toSettings);
  const companyOf = memoizedPerObject(toCompany);
  return {
    /** An active enrollment token's id and company, or undefined for an unknown or revoked one. */
    activeToken: (token: string) => tokens.fetch(token),
    settings: async (companyId: number): Promise<Settings | undefined> => {
      const row = await companies.fetch(companyId);
      return row && settingsOf(row);
    },
    company: async (companyId: number): Promise<Company | undefined> => {
      const row = await companies.fetch(companyId);
      return row && companyOf(row);
    },
    forgetTokens: () => tokens.clear(),
    forgetSettings: (companyId: number) => companies.delete(companyId),
  };
}
