import path from 'node:path';
import fs from 'node:fs';
import multipart from '@fastify/multipart';
import fastifyStatic from '@fastify/static';
import { idParamsSchema, mediaCheckBodySchema, mediaQuerySchema, mediaVideoQuerySchema, mediaUploadFieldsSchema, type ApiResponse } from '@vaahshare/protocol';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AppContext } from '../context.js';
import type { MediaRow } from '../db/schema.js';
import { type Access, accessOf, canSeeClient, groupsOfClients, requirePermission, visibleGroups } from '../access/index.js';
import { actorOf, requireAgentCompany, requireAgentToken, scopeCompany } from '../auth/index.js';
import { AppError, notFound } from '../errors.js';
import { runInBackground } from '../infra/background.js';
import type { PresenceFace } from '../presence/index.js';
import { ACCESS_DEDUPE_MS, contentDisposition, createAccessDedupe } from './accesses.js';
import { filtersOf } from './filters.js';
import { listMedia } from './library.repository.js';
import { findMedia } from './media.repository.js';
import { toMedia } from './media-view.js';
import { matchNames } from './names.js';
import { mediaPaths } from './storage.js';
import { parseUploadFields, type Uploads } from './uploads.js';

/** Why a media item's video cannot be served yet (or ever). */
function notPlayable(row: MediaRow): AppError {
  if (row.status === 'error') {
    return new AppError('media_failed', `Media ${row.id} could not be processed: ${row.error ?? 'unknown reason'}`, 409);
  }
  const doing = row.status === 'recording' ? 'still recording' : 'still processing';
  return new AppError('not_ready', `Media ${row.id} is ${doing}: its video is served once it is ready`, 409);
}

/**
 * Files go through @fastify/send (Range, 206, 416, ETag). Its refusals are HTTP errors carrying headers
 * (`Content-Range: bytes *\/size` on a 416): they are answered as JSON with those headers.
 */
function fileErrorHandler(this: unknown, err: FastifyError & { status?: number; headers?: Record<string, string> }, request: FastifyRequest, reply: FastifyReply) {
  const status = err.statusCode ?? err.status;
  if (status === 416) {
    if (err.headers) reply.headers(err.headers);
    return reply.code(416).send({ error: 'range_not_satisfiable', message: 'The requested range is outside the file: ask for bytes within its size' });
  }
  return request.server.errorHandler(err, request, reply);
}

/** Dashboard and agent REST of media items (PROTOCOL.md §5, §8.6), mounted under /api/media. */
export const mediaRoutes: FastifyPluginAsyncZod<{ ctx: AppContext; uploads: Uploads; clients: PresenceFace['clients'] }> = async (
  app,
  { ctx, uploads, clients },
) => {
  await app.register(multipart);
  // Only for reply.sendFile: nothing is served from a folder by URL.
  await app.register(fastifyStatic, { serve: false });
  runInBackground(ctx.log, 'removing stale partial uploads', uploads.removeStalePartials());

  /** The media item if the user may see its client (its company, a viewer's groups); any other answers 404 like a missing one. */
  async function visibleMedia(access: Access, id: number): Promise<MediaRow> {
    const row = await findMedia(ctx.db, id);
    const groupId = row && (await groupsOfClients(ctx.db, [row.client_id])).get(row.client_id);
    if (!row || row.status === 'deleting' || groupId === undefined || !canSeeClient(access, { company_id: row.company_id, group_id: groupId })) {
      throw notFound(`Media ${id}`);
    }
    return row;
  }

  app.get('/', { schema: { querystring: mediaQuerySchema } }, async (request): Promise<ApiResponse<'GET /api/media'>> => {
    const access = accessOf(request);
    const { page, per_page } = request.query;
    const filters = { ...filtersOf(request.query, scopeCompany(access, request.query.company_id)), groupIds: visibleGroups(access, request.query.group_id) };
    const { total, rows } = await listMedia(ctx.db, filters, page, per_page);
    return { data: rows.map(toMedia), meta: { total, page, per_page } };
  });

  app.get('/:id', { schema: { params: idParamsSchema } }, async (request): Promise<ApiResponse<'GET /api/media/:id'>> => {
    return { data: toMedia(await visibleMedia(accessOf(request), request.params.id)) };
  });

  const accesses = createAccessDedupe(ctx.clock, ACCESS_DEDUPE_MS);
  const videoQuery = { params: idParamsSchema, querystring: mediaVideoQuerySchema };
  app.get('/:id/video', { schema: videoQuery, errorHandler: fileErrorHandler }, async (request, reply) => {
    const user = accessOf(request);
    if (request.query.download) requirePermission(user, 'media:download');
    const row = await visibleMedia(user, request.params.id);
    if (row.status !== 'ready') throw notPlayable(row);
    const file = mediaPaths(ctx.config.DATA_DIR, row).final;
    if (!fs.existsSync(file)) throw notFound(`The video file of media ${row.id}`);
    const event = request.query.download ? 'recording-downloaded' : 'recording-played';
    if (accesses.isNew(`${event}:${user.id}:${row.id}`)) {
      await ctx.events.emitAndWait(event, { actor: actorOf(user, request), companyId: row.company_id, mediaId: row.id, label: row.original_name });
    }
    if (request.query.download) reply.header('content-disposition', contentDisposition(`${row.original_name}.webm`));
    reply.header('cache-control', 'private, no-cache');
    return reply.sendFile(path.basename(file), path.dirname(file), { cacheControl: false });
  });

  app.get('/:id/thumbnail', { schema: { params: idParamsSchema }, errorHandler: fileErrorHandler }, async (request, reply) => {
    const row = await visibleMedia(accessOf(request), request.params.id);
    const file = mediaPaths(ctx.config.DATA_DIR, row).thumbnail;
    if (!row.has_thumbnail || !fs.existsSync(file)) throw notFound(`A thumbnail of media ${row.id}`);
    reply.header('cache-control', 'private, no-cache');
    return reply.sendFile(path.basename(file), path.dirname(file), { cacheControl: false });
  });

  app.post('/upload', async (request, reply): Promise<ApiResponse<'POST /api/media/upload'>> => {
    const { id: tokenId, company_id: companyId } = await requireAgentToken(ctx, request);
    const result = await uploads.receive(request, async (fields) => {
      const { user_host } = parseUploadFields(mediaUploadFieldsSchema, fields);
      const client = await clients.findProven(companyId, user_host, request);
      // A desktop that never connected: its client is created disconnected, once the upload is accepted.
      const createClient = async () => (await clients.ensure(companyId, user_host, tokenId)).id;
      return { companyId, clientId: client?.id, createClient };
    });
    reply.code(result.duplicate ? 200 : 201);
    return { data: toMedia(result.media), duplicate: result.duplicate };
  });

  app.post('/check', { schema: { body: mediaCheckBodySchema } }, async (request): Promise<ApiResponse<'POST /api/media/check'>> => {
    const companyId = await requireAgentCompany(ctx, request);
    const client = await clients.findProven(companyId, request.body.user_host, request);
    const found = client ? await matchNames(ctx.db, client.id, request.body.media_names) : [];
    return { data: { medias: found.map(({ name, row }) => ({ name, ...toMedia(row) })) } };
  });
};
