import type { User } from '@vaahshare/protocol';
import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { forbidden, unauthorized } from '../errors.js';
import { SESSION_COOKIE } from './session-cookie.js';
import { userOfSession } from './sessions.js';

export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice(7).trim() || undefined;
  return undefined;
}

export const sessionTokenOf = (request: FastifyRequest) => bearerToken(request) ?? request.cookies[SESSION_COOKIE];

const usersOfRequests = new WeakMap<FastifyRequest, Promise<User>>();

/** The logged-in dashboard user, from the bearer token or the session cookie (looked up once per request). */
export function requireUser(ctx: AppContext, request: FastifyRequest): Promise<User> {
  let user = usersOfRequests.get(request);
  if (!user) {
    user = findUserOf(ctx, request);
    usersOfRequests.set(request, user);
  }
  return user;
}

async function findUserOf(ctx: AppContext, request: FastifyRequest): Promise<User> {
  const token = sessionTokenOf(request);
  if (!token) throw unauthorized();
  const user = await userOfSession(ctx, token);
  if (!user) throw unauthorized('Your session expired or is invalid: log in again');
  return user;
}

/** The company a request acts on: its own, or — for a superadmin only — the one it names. */
export function scopeCompany(user: User, requested?: number): number {
  if (requested === undefined || requested === user.company_id) return user.company_id;
  if (user.role !== 'superadmin') throw forbidden('You may only act on your own company');
  return requested;
}

export { canSeeCompany } from '../access/policy.js';

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
