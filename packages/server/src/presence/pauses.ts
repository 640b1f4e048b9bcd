import type { Pause, Settings } from '@vaahshare/protocol';
import { groupsOfClients } from '../access/index.js';
import type { Broadcast } from '../broadcast.js';
import type { CompanyCache } from '../companies/index.js';
import type { Selectable } from 'kysely';
import { toIso, type Db } from '../db/database.js';
import type { PausesTable } from '../db/schema.js';
import { AppError } from '../errors.js';
import type { Clock } from '../infra/clock.js';

const MINUTE = 60_000;

const toPause = (row: Selectable<PausesTable>): Pause => ({
  id: row.id,
  company_id: row.company_id,
  client_id: row.client_id,
  reason: row.reason,
  started_at: toIso(row.started_at)!,
  ends_at: toIso(row.ends_at)!,
  ended_at: toIso(row.ended_at),
});

/** Whether the company lets its people pause for this long; the refusal says why in words. */
export function checkPausePolicy(settings: Pick<Settings, 'pause_allowed' | 'pause_max_minutes'> | undefined, minutes: number): AppError | null {
  if (!settings?.pause_allowed) return new AppError('pause_not_allowed', 'Your company does not allow pausing the recording', 403);
  const max = settings.pause_max_minutes ?? 0;
  if (minutes > max) return new AppError('pause_too_long', `Your company allows pauses of at most ${max} minutes`, 400);
  return null;
}

/** The newest pauses of a client, newest first. */
export async function recentPauses(db: Db, clientId: number, limit: number): Promise<Pause[]> {
  const rows = await db.selectFrom('pauses').selectAll().where('client_id', '=', clientId).orderBy('started_at', 'desc').limit(limit).execute();
  return rows.map(toPause);
}

/** The pause of a client still running at `now`, if any. */
const runningPause = (db: Db, clientId: number, now: number) =>
  db
    .selectFrom('pauses')
    .selectAll()
    .where('client_id', '=', clientId)
    .where('ended_at', 'is', null)
    .where('ends_at', '>', now)
    .orderBy('id', 'desc')
    .executeTakeFirst();

export interface PausesDeps {
  db: Db;
  clock: Clock;
  broadcast: Pick<Broadcast, 'toGroup'>;
  companies: Pick<CompanyCache, 'settings'>;
}

export function createPauses(ctx: PausesDeps) {
  /** Told to the dashboards that may see the client (its group's viewers, its company's admins). */
  const announce = async (pause: Pause) => {
    const groupId = (await groupsOfClients(ctx.db, [pause.client_id])).get(pause.client_id);
    if (groupId !== undefined) ctx.broadcast.toGroup(pause.company_id, groupId).emit('pause-updated', { pause });
  };

  return {
    /** Starts a pause of `minutes` (within the company's policy); a running one is replaced. */
    async start(target: { companyId: number; clientId: number }, minutes: number, reason: string): Promise<Pause> {
      const refusal = checkPausePolicy(await ctx.companies.settings(target.companyId), minutes);
      if (refusal) throw refusal;
      const now = ctx.clock.now();
      await this.end(target.clientId);
      const row = await ctx.db
        .insertInto('pauses')
        .values({ company_id: target.companyId, client_id: target.clientId, reason, started_at: now, ends_at: now + minutes * MINUTE, ended_at: null })
        .returningAll()
        .executeTakeFirstOrThrow();
      const pause = toPause(row);
      await announce(pause);
      return pause;
    },

    /** Ends the client's running pause early (nothing when none runs). */
    async end(clientId: number): Promise<Pause | null> {
      const now = ctx.clock.now();
      const running = await runningPause(ctx.db, clientId, now);
      if (!running) return null;
      const row = await ctx.db.updateTable('pauses').set({ ended_at: now }).where('id', '=', running.id).returningAll().executeTakeFirstOrThrow();
      const pause = toPause(row);
      await announce(pause);
      return pause;
    },

  };
}
export type Pauses = ReturnType<typeof createPauses>;
