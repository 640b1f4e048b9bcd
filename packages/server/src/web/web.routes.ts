import fs from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';
import type { AppContext } from '../context.js';
import { replyUriTooLong } from '../http-errors.js';

/** Paths other features own: the dashboard's fallback never answers them. */
const SERVER_PREFIXES = ['/api', '/socket.io', '/metrics', '/healthz', '/share'];

const isServerPath = (pathname: string) => SERVER_PREFIXES.some((prefix) => pathname === prefix || pathname.startsWith(`${prefix}/`));

const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>VaahShare: dashboard not built</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; line-height: 1.5">
<h1>The dashboard is not built</h1>
<p>The API and agents work, but the dashboard's files are missing. Build it with
<code>npm run build:dashboard</code> in the repository (or restart with <code>npm start</code>, which builds it
when needed), then reload this page. If the build fails, its output says why.</p>
</body></html>`;

/**
 * Serves the built dashboard (Vite's `dist`): hashed assets cached for good, every other page path answered
 * with `index.html` so the dashboard's router can show it (a reload on /clients/12 works).
 */
export const webRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  const root = ctx.config.DASHBOARD_DIR;
  // The build writes .gz and .br copies next to each asset; browsers get the smallest they accept.
  await app.register(fastifyStatic, { root, serve: false, preCompressed: true, index: false });

  const maxParamLength = app.initialConfig.maxParamLength ?? 100;
  app.get('/*', async (request, reply) => {
    const pathname = request.url.split('?')[0];
    if (isServerPath(pathname)) {
      // The router would have refused an over-long path part of an API route; this catch-all must not hide that.
      if (pathname.split('/').some((part) => part.length > maxParamLength)) return replyUriTooLong(reply);
      return reply.callNotFound();
    }
    if (!fs.existsSync(path.join(root, 'index.html'))) {
      return reply.code(503).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(NOT_BUILT_PAGE);
    }
    if (pathname.startsWith('/assets/')) {
      reply.header('cache-control', 'public, max-age=31536000, immutable');
      return reply.sendFile(pathname.slice(1), { cacheControl: false });
    }
    if (path.extname(pathname)) return reply.sendFile(pathname.slice(1));
    reply.header('cache-control', 'no-cache');
    return reply.sendFile('index.html', { cacheControl: false });
  });
};
