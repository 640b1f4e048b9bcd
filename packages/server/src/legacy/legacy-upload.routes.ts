import multipart from '@fastify/multipart';
import { legacyUploadFieldsSchema } from '@vaahshare/protocol';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AppContext } from '../context.js';
import { notFound } from '../errors.js';
import { callableFromAnyOrigin } from '../http-security/origins.js';
import { parseUploadFields, toMedia, type MediaFace } from '../media/index.js';
import type { CompaniesFace } from '../companies/index.js';
import { findClientBySocketHistory } from './legacy.repository.js';
import { requireLegacyAgents } from './legacy.routes.js';

/**
 * `POST /upload` of the original client (PROTOCOL.md §6): multipart `socket_id`, `company_id`, `file`. The socket
 * id may be one the client had before a reconnect; the client it names must belong to `company_id`.
 */
type Options = { ctx: AppContext; uploads: MediaFace['uploads']; companies: Pick<CompaniesFace, 'anyAcceptsOriginalClients' | 'admitsOriginalClient'> };

export const legacyUploadRoutes: FastifyPluginAsyncZod<Options> = async (app, { ctx, uploads, companies }) => {
  app.addHook('onRequest', requireLegacyAgents(companies));
  await app.register(multipart);

  app.post('/upload', { config: callableFromAnyOrigin }, async (request, reply) => {
    const result = await uploads.receive(request, async (fields) => {
      const { socket_id, company_id } = parseUploadFields(legacyUploadFieldsSchema, fields);
      const client = await findClientBySocketHistory(ctx.db, socket_id);
      if (!client || client.company_id !== company_id || !(await companies.admitsOriginalClient(company_id, request.ip))) throw notFound(`A client with socket id ${socket_id} in company ${company_id}`);
      return { companyId: client.company_id, clientId: client.id };
    });
    reply.code(result.duplicate ? 200 : 201);
    return { data: toMedia(result.media), duplicate: result.duplicate };
  });
};
