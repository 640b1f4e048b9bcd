import type { SecondFactorState, User } from '@vaahshare/protocol';
import type { AppContext } from '../context.js';
import { sha256 } from '../infra/secrets.js';
import { deleteDeadChallenges } from './second-factor.repository.js';
import { secondFactorState } from './second-factor-policy.js';
import { deleteDeadSessions, deleteSessionsOfUser, findLiveSession, toUser, touchSession } from './users.repository.js';

type SessionContext = Pick<AppContext, 'db' | 'clock' | 'config' | 'broadcast'>;

/** A live session's user, and where it stands with its second factor. */
export interface LiveSession {
  user: User;
  secondFactor: SecondFactorState;
}

const idleMs = (ctx: Pick<AppContext, 'config'>) => ctx.config.SESSION_IDLE_MINUTES * 60_000;

/**
 * A live session, whose idle deadline it moves on; undefined when the session expired, idled out, or its user is
 * disabled. The row is written at most every tenth of the idle time, not on every request.
 */
export async function liveSession(ctx: SessionContext, token: string): Promise<LiveSession | undefined> {
  const now = ctx.clock.now();
  const hash = sha256(token);
  const row = await findLiveSession(ctx.db, hash, now, now - idleMs(ctx));
  if (!row) return undefined;
  if (now - row.last_seen_at >= Math.min(60_000, idleMs(ctx) / 10)) await touchSession(ctx.db, hash, now);
  return { user: toUser(row), secondFactor: secondFactorState(ctx.config, row.role, row.totp_enabled_at !== null, row.require_admin_totp === 1) };
}

export const userOfSession = async (ctx: SessionContext, token: string): Promise<User | undefined> => (await liveSession(ctx, token))?.user;

/** Ends a user's sessions (but `keepToken`'s) at once: their tokens stop working and their dashboards are disconnected. */
export async function endSessionsOfUser(ctx: SessionContext, userId: number, keepToken?: string): Promise<number> {
  const ended = await deleteSessionsOfUser(ctx.db, userId, keepToken && sha256(keepToken));
  for (const hash of ended) ctx.broadcast.disconnectSession(hash);
  return ended.length;
}

/** Deletes expired and idle sessions (their dashboards, if any are still open, are disconnected) and logins that waited too long for their code. */
export async function purgeDeadSessions(ctx: SessionContext): Promise<number> {
  const now = ctx.clock.now();
  await deleteDeadChallenges(ctx.db, now);
  const ended = await deleteDeadSessions(ctx.db, now, now - idleMs(ctx));
  for (const hash of ended) ctx.broadcast.disconnectSession(hash);
  return ended.length;
}
