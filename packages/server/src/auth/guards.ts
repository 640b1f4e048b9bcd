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

/** The live session of a request (bearer token or session cookie), even one that must set up its second factor first. */
export async function requireSession(ctx: AppContext, request: FastifyRequest): Promise<LiveSession> {
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

export function requireSuperadmin(user: User): void {
  if (user.role !== 'superadmin') throw forbidden('Only a superadmin may do this');
}

/** The company a request acts on: its own, or — for a superadmin only — the one it names. */
export function scopeCompany(user: User, requested?: number): number {
  if (requested === undefined || requested === user.company_id) return user.company_id;
  if (user.role !== 'superadmin') throw forbidden('You may only act on your own company');
  return requested;
}

export const canSeeCompany = (user: User, companyId: number) =>
  user.role === 'superadmin' || user.company_id === companyId;

/** The company of an agent calling REST with its enrollment token. */
export async function requireAgentCompany(ctx: AppContext, request: FastifyRequest): Promise<number> {
  const token = bearerToken(request);
  if (!token) throw unauthorized('Send the enrollment token as Authorization: Bearer <token>');
  const companyId = (await ctx.companies.activeToken(token))?.company_id;
  if (companyId === undefined) throw unauthorized('Unknown or revoked enrollment token: ask your admin for a current one');
  return companyId;
}
