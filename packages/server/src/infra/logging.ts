import { LogController, type FastifyBaseLogger, type FastifyReply, type FastifyRequest } from 'fastify';
import { pino, type Level } from 'pino';

/**
 * A terminal gets short readable lines (written synchronously, so they keep their order with what the server
 * prints itself, such as the banner); anything else — a file, journald, a log collector — gets pino's JSON lines
 * (and the server does not load pino-pretty at all).
 */
export async function createLogger(level: Level | 'silent', out: NodeJS.WriteStream = process.stdout): Promise<{ logger: FastifyBaseLogger }> {
  if (!out.isTTY) return { logger: pino({ level }) };
  const { default: pretty } = await import('pino-pretty');
  const logger = pino({ level }, pretty({ destination: out, sync: true, colorize: true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname,reqId', singleLine: true }));
  return { logger };
}

/** Requests are logged at `debug` (LOG_LEVEL=debug shows them): at `info` every page load and API call drowned what matters. */
export class DebugRequestLog extends LogController {
  override incomingRequest(request: FastifyRequest) {
    if (!this.isLogDisabled(request)) request.log.debug({ req: request }, 'incoming request');
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply) {
    if (this.isLogDisabled(request)) return;
    if (error) reply.log.error({ res: reply, err: error, responseTime: reply.elapsedTime }, 'request errored');
    else reply.log.debug({ res: reply, responseTime: reply.elapsedTime }, 'request completed');
  }
}
