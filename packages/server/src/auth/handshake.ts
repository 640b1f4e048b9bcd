import { AGENT_APPS, DASHBOARD_APP, MAX_ID } from '@vaahshare/protocol';
import type { ExtendedError, Socket } from 'socket.io';
import type { AppContext, SocketData } from '../context.js';
import { sha256 } from '../infra/secrets.js';
import type { CompaniesFace } from '../companies/index.js';
import { loadAccess } from '../access/index.js';
import { socketAddress } from './actor.js';
import { setupPending } from './second-factor-policy.js';
import { liveSession } from './sessions.js';
import { SESSION_COOKIE } from './session-cookie.js';

type HandshakeSocket = Pick<Socket, 'handshake' | 'request'>;

const refuse = (message: string, code: string): ExtendedError => Object.assign(new Error(message), { data: { error: code } });

function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of header?.split(';') ?? []) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return decodeURIComponent(rest.join('='));
  }
  return undefined;
}

const stringOf = (value: unknown) => (typeof value === 'string' && value.length > 0 && value.length < 512 ? value : undefined);

/**
 * Decides who a socket is before it may send anything (PROTOCOL.md §2, §3): an agent with its company's
 * enrollment token, a dashboard with an admin's bearer token or session cookie, or — when allowed — a
 * token-less original client. Anything else is refused with a `connect_error` that says why.
 */
export async function authenticateSocket(
  ctx: AppContext,
  companies: Pick<CompaniesFace, 'find' | 'anyAcceptsOriginalClients'>,
  socket: HandshakeSocket,
): Promise<SocketData> {
  const app = stringOf(socket.handshake.query.app);
  const auth = (socket.handshake.auth ?? {}) as Record<string, unknown>;
  const token = stringOf(auth.token);

  if (app && (AGENT_APPS as readonly string[]).includes(app)) {
    if (!token) {
      // An original client names its company later: whether that company takes it from here is decided then.
      if (app === 'electron' && (await companies.anyAcceptsOriginalClients())) {
        return { role: 'agent', companyId: null, legacy: true, address: socketAddress(socket, ctx.config.TRUST_PROXY) };
      }
      throw refuse('An enrollment token is required: start the agent with --token <token> (see the dashboard settings)', 'token_required');
    }
    // PostgreSQL refuses to compare text holding NUL; no token holds one.
    const active = token.includes('\u0000') ? undefined : await ctx.companies.activeToken(token);
    if (!active) throw refuse('Unknown or revoked enrollment token: ask your admin for a current one', 'invalid_token');
    return { role: 'agent', companyId: active.company_id, legacy: false, tokenId: active.id };
  }

  if (app === DASHBOARD_APP) {
    const sessionToken = token ?? readCookie(socket.handshake.headers.cookie, SESSION_COOKIE);
    if (!sessionToken) throw refuse('Log in first: a dashboard socket needs auth.token', 'token_required');
    const session = await liveSession(ctx, sessionToken);
    if (!session) throw refuse('Your session expired or is invalid: log in again', 'invalid_token');
    if (setupPending(session.secondFactor)) throw refuse('Set up your second factor first: your account requires one', 'second_factor_setup_required');
    const { user } = session;
    const wanted = Number(auth.company_id);
    const companyId = user.role === 'superadmin' && wanted > 0 ? wanted : user.company_id;
    // An id beyond the 32-bit id columns names no company (and PostgreSQL would refuse to compare it).
    const exists = Number.isInteger(companyId) && companyId <= MAX_ID && (await companies.find(companyId));
    if (!exists) throw refuse(`Company ${companyId} does not exist`, 'unknown_company');
    const access = await loadAccess(ctx.db, user);
    return { role: 'dashboard', companyId, legacy: false, userId: user.id, userName: user.email, access, sessionTokenHash: sha256(sessionToken) };
  }

  throw refuse('Unknown app: connect with query.app "agent" or "backend"', 'unknown_app');
}
