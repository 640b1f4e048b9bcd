import { DEFAULT_QUALITY_PRESET, qualityPresetSchema, type Company, type EnrollmentToken, type Settings } from '@vaahshare/protocol';
import { toIso, type Db } from '../db/database.js';
import { TOKEN_PREFIX_LENGTH } from '../db/migrations/010-token-hashes.js';
import { DEFAULT_GROUP_NAME } from '../db/migrations/014-roles-groups.js';
import type { CompanyRow, EnrollmentTokenRow } from '../db/schema.js';
import { sha256 } from '../infra/secrets.js';

export const DEFAULT_IDLE_MESSAGE = 'You have been idle for a while. Are you still there?';
export const DEFAULT_COMPANY_NAME = 'Default company';

export const toCompany = (row: Pick<CompanyRow, 'id' | 'name'>): Company => ({ id: row.id, name: row.name });
// A stored preset this version does not know (written by a newer one, or by hand) reads as the default.
const storedPreset = qualityPresetSchema.catch(DEFAULT_QUALITY_PRESET);

export const toSettings = (row: CompanyRow): Settings => ({
  idle_threshold_seconds: row.idle_threshold_seconds,
  idle_message: row.idle_message,
  viewer_names_shown: Boolean(row.viewer_names_shown),
  pause_allowed: Boolean(row.pause_allowed),
  pause_max_minutes: row.pause_max_minutes,
  audit_retention_days: row.audit_retention_days,
  quality_preset: storedPreset.parse(row.quality_preset),
});

export const toEnrollmentToken = (row: EnrollmentTokenRow): EnrollmentToken => ({
  id: row.id,
  company_id: row.company_id,
  token_prefix: row.token_prefix,
  label: row.label,
  group_id: row.group_id,
  created_at: toIso(row.created_at)!,
  revoked_at: toIso(row.revoked_at),
});

/** A new company, with its default group (where its clients land unless a token names another), in one transaction. */
export function insertCompany(db: Db, name: string, now: number) {
  const insert = async (trx: Db) => {
    const company = await trx
      .insertInto('companies')
      .values({ name, idle_threshold_seconds: 300, idle_message: DEFAULT_IDLE_MESSAGE, created_at: now })
      .returningAll()
      .executeTakeFirstOrThrow();
    await trx.insertInto('client_groups').values({ company_id: company.id, name: DEFAULT_GROUP_NAME, is_default: 1, created_at: now }).execute();
    return company;
  };
  // The first start seeds it inside the bootstrap's own transaction.
  return db.isTransaction ? insert(db) : db.transaction().execute(insert);
}

export const findCompany = (db: Db, id: number) =>
  db.selectFrom('companies').selectAll().where('id', '=', id).executeTakeFirst();

export const firstCompany = (db: Db) => db.selectFrom('companies').selectAll().orderBy('id').limit(1).executeTakeFirst();

export const listCompanies = (db: Db) => db.selectFrom('companies').selectAll().orderBy('id').execute();

/** Companies that accept original clients by their own setting. */
export const companiesAcceptingOriginalClients = (db: Db) => db.selectFrom('companies').selectAll().where('original_clients', '=', 1).orderBy('id').execute();

export const updateAccess = (db: Db, companyId: number, access: { require_admin_totp?: number; original_clients?: number; original_clients_from?: string }) =>
  db.updateTable('companies').set(access).where('id', '=', companyId).returningAll().executeTakeFirstOrThrow();

const flag = (value: boolean | undefined) => (value === undefined ? undefined : value ? 1 : 0);

export const updateSettings = (db: Db, companyId: number, { viewer_names_shown, pause_allowed, ...settings }: Partial<Settings>) =>
  db
    .updateTable('companies')
    .set({ ...settings, viewer_names_shown: flag(viewer_names_shown), pause_allowed: flag(pause_allowed) }).where('id', '=', companyId).returningAll().executeTakeFirst();

/** Stores `token` as its hash and prefix; the row comes back with the token itself, to be shown this once. */
export async function insertEnrollmentToken(db: Db, companyId: number, token: string, label: string | null, now: number, groupId: number | null = null) {
  const row = await db
    .insertInto('enrollment_tokens')
    .values({ company_id: companyId, token_hash: sha256(token), token_prefix: token.slice(0, TOKEN_PREFIX_LENGTH), label, group_id: groupId, created_at: now, revoked_at: null })
    .returningAll()
    .executeTakeFirstOrThrow();
  return { ...row, token };
}

export const listEnrollmentTokens = (db: Db, companyId: number) =>
  db.selectFrom('enrollment_tokens').selectAll().where('company_id', '=', companyId).orderBy('id').execute();

export const revokeEnrollmentToken = (db: Db, companyId: number, tokenId: number, now: number) =>
  db
    .updateTable('enrollment_tokens')
    .set({ revoked_at: now })
    .where('id', '=', tokenId)
    .where('company_id', '=', companyId)
    .where('revoked_at', 'is', null)
    .returningAll()
    .executeTakeFirst();

/** Whether `groupId` is a group of `companyId`. */
export const isGroupOf = async (db: Db, companyId: number, groupId: number) =>
  (await db.selectFrom('client_groups').select('id').where('id', '=', groupId).where('company_id', '=', companyId).executeTakeFirst()) !== undefined;

export const findEnrollmentToken = (db: Db, token: string) =>
  db.selectFrom('enrollment_tokens').selectAll().where('token_hash', '=', sha256(token)).executeTakeFirst();

/** The active enrollment token `token` (its id and company), or undefined for an unknown or revoked one. */
export const findActiveToken = (db: Db, token: string) =>
  db
    .selectFrom('enrollment_tokens')
    .select(['id', 'company_id'])
    .where('token_hash', '=', sha256(token))
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
