import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ClusterFace } from '../cluster/index.js';
import type { CompaniesFace } from '../companies/index.js';
import type { AppContext } from '../context.js';
import type { Feature } from '../feature.js';
import { every } from '../infra/background.js';
import { addClientsByStateGauge } from '../infra/metrics.js';
import { announceTransitions } from './announcements.js';
import { createPauses } from './pauses.js';
import { registerPauseHandlers } from './pauses.socket.js';
import { clientsRoutes } from './clients.routes.js';
import { toClient } from './client-view.js';
import { deviceSecretOf, proveDevice } from './device-credential.js';
import { createNewClientBudget } from './new-clients.js';
import { createOrphanWatch } from './orphan-watch.js';
import { countByState, ensureClient, findClientByIdentity, newClientsOfToken, setMetaKey } from './presence.repository.js';
import type { Connection } from './presence.service.js';
import { createPresence } from './presence.service.js';
import { registerPresenceHandlers } from './presence.socket.js';

export { toClient } from './client-view.js';
export { connectionOf } from './presence.socket.js';
export type { Connection } from './presence.service.js';

export type PresenceFace = ReturnType<typeof createPresenceFeature>;

/** Who is online: the presence lifecycle of clients, its socket handlers and `/api/clients`. */
export function createPresenceFeature(ctx: AppContext, { companies, cluster }: { companies: CompaniesFace; cluster: ClusterFace }) {
  const { config, events, log } = ctx;
  const presence = createPresence({
    db: ctx.db,
    clock: ctx.clock,
    graceMs: config.RECONNECT_GRACE_MS,
    nodeId: config.NODE_ID,
    events,
    onError: (what, err) => log.error({ err }, `${what} failed`),
    heard: ctx.broadcast.dashboardsMayHear,
    newClients: createNewClientBudget({
      max: config.MAX_NEW_CLIENTS_PER_TOKEN_PER_HOUR,
      clock: ctx.clock,
      count: (tokenId, since) => newClientsOfToken(ctx.db, tokenId, since),
    }),
  });
  const pauses = createPauses({ db: ctx.db, clock: ctx.clock, broadcast: ctx.broadcast, companies: ctx.companies });
  announceTransitions(events, ctx.broadcast, ctx.metrics);
  addClientsByStateGauge(ctx.metrics, () => countByState(ctx.db));
  // Clients of nodes found dead are reconnecting now; on a pool of its own, not behind the storm of connects it races.
  const orphans = createOrphanWatch(ctx.clock);
  events.on('nodes-checked', ({ alive }) => orphans.checked(alive, () => presence.releaseOrphans(ctx.backgroundDb)));
  // A revoked token's agents stop: their clients are disconnected at once instead of waiting out a grace period.
  events.on('token-revoked', ({ tokenId }) => presence.revokeToken(tokenId));
  let closing = false;
  let stopSweep = () => {};

  return {
    presence,
    /** Clients by identity, for REST callers that name one (uploads, the original client's checks). */
    clients: {
      findByIdentity: (companyId: number, userHost: string) => findClientByIdentity(ctx.db, companyId, userHost),
      /**
       * The client `(companyId, userHost)` (undefined if it never connected) for an agent's REST call: an enrolled
       * desktop must prove it is itself with its device secret in `X-Device-Secret` (PROTOCOL.md §2), else a 401.
       */
      async findProven(companyId: number, userHost: string, request: FastifyRequest) {
        const row = await findClientByIdentity(ctx.db, companyId, userHost);
        proveDevice(userHost, row?.device_secret_hash, deviceSecretOf(request));
        return row;
      },
      /** A desktop that never connected gets its client, disconnected (in the group of the token it calls with, if any). */
      ensure: (companyId: number, userHost: string, tokenId: number | null = null) => ensureClient(ctx.db, companyId, userHost, ctx.clock.now(), tokenId),
      /** Sets `meta[key]` of the connection's client; null when the connection is no longer the client's. */
      setMeta: async (connection: Connection, key: string, value: unknown) => {
        const row = await setMetaKey(ctx.db, connection.clientId, connection.generation, key, value);
        return row ? toClient(row) : null;
      },
    },
    routes: async (app: FastifyInstance) => {
      await app.register(clientsRoutes, { prefix: '/api/clients', ctx, companies });
    },
    agentHandlers: (handlers) => {
      registerPresenceHandlers(ctx, { presence, companies, isShuttingDown: () => closing });
      registerPauseHandlers(handlers, pauses);
    },
    start: async () => {
      // Clients this node held before a crash get a fresh grace period to come back; they were last seen when the
      // node last beat, not now.
      await presence.releaseNode(cluster.previousBeat());
      stopSweep = every(log, 'presence sweep', config.PRESENCE_SWEEP_MS, () => presence.sweepExpired());
    },
    stop: async () => {
      closing = true;
      stopSweep();
      // Clients get their grace period to reach another node or this one once it is back.
      await presence.releaseNode().catch((err) => log.error({ err }, 'releasing clients at shutdown failed'));
      presence.stop();
    },
  } satisfies Feature & Record<string, unknown>;
}
