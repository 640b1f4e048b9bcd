import { timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.js';
import { AppError } from '../errors.js';
import type { Metrics } from '../infra/metrics.js';
import { sha256 } from '../infra/secrets.js';

const sameSecret = (a: string, b: string) => timingSafeEqual(Buffer.from(sha256(a)), Buffer.from(sha256(b)));

/**
 * /metrics tells who is online and how much is recorded: on PORT it needs METRICS_TOKEN as a bearer token; with
 * METRICS_LISTEN it is served there instead (an address only Prometheus reaches); with neither it is off.
 */
export function serveMetrics(app: FastifyInstance, config: Pick<Config, 'METRICS_TOKEN' | 'METRICS_LISTEN'>, metrics: Metrics) {
  app.get('/metrics', async (request, reply) => {
    if (!config.METRICS_TOKEN) {
      const where = config.METRICS_LISTEN ? `at ${config.METRICS_LISTEN.host}:${config.METRICS_LISTEN.port}` : 'off: set METRICS_TOKEN or METRICS_LISTEN';
      throw new AppError('not_found', `Metrics are ${where}`, 404);
    }
    const header = request.headers.authorization ?? '';
    if (!header.startsWith('Bearer ') || !sameSecret(header.slice(7).trim(), config.METRICS_TOKEN)) {
      throw new AppError('unauthorized', 'Send the metrics token as Authorization: Bearer <METRICS_TOKEN>', 401);
    }
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
}

/** The METRICS_LISTEN listener, if configured: started with the server, closed with it. */
export function metricsListener(config: Pick<Config, 'METRICS_LISTEN'>, metrics: Metrics) {
  const server = http.createServer((request, response) => {
    if (request.url?.split('?')[0] !== '/metrics') return response.writeHead(404).end();
    metrics.registry.metrics().then(
      (text) => response.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
      () => response.writeHead(500).end(),
    );
  });
  const at = config.METRICS_LISTEN;
  return {
    listen: () =>
      new Promise<void>((resolve, reject) => {
        if (!at) return resolve();
        server.once('error', reject);
        server.listen(at.port, at.host, () => resolve());
      }),
    close: () => new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve())),
  };
}
