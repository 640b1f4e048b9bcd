import { agentUpdateStatusSchema } from '@vaahshare/protocol';

/** What the dashboard says of a client's agent build: its version, and whether an update is pending, under way or failed. */
export interface AgentUpdateView {
  state: 'pending' | 'updating' | 'failed';
  /** Short, for the badge. */
  label: string;
  /** The whole story, for the tooltip and the client page. */
  text: string;
}

/**
 * From the client's `meta` (what its agent reports, PROTOCOL.md §8.14) and the build the server holds for each
 * platform: `failed` (its last update to the held build failed), `updating`, or `pending` (it runs another build
 * than the one held, and will be offered it). A checkout's agent (`dev`) and the original client are never pending.
 */
export function agentUpdateOf(meta: Record<string, unknown>, held: Readonly<Record<string, string | null>>): AgentUpdateView | null {
  const reported = agentUpdateStatusSchema.safeParse(meta.agent_update);
  const version = typeof meta.agent_version === 'string' ? meta.agent_version : null;
  const platform = typeof meta.agent_platform === 'string' ? meta.agent_platform : null;
  const target = platform ? (held[platform] ?? null) : null;
  if (reported.success && reported.data.state === 'updating') {
    return { state: 'updating', label: 'updating', text: `Updating to ${reported.data.version}` };
  }
  if (reported.success && (target === null || reported.data.version === target)) {
    const why = reported.data.reason ?? 'no reason given';
    return { state: 'failed', label: 'update failed', text: `Update to ${reported.data.version} failed: ${why}` };
  }
  if (!version || version === 'dev' || !target || target === version) return null;
  return { state: 'pending', label: 'update pending', text: `Update pending: ${version} → ${target}` };
}
