import type { User } from '@vaahshare/protocol';
import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { forbidden, unauthorized } from '../errors.js';
import { SESSION_COOKIE } from './session-cookie.js';
import { secondFactorSetupRequired, setupPending } from './second-factor-policy.js';
import { liveSession, type LiveSession } from './sessions.js';

export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice(7).trim() || undefined;
  return undefined;
}

export const sessionTokenOf = (request: FastifyRequest) => bearerToken(request) ?? request.cookies[SESSION_COOKIE];

const sessionsOfRequests = new WeakMap<FastifyRequest, Promise<LiveSession>>();

/**
 * The live session of a request (bearer token or session cookie), even one that must set up its second factor
 * first; looked up once per request (the route-policy hook and the handler both ask).
 */
export function requireSession(ctx: AppContext, request: FastifyRequest): Promise<LiveSession> {
  let session = sessionsOfRequests.get(request);
  if (!session) {
    session = findSessionOf(ctx, request);
    sessionsOfRequests.set(request, session);
  }
  return session;
}

async function findSessionOf(ctx: AppContext, request: FastifyRequest): Promise<LiveSession> {
  const token = sessionTokenOf(request);
  if (!token) throw unauthorized();
  const session = await liveSession(ctx, token);
  if (!session) throw unauthorized('Your session expired or is invalid: log in again');
  return session;
}

/** The logged-in dashboard user; a user whose required second factor is not set up yet is refused everything else. */
export async function requireUser(ctx: AppContext, request: FastifyRequest): Promise<User> {
  const session = await requireSession(ctx, request);
  if (setupPending(session.secondFactor)) throw secondFactorSetupRequired();
  return session.user;
}

/** The company a request acts on: its own, or — for a superadmin only — the one it names. */
export function scopeCompany(user: User, requested?: number): number {
  if (requested === undefined || requested === user.company_id) return user.company_id;
  if (user.role !== 'superadmin') throw forbidden('You may only act on your own company');
  return requested;
}

export { canSeeCompany } from '../access/index.js';

/** The enrollment token (its id and company) of an agent calling REST with it. */
export async function requireAgentToken(ctx: AppContext, request: FastifyRequest): Promise<{ id: number; company_id: number }> {
  const token = bearerToken(request);
  if (!token) throw unauthorized('Send the enrollment token as Authorization: Bearer <token>');
  const active = await ctx.companies.activeToken(token);
  if (!active) throw unauthorized('Unknown or revoked enrollment token: ask your admin for a current one');
  return active;
}

/** The company of an agent calling REST with its enrollment token. */
export const requireAgentCompany = async (ctx: AppContext, request: FastifyRequest): Promise<number> => (await requireAgentToken(ctx, request)).company_id;
