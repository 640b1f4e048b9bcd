import type { WalkScope } from './retention.repository.js';

export const DAY_MS = 86_400_000;

/** A company's retention, and its clients' own rules. Null: no limit. */
export interface CompanyPolicy {
  companyId: number;
  days: number | null;
  maxBytes: number | null;
  clients: Array<{ clientId: number; days: number | null; maxBytes: number | null }>;
}

/** One pass of a sweep over a scope's finished recordings, oldest first. */
export type Walk =
  | { kind: 'age'; scope: WalkScope }
  /** `clientId` undefined: the company's total against its cap. */
  | { kind: 'size'; scope: WalkScope; maxBytes: number; clientId?: number };

/** Recordings started before this are older than `days`. */
export const ageCutoff = (days: number, now: number) => now - days * DAY_MS;

/**
 * What a sweep goes over, in order: ages first (a client's own days replace the company's for it), then sizes
 * (each client's cap, then the company's, which counts every client), so that a size cap deletes only what ages left.
 */
export function walksOf(policy: CompanyPolicy, now: number): Walk[] {
  const { companyId } = policy;
  const ownDays = policy.clients.filter((c) => c.days !== null);
  const walks: Walk[] = ownDays.map((c) => ({ kind: 'age', scope: { companyId, clientId: c.clientId, before: ageCutoff(c.days!, now) } }));
  if (policy.days !== null) {
    walks.push({ kind: 'age', scope: { companyId, exceptClients: ownDays.map((c) => c.clientId), before: ageCutoff(policy.days, now) } });
  }
  for (const c of policy.clients) {
    if (c.maxBytes !== null) walks.push({ kind: 'size', scope: { companyId, clientId: c.clientId }, maxBytes: c.maxBytes, clientId: c.clientId });
  }
  if (policy.maxBytes !== null) walks.push({ kind: 'size', scope: { companyId }, maxBytes: policy.maxBytes });
  return walks;
}

/** Of `candidates` (oldest first), the first ones whose sizes add up to at least `over` bytes. */
export function takeUntilCovered<R extends { size: number }>(candidates: R[], over: number): R[] {
  const taken: R[] = [];
  let covered = 0;
  for (const row of candidates) {
    if (covered >= over) break;
    taken.push(row);
    covered += Number(row.size);
  }
  return taken;
}

/**
 * What a sweep has taken so far, against what the company held when it began: how far a scope still is over its
 * cap, and which recordings are already counted (a recording matched by two rules is deleted and counted once).
 */
export class Tally {
  readonly ids = new Set<number>();
  bytes = 0;
  private readonly byClient = new Map<number, number>();

  constructor(private readonly usage: Map<number, { bytes: number }>) {}

  add(rows: Array<{ id: number; client_id: number; size: number }>) {
    for (const row of rows) {
      this.ids.add(row.id);
      this.bytes += Number(row.size);
      this.byClient.set(row.client_id, (this.byClient.get(row.client_id) ?? 0) + Number(row.size));
    }
  }

  /** Bytes a scope holds beyond `maxBytes` once what is taken is gone (≤ 0: within it). */
  over(maxBytes: number, clientId?: number): number {
    if (clientId !== undefined) return (this.usage.get(clientId)?.bytes ?? 0) - (this.byClient.get(clientId) ?? 0) - maxBytes;
    let used = 0;
    for (const { bytes } of this.usage.values()) used += bytes;
    return used - this.bytes - maxBytes;
  }
}
