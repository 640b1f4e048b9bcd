import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.js';
import { AppError } from '../errors.js';

/** Says whether a browser page from `origin` may act on this server, reached as `host` (the request's Host). */
export type OriginPolicy = (origin: string | undefined, host: string | undefined) => boolean;

/**
 * A request without an Origin comes from no browser page (an agent, curl): its credentials are its own, so it
 * passes. A browser page passes when it is the server's own — the address it was opened with (the same host and
 * port as the request's Host), or PUBLIC_URL — or a listed one (ALLOWED_ORIGINS, CORS_ORIGINS). Anything else,
 * `null` included, is another site riding on the user's cookie.
 */
export function createOriginPolicy(config: Pick<Config, 'ALLOWED_ORIGINS' | 'CORS_ORIGINS' | 'PUBLIC_URL'>): OriginPolicy {
  const listed = new Set([...config.ALLOWED_ORIGINS, ...config.CORS_ORIGINS, ...(config.PUBLIC_URL ? [new URL(config.PUBLIC_URL).origin] : [])]);
  return (origin, host) => {
    if (origin === undefined) return true;
    if (listed.has(origin)) return true;
    return host !== undefined && URL.canParse(origin) && new URL(origin).host === host.toLowerCase();
  };
}

export const originRefusal = (origin: string | undefined) =>
  `Requests from the page at ${origin} are not allowed: open the dashboard at this server's address, or add that origin to ALLOWED_ORIGINS`;

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route trusts no cookie, so any page may call it: the original clients' routes (their pages' origin is the app's own). */
    anyOrigin?: boolean;
  }
}

/** Route config of a route any page may call (see `anyOrigin`). */
export const callableFromAnyOrigin = { anyOrigin: true } as const;

/** Every state-changing request — with or without a body — from a page of another origin is refused (403). */
export function refuseForeignOrigins(app: FastifyInstance, allowed: OriginPolicy) {
  app.addHook('onRequest', async (request) => {
    if (SAFE_METHODS.has(request.method) || request.routeOptions.config?.anyOrigin) return;
    const { origin, host } = request.headers;
    if (!allowed(origin, host)) throw new AppError('forbidden_origin', originRefusal(origin), 403);
  });
}
