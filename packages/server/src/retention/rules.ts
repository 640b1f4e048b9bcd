import { BYTES_PER_GB, type ClientRetention, type RetentionRule, type StorageOverview } from '@vaahshare/protocol';
import type { Db } from '../db/database.js';
import { notFound } from '../errors.js';
import type { Actor, DomainEventBus } from '../events/domain-events.js';
import type { Clock } from '../infra/clock.js';
import * as repo from './retention.repository.js';
import { previewSweep } from './sweep.js';

const toRule = (row: { retention_days: number | null; retention_max_bytes: number | null }): RetentionRule => ({
  max_days: row.retention_days,
  max_gb: row.retention_max_bytes === null ? null : Number(row.retention_max_bytes) / BYTES_PER_GB,
});
const toBytes = (gb: number | null) => (gb === null ? null : Math.round(gb * BYTES_PER_GB));

export interface RulesDeps {
  db: Db;
  clock: Clock;
  events: DomainEventBus;
  sweepEveryMs: number;
}

/** Companies' and clients' retention rules, and what a company's storage looks like. */
export function createRules({ db, clock, events, sweepEveryMs }: RulesDeps) {
  async function setCompanyRule(companyId: number, rule: RetentionRule, actor: Actor): Promise<RetentionRule> {
    const before = await repo.companyRule(db, companyId);
    if (!before) throw notFound(`Company ${companyId}`);
    await repo.setCompanyRule(db, companyId, rule.max_days, toBytes(rule.max_gb));
    const after = toRule((await repo.companyRule(db, companyId))!);
    events.emit('retention-changed', { companyId, clientId: null, before: toRule(before), after, actor });
    return after;
  }

  /** A client's own rule (both limits null removes it); a client of another company answers as missing. */
  async function setClientRule(companyId: number, clientId: number, rule: RetentionRule, actor: Actor): Promise<ClientRetention> {
    const client = await db.selectFrom('clients').select(['id', 'user_host']).where('id', '=', clientId).where('company_id', '=', companyId).executeTakeFirst();
    if (!client) throw notFound(`Client ${clientId}`);
    const rules = await repo.clientRules(db, companyId);
    const before = rules.find((r) => r.client_id === clientId);
    await repo.setClientRule(db, companyId, clientId, rule.max_days, toBytes(rule.max_gb));
    const after = { max_days: rule.max_days, max_gb: rule.max_gb === null ? null : toBytes(rule.max_gb)! / BYTES_PER_GB };
    const removed = after.max_days === null && after.max_gb === null;
    events.emit('retention-changed', { companyId, clientId, before: before ? toRule(before) : null, after: removed ? null : after, actor });
    return { client_id: clientId, user_host: client.user_host, ...after };
  }

  async function overview(companyId: number): Promise<Omit<StorageOverview, 'disk'>> {
    const company = await repo.companyRule(db, companyId);
    if (!company) throw notFound(`Company ${companyId}`);
    const usage = await repo.usageByClient(db, companyId);
    let bytes = 0;
    let recordings = 0;
    for (const u of usage.values()) {
      bytes += u.bytes;
      recordings += u.recordings;
    }
    const clients = (await repo.clientRules(db, companyId)).map((r) => ({ client_id: r.client_id, user_host: r.user_host, ...toRule(r) }));
    const next = await previewSweep(db, companyId, clock.now());
    return {
      used: { bytes, recordings },
      policy: toRule(company),
      clients,
      next_sweep: { ...next, every_minutes: sweepEveryMs / 60_000 },
    };
  }

  return { setCompanyRule, setClientRule, overview };
}
