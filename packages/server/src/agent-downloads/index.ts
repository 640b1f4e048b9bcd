import type { FastifyInstance } from 'fastify';
import type { CompaniesFace } from '../companies/index.js';
import type { AppContext } from '../context.js';
import type { Feature } from '../feature.js';
import { every } from '../infra/background.js';
import type { PresenceFace } from '../presence/index.js';
import { agentDownloadsRoutes } from './agent-downloads.routes.js';
import { createAgentBuilds } from './builds.js';
import { offerFor, publishedBuilds } from './updates.js';
import { registerUpdateStatusHandler } from './updates.socket.js';

export { guessServerUrl } from './public-url.js';

/**
 * The agent for desktops: its executables, the one-line install scripts, what "Add a desktop" shows, and the
 * agents' self-update (PROTOCOL.md §8.14): each agent is offered the build this server holds for its platform
 * when it connects, and again whenever a new build is put in place.
 */
export function createAgentDownloadsFeature(ctx: AppContext, { companies, presence }: { companies: CompaniesFace; presence: Pick<PresenceFace, 'clients'> }) {
  const builds = createAgentBuilds(ctx.config.AGENT_BUILDS_DIR);
  const checkPublished = publishedBuilds(builds, (offer) => {
    ctx.log.info({ platform: offer.platform, version: offer.version }, 'a new agent build: offering it to the connected agents of its platform');
    ctx.broadcast.toPlatformAgentsHere(offer.platform).emit('agent-update', offer);
  });
  // Awaited before the ack of client-connected: the offer reaches the agent first, and a legacy client never gets one.
  ctx.events.on('agent-connected', ({ legacy, socketId, machineInfo }) => {
    if (legacy || !machineInfo.agent_platform) return;
    ctx.broadcast.joinPlatformAgents(socketId, machineInfo.agent_platform);
    const offer = offerFor(builds, machineInfo);
    if (offer) ctx.broadcast.toSocket(socketId).emit('agent-update', offer);
  });
  let stopChecks = () => {};
  return {
    routes: async (app: FastifyInstance) => {
      await app.register(agentDownloadsRoutes, { ctx, companies, builds });
    },
    agentHandlers: (handlers) => registerUpdateStatusHandler(ctx, presence.clients, handlers),
    start: async () => {
      checkPublished();
      stopChecks = every(ctx.log, 'agent build check', ctx.config.AGENT_UPDATE_CHECK_MS, async () => checkPublished());
    },
    stop: async () => stopChecks(),
  } satisfies Feature;
}
