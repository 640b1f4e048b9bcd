import cookie from '@fastify/cookie';
import cors from '@fastify/cors';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { createBroadcast } from './broadcast.js';
import { createCompanyCache } from './companies/index.js';
import type { Config } from './config.js';
import type { AppContext } from './context.js';
import { migrateToLatest, openDatabase, type DatabaseHandle } from './db/database.js';
import { createDomainEvents } from './events/domain-events.js';
import { frameworkErrors } from './http-errors.js';
import { restrictFileModes } from './http-security/file-modes.js';
import { secureHeaders } from './http-security/headers.js';
import { createOriginPolicy, refuseForeignOrigins } from './http-security/origins.js';
import { httpsOptions, trustProxy } from './http-security/transport.js';
import { systemClock, type Clock } from './infra/clock.js';
import { DebugRequestLog } from './infra/logging.js';
import { createMetrics } from './infra/metrics.js';
import { createSocketHandlers } from './infra/socket-handler.js';
import { createSocketGate } from './limits/socket-gate.js';
import { createIo, type SocketServer } from './sockets.js';

export interface BuildOptions {
  clock?: Clock;
  logger?: FastifyServerOptions['logger'];
  /** A logger made by the caller (`main.ts`: readable in a terminal); else `logger`, else JSON at LOG_LEVEL. */
  loggerInstance?: FastifyBaseLogger;
}

export interface Infrastructure {
  app: FastifyInstance;
  ctx: AppContext;
  sockets: SocketServer;
}

async function createHttp(config: Config, options: BuildOptions) {
  const logging = options.loggerInstance ? { loggerInstance: options.loggerInstance } : { logger: options.logger ?? { level: config.LOG_LEVEL } };
  const https = httpsOptions(config);
  const app = Fastify({ ...logging, ...(https ? { https } : {}), logController: new DebugRequestLog(), trustProxy: trustProxy(config), frameworkErrors });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  await app.register(cookie);
  await secureHeaders(app);
  refuseForeignOrigins(app, createOriginPolicy(config));
  if (config.CORS_ORIGINS.length) await app.register(cors, { origin: config.CORS_ORIGINS, credentials: true });
  return app;
}

/** Opens what a failure after it must close: the database, then Socket.IO (with Redis when clustered). */
async function openStores(app: FastifyInstance, config: Config): Promise<{ database: DatabaseHandle; sockets: SocketServer }> {
  const database = await openDatabase({
    dataDir: config.DATA_DIR,
    databaseUrl: config.DATABASE_URL,
    onBackgroundError: (err) => app.log.warn({ err }, 'database background work failed'),
  });
  try {
    await migrateToLatest(database);
    return { database, sockets: await createIo(app, config, app.log) };
  } catch (err) {
    await database.db.destroy();
    throw err;
  }
}

/** The HTTP server, the database, Socket.IO and what every feature shares (AppContext). */
export async function openInfrastructure(config: Config, options: BuildOptions): Promise<Infrastructure> {
  restrictFileModes(config.DATA_DIR);
  const app = await createHttp(config, options);
  const { database, sockets } = await openStores(app, config);
  const metrics = createMetrics();
  // On PostgreSQL, node heartbeats and hand-overs use a pool of their own so that they never wait behind a storm
  // of presence queries. SQLite keeps one connection: a second one in the same process would wait for the first
  // one's open transaction synchronously, blocking the event loop that transaction needs to finish.
  const backgroundDb = config.DATABASE_URL ? (await openDatabase({ dataDir: config.DATA_DIR, databaseUrl: config.DATABASE_URL })).db : database.db;
  const ctx: AppContext = {
    config,
    database,
    db: database.db,
    backgroundDb,
    log: app.log,
    clock: options.clock ?? systemClock,
    metrics,
    broadcast: createBroadcast(sockets.io, sockets),
    events: createDomainEvents((event, err) => app.log.error({ err }, `reacting to ${event} failed`)),
    handlers: createSocketHandlers({ log: app.log, metrics }, createSocketGate(config)),
    companies: createCompanyCache(database.db),
  };
  return { app, ctx, sockets };
}
