import { sql } from 'kysely';
import type { SocketData } from './context.js';
import type { Feature } from './feature.js';
import { installErrorHandlers } from './http-errors.js';
import { metricsListener, serveMetrics } from './http-security/metrics-access.js';
import { adaptHeapGrowth } from './infra/heap-growth.js';
import { startHeartbeat } from './infra/heartbeat.js';
import type { Infrastructure } from './infrastructure.js';
import { allowMessagesUpTo } from './limits/message-size.js';
import { createTokenSockets } from './limits/token-sockets.js';
import type { AgentSocket } from './sockets.js';

/** Decides who a socket is before it may send anything; throws to refuse it. */
export type Authenticate = (socket: AgentSocket) => Promise<SocketData>;

function serveOps({ app, ctx }: Infrastructure) {
  installErrorHandlers(app, ctx.metrics);
  app.get('/healthz', async () => {
    await sql`select 1`.execute(ctx.db);
    return { ok: true, node_id: ctx.config.NODE_ID };
  });
  serveMetrics(app, ctx.config, ctx.metrics);
}

function wireSockets({ ctx, sockets: { io } }: Infrastructure, features: Feature[], authenticate: Authenticate) {
  for (const feature of features) feature.agentHandlers?.(ctx.handlers);
  const tokenSockets = createTokenSockets(ctx.config.MAX_SOCKETS_PER_TOKEN);
  const admitted = async (socket: AgentSocket) => {
    const data = await authenticate(socket);
    if (data.tokenId !== undefined) tokenSockets.admit(data.tokenId, socket.conn);
    return data;
  };
  io.use((socket, next) => {
    admitted(socket).then(
      (data) => {
        socket.data = data;
        next();
      },
      (err: Error) => {
        ctx.metrics.errors.inc({ kind: 'handshake' });
        ctx.log.info({ reason: err.message }, 'socket refused');
        next(err);
      },
    );
  });
  // One listener shared by every socket, not a closure each.
  const socketGone = () => ctx.metrics.sockets.dec();
  io.on('connection', (socket) => {
    ctx.metrics.sockets.inc();
    socket.on('disconnect', socketGone);
    if (socket.data.role === 'dashboard') {
      ctx.broadcast.admitDashboard(socket);
      for (const feature of features) feature.onDashboard?.(socket);
    } else {
      // Authenticated: video may come now (a dashboard keeps the small limit of unauthenticated connections).
      allowMessagesUpTo(socket.conn, 2 * ctx.config.MAX_FRAME_BYTES);
      ctx.broadcast.admitAgent(socket);
      ctx.handlers.attachAgent(socket);
    }
  });
}

/** Mounts the features' routes and socket handlers; `listen` starts them in order, `close` stops them in reverse. */
export async function wireFeatures(infra: Infrastructure, features: Feature[], authenticate: Authenticate) {
  const { app, ctx, sockets } = infra;
  serveOps(infra);
  for (const feature of features) await feature.routes?.(app);
  wireSockets(infra, features, authenticate);
  let stopHeartbeat = () => {};
  let stopHeapGrowth = () => {};
  let closing = false;
  const metricsOnTheirOwn = metricsListener(ctx.config, ctx.metrics);

  async function listen() {
    for (const feature of features) await feature.start?.();
    await metricsOnTheirOwn.listen();
    stopHeapGrowth = adaptHeapGrowth(sockets.io.engine, ctx.log);
    stopHeartbeat = startHeartbeat(sockets.io, { intervalMs: ctx.config.HEARTBEAT_INTERVAL_MS, timeoutMs: ctx.config.HEARTBEAT_TIMEOUT_MS });
    // After a restart every agent comes back within seconds; Node's default backlog (511) overflows and
    // agents then wait for SYN retransmits (1 s, 3 s, …). The kernel caps it at net.core.somaxconn.
    return app.listen({ port: ctx.config.PORT, host: ctx.config.HOST, backlog: 4096 });
  }

  async function close() {
    if (closing) return;
    closing = true;
    stopHeartbeat();
    stopHeapGrowth();
    for (const feature of [...features].reverse()) await feature.stop?.();
    await sockets.close();
    for (const feature of features) await feature.drain?.();
    await app.close();
    await metricsOnTheirOwn.close();
    await ctx.db.destroy();
    if (ctx.backgroundDb !== ctx.db) await ctx.backgroundDb.destroy();
  }

  return { listen, close };
}
