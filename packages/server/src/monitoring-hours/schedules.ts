import { effectiveHours } from '@vaahshare/protocol';
import type { Db } from '../db/database.js';
import type { Clock } from '../infra/clock.js';
import type { HoursOf, PlacementLookup } from './announcer.js';
import { companyHours, groupsOfClients, type CompanyHours } from './hours.repository.js';

/**
 * The companies' schedules as this node last read them. A change on this node or another forgets the company's
 * (`forget`); `maxAgeMs` bounds how stale one can be should a node miss another's word.
 */
export function createScheduleCache(deps: { db: Db; clock: Clock; maxAgeMs: number }) {
  const cache = new Map<number, { at: number; hours: Promise<CompanyHours> }>();

  function hoursOfCompany(companyId: number): Promise<CompanyHours> {
    const cached = cache.get(companyId);
    if (cached && deps.clock.now() - cached.at < deps.maxAgeMs) return cached.hours;
    const hours = companyHours(deps.db, companyId);
    cache.set(companyId, { at: deps.clock.now(), hours });
    // A failed read is not kept: the next lookup tries again.
    hours.catch(() => cache.get(companyId)?.hours === hours && cache.delete(companyId));
    return hours;
  }

  /** The schedule that applies to a placement: its group's own, else its company's default. */
  const hoursOf: HoursOf = async ({ companyId, groupId }) => {
    const hours = await hoursOfCompany(companyId);
    return effectiveHours(groupId === null ? null : hours.groups.get(groupId), hours.default);
  };

  /** Where each client is, read from the database. */
  const placements: PlacementLookup = async (clientIds) =>
    new Map((await groupsOfClients(deps.db, clientIds)).map((c) => [c.id, { companyId: c.company_id, groupId: c.group_id }]));

  return { hoursOf, placements, forget: (companyId: number) => cache.delete(companyId) };
}

/** What the routes call once a company's schedules changed: every node's agents of that company hear it. */
export interface CompanySchedules {
  changed: (companyId: number) => Promise<void>;
}
