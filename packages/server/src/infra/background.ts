import type { FastifyBaseLogger } from 'fastify';

/** Fire-and-forget work is never silently dropped: a rejection is logged with what was being done. */
export function runInBackground(log: FastifyBaseLogger, what: string, work: Promise<unknown>): void {
  work.catch((err) => log.error({ err }, `${what} failed`));
}
