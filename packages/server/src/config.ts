import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

// Paths of what `npm start` builds, relative to this module: packages/server/src/config.ts, or
// packages/server/dist/main.js once bundled — the same depth, so the same relative paths.
/** The dashboard (packages/dashboard/dist). */
const BUILT_DASHBOARD = fileURLToPath(new URL('../../dashboard/dist', import.meta.url));
/** The browser share page, built from packages/agent/web (packages/agent/scripts/build.mjs). */
/** The self-contained agent executables (packages/agent/scripts/build-executables.mjs, `npm run build:agents`). */
const BUILT_AGENTS = fileURLToPath(new URL('../../agent/dist/executables', import.meta.url));
export const BUILT_SHARE_PAGE = fileURLToPath(new URL('../../agent/dist/web', import.meta.url));

const flagDefaulting = (value: 'true' | 'false') =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
    .default(value)
    .transform((v) => (v === '' ? value === 'true' : v === 'true' || v === '1' || v === 'yes'));
const flag = flagDefaulting('false');

const optionalText = z
  .string()
  .optional()
  .transform((v) => (v ? v : undefined));

/** A comma-separated list of origins (scheme://host[:port]), each stored as the URL API spells it. */
const originList = optionalText
  .transform((v) => (v ? v.split(',').map((o) => o.trim()).filter(Boolean) : []))
  .refine((list) => list.every((o) => URL.canParse(o) && new URL(o).origin === o.replace(/\/+$/, '')), 'list origins as scheme://host[:port], without a path')
  .transform((list) => list.map((o) => new URL(o).origin));

// An origin, optionally with a path prefix (behind a reverse proxy); stored without a trailing slash so that
// `${PUBLIC_URL}/agent/install.sh` is well formed.
const publicUrlSchema = z
  .string()
  .trim()
  .refine((v) => URL.canParse(v) && ['http:', 'https:'].includes(new URL(v).protocol), 'PUBLIC_URL must be an http:// or https:// URL')
  .refine((v) => !URL.canParse(v) || (!new URL(v).search && !new URL(v).hash), 'PUBLIC_URL must have no ?query or #fragment')
  .transform((v) => v.replace(/\/+$/, ''));

