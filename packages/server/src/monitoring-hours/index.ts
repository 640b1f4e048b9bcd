import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import type { Feature } from '../feature.js';
import { runInBackground } from '../infra/background.js';
import type { SocketServer } from '../sockets.js';
import { createHoursAnnouncer, realTimers } from './announcer.js';
import { hoursRoutes } from './hours.routes.js';
import { createScheduleCache } from './schedules.js';

/** How long a node trusts the schedules it read, should it miss another node's word of a change. */
const SCHEDULES_MAX_AGE_MS = 60_000;

/**
 * Monitoring hours per group and company (issue 16, PROTOCOL.md §8.24): `/api/monitoring-hours`, and each agent of
 * this project told its hours when it connects, when they change and at each boundary. It listens: presence's
 * `agent-connected`, groups' `clients-moved` and `group-changed`.
 */
export function createMonitoringHoursFeature(ctx: AppContext, { io, clustered }: Pick<SocketServer, 'io' | 'clustered'>) {
  const cache = createScheduleCache({ db: ctx.db, clock: ctx.clock, maxAgeMs: SCHEDULES_MAX_AGE_MS });
  const announcer = createHoursAnnouncer({
    clock: ctx.clock,
    timers: realTimers,
    placements: cache.placements,
    hoursOf: cache.hoursOf,
    send: (socketId, payload) => ctx.broadcast.toSocket(socketId).emit('monitoring-hours', payload),
    onError: (err) => ctx.log.error({ err }, 'telling agents their monitoring hours failed'),
  });
  const changedHere = (companyId: number) => {
    cache.forget(companyId);
    return announcer.companyChanged(companyId);
  };
  const schedules = {
    changed(companyId: number) {
      if (clustered) io.serverSideEmit('monitoring-hours-changed', companyId);
      return changedHere(companyId);
    },
  };
  if (clustered) io.on('monitoring-hours-changed', (companyId) => runInBackground(ctx.log, 'monitoring hours of another node', changedHere(companyId)));
  // The original client is never told (PROTOCOL.md §6): it would not know the event.
  ctx.events.on('agent-connected', ({ clientId, socketId, legacy, placed }) => {
    if (!legacy) runInBackground(ctx.log, 'monitoring hours on connect', announcer.add({ socketId, clientId, placed }));
  });
  // Clients that changed group may have other hours now.
  ctx.events.on('clients-moved', ({ companyId }) => schedules.changed(companyId));
  ctx.events.on('group-changed', ({ companyId, change }) => (change === 'deleted' ? schedules.changed(companyId) : undefined));

  return {
    /** Runs what the boundary timer runs (tests move a fake clock, then call it). */
    boundary: () => announcer.boundary(),
    /** How many agent sockets of this node it keeps (one per agent that connected here and is still here). */
    agentsHere: () => announcer.size(),
    routes: async (app: FastifyInstance) => {
      await app.register(hoursRoutes, { prefix: '/api/monitoring-hours', ctx, schedules });
    },
    // After the socket's events were handled: a `client-connected` still running when it dropped adds it first.
    agentHandlers: (handlers) => handlers.onAgentDisconnect(async (socket) => announcer.remove(socket.id)),
    stop: async () => announcer.stop(),
  } satisfies Feature & Record<string, unknown>;
}
