import fs from 'node:fs';
import path from 'node:path';
import envPaths from 'env-paths';
import { z } from 'zod';
import { isPlainHttpToAnotherMachine, plainHttpRefusal, userHostSchema } from '@vaahshare/protocol';
import { LAUNCH_AGENT_LABEL } from './autostart/autostart.js';
import { agentCommand } from './invocation.js';

/**
 * Every setting of the agent, from (strongest first) command-line flags, the environment, the config
 * file that `setup` writes, and defaults. The only reader of `process.env` in the agent.
 */
const paths = envPaths('vaahshare-agent', { suffix: '' });

const sizeSchema = z
  .string()
  .regex(/^\d{2,5}x\d{2,5}$/, 'size must look like 1280x720')
  .transform((s) => s.split('x').map(Number) as [number, number]);

const fileSchema = z.object({
  server: z.url().optional(),
  token: z.string().min(1).optional(),
  /** Saved by `setup --insecure`: plain http:// to another machine, knowingly. */
  insecure: z.boolean().optional(),
  user_host: userHostSchema.optional(),
  source: z.enum(['screen', 'test']).optional(),
  fps: z.number().optional(),
  size: z.string().optional(),
  bitrate: z.string().optional(),
  display: z.string().min(1).optional(),
  segment_minutes: z.number().optional(),
});
export type ConfigFile = z.infer<typeof fileSchema>;

export const settingsSchema = z.object({
  server: z.url({ error: 'the server must be a URL such as http://localhost:3000' }).optional(),
  token: z.string().min(1).optional(),
  /** Plain http:// to another machine is allowed (`--insecure`, VAAHSHARE_INSECURE, or saved by `setup --insecure`). */
  insecure: z.boolean(),
  userHost: userHostSchema.optional(),
  dataDir: z.string().min(1),
  source: z.enum(['screen', 'test'], { error: 'source must be "screen" or "test"' }),
  fps: z.coerce.number().min(1, 'fps must be 1-60').max(60, 'fps must be 1-60'),
  size: sizeSchema,
  /** A cap on the video bitrate replacing the company preset's; unset: the preset's. */
  bitrate: z.string().regex(/^\d+(\.\d+)?[kKmM]?$/, 'bitrate must look like 800k or 1M').optional(),
  display: z.string().min(1),
  segmentMinutes: z.coerce.number({ error: 'segment minutes must be a number' }).min(0, 'segment minutes must be 0 (off) or more'),
  ffmpeg: z.string().optional(),
  path: z.string(),
  /** How long a self-update waits for the new executable to connect before rolling back (PROTOCOL.md §8.14). */
  updateTrialSeconds: z.coerce.number({ error: 'update trial seconds must be a number' }).min(1, 'update trial seconds must be 1 or more'),
  /** Set by an agent for the new executable it tries (the version it expects): that one reports when it connected. */
  updateTrial: z.string().optional(),
  /** The service manager this process is the main process of, if any: a self-update restarts through it. */
  service: z.enum(['systemd', 'launchd']).nullable(),
});
export type Settings = z.infer<typeof settingsSchema>;

export class SettingsError extends Error {}

export const defaultConfigFile = (env = process.env) => env.VAAHSHARE_CONFIG ?? path.join(paths.config, 'config.json');

export function readConfigFile(file: string): ConfigFile {
  if (!fs.existsSync(file)) return {};
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new SettingsError(`${file} is not valid JSON (${(err as Error).message}): fix it or run \`${agentCommand()} setup\` again`);
  }
  const parsed = fileSchema.safeParse(raw);
  if (!parsed.success) throw new SettingsError(`${file}: ${describe(parsed.error)}`);
  return parsed.data;
}

/** Writes the config file readable by its owner only: it holds the enrollment token. */
export function writeConfigFile(file: string, config: ConfigFile) {
  const parsed = fileSchema.safeParse(config);
  if (!parsed.success) throw new SettingsError(describe(parsed.error));
  settingsSchema.shape.size.parse(config.size ?? '1280x720');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
}

