import { z } from 'zod';
import { agentUpdateStatusSchema } from './agent-downloads.js';
import { idSchema } from './ids.js';

/**
 * Text the server stores or looks up. PostgreSQL refuses NUL characters in text, and no name, label or id
 * needs one, so NUL is bad input here (rather than a database error).
 */
export const textSchema = () => z.string().regex(/^[^\u0000]*$/, 'must not contain NUL characters');

/**
 * A user name as operating systems report it (`os.userInfo().username`): any printable characters, spaces inside
 * included (Windows allows "Jane Doe"), but no control or invisible format characters, no `@`, no path separators,
 * and not made of dots only, so that an identity can never read as a path (`..`) or hide characters in a list.
 */
const USERNAME = String.raw`(?!\.+@)[^\p{C}\s@/\\](?:[^\p{C}@/\\]*[^\p{C}\s@/\\])?`;
/** A host name (`os.hostname()`): dot-separated labels of letters, digits, `-` and `_`. */
const HOSTNAME = String.raw`[\p{L}\p{N}_-]+(?:\.[\p{L}\p{N}_-]+)*`;
const USER_HOST = new RegExp(`^${USERNAME}@${HOSTNAME}$`, 'u');

export const USER_HOST_RULE =
  'user_host must be username@hostname: a user name without control characters, `@`, `/` or `\\` (not only dots), then a host name of letters, digits, `-`, `_` and dots';

/** `username@hostname` (PROTOCOL.md §8.10); also the client's identity inside its company, so it is bounded. */
export const userHostSchema = z.string().trim().min(1, { abort: true }).max(255, { abort: true }).regex(USER_HOST, USER_HOST_RULE);

/** The original client reads the company id from a text field, so numeric strings are accepted. */
export const companyIdSchema = z.union(
  [idSchema, z.string().regex(/^\d{1,12}$/, 'company_id must be a number').transform(Number).pipe(idSchema)],
  { error: 'company_id must be a whole number or a string of digits' },
);

/** A short text the agent reports about its machine: bounded, and without NUL (it is stored as the client's `meta`). */
const machineText = (max: number) => textSchema().max(max);

/**
 * What a desktop reports about itself, stored as its client's `meta` and listed to every dashboard: every field is
 * known, typed and bounded (about 3 KB in all), and a key nobody defined is refused, so `meta` cannot carry megabytes
 * (docs/SECURITY.md "Limits"). The original client sends exactly `user_host`, `username`, `hostname`, `platform`
 * (`os.platform()`), `operatingSystem` (`os.type()`) and `macAddress` (PROTOCOL.md §6); this project's agent adds the
 * `agent_*` fields (§8.7, §8.14).
 */
export const machineInfoSchema = z.strictObject({
  user_host: userHostSchema,
  username: machineText(255).optional(),
  hostname: machineText(255).optional(),
  platform: machineText(64).optional(),
  operatingSystem: machineText(255).optional(),
  macAddress: machineText(64).optional(),
  /** The vaahshare-agent build (`<package version>+<code hash>`, or `dev` from a checkout); the original client sends none. */
  agent_version: machineText(64).optional(),
  /** The platform of that build (`linux-x64`, `win-x64`, …: the build the server would update it to); none from the original client. */
  agent_platform: machineText(32).optional(),
  /** The agent's last self-update that failed, until one succeeds (PROTOCOL.md §8.14); none otherwise. */
  agent_update: agentUpdateStatusSchema.strict().optional(),
});
export type MachineInfo = z.infer<typeof machineInfoSchema>;

/** The secret a desktop got when it enrolled (PROTOCOL.md §2 "Device credential"): random base64url, 43 characters. */
export const deviceSecretSchema = z.string().regex(/^[A-Za-z0-9_-]{16,128}$/, 'device_secret must be the secret the server issued (16-128 of A-Za-z0-9_-)');

export const clientConnectedSchema = z.looseObject({
  machine_info: machineInfoSchema,
  company_id: companyIdSchema.optional(),
  /** Required once this `user_host` is enrolled; absent on the first connection, which enrolls it. */
  device_secret: deviceSecretSchema.optional(),
});
export type ClientConnectedPayload = z.input<typeof clientConnectedSchema>;

export const segmentIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'segment_id must be 1-64 of A-Za-z0-9_-');

export const startStreamingSchema = z.looseObject({
  segment_id: segmentIdSchema.optional(),
  start_time: z.union([z.number(), z.string().max(64)], { error: 'start_time must be a number or a string' }).optional(),
});
export type StartStreamingPayload = z.input<typeof startStreamingSchema>;

const isBinary = (value: unknown) => value instanceof Uint8Array || value instanceof ArrayBuffer;
const binarySchema = z.custom<Uint8Array>(isBinary, 'buffer must be binary');

const videoFrameObjectSchema = z.looseObject({
  buffer: binarySchema,
  segment_id: segmentIdSchema.optional(),
  offset: z.number().int().nonnegative().optional(),
});
/**
 * Bare bytes are refused: a Node Buffer has `buffer` (its whole underlying memory) and `offset` properties of its
 * own, so it would otherwise pass as `{ buffer, offset }` and other bytes than the ones sent would be stored.
 */
export const videoFrameSchema = z
  .custom<z.input<typeof videoFrameObjectSchema>>((value) => !isBinary(value), 'send { buffer: <bytes> }, not bare bytes')
  .pipe(videoFrameObjectSchema);
export type VideoFramePayload = z.input<typeof videoFrameSchema>;

/** The original client sends arbitrary data with stop-streaming; only a segment id matters. */
export const stopStreamingSchema = z.preprocess(
  (value) => (value !== null && typeof value === 'object' && !Array.isArray(value) ? value : {}),
  z.looseObject({ segment_id: segmentIdSchema.optional() }),
);

/** `pause`: stop recording for `minutes` (within the company's maximum), with a reason the admins see. */
export const pauseSchema = z.object({
  minutes: z.number({ error: 'minutes must be a number' }).int('minutes must be a whole number').min(1, 'pause for at least 1 minute').max(24 * 60, 'pause for at most 1440 minutes'),
  reason: textSchema().trim().min(1, 'give a reason').max(500, 'the reason may have at most 500 characters'),
});
export type PausePayload = z.input<typeof pauseSchema>;

const TEN_YEARS_S = 10 * 365 * 24 * 3600;

/**
 * An idle alert. The original client sends `{ type, idle_seconds }` only; this project's agent also names the idle
 * period (`alert_id`), says when the threshold was crossed (`occurred_at`, for an alert it held while offline) and,
 * once the person is back, how long they were away (`away_seconds`): a repeat with the same id updates the alert.
 */
export const alertSchema = z.looseObject({
  type: z.literal('idle'),
  idle_seconds: z.number().nonnegative().max(TEN_YEARS_S),
  alert_id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'alert_id must be 1-64 of A-Za-z0-9_-').optional(),
  occurred_at: z.iso.datetime({ offset: true, error: 'occurred_at must be an ISO 8601 date-time' }).optional(),
  away_seconds: z.number().nonnegative().max(TEN_YEARS_S).optional(),
});
export type AlertPayload = z.input<typeof alertSchema>;
