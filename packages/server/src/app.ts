import cookie from '@fastify/cookie';
import cors from '@fastify/cors';
import Fastify, { type FastifyBaseLogger, type FastifyServerOptions } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { sql } from 'kysely';
import { agentDownloadsRoutes } from './agent-downloads/agent-downloads.routes.js';
import { alertsRoutes } from './alerts/alerts.routes.js';
import { registerAlertHandlers } from './alerts/alerts.socket.js';
import { createPauses } from './presence/pauses.js';
import { registerPauseHandlers } from './presence/pauses.socket.js';
import { authRoutes } from './auth/auth.routes.js';
import { bootstrap } from './auth/bootstrap.js';
import { authenticateSocket } from './auth/handshake.js';
import { usersRoutes } from './auth/users.routes.js';
import { companiesRoutes } from './companies/companies.routes.js';
import { createCompanyCache } from './companies/company-cache.js';
import type { Config } from './config.js';
import { clientRoom, companyRoom, tokenRoom, type AppContext } from './context.js';
import { migrateToLatest, openDatabase } from './db/database.js';
import { frameworkErrors, installErrorHandlers } from './http-errors.js';
import { runInBackground } from './infra/background.js';
import { systemClock, type Clock } from './infra/clock.js';
import { startHeartbeat } from './infra/heartbeat.js';
import { DebugRequestLog } from './infra/logging.js';
import { addClientsByStateGauge, createMetrics } from './infra/metrics.js';
import { createSocketHandlers } from './infra/socket-handler.js';
import { legacyRoutes } from './legacy/legacy.routes.js';
import { legacyUploadRoutes } from './legacy/legacy-upload.routes.js';
import { clientsRoutes } from './presence/clients.routes.js';
import { countByState } from './presence/presence.repository.js';
import { createPresence } from './presence/presence.service.js';
import { registerPresenceHandlers } from './presence/presence.socket.js';
import { shareRoutes } from './share/share.routes.js';
import { createIo } from './sockets.js';
import { createMediaService } from './media/media.service.js';
import { mediaRoutes } from './media/media.routes.js';
import { createSlowViewers } from './streaming/slow-viewers.js';
import { createViewerServing, registerStreamingHandlers, registerWatchHandlers } from './streaming/streaming.socket.js';
import { createStreams, STREAM_SWEEP_MS } from './streaming/streams.service.js';
import { createRemoteWatch } from './streaming/remote-watch.js';
import { createViewers } from './streaming/viewers.js';
import { createLiveness } from './cluster/liveness.js';
import { webRoutes } from './web/web.routes.js';

export interface BuildOptions {
  clock?: Clock;
  logger?: FastifyServerOptions['logger'];
  /** A logger made by the caller (`main.ts`: readable in a terminal); else `logger`, else JSON at LOG_LEVEL. */
  loggerInstance?: FastifyBaseLogger;
}

export type VaahShareApp = Awaited<ReturnType<typeof buildApp>>;

