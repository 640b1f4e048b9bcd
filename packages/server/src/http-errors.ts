import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import type { Metrics } from './infra/metrics.js';
import { AppError } from './errors.js';

/** Turns every failure into `{ error, message }`; a 5xx is logged in full and answered without internals. */
export function installErrorHandlers(app: FastifyInstance, metrics: Metrics) {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (hasZodFastifySchemaValidationErrors(err)) {
      const where = (err as { validationContext?: string }).validationContext ?? 'request';
      const problems = err.validation.map((v) => `${v.instancePath.replace(/^\//, '').replaceAll('/', '.') || where}: ${v.message}`);
      metrics.errors.inc({ kind: 'bad_request' });
      request.log.info({ problems }, 'bad request');
      return reply.code(400).send({ error: 'bad_request', message: `Invalid ${where}: ${problems.join('; ')}` });
    }
    if (err instanceof AppError) {
      metrics.errors.inc({ kind: err.code });
      if (typeof err.details.retryAfter === 'number') reply.header('retry-after', String(err.details.retryAfter));
      return reply.code(err.statusCode).send({ error: err.code, message: err.message });
    }
    const status = err.statusCode ?? 500;
    if (status < 500) {
      metrics.errors.inc({ kind: err.code ?? 'bad_request' });
      return reply.code(status).send({ error: err.code ?? 'bad_request', message: err.message });
    }
    metrics.errors.inc({ kind: 'internal' });
    request.log.error({ err }, 'request failed');
    return reply.code(500).send({ error: 'internal_error', message: 'The server failed to handle this request; see its log' });
  });

  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ error: 'not_found', message: `No route ${request.method} ${request.url.split('?')[0]}` }),
  );
}

export const replyUriTooLong = (reply: FastifyReply) =>
  reply.code(414).send({ error: 'uri_too_long', message: 'A part of the URL path is too long' });

/**
 * Fastify's `frameworkErrors`: what the router refuses before any route or error handler runs (a path parameter
 * over `maxParamLength`, a bad percent-encoding), answered in the same `{ error, message }` shape as the rest,
 * without echoing the (possibly huge) path back.
 */
export function frameworkErrors(err: FastifyError, _request: FastifyRequest, reply: FastifyReply) {
  if (err.code === 'FST_ERR_MAX_PARAM_LENGTH') return replyUriTooLong(reply);
  if (err.code === 'FST_ERR_BAD_URL') return reply.code(400).send({ error: 'bad_request', message: 'The URL path is not valid: check its percent-encoding' });
  return reply.code(500).send({ error: 'internal_error', message: 'The server failed to handle this request; see its log' });
}
