import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';

/**
 * What the dashboard and the share page need and nothing else: their own scripts (no inline script, no eval),
 * PrimeVue's injected <style> elements, thumbnails and MediaSource video from blob: URLs, and sockets to this
 * origin. No page may frame them (clickjacking); no URL of theirs — a share link holds a token — is sent on as
 * a Referer.
 */
export const CONTENT_SECURITY_POLICY = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'style-src': ["'self'", "'unsafe-inline'"],
  'img-src': ["'self'", 'data:', 'blob:'],
  'media-src': ["'self'", 'blob:'],
  'font-src': ["'self'", 'data:'],
  'connect-src': ["'self'"],
  'worker-src': ["'self'", 'blob:'],
  'object-src': ["'none'"],
  'base-uri': ["'self'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
};

/** A year; only ever sent over HTTPS (a browser ignores it over HTTP, and it must not pin a plain-HTTP install). */
export const HSTS = 'max-age=31536000; includeSubDomains';

/** Security headers on every answer (@fastify/helmet), and HSTS on those that went over HTTPS. */
export async function secureHeaders(app: FastifyInstance) {
  await app.register(helmet, {
    contentSecurityPolicy: { useDefaults: false, directives: CONTENT_SECURITY_POLICY },
    referrerPolicy: { policy: 'no-referrer' },
    frameguard: { action: 'deny' },
    // A dashboard served by the Vite dev server (another port, the same site) loads thumbnails and video from here.
    crossOriginResourcePolicy: { policy: 'same-site' },
    strictTransportSecurity: false,
  });
  app.addHook('onRequest', async (request, reply) => {
    if (request.protocol === 'https') reply.header('strict-transport-security', HSTS);
  });
}
