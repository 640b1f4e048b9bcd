import type { FastifyInstance } from 'fastify';
import { groupsOfClients } from '../access/index.js';
import type { AppContext } from '../context.js';
import type { Feature } from '../feature.js';
import { countRepeat, findAgentAlert, findAlert, findAlertNear, insertAlert, setAwaySeconds } from './alerts.repository.js';
import { alertsRoutes } from './alerts.routes.js';
import { createAlerts } from './alerts.service.js';
import { registerAlertHandlers } from './alerts.socket.js';

export type AlertsFace = ReturnType<typeof createAlertsFeature>;

/** Idle alerts: raised by agents over their socket (or the original client over REST), listed and acknowledged. */
export function createAlertsFeature(ctx: AppContext) {
  const alerts = createAlerts({
    broadcast: ctx.broadcast,
    clock: ctx.clock,
    store: {
      insert: (alert) => insertAlert(ctx.db, alert),
      findAgentAlert: (clientId, agentAlertId) => findAgentAlert(ctx.db, clientId, agentAlertId),
      find: (id) => findAlert(ctx.db, id),
      setAwaySeconds: (id, awaySeconds) => setAwaySeconds(ctx.db, id, awaySeconds),
      findNear: (clientId, at, windowMs) => findAlertNear(ctx.db, clientId, at, windowMs),
      countRepeat: (id) => countRepeat(ctx.db, id),
      groupOf: async (clientId) => (await groupsOfClients(ctx.db, [clientId])).get(clientId),
    },
    repeatWindowMs: async (companyId) => ((await ctx.companies.settings(companyId))?.idle_threshold_seconds ?? 0) * 1000,
  });
  return {
    alerts,
    routes: async (app: FastifyInstance) => {
      await app.register(alertsRoutes, { prefix: '/api/alerts', ctx });
    },
    agentHandlers: (handlers) => registerAlertHandlers(alerts, handlers),
  } satisfies Feature & Record<string, unknown>;
}
