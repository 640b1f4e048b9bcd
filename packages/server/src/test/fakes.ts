import type { FastifyBaseLogger } from 'fastify';
import type { MediaRow } from '../db/schema.js';
import type { Broadcast, Emitter } from '../broadcast.js';

export interface Sent {
  to: string;
  event: string;
  payload: unknown;
}

/** A broadcast port that records what would be sent where (`to`: "company 3", "watchers of 7", ...). */
export function fakeBroadcast() {
  const sent: Sent[] = [];
  const to = (target: string): Emitter =>
    ({
      emit: (event: string, payload: unknown) => {
        sent.push({ to: target, event, payload });
        return true;
      },
    }) as Emitter;
  return {
    sent,
    toGroup: (companyId: number, groupId: number) => to(`group ${groupId} of company ${companyId}`),
    toClient: (clientId: number) => to(`client ${clientId}`),
    toAgents: (companyId: number) => to(`agents of ${companyId}`),
    toWatchers: (clientId: number) => to(`watchers of ${clientId}`),
  } satisfies Partial<Broadcast> & { sent: Sent[] };
}

/** A logger that keeps what was logged (warnings and errors) for the test to look at. */
export function fakeLog() {
  const lines: Array<{ level: string; msg: string }> = [];
  const at = (level: string) => (_obj: unknown, msg?: string) => void lines.push({ level, msg: msg ?? '' });
  const log = { warn: at('warn'), error: at('error'), info: at('info'), debug: at('debug') };
  return { lines, log: log as unknown as FastifyBaseLogger };
}

/** A media row as the database holds it, with what a test names. */
export const mediaRow = (row: Partial<MediaRow> = {}): MediaRow => ({
  id: 1,
  company_id: 3,
  client_id: 7,
  segment_id: 'seg-1',
  original_name: 'seg-1',
  source: 'live',
  status: 'recording',
  size: 0,
  duration_ms: null,
  has_thumbnail: 0,
  error: null,
  node_id: 'n1',
  started_at: 1_700_000_000_000,
  ended_at: null,
  updated_at: 1_700_000_000_000,
  ...row,
});
