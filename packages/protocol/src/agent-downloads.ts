import { z } from 'zod';
import { isPlainHttpToAnotherMachine } from './transport.js';

/** The platforms the self-contained agent executable is built for (`npm run build:agents`). */
export const AGENT_PLATFORMS = ['linux-x64', 'win-x64', 'darwin-x64', 'darwin-arm64'] as const;
export const agentPlatformSchema = z.enum(AGENT_PLATFORMS, { error: `platform must be one of ${AGENT_PLATFORMS.join(', ')}` });
export type AgentPlatform = z.infer<typeof agentPlatformSchema>;

const builtFileSchema = z.object({ file: z.string(), size: z.number().int().nonnegative(), sha256: z.string().regex(/^[0-9a-f]{64}$/) });

/** `manifest.json` beside each platform's build: what the server states about the files it serves. */
export const agentBuildManifestSchema = z.object({
  platform: agentPlatformSchema,
  version: z.string().min(1),
  node: z.string(),
  built_at: z.string(),
  agent: builtFileSchema,
  ffmpeg: builtFileSchema,
});
export type AgentBuildManifest = z.infer<typeof agentBuildManifestSchema>;

/** GET /api/agent-downloads: what the dashboard's "Add a desktop" shows. */
export const agentDownloadsSchema = z.object({
  /** PUBLIC_URL, or null when unset (the dashboard then uses the address it was opened with). */
  public_url: z.string().nullable(),
  builds: z.array(
    z.object({
      platform: agentPlatformSchema,
      /** Null: not built on this server yet (`npm run build:agents`). */
      version: z.string().nullable(),
      size: z.number().nullable(),
      ffmpeg_size: z.number().nullable(),
    }),
  ),
});
export type AgentDownloads = z.infer<typeof agentDownloadsSchema>;

/**
 * Server → agent `agent-update` (PROTOCOL.md §8.14): the server holds another build for the agent's platform. The
 * agent downloads `url` (a path on the server), checks it against `sha256` and runs it instead of itself.
 */
export const agentUpdateOfferSchema = z.object({
  platform: agentPlatformSchema,
  version: z.string().min(1).max(64),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  size: z.number().int().nonnegative(),
  url: z.string().startsWith('/'),
});
export type AgentUpdateOffer = z.infer<typeof agentUpdateOfferSchema>;

/**
 * Agent → server `agent-update-status`, and `machine_info.agent_update`: where the agent's self-update to `version`
 * stands. `updating`: downloading and trying it; `failed`: refused (sha256 mismatch) or rolled back, with why.
 */
export const agentUpdateStatusSchema = z.object({
  state: z.enum(['updating', 'failed']),
  version: z.string().min(1).max(64),
  reason: z.string().regex(/^[^\u0000]*$/, 'must not contain NUL characters').max(500).optional(),
  at: z.iso.datetime({ offset: true }).optional(),
});
export type AgentUpdateStatus = z.infer<typeof agentUpdateStatusSchema>;

/**
 * The one line that installs the agent, per OS: the dashboard and the server's banner print the same. To a server
 * at a plain http:// address of another machine they carry the explicit opt-in the scripts then ask for.
 */
export function installCommands(serverUrl: string, token: string) {
  const query = `token=${encodeURIComponent(token)}`;
  if (isPlainHttpToAnotherMachine(serverUrl)) {
    return {
      unix: `curl -fsSL "${serverUrl}/agent/install.sh?${query}" | sh -s -- --insecure`,
      windows: `& ([scriptblock]::Create((irm "${serverUrl}/agent/install.ps1?${query}"))) -Insecure`,
    };
  }
  return {
    unix: `curl -fsSL "${serverUrl}/agent/install.sh?${query}" | sh`,
    windows: `irm "${serverUrl}/agent/install.ps1?${query}" | iex`,
  };
}

/** The agent's `setup` line for a server (what "Add a desktop" shows beside the downloads). */
export const setupCommand = (agent: string, serverUrl: string, token: string) =>
  `${agent} setup --server ${serverUrl} --token ${token}${isPlainHttpToAnotherMachine(serverUrl) ? ' --insecure' : ''}`;
