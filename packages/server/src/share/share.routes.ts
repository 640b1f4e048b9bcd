import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';
import { AppError } from '../errors.js';

/** The browser share page, built from packages/agent/web by `npm start` (packages/agent/scripts/build.mjs). */
export const SHARE_PAGE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../agent/dist/web');

/**
 * `/share`: the page where anyone with an enrollment token shares a screen from the browser. It talks
 * to the same socket and protocol as the desktop agent; this route only serves its files.
 */
export const shareRoutes: FastifyPluginAsync<{ dir?: string }> = async (app, { dir = SHARE_PAGE_DIR }) => {
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
