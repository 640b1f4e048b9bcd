import { z } from 'zod';

/**
 * What a dashboard user may do (PROTOCOL.md §8.19): a superadmin everything in every company; an admin everything in
 * its company; a viewer watches live and plays back recordings of the groups given to it (downloads only with
 * `may_download`); an auditor reads the audit trail only.
 */
export const ROLES = ['superadmin', 'admin', 'viewer', 'auditor'] as const;
export const roleSchema = z.enum(ROLES, { error: `role must be one of ${ROLES.join(', ')}` });
export type Role = z.infer<typeof roleSchema>;

export const presenceStateSchema = z.enum(['connected', 'reconnecting', 'disconnected']);
export type PresenceState = z.infer<typeof presenceStateSchema>;

/**
 * Why a disconnected client is disconnected: it quit (`app-closed`), its grace period ran out, or the enrollment
 * token it connected with was revoked (the agent stops: it is refused, not on its way back).
 */
export const disconnectReasonSchema = z.enum(['app_closed', 'grace_expired', 'token_revoked']);
export type DisconnectReason = z.infer<typeof disconnectReasonSchema>;

/** The client object: payload of every presence event and item of GET /api/clients. */
export const clientSchema = z.object({
  id: z.number(),
  company_id: z.number(),
  user_host: z.string(),
  socket_id: z.string().nullable(),
  meta: z.record(z.string(), z.unknown()),
  is_connected: z.boolean(),
  is_reconnecting: z.boolean(),
  is_streaming: z.boolean(),
  /** When a reconnecting client will be disconnected unless it comes back. */
  grace_deadline: z.string().nullable(),
  last_seen_at: z.string().nullable(),
  /** Set while disconnected (null for clients disconnected before the reason was kept). */
  disconnect_reason: disconnectReasonSchema.nullable(),
  /** The desktop holds a device secret (PROTOCOL.md §2): only it may connect as this client until an admin resets it. */
  device_enrolled: z.boolean(),
  /** The client's group within its company (PROTOCOL.md §8.19): who may see it follows from it. */
  group_id: z.number(),
});
export type Client = z.infer<typeof clientSchema>;

export const presenceEntrySchema = z.object({ state: presenceStateSchema, at: z.string() });
export type PresenceEntry = z.infer<typeof presenceEntrySchema>;

/** A pause of the recording asked for at the desktop: `ends_at` as asked, `ended_at` once it ended early. */
export const pauseModelSchema = z.object({
  id: z.number(),
  company_id: z.number(),
  client_id: z.number(),
  reason: z.string(),
  started_at: z.string(),
  ends_at: z.string(),
  ended_at: z.string().nullable(),
});
export type Pause = z.infer<typeof pauseModelSchema>;

export const clientDetailSchema = clientSchema.extend({ presence: z.array(presenceEntrySchema), pauses: z.array(pauseModelSchema) });
export type ClientDetail = z.infer<typeof clientDetailSchema>;

export const userSchema = z.object({
  id: z.number(),
  email: z.string(),
  company_id: z.number(),
  role: roleSchema,
});
export type User = z.infer<typeof userSchema>;

/** What a user may reach beyond its role: a viewer's groups, and whether it may download recordings. */
export const userAccessSchema = z.object({
  /** A viewer's groups (it sees their clients only); empty for the other roles, who are not limited by groups. */
  group_ids: z.array(z.number()),
  /** A viewer may download recordings (admins always may; auditors never). */
  may_download: z.boolean(),
});

/** The logged-in user as `GET /api/auth/me` answers: also what it may reach. */
export const meSchema = userSchema.extend(userAccessSchema.shape);
export type Me = z.infer<typeof meSchema>;

/** A user as its admins see it in the users list: whether it is disabled, has a second factor, and its access. */
export const managedUserSchema = meSchema.extend({ disabled: z.boolean(), second_factor: z.boolean() });
export type ManagedUser = z.infer<typeof managedUserSchema>;

/** A group of clients within a company (MeshCentral's device groups): viewers are given groups. */
export const groupSchema = z.object({
  id: z.number(),
  company_id: z.number(),
  name: z.string(),
  /** Every company has one: new clients of a token naming no group land in it; it cannot be deleted. */
  is_default: z.boolean(),
  /** How many clients it holds. */
  clients: z.number(),
});
export type Group = z.infer<typeof groupSchema>;

