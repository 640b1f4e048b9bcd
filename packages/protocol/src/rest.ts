import { z } from 'zod';
import { idParam, idSchema } from './ids.js';
import { alertSchema, companyIdSchema, textSchema, userHostSchema } from './agent-events.js';
import { presenceStateSchema, qualityPresetSchema, roleSchema } from './models.js';

export const errorBodySchema = z.object({ error: z.string(), message: z.string() });
export type ErrorBody = z.infer<typeof errorBodySchema>;

export const loginBodySchema = z.object({
  email: z.string().trim().toLowerCase().email().max(255),
  password: z.string().min(1).max(1024),
});

const newPasswordSchema = z.string().min(8, 'password must have at least 8 characters').max(1024);

/** Changing one's own password takes the current one: a session left open is not enough. */
export const changePasswordBodySchema = z.object({ current_password: z.string().min(1).max(1024), new_password: newPasswordSchema });

/** An admin sets a new password for a user of its company (who then logs in with it). */
export const resetPasswordBodySchema = z.object({ password: newPasswordSchema });

export const updateUserBodySchema = z.object({ disabled: z.boolean() });

export const createCompanyBodySchema = z.object({ name: textSchema().trim().min(1).max(255) });

export const createTokenBodySchema = z.object({
  label: textSchema().trim().max(255).optional(),
  /** The group new clients of this token land in (of the token's company); omitted: the default group. */
  group_id: idSchema.optional(),
});

const groupIdsSchema = z.array(idSchema).max(1000, 'at most 1000 groups');

export const createUserBodySchema = z.object({
  email: z.string().trim().toLowerCase().email().max(255),
  password: newPasswordSchema,
  company_id: idSchema,
  role: roleSchema.default('admin'),
  group_ids: groupIdsSchema.default([]),
  may_download: z.boolean().default(false),
});

/** PUT /api/users/:id/access: the user's role, a viewer's groups and its download right, all at once. */
export const userAccessBodySchema = z.object({
  role: roleSchema,
  group_ids: groupIdsSchema,
  may_download: z.boolean({ error: 'may_download must be true or false' }),
});

const groupNameSchema = textSchema().trim().min(1, 'Name the group: the name must not be empty').max(255, 'A group name may be at most 255 characters');

export const createGroupBodySchema = z.object({ name: groupNameSchema, company_id: idSchema.optional() });
export const renameGroupBodySchema = z.object({ name: groupNameSchema });

/** POST /api/groups/:id/clients: moves these clients (of the group's company) into the group. */
export const moveClientsBodySchema = z.object({
  client_ids: z.array(idSchema).min(1, 'name at least one client').max(1000, 'at most 1000 clients at once'),
});

export const groupsQuerySchema = z.object({ company_id: idParam.optional() });

export const IDLE_THRESHOLD_MIN_S = 10;
export const IDLE_THRESHOLD_MAX_S = 24 * 3600;
export const IDLE_MESSAGE_MAX = 1000;
export const AUDIT_RETENTION_MIN_DAYS = 1;
export const AUDIT_RETENTION_MAX_DAYS = 3650;
const auditRetentionRange = `audit_retention_days must be ${AUDIT_RETENTION_MIN_DAYS}-${AUDIT_RETENTION_MAX_DAYS}`;

/** Each setting an admin may change; a PATCH sends any of them. */
const settingsChangesSchema = z.object({
  idle_threshold_seconds: z
    .number()
    .int('The idle threshold is a whole number of seconds')
    .min(IDLE_THRESHOLD_MIN_S, `The idle threshold must be at least ${IDLE_THRESHOLD_MIN_S} seconds`)
    .max(IDLE_THRESHOLD_MAX_S, `The idle threshold must be at most 24 hours (${IDLE_THRESHOLD_MAX_S} seconds)`)
    .optional(),
  idle_message: textSchema()
    .trim()
    .min(1, 'Write the message the desktop shows: it must not be empty')
    .max(IDLE_MESSAGE_MAX, `The message may be at most ${IDLE_MESSAGE_MAX} characters`)
    .optional(),
  viewer_names_shown: z.boolean({ error: 'viewer_names_shown must be true or false' }).optional(),
  pause_allowed: z.boolean({ error: 'pause_allowed must be true or false' }).optional(),
  pause_max_minutes: z.number().int().min(1, 'pause_max_minutes must be 1-480').max(480, 'pause_max_minutes must be 1-480').optional(),
  audit_retention_days: z
    .number()
    .int('audit_retention_days is a whole number of days')
    .min(AUDIT_RETENTION_MIN_DAYS, auditRetentionRange)
    .max(AUDIT_RETENTION_MAX_DAYS, auditRetentionRange)
    .optional(),
  quality_preset: qualityPresetSchema.optional(),
});
/** An empty PATCH is refused with the settings it could have named: the list follows the schema as settings are added. */
export const updateSettingsBodySchema = settingsChangesSchema.refine((body) => Object.values(body).some((v) => v !== undefined), {
  message: `send at least one of ${Object.keys(settingsChangesSchema.shape).join(', ')}`,
});
export type UpdateSettingsBody = z.infer<typeof updateSettingsBodySchema>;

