import { legacyAlertBodySchema, legacyMediaCheckBodySchema, legacyMediaCheckParamsSchema, socketIdSchema } from '@vaahshare/protocol';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { callableFromAnyOrigin } from '../http-security/origins.js';
import { z } from 'zod';
import type { AppContext } from '../context.js';
import type { AlertsFace } from '../alerts/index.js';
import type { CompaniesFace } from '../companies/index.js';
import { AppError, notFound } from '../errors.js';
import { matchNames, toMedia } from '../media/index.js';
import type { PresenceFace } from '../presence/index.js';
import { findClientBySocketHistory } from './legacy.repository.js';

const assetsQuerySchema = z.object({ socket_id: socketIdSchema.optional() });

type OriginalClientGate = Pick<CompaniesFace, 'anyAcceptsOriginalClients' | 'admitsOriginalClient'>;

/** An onRequest hook: the routes of original clients exist only while some company accepts them. */
export const requireLegacyAgents = (companies: OriginalClientGate) => async () => {
  if (!(await companies.anyAcceptsOriginalClients())) {
    throw new AppError(
      'legacy_disabled',
      'Original VaahShare clients are not accepted here: a company accepts them in Settings → Original clients (or LEGACY_AGENTS=true, for the default company)',
      404,
    );
  }
};

/**
 * The client of an original client's (possibly earlier) socket id, when its company takes original clients from the
 * request's address; else not found, the same as for a socket id never seen.
 */
export async function originalClientOf(ctx: AppContext, companies: OriginalClientGate, request: FastifyRequest, socketId: string) {
  const client = await findClientBySocketHistory(ctx.db, socketId);
  if (!client || !(await companies.admitsOriginalClient(client.company_id, request.ip))) throw notFound(`A client with socket id ${socketId}`);
  return client;
}

interface LegacyRoutesOptions {
  ctx: AppContext;
  companies: Pick<CompaniesFace, 'find' | 'first'> & OriginalClientGate;
  clients: PresenceFace['clients'];
  alerts: AlertsFace['alerts'];
}

/** REST calls of the original VaahShare desktop client (PROTOCOL.md §6), mounted under /api/vaahshare. */
export const legacyRoutes: FastifyPluginAsyncZod<LegacyRoutesOptions> = async (app, { ctx, companies, clients, alerts }) => {
  app.addHook('onRequest', requireLegacyAgents(companies));

  const clientOf = (request: FastifyRequest, socketId: string) => originalClientOf(ctx, companies, request, socketId);

  app.get('/clients/assets', { schema: { querystring: assetsQuerySchema } }, async (request) => {
    const socketId = request.query.socket_id;
    const company = socketId
      ? await companies.find((await clientOf(request, socketId)).company_id)
      : await companies.first();
    // Without a socket id the original asks before it connected: the default company's, if it takes it from here.
    if (!company || !(await companies.admitsOriginalClient(company.id, request.ip))) throw notFound('Company');
    return {
      data: { localization: { idle_message: company.idle_message }, idle_threshold_seconds: company.idle_threshold_seconds },
    };
  });

  /**
   * Which of the client's local recordings the server has. The socket id authorises (and names the client for
   * older versions, which omit user_host); `user_host` names the client within that socket's company.
   */
  async function checkMedia(request: FastifyRequest, socketId: string, userHost: string | undefined, names: string[]) {
    const known = await clientOf(request, socketId);
    const client = userHost === undefined ? known : await clients.findByIdentity(known.company_id, userHost);
    const found = client ? await matchNames(ctx.db, client.id, names) : [];
    return { data: { medias: found.map(({ name, row }) => ({ name, ...toMedia(row) })) } };
  }

  const checkSchema = { params: legacyMediaCheckParamsSchema, body: legacyMediaCheckBodySchema };
  app.post('/media/client/:socket_id/:user_host', { schema: checkSchema, config: callableFromAnyOrigin }, async (request) =>
    checkMedia(request, request.params.socket_id, request.params.user_host, request.body.media_names),
  );
  app.post('/media/client/:socket_id', { schema: checkSchema, config: callableFromAnyOrigin }, async (request) =>
    checkMedia(request, request.params.socket_id, undefined, request.body.media_names),
  );

  app.post('/alerts', { schema: { body: legacyAlertBodySchema }, config: callableFromAnyOrigin }, async (request, reply) => {
    const client = await clientOf(request, request.body.socket_id);
    // The original reports only that the user went idle; the company's threshold is how long that took.
    const company = await companies.find(client.company_id);
    const idleSeconds = request.body.idle_seconds ?? company?.idle_threshold_seconds ?? 0;
    const alert = await alerts.raiseIdle({ companyId: client.company_id, clientId: client.id }, { idleSeconds });
    reply.code(201);
    return { data: alert };
  });
};
