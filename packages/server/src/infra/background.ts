import type { FastifyBaseLogger } from 'fastify';

/** Fire-and-forget work is never silently dropped: a rejection is logged with what was being done. */
export function runInBackground(log: FastifyBaseLogger, what: string, work: Promise<unknown>): void {
  work.catch((err) => log.error({ err }, `${what} failed`));
}

/** Runs `work` every `ms` in the background, failures logged, without keeping the process alive; returns how to stop. */
export function every(log: FastifyBaseLogger, what: string, ms: number, work: () => Promise<unknown>): () => void {
  const timer = setInterval(() => runInBackground(log, what, work()), ms);
  timer.unref();
  return () => clearInterval(timer);
}