/** Every setting of the server, read from the environment once, with its default. */
const envSchema = z.object({
  /** HTTP + Socket.IO port. */
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** Bind address. */
  HOST: z.string().default('0.0.0.0'),
  /**
   * The address desktops and browsers reach this server at (e.g. https://vaahshare.example.com): the banner,
   * the agent's install commands, the share link and every printed link use it. Unset: the dashboard uses the
   * address it was opened with, and the start-up output says to set it.
   */
  PUBLIC_URL: optionalText.pipe(publicUrlSchema.optional()),
  /** SQLite database, videos and thumbnails live here. */
  DATA_DIR: z.string().default('./data'),
  /** `postgres://…` selects PostgreSQL instead of SQLite. */
  DATABASE_URL: optionalText.pipe(z.string().startsWith('postgres', 'DATABASE_URL must be a postgres:// URL').optional()),
  /** Several server nodes share Socket.IO rooms and events through Redis (the streams adapter). */
  REDIS_URL: optionalText.pipe(z.string().regex(/^rediss?:\/\//, 'REDIS_URL must be a redis:// or rediss:// URL').optional()),
  /** Names this deployment's stream and channels in Redis, so that several deployments can share one Redis. */
  REDIS_PREFIX: z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'REDIS_PREFIX: 1-64 of A-Za-z0-9_.:-').default('vaahshare'),
  /** A node that has not written its heartbeat row for this long is dead: other nodes release its clients. */
  NODE_DEAD_AFTER_MS: z.coerce.number().int().min(1000).default(6_000),
  /** How long a dropped client stays "reconnecting" before it is "disconnected". */
  RECONNECT_GRACE_MS: z.coerce.number().int().min(0).default(60_000),
  /** How often each WebSocket connection is sent an engine.io ping (which also stands in for Socket.IO's own). */
  HEARTBEAT_INTERVAL_MS: z.coerce.number().int().min(100).default(7_000),
  /** A socket that has not answered a ping this long is dropped; silent drops are noticed within interval + timeout. */
  HEARTBEAT_TIMEOUT_MS: z.coerce.number().int().min(50).default(2_000),
  /** How often the stored grace deadlines are swept (covers restarts and other nodes). */
  PRESENCE_SWEEP_MS: z.coerce.number().int().min(50).default(1_000),
  /** On a start with no admin user, create this admin (a superadmin). */
  // Stored as logins compare it (lower case), so an address written with capitals can log in.
  ADMIN_EMAIL: optionalText.pipe(z.string().trim().toLowerCase().email('ADMIN_EMAIL must be an e-mail address').optional()),
  ADMIN_PASSWORD: optionalText.pipe(z.string().min(8, 'ADMIN_PASSWORD must have at least 8 characters').optional()),
  /** The enrollment token of the default company (random and printed once when unset). */
  AGENT_TOKEN: optionalText.pipe(z.string().min(24, 'AGENT_TOKEN must have at least 24 characters (unset, the server generates one and prints it once)').optional()),
  /**
   * The default company accepts token-less original VaahShare clients (PROTOCOL.md §6), from any address unless its
   * allow-list in Settings names some. Other companies opt in from Settings. The server warns at start while any does.
   */
  LEGACY_AGENTS: flag,
  /**
   * Superadmins must set up a TOTP second factor before anything else (docs/SECURITY.md). `false` only where no
   * superadmin guards real data: the test harness and `npm run demo`.
   */
  TOTP_REQUIRED_FOR_SUPERADMINS: flagDefaulting('true'),
  /**
   * How often each recording's file is fdatasync'ed: what a power loss can take of acknowledged video (a crash
   * of the server process takes nothing; the kernel holds what `write()` accepted). Rounded to whole seconds,
   * as the stream sweep runs once a second.
   */
  STREAM_FSYNC_MS: z.coerce.number().int().min(1_000).default(5_000),
  /**
   * How recordings' bytes are written (`streaming/segment-writes.ts`): `auto` on the event loop, a copy into the
   * page cache, and in the thread pool for a minute after a write the kernel made wait, or always when DATA_DIR is
   * on a network file system Linux names (NFS, CIFS, CephFS, FUSE, …); `pool` always in the thread pool, for a
   * DATA_DIR where any write may wait that is not recognized as such.
   */
  STREAM_WRITES: z.enum(['auto', 'pool']).default('auto'),
  /** Largest accepted `video-frame` packet. */
  MAX_FRAME_BYTES: z.coerce.number().int().min(1024).default(4 * 1024 * 1024),
  /**
   * Limits on what one token holder can make the server hold or store (docs/SECURITY.md "Limits"); the defaults
   * fit a company of 10 000 desktops on one enrollment token and are far above what an agent sends.
   *
   * The largest Socket.IO message a connection may send before its handshake authenticated it (an enrollment
   * token, or an original client allowed in), and a dashboard's always; an agent's limit is then 2 × MAX_FRAME_BYTES.
   */
  MAX_UNAUTHENTICATED_MESSAGE_BYTES: z.coerce.number().int().min(4096).default(64 * 1024),
  /** Agent sockets open at once with one enrollment token, on each node: 10 000 desktops and their reconnects' overlap. */
  MAX_SOCKETS_PER_TOKEN: z.coerce.number().int().min(1).default(12_000),
  /**
   * New desktops (identities) one enrollment token may add within an hour: 10 000 enroll in five hours, an agent
   * refused meanwhile tries again when it is told to. Raise it for a faster first rollout.
   */
  MAX_NEW_CLIENTS_PER_TOKEN_PER_HOUR: z.coerce.number().int().min(1).default(2_000),
  /** Per agent socket: video bytes per second, after a burst of 4 × MAX_FRAME_BYTES (an agent streams ~0.1-0.5 MB/s). */
  AGENT_FRAME_BYTES_PER_SECOND: z.coerce.number().int().min(1024).default(4 * 1024 * 1024),
  /** Per agent socket: frame bytes received and not yet acknowledged; beyond it frames are refused `backlog_full`. */
  MAX_FRAME_BYTES_IN_FLIGHT: z.coerce.number().int().min(1024).default(8 * 1024 * 1024),
  /** Per agent socket: `client-connected` events per minute (one per connection is what agents send). */
  AGENT_CONNECTS_PER_MINUTE: z.coerce.number().int().min(1).default(10),
  /** Per agent socket: idle alerts per minute (an agent sends one per idle period, and its held ones after a cut). */
  AGENT_ALERTS_PER_MINUTE: z.coerce.number().int().min(1).default(30),
  /** Per agent socket: every other event per minute (start/stop-streaming, pause, resume, app-closed, …). */
  AGENT_EVENTS_PER_MINUTE: z.coerce.number().int().min(1).default(120),
  /** A live viewer holding more than this, not yet sent, is paused until it caught up (a slow link must not fill the server's memory). */
  VIEWER_MAX_UNSENT_BYTES: z.coerce.number().int().min(64 * 1024).default(8 * 1024 * 1024),
  /** Largest accepted upload of a recording made offline (POST /api/media/upload, legacy POST /upload); default 2 GiB. */
  MAX_UPLOAD_BYTES: z.coerce.number().int().min(1024).default(2 * 1024 ** 3),
  /**
   * Below this much free space on DATA_DIR the server stops acknowledging new video (agents keep it in their spool
   * and send it again), tells the admins, and takes video again once there is room.
   */
  MIN_FREE_DISK_MB: z.coerce.number().int().min(0).default(1024),
  /** How often the retention sweep deletes what the companies' retention policies no longer keep. */
  RETENTION_SWEEP_MS: z.coerce.number().int().min(1_000).default(10 * 60_000),
  /** Extra browser origins allowed to call the API and sockets (comma-separated); they also pass the origin check. */
  CORS_ORIGINS: originList,
  /**
   * Browser origins, besides the server's own (the address it was opened with, and PUBLIC_URL's), whose pages may
   * open a dashboard socket or send a state-changing request (comma-separated, e.g. https://other.example.com).
   */
  ALLOWED_ORIGINS: originList,
  /** PEM certificate chain and private key files: the server speaks HTTPS itself (and sends HSTS). */
  TLS_CERT: optionalText,
  TLS_KEY: optionalText,
  /**
   * Proxies whose X-Forwarded-For / X-Forwarded-Proto are believed (comma-separated addresses or CIDRs, or
   * loopback / linklocal / uniquelocal). Unset: none, the peer's own address is the client's.
   */
  TRUST_PROXY: optionalText.transform((v) => (v ? v.split(',').map((a) => a.trim()).filter(Boolean) : [])),
  /** /metrics answers only requests with `Authorization: Bearer <METRICS_TOKEN>` (Prometheus' `bearer_token`). */
  METRICS_TOKEN: optionalText.pipe(z.string().min(16, 'METRICS_TOKEN must have at least 16 characters').optional()),
  /**
   * Serves /metrics on this address only (host:port, e.g. 127.0.0.1:9464), not on PORT. With neither this nor
   * METRICS_TOKEN, /metrics is off.
   */
  METRICS_LISTEN: optionalText.pipe(
    z
      .string()
      .regex(/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, 'METRICS_LISTEN must be host:port, e.g. 127.0.0.1:9464')
      .transform((v) => ({ host: v.slice(0, v.lastIndexOf(':')).replace(/^\[|\]$/g, ''), port: Number(v.slice(v.lastIndexOf(':') + 1)) }))
      .optional(),
  ),
  /** Failed logins for one e-mail address within LOGIN_THROTTLE_WINDOW_MS before further tries are refused. */
  LOGIN_MAX_FAILURES_PER_EMAIL: z.coerce.number().int().min(1).default(5),
  /** Failed logins from one IP address within LOGIN_THROTTLE_WINDOW_MS before further tries are refused. */
  LOGIN_MAX_FAILURES_PER_IP: z.coerce.number().int().min(1).default(20),
  /** The throttle window; each try while refused doubles the wait (up to a day). */
  LOGIN_THROTTLE_WINDOW_MS: z.coerce.number().int().min(1000).default(15 * 60_000),
  /**
   * Argon2id's cost for dashboard passwords: memory (KiB) and passes. The default (64 MiB, 3 passes: ~0.35 s of
   * CPU on this project's 2-vCPU test machine) is above OWASP's recommendation. Lower it on a small machine,
   * never below OWASP's floor: at least 7 MiB, and memory × passes at least 35 840 KiB (e.g. 19 456 × 2, 7 168 × 5).
   * A changed cost applies to each password at its user's next login.
   */
  PASSWORD_HASH_MEMORY_KIB: z.coerce.number().int().min(7168).max(4 * 1024 * 1024).default(64 * 1024),
  PASSWORD_HASH_ITERATIONS: z.coerce.number().int().min(1).max(64).default(3),
  /** Names this node in the database; must differ between nodes sharing one database. */
  NODE_ID: optionalText,
  /** How long a dashboard login lasts at most. */
  SESSION_TTL_HOURS: z.coerce.number().positive().default(24 * 7),
  /** A dashboard login unused (no request, no new dashboard socket) this long has ended; fractions allowed. */
  SESSION_IDLE_MINUTES: z.coerce.number().positive().default(8 * 60),
  /** The built dashboard served at `/` (a missing build makes `/` say how to build it). */
  DASHBOARD_DIR: z.string().default(BUILT_DASHBOARD),
  /** The agent executables served at /agent/download (`npm run build:agents` builds them there). */
  AGENT_BUILDS_DIR: z.string().default(BUILT_AGENTS),
  /** How often this node looks for a new build there: its connected agents of that platform are offered it (PROTOCOL.md §8.14). */
  AGENT_UPDATE_CHECK_MS: z.coerce.number().int().min(100).default(30_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Config = Omit<z.infer<typeof envSchema>, 'NODE_ID' | 'DATA_DIR'> & { NODE_ID: string; DATA_DIR: string };

export class ConfigError extends Error {}

/** OWASP's cheapest argon2id settings (7 MiB × 5 passes … 46 MiB × 1) all do at least this much work. */
const OWASP_MIN_HASH_WORK_KIB = 7168 * 5;

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`Invalid configuration: ${problems}`);
  }
  const config = parsed.data;
  if (config.HEARTBEAT_TIMEOUT_MS >= config.HEARTBEAT_INTERVAL_MS) {
    throw new ConfigError('Invalid configuration: HEARTBEAT_TIMEOUT_MS must be less than HEARTBEAT_INTERVAL_MS');
  }
  if (Boolean(config.TLS_CERT) !== Boolean(config.TLS_KEY)) {
    throw new ConfigError('Invalid configuration: set TLS_CERT and TLS_KEY together');
  }
  if (config.PASSWORD_HASH_MEMORY_KIB * config.PASSWORD_HASH_ITERATIONS < OWASP_MIN_HASH_WORK_KIB) {
    throw new ConfigError(
      `Invalid configuration: PASSWORD_HASH_MEMORY_KIB × PASSWORD_HASH_ITERATIONS must be at least ${OWASP_MIN_HASH_WORK_KIB} (OWASP's floor for argon2id, e.g. 19456 × 2): raise one of them`,
    );
  }
  if (Boolean(config.ADMIN_EMAIL) !== Boolean(config.ADMIN_PASSWORD)) {
    throw new ConfigError('Invalid configuration: set ADMIN_EMAIL and ADMIN_PASSWORD together');
  }
  return {
    ...config,
    DATA_DIR: path.resolve(config.DATA_DIR),
    DASHBOARD_DIR: path.resolve(config.DASHBOARD_DIR),
    AGENT_BUILDS_DIR: path.resolve(config.AGENT_BUILDS_DIR),
    NODE_ID: config.NODE_ID ?? `${os.hostname()}:${config.PORT}`,
  };
}
