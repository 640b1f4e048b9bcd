import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { AppError } from '../errors.js';
import { backoffStore } from './backoff-store.js';

export const tooManyLogins = (waitSeconds: number) =>
  new AppError('too_many_attempts', `Too many failed logins: try again in ${waitSeconds} s`, 429, { retryAfter: waitSeconds });

/** The e-mail address each request is counted against (a login's, or the user's changing a password). */
const subjects = new WeakMap<FastifyRequest, string>();

/**
 * Failed logins (and wrong current passwords) are counted per client address and per e-mail address (known or not, so that the answer tells
 * nothing about the address); a key out of tries is refused for a window, doubled by each try while refused.
 * Registers @fastify/rate-limit in the calling plugin's scope.
 */
export async function createLoginThrottle(app: FastifyInstance, ctx: AppContext) {
  const { LOGIN_THROTTLE_WINDOW_MS: timeWindow, LOGIN_MAX_FAILURES_PER_IP, LOGIN_MAX_FAILURES_PER_EMAIL } = ctx.config;
  await app.register(rateLimit, { global: false, store: backoffStore(ctx.clock), timeWindow });
  const limiters = [
    app.createRateLimit({ max: LOGIN_MAX_FAILURES_PER_IP, timeWindow }),
    app.createRateLimit({ max: LOGIN_MAX_FAILURES_PER_EMAIL, timeWindow, keyGenerator: (request) => `email:${subjects.get(request)}` }),
  ];

  return {
    /** How long to wait when the address or the e-mail has no tries left (this try counts too); else 0. */
    async waitSeconds(request: FastifyRequest, email: string): Promise<number> {
      subjects.set(request, email);
      let waitMs = 0;
      for (const limiter of limiters) {
        const status = await limiter(request, { increment: false });
        if (status.isAllowed || status.remaining > 0) continue;
        const counted = await limiter(request);
        if (!counted.isAllowed) waitMs = Math.max(waitMs, counted.ttl);
      }
      return Math.ceil(waitMs / 1000);
    },
    async failed(request: FastifyRequest, email: string): Promise<void> {
      subjects.set(request, email);
      for (const limiter of limiters) await limiter(request);
    },
  };
}

export type LoginThrottle = Awaited<ReturnType<typeof createLoginThrottle>>;