export const companySchema = z.object({ id: z.number(), name: z.string() });
export type Company = z.infer<typeof companySchema>;

/** An enrollment token as listed: the server keeps only its hash, so it shows its first characters. */
export const enrollmentTokenSchema = z.object({
  id: z.number(),
  company_id: z.number(),
  token_prefix: z.string(),
  label: z.string().nullable(),
  /** The group new clients of this token land in; null: the company's default group. */
  group_id: z.number().nullable(),
  created_at: z.string(),
  revoked_at: z.string().nullable(),
});
export type EnrollmentToken = z.infer<typeof enrollmentTokenSchema>;

export const alertModelSchema = z.object({
  id: z.number(),
  company_id: z.number(),
  client_id: z.number(),
  user_host: z.string(),
  type: z.literal('idle'),
  idle_seconds: z.number(),
  /** The whole idle span, once the person came back (null while away, or from an original client). */
  away_seconds: z.number().nullable(),
  /**
   * How many reports this alert stands for: an alert of the same client within the company's idle threshold of it
   * (no honest agent sends two that close) counts here, announced as `alert-updated`, instead of being stored again.
   */
  repeat_count: z.number(),
  /** When the idle threshold was crossed (the agent's time, for an alert it held while offline). */
  created_at: z.string(),
  acknowledged_at: z.string().nullable(),
});
export type Alert = z.infer<typeof alertModelSchema>;

export const mediaSchema = z.object({
  id: z.number(),
  client_id: z.number(),
  company_id: z.number(),
  original_name: z.string(),
  source: z.enum(['live', 'upload']),
  status: z.enum(['recording', 'processing', 'ready', 'error']),
  size: z.number(),
  duration_ms: z.number().nullable(),
  started_at: z.string(),
  ended_at: z.string().nullable(),
  thumbnail_url: z.string().nullable(),
  video_url: z.string(),
});
export type Media = z.infer<typeof mediaSchema>;

/**
 * How a company's agents encode recordings (issue 20): "archive" is the smallest, "balanced" the default, "sharp"
 * the clearest. The agent maps each to its encoder settings (packages/agent/src/capture/presets.ts).
 */
export const QUALITY_PRESETS = ['archive', 'balanced', 'sharp'] as const;
export const qualityPresetSchema = z.enum(QUALITY_PRESETS, { error: `quality_preset must be one of ${QUALITY_PRESETS.join(', ')}` });
export type QualityPreset = z.infer<typeof qualityPresetSchema>;
export const DEFAULT_QUALITY_PRESET: QualityPreset = 'balanced';

/**
 * What each preset recorded per desktop-hour on the office workload at 1280×720 (`npm run bench:office`,
 * BENCHMARKS.md): Settings shows it next to the preset. Measured, not promised: a busier screen records more.
 */
export const QUALITY_PRESET_MB_PER_HOUR: Record<QualityPreset, number> = { archive: 8, balanced: 9.5, sharp: 52 };

export const settingsSchema = z.object({
  idle_threshold_seconds: z.number(),
  idle_message: z.string(),
  /** Agents' windows name who watches live; false: "an administrator" (the viewing itself is never hidden). Older servers omit it. */
  viewer_names_shown: z.boolean().optional(),
  /** Whether the person at the desktop may pause the recording from the agent's window, and for how long at most. */
  pause_allowed: z.boolean().optional(),
  pause_max_minutes: z.number().optional(),
  /** How many days the company's audit trail is kept (default 365). */
  audit_retention_days: z.number().optional(),
  /** The company's quality preset; older servers omit it, and a preset this agent does not know reads as unset. */
  quality_preset: qualityPresetSchema.optional().catch(undefined),
});
export type Settings = z.infer<typeof settingsSchema>;

/**
 * Server → agent `viewers`: the people watching this desktop live now, one name per viewer (the same
 * person twice when watching from two windows); "an administrator" each when the company hides names.
 */
export const viewersSchema = z.object({ names: z.array(z.string().max(255)).max(1000) });
export type ViewersPayload = z.infer<typeof viewersSchema>;
