import type { Db } from '../db/database.js';
import type { Clock } from '../infra/clock.js';
import { nextTurn } from '../infra/next-turn.js';
import type { Deleter } from './deleter.js';
import { Tally, takeUntilCovered, walksOf, type CompanyPolicy, type Walk } from './policy.js';
import * as repo from './retention.repository.js';
import type { Candidate } from './retention.repository.js';

/** What one walk does with the recordings it chose (delete them, or only count them for a preview). */
type Take = (rows: Candidate[]) => Promise<void>;

async function walk(db: Db, step: Walk, tally: Tally, take: Take, stopped: () => boolean) {
  let after: Candidate | null = null;
  while (!stopped()) {
    const over = step.kind === 'size' ? tally.over(step.maxBytes, step.clientId) : Infinity;
    if (over <= 0) return;
    await nextTurn();
    const batch = await repo.oldestFinished(db, step.scope, after);
    if (!batch.length) return;
    after = batch[batch.length - 1];
    const fresh = batch.filter((row) => !tally.ids.has(row.id));
    const chosen = step.kind === 'age' ? fresh : takeUntilCovered(fresh, over);
    tally.add(chosen);
    if (chosen.length) await take(chosen);
  }
}

/** Goes over a company's finished recordings as its policy says, handing each batch chosen to `take`. */
export async function applyPolicy(db: Db, policy: CompanyPolicy, now: number, take: Take, stopped = () => false): Promise<Tally> {
  // What each client holds matters only to size caps: summing a large library costs hundreds of queries.
  const capped = policy.maxBytes !== null || policy.clients.some((c) => c.maxBytes !== null);
  const tally = new Tally(capped ? await repo.usageByClient(db, policy.companyId) : new Map());
  for (const step of walksOf(policy, now)) await walk(db, step, tally, take, stopped);
  return tally;
}

export async function loadPolicy(db: Db, companyId: number): Promise<CompanyPolicy | undefined> {
  const company = await repo.companyRule(db, companyId);
  if (!company) return undefined;
  const clients = await repo.clientRules(db, companyId);
  return {
    companyId,
    days: company.retention_days,
    maxBytes: company.retention_max_bytes === null ? null : Number(company.retention_max_bytes),
    clients: clients.map((c) => ({
      clientId: c.client_id,
      days: c.retention_days,
      maxBytes: c.retention_max_bytes === null ? null : Number(c.retention_max_bytes),
    })),
  };
}

export interface SweepDeps {
  db: Db;
  clock: Clock;
  deleter: Deleter;
  /** Runs the sweep unless another node runs one now (`onOneNodeAtATime`). */
  exclusively: (fn: () => Promise<SweepResult>) => Promise<SweepResult | 'skipped'>;
  /** Brings the database's statistics up to date, so that each batch is found by primary key (`refreshStatistics`). */
  refreshStatistics: () => Promise<void>;
}

export interface SweepResult {
  deleted: number;
  bytes: number;
}

/**
 * The retention sweep: finishes deletions dead nodes left, then, on one node at a time, deletes what each
 * company's policy no longer keeps, a batch at a time (each batch: mark, remove files, delete rows). A sweep
 * still running when the next is due makes that one skip.
 */
export function createRetentionSweep({ db, clock, deleter, exclusively, refreshStatistics }: SweepDeps) {
  let running: Promise<SweepResult | 'skipped'> | null = null;
  let stopping = false;

  async function sweepCompanies(): Promise<SweepResult> {
    const result = { deleted: 0, bytes: 0 };
    await refreshStatistics();
    for (const { id } of await repo.companiesWithRules(db)) {
      if (stopping) break;
      const policy = await loadPolicy(db, id);
      if (!policy) continue;
      await applyPolicy(db, policy, clock.now(), async (rows) => {
        const done = await deleter.deleteFinished(id, rows.map((row) => row.id), 'retention', null);
        result.deleted += done.deleted;
        result.bytes += done.bytes;
      }, () => stopping);
    }
    return result;
  }

  async function run(): Promise<SweepResult | 'skipped'> {
    await deleter.finishInterrupted('gone nodes');
    return exclusively(sweepCompanies);
  }

  return {
    sweep(): Promise<SweepResult | 'skipped'> {
      if (running || stopping) return Promise.resolve('skipped');
      running = run().finally(() => (running = null));
      return running;
    },
    /** At shutdown: the sweep ends after the batch it is deleting (the next start goes on). */
    async stop() {
      stopping = true;
      await running?.catch(() => undefined);
    },
  };
}

/** What the next sweep would delete of a company now: counted, nothing deleted. */
export async function previewSweep(db: Db, companyId: number, now: number): Promise<{ recordings: number; bytes: number }> {
  const policy = await loadPolicy(db, companyId);
  if (!policy) return { recordings: 0, bytes: 0 };
  const tally = await applyPolicy(db, policy, now, async () => {});
  return { recordings: tally.ids.size, bytes: tally.bytes };
}
