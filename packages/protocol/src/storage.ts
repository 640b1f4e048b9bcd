import { z } from 'zod';
import { idParam, idSchema } from './ids.js';
import { mediaQuerySchema } from './rest.js';

/** Retention sizes are decimal gigabytes (10^9 bytes), as disks are sold. */
export const BYTES_PER_GB = 1_000_000_000;
export const RETENTION_MAX_DAYS = 36_500;
export const RETENTION_MAX_GB = 1_000_000;

/** A retention rule: recordings older than `max_days` go; past `max_gb` the oldest finished go. Null: no limit. */
export const retentionRuleSchema = z.object({
  max_days: z
    .number({ error: 'max_days must be a whole number of days or null' })
    .int('max_days must be a whole number of days')
    .min(1, 'max_days must be at least 1 day')
    .max(RETENTION_MAX_DAYS, `max_days must be at most ${RETENTION_MAX_DAYS} days`)
    .nullable(),
  max_gb: z
    .number({ error: 'max_gb must be a number of gigabytes or null' })
    .min(0.001, 'max_gb must be at least 0.001 (1 MB)')
    .max(RETENTION_MAX_GB, `max_gb must be at most ${RETENTION_MAX_GB}`)
    .nullable(),
});
export type RetentionRule = z.infer<typeof retentionRuleSchema>;

/**
 * PUT /api/retention: the company's rule, or with `client_id` that client's own (its days replace the company's
 * for it, its gigabytes are a cap of its own); both limits null removes a client's rule.
 */
export const updateRetentionBodySchema = retentionRuleSchema.extend({
  company_id: idSchema.optional(),
  client_id: idSchema.optional(),
});

export const storageQuerySchema = z.object({ company_id: idParam.optional() });

/** DELETE /api/media: every recording the History filters select (no paging), finished ones only. */
export const mediaDeleteQuerySchema = mediaQuerySchema.omit({ page: true, per_page: true });

/** The free space of the server's data directory, and whether it is below MIN_FREE_DISK_MB (new video refused). */
export const diskStatusSchema = z.object({
  free_bytes: z.number(),
  total_bytes: z.number(),
  min_free_bytes: z.number(),
  low: z.boolean(),
});
export type DiskStatus = z.infer<typeof diskStatusSchema>;

export interface ClientRetention extends RetentionRule {
  client_id: number;
  user_host: string;
}

/** GET /api/storage: what the company's recordings take, its policy, and what the next sweep will delete. */
export interface StorageOverview {
  used: { bytes: number; recordings: number };
  policy: RetentionRule;
  clients: ClientRetention[];
  next_sweep: { recordings: number; bytes: number; every_minutes: number };
  disk: DiskStatus;
}

/** What a deletion did: rows and files removed; `skipped` were still recording or being finalized. */
export interface DeletionResult {
  deleted: number;
  bytes: number;
  skipped: number;
}
