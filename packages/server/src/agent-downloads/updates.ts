import { AGENT_PLATFORMS, agentPlatformSchema, type AgentPlatform, type AgentUpdateOffer, type MachineInfo } from '@vaahshare/protocol';
import type { AgentBuilds } from './builds.js';

/**
 * What the server offers an agent (PROTOCOL.md §8.14): the build it holds for the agent's platform, when the agent
 * runs another one. Builds are named by their code (`<package version>+<hash>`), not ordered: the build on the
 * server is the one its admin wants desktops to run. An agent from a checkout (`dev`) is offered it too, and says
 * that it does not update itself.
 */
export function offerFor(builds: Pick<AgentBuilds, 'manifest'>, machine: Pick<MachineInfo, 'agent_platform' | 'agent_version'>): AgentUpdateOffer | null {
  const platform = agentPlatformSchema.safeParse(machine.agent_platform);
  if (!platform.success || !machine.agent_version) return null;
  const offer = currentOffer(builds, platform.data);
  return offer && offer.version !== machine.agent_version ? offer : null;
}

export function currentOffer(builds: Pick<AgentBuilds, 'manifest'>, platform: AgentPlatform): AgentUpdateOffer | null {
  const build = builds.manifest(platform);
  if (!build) return null;
  return { platform, version: build.version, sha256: build.agent.sha256, size: build.agent.size, url: `/agent/download/${platform}` };
}

/**
 * Calls `published` with each platform whose build changed since the last call (a new build put in place while
 * agents are connected); the builds found at the first call are not news.
 */
export function publishedBuilds(builds: Pick<AgentBuilds, 'manifest'>, published: (offer: AgentUpdateOffer) => void) {
  let known: Map<AgentPlatform, string | null> | null = null;
  return () => {
    const now = new Map(AGENT_PLATFORMS.map((p) => [p, builds.manifest(p)?.version ?? null]));
    for (const platform of AGENT_PLATFORMS) {
      const offer = known && now.get(platform) !== known.get(platform) ? currentOffer(builds, platform) : null;
      if (offer) published(offer);
    }
    known = now;
  };
}
