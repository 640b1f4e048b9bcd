import fs from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';
import { BUILT_SHARE_PAGE } from '../config.js';
import { AppError } from '../errors.js';

/**
 * `/share`: the page where anyone with an enrollment token shares a screen from the browser. It talks
 * to the same socket and protocol as the desktop agent; this route only serves its files.
 */
export const shareRoutes: FastifyPluginAsync<{ dir?: string }> = async (app, { dir = BUILT_SHARE_PAGE }) => {
  // `/share?token=…` → `/share/?token=…`: the page's files are relative to the folder.
  app.get('/share', async (request, reply) => reply.redirect(`/share/${request.url.slice('/share'.length)}`));
  if (!fs.existsSync(path.join(dir, 'index.html'))) {
    app.get('/share/*', async () => {
      throw new AppError('share_page_missing', 'The share page is not built: run `npm run build:agent` (npm start builds it)', 503);
    });
    return;
  }
  await app.register(fastifyStatic, { root: dir, prefix: '/share/', decorateReply: false, index: 'index.html' });
};