/** Flags as commander hands them over (all optional). */
export interface Flags {
  server?: string;
  token?: string;
  userHost?: string;
  dataDir?: string;
  source?: string;
  fps?: string;
  size?: string;
  bitrate?: string;
  display?: string;
  segmentMinutes?: string;
  config?: string;
  insecure?: boolean;
}

const envFlag = (value: string | undefined) => value !== undefined && ['1', 'true', 'yes'].includes(value.toLowerCase());

function defaultDisplay(env: NodeJS.ProcessEnv): string {
  if (process.platform === 'win32') return 'desktop';
  if (process.platform === 'darwin') return '1';
  return env.DISPLAY ?? ':0';
}

export function loadSettings(flags: Flags, env: NodeJS.ProcessEnv = process.env): Settings {
  const file = readConfigFile(flags.config ?? defaultConfigFile(env));
  const parsed = settingsSchema.safeParse({
    server: flags.server ?? env.VAAHSHARE_SERVER ?? file.server,
    token: flags.token ?? env.VAAHSHARE_TOKEN ?? file.token,
    insecure: Boolean(flags.insecure) || envFlag(env.VAAHSHARE_INSECURE) || Boolean(file.insecure),
    userHost: flags.userHost ?? env.VAAHSHARE_USER_HOST ?? file.user_host,
    dataDir: flags.dataDir ?? env.VAAHSHARE_DATA_DIR ?? paths.data,
    source: flags.source ?? env.VAAHSHARE_SOURCE ?? file.source ?? 'screen',
    fps: flags.fps ?? env.VAAHSHARE_FPS ?? file.fps ?? 10,
    size: flags.size ?? env.VAAHSHARE_SIZE ?? file.size ?? '1280x720',
    bitrate: flags.bitrate ?? env.VAAHSHARE_BITRATE ?? file.bitrate,
    display: flags.display ?? file.display ?? defaultDisplay(env),
    segmentMinutes: flags.segmentMinutes ?? env.VAAHSHARE_SEGMENT_MINUTES ?? file.segment_minutes ?? 30,
    ffmpeg: env.VAAHSHARE_FFMPEG,
    path: env.PATH ?? '',
    updateTrialSeconds: env.VAAHSHARE_UPDATE_TRIAL_SECONDS ?? 60,
    updateTrial: env.VAAHSHARE_UPDATE_TRIAL,
    service: serviceOf(env),
  });
  if (!parsed.success) throw new SettingsError(describe(parsed.error));
  return parsed.data;
}

/**
 * systemd names the main process of a service in SYSTEMD_EXEC_PID (a terminal's shell inherits it, with another pid);
 * launchd names the job in XPC_SERVICE_NAME (autostart/autostart.ts writes both units).
 */
function serviceOf(env: NodeJS.ProcessEnv): Settings['service'] {
  if (env.INVOCATION_ID && env.SYSTEMD_EXEC_PID === String(process.pid)) return 'systemd';
  if (env.XPC_SERVICE_NAME === LAUNCH_AGENT_LABEL) return 'launchd';
  return null;
}

/** `start` needs a server and a token; says where they can come from. */
export function requireServer(settings: Settings): Settings & { server: string; token: string } {
  if (!settings.server || !settings.token) {
    throw new SettingsError(`No server or token: pass --server URL --token TOKEN, set VAAHSHARE_SERVER and VAAHSHARE_TOKEN, or run \`${agentCommand()} setup\` once`);
  }
  refusePlainHttp(settings.server, settings.insecure);
  return settings as Settings & { server: string; token: string };
}

/** Plain http:// to another machine only with --insecure: the token, the device secret and the screen go unencrypted. */
export function refusePlainHttp(server: string, insecure: boolean) {
  if (isPlainHttpToAnotherMachine(server) && !insecure) throw new SettingsError(plainHttpRefusal(server));
}

function describe(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || 'value'}: ${i.message}`).join('; ');
}