export const idParamsSchema = z.object({ id: idParam });
export const tokenParamsSchema = idParamsSchema.extend({ tokenId: idParam });

export const pagingQuerySchema = z.object({
  page: z.coerce.number().int().min(1).default(1),
  per_page: z.coerce.number().int().min(1).max(1000).default(100),
});

export const clientsQuerySchema = pagingQuerySchema.extend({
  status: z.enum(['live', 'reconnecting', 'disconnected']).optional(),
  q: textSchema().max(255).optional(),
  group_id: idParam.optional(),
  company_id: idParam.optional(),
});

export const alertsQuerySchema = pagingQuerySchema.extend({
  client_id: idParam.optional(),
  /** `false`: only alerts nobody acknowledged yet; `true`: only acknowledged ones. */
  acknowledged: z.enum(['true', 'false'], { error: 'acknowledged must be true or false' }).transform((v) => v === 'true').optional(),
  company_id: idParam.optional(),
});

/** An ISO date (`2024-05-01`, the whole day) or date-time (`2024-05-01T10:00:00Z`). */
export const isoDateOrTimeSchema = z.union([z.iso.datetime({ offset: true }), z.iso.date()]);

export const mediaStatusSchema = z.enum(['recording', 'processing', 'ready', 'error']);
export const mediaSourceSchema = z.enum(['live', 'upload']);

/** GET /api/media: newest first; `from` / `to` bound `started_at` (a bare date `to` includes that day). */
export const mediaQuerySchema = pagingQuerySchema.extend({
  client_id: idParam.optional(),
  /** The recordings of the clients now in this group. */
  group_id: idParam.optional(),
  from: isoDateOrTimeSchema.optional(),
  to: isoDateOrTimeSchema.optional(),
  source: mediaSourceSchema.optional(),
  status: mediaStatusSchema.optional(),
  company_id: idParam.optional(),
});

/** GET /api/media/:id/video: `download=1` answers it as a file to save (and the audit trail says "downloaded"). */
export const mediaVideoQuerySchema = z.object({
  download: z.enum(['1', 'true'], { error: 'download must be 1 or true' }).optional(),
});

const mediaNamesSchema = z.array(textSchema().max(255)).max(10_000);

export const mediaCheckBodySchema = z.object({
  user_host: userHostSchema,
  media_names: mediaNamesSchema,
});

/** POST /api/media/upload: the multipart fields sent before `file`. */
export const mediaUploadFieldsSchema = z.object({ user_host: userHostSchema });

/** A socket id the original client sends to name itself (also one it had before a reconnect). */
export const socketIdSchema = textSchema().min(1).max(64);

/** Original client: POST /api/vaahshare/alerts. */
export const legacyAlertBodySchema = z.looseObject({
  type: z.literal('idle').default('idle'),
  socket_id: socketIdSchema,
  idle_seconds: alertSchema.shape.idle_seconds.optional(),
});

export const legacyUploadFieldsSchema = z.object({
  socket_id: socketIdSchema,
  company_id: companyIdSchema,
});

/** Original client: POST /api/vaahshare/media/client/:socket_id/:user_host (older versions omit user_host). */
export const legacyMediaCheckParamsSchema = z.object({
  socket_id: socketIdSchema,
  user_host: userHostSchema.optional(),
});
export const legacyMediaCheckBodySchema = z.looseObject({ media_names: mediaNamesSchema });

export { presenceStateSchema };