/** Builds the whole server without listening, so tests can start it on a random port. */
export async function buildApp(config: Config, options: BuildOptions = {}) {
  const logging = options.loggerInstance ? { loggerInstance: options.loggerInstance } : { logger: options.logger ?? { level: config.LOG_LEVEL } };
  const app = Fastify({ ...logging, logController: new DebugRequestLog(), trustProxy: true, frameworkErrors });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  await app.register(cookie);
  if (config.CORS_ORIGINS.length) await app.register(cors, { origin: config.CORS_ORIGINS, credentials: true });

  const database = await openDatabase({
    dataDir: config.DATA_DIR,
    databaseUrl: config.DATABASE_URL,
    onIdleError: (err) => app.log.warn({ err }, 'idle database connection lost'),
  });
  await migrateToLatest(database).catch(async (err) => {
    await database.db.destroy();
    throw err;
  });
  const metrics = createMetrics();
  const sockets = await createIo(app, config, app.log).catch(async (err) => {
    await database.db.destroy();
    throw err;
  });
  const { io, clustered } = sockets;
  const ctx: AppContext = {
    config,
    database,
    db: database.db,
    log: app.log,
    clock: options.clock ?? systemClock,
    metrics,
    io,
    companies: createCompanyCache(database.db),
  };

  const mediaService = createMediaService(ctx);
  const pauses = createPauses(ctx);
  const viewers = createViewers(io, { nodeId: config.NODE_ID, clustered, log: ctx.log, companies: ctx.companies });
  const streams = createStreams(ctx, mediaService, viewers);
  const remoteWatch = clustered ? createRemoteWatch(io, streams, viewers, { nodeId: config.NODE_ID, log: ctx.log }) : null;
  const serveViewer = createViewerServing(streams, remoteWatch?.watchElsewhere ?? null);
  const slowViewers = createSlowViewers({ maxUnsentBytes: config.VIEWER_MAX_UNSENT_BYTES, metrics, log: ctx.log, resume: serveViewer });

  const presence = createPresence({
    db: ctx.db,
    clock: ctx.clock,
    graceMs: config.RECONNECT_GRACE_MS,
    nodeId: config.NODE_ID,
    announce: (companyId, event, client) => {
      metrics.transitions.inc({ state: event.replace('client-', '') });
      io.to(companyRoom(companyId)).emit(event, client);
      // Nobody will resume what a client that is gone for good had open.
      if (event === 'client-disconnected') runInBackground(ctx.log, 'finishing segments', streams.clientGone(client.id));
    },
    onError: (what, err) => ctx.log.error({ err }, `${what} failed`),
  });
  addClientsByStateGauge(metrics, () => countByState(ctx.db));

  // On PostgreSQL, heartbeats use a pool of their own so that they never wait behind a storm of presence
  // queries. SQLite keeps one connection: a second one in the same process would wait for the first one's
  // open transaction synchronously, blocking the event loop that transaction needs to finish.
  const livenessDb = config.DATABASE_URL ? (await openDatabase({ dataDir: config.DATA_DIR, databaseUrl: config.DATABASE_URL })).db : ctx.db;
  const liveness = createLiveness({
    db: livenessDb,
    clock: ctx.clock,
    nodeId: config.NODE_ID,
    deadAfterMs: config.NODE_DEAD_AFTER_MS,
    handOver: async (alive, forgotten) => {
      if (forgotten.length) ctx.log.warn({ nodes: forgotten }, 'nodes found dead: their clients are reconnecting');
      await presence.releaseOrphans(livenessDb);
      await mediaService.resumeInterrupted('gone nodes');
      viewers.retainNodes(alive);
    },
    onPresumedDead: async () => {
      ctx.log.warn('this node was taken for dead (too slow to beat): its agents connect again');
      for (const socket of io.of('/').sockets.values()) if (socket.data.role === 'agent') socket.conn.close();
    },
  });

  installErrorHandlers(app, metrics);
  app.get('/healthz', async () => {
    await sql`select 1`.execute(ctx.db);
    return { ok: true, node_id: config.NODE_ID };
  });
  app.get('/metrics', async (_request, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()));
  await app.register(authRoutes, { prefix: '/api/auth', ctx });
  await app.register(usersRoutes, { prefix: '/api/users', ctx });
  await app.register(companiesRoutes, { prefix: '/api/companies', ctx, onTokenRevoked: presence.revokeToken });
  await app.register(clientsRoutes, { prefix: '/api/clients', ctx });
  await app.register(alertsRoutes, { prefix: '/api/alerts', ctx });
  await app.register(legacyRoutes, { prefix: '/api/vaahshare', ctx });
  await app.register(mediaRoutes, { prefix: '/api/media', ctx, media: mediaService });
  await app.register(legacyUploadRoutes, { ctx, media: mediaService });
  await app.register(shareRoutes);
  await app.register(agentDownloadsRoutes, { ctx });
  await app.register(webRoutes, { ctx });

  let closing = false;
  const handlers = createSocketHandlers(ctx);
  io.use((socket, next) => {
    authenticateSocket(ctx, socket).then(
      (data) => {
        socket.data = data;
        next();
      },
      (err: Error) => {
        metrics.errors.inc({ kind: 'handshake' });
        ctx.log.info({ reason: err.message }, 'socket refused');
        next(err);
      },
    );
  });
  io.on('connection', (socket) => {
    metrics.sockets.inc();
    socket.on('disconnect', () => metrics.sockets.dec());
    if (socket.data.role === 'dashboard') {
      void socket.join([companyRoom(socket.data.companyId!), socket.data.sessionRoom!]);
      slowViewers.track(socket);
      registerWatchHandlers(ctx, handlers, serveViewer, socket);
      return;
    }
    if (socket.data.tokenId !== undefined) void socket.join(tokenRoom(socket.data.tokenId));
    registerPresenceHandlers(ctx, handlers, presence, socket, {
      isShuttingDown: () => closing,
      afterConnect: async (connection, changed) => {
        void socket.join(clientRoom(connection.clientId));
        // The original client starts a fresh recording after a comeback: what it had open is finished.
        if (socket.data.legacy && changed) await streams.clientGone(connection.clientId);
        await viewers.greetAgent(connection.clientId);
      },
    });
    registerAlertHandlers(ctx, handlers, socket);
    registerPauseHandlers(handlers, pauses, socket);
    registerStreamingHandlers(ctx, handlers, streams, socket);
  });

  const bootstrapResult = await bootstrap(ctx);
  const stopTasks: Array<() => void> = [];

  async function listen() {
    const lastBeat = await liveness.lastBeat();
    await liveness.register();
    // Clients this node held before a crash get a fresh grace period to come back; they were last seen
    // when the node last beat, not now.
    await presence.releaseNode(lastBeat);
    await mediaService.resumeInterrupted();
    runInBackground(ctx.log, 'learning the other nodes\' viewers', viewers.syncFromOthers(2 * config.NODE_DEAD_AFTER_MS));
    const sweep = setInterval(() => runInBackground(ctx.log, 'presence sweep', presence.sweepExpired()), config.PRESENCE_SWEEP_MS);
    const streamSweep = setInterval(() => runInBackground(ctx.log, 'stream sweep', streams.sweep()), STREAM_SWEEP_MS);
    const beat = setInterval(() => runInBackground(ctx.log, 'node heartbeat', liveness.tick()), liveness.intervalMs);
    for (const timer of [sweep, streamSweep, beat]) timer.unref();
    stopTasks.push(
      () => clearInterval(sweep),
      () => clearInterval(streamSweep),
      () => clearInterval(beat),
      startHeartbeat(io, { intervalMs: config.HEARTBEAT_INTERVAL_MS, timeoutMs: config.HEARTBEAT_TIMEOUT_MS }),
      slowViewers.start(),
    );
    // After a restart every agent comes back within seconds; Node's default backlog (511) overflows and
    // agents then wait for SYN retransmits (1 s, 3 s, …). The kernel caps it at net.core.somaxconn.
    return app.listen({ port: config.PORT, host: config.HOST, backlog: 4096 });
  }

  async function close() {
    if (closing) return;
    closing = true;
    stopTasks.forEach((stop) => stop());
    // Clients get their grace period to reach another node or this one once it is back.
    await presence.releaseNode().catch((err) => ctx.log.error({ err }, 'releasing clients at shutdown failed'));
    presence.stop();
    await sockets.close();
    await streams.closeAll();
    await app.close();
    await ctx.db.destroy();
    if (livenessDb !== ctx.db) await livenessDb.destroy();
  }

  return { app, ctx, presence, streams, media: mediaService, bootstrapResult, listen, close };
}
