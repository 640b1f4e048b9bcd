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

/** Query parameters whose values are credentials (a share link's `?token=`): logs show their names only. */
const SECRET_PARAM = /token|secret|password|key|code/i;

export function redactUrl(url: string): string {
  const at = url.indexOf('?');
  if (at < 0) return url;
  const params = url
    .slice(at + 1)
    .split('&')
    .map((pair) => {
      const name = pair.split('=')[0];
      return SECRET_PARAM.test(decodeURIComponentSafe(name)) ? `${name}=[redacted]` : pair;
    });
  return `${url.slice(0, at)}?${params.join('&')}`;
}

function decodeURIComponentSafe(text: string) {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Requests are logged at `debug` (LOG_LEVEL=debug shows them): at `info` every page load and API call drowned what matters. */
export class DebugRequestLog extends LogController {
  override incomingRequest(request: FastifyRequest) {
    if (this.isLogDisabled(request)) return;
    // Fastify's request serializer would log the URL as it came, credentials in its query included.
    const req = { method: request.method, url: redactUrl(request.url), host: request.host, ip: request.ip, socket: request.socket };
    request.log.debug({ req }, 'incoming request');
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply) {
    if (this.isLogDisabled(request)) return;
    if (error) reply.log.error({ res: reply, err: error, responseTime: reply.elapsedTime }, 'request errored');
    else reply.log.debug({ res: reply, responseTime: reply.elapsedTime }, 'request completed');
  }
}
