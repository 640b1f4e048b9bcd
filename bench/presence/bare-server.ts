/**
 * The baseline of the presence benchmark: a minimal Socket.IO 4.8 server with no database, no auth
 * beyond a token comparison, and no heartbeat of its own beyond Socket.IO's defaults.
 *
 * - `query.app === 'backend'` sockets join the dashboard room;
 * - an agent's `client-connected` is acked and relayed to the room as `client-connected`;
 * - an agent that was announced and disconnects is relayed as `client-reconnecting`.
 *
 * Env: PORT, HOST (127.0.0.1), AGENT_TOKEN (optional: refused agents without it when set).
 * GET /healthz answers 200 so that the benchmark knows when it listens.
 */
import { Server } from 'socket.io';
import { exitOnSignals, healthzServer } from './lib.js';

const port = Number(process.env.PORT ?? 3100);
const host = process.env.HOST ?? '127.0.0.1';
const agentToken = process.env.AGENT_TOKEN;
const DASHBOARDS = 'dashboards';

const httpServer = healthzServer();

const io = new Server(httpServer, { perMessageDeflate: false });

io.use((socket, next) => {
  const app = socket.handshake.query.app;
  if (app === 'backend') return next();
  if (app === 'agent' && (!agentToken || socket.handshake.auth?.token === agentToken)) return next();
  next(new Error('refused'));
});

io.on('connection', (socket) => {
  if (socket.handshake.query.app === 'backend') {
    void socket.join(DASHBOARDS);
    return;
  }
  let client: { user_host: string; socket_id: string; is_connected: boolean; is_reconnecting: boolean } | undefined;
  socket.on('client-connected', (payload: { machine_info?: { user_host?: string } }, ack?: (reply: unknown) => void) => {
    const userHost = payload?.machine_info?.user_host;
    if (typeof userHost !== 'string') {
      ack?.({ ok: false, error: 'bad_request' });
      return;
    }
    client = { user_host: userHost, socket_id: socket.id, is_connected: true, is_reconnecting: false };
    ack?.({ ok: true, client });
    io.to(DASHBOARDS).emit('client-connected', client);
  });
  socket.on('disconnect', () => {
    if (client) io.to(DASHBOARDS).emit('client-reconnecting', { ...client, is_reconnecting: true });
  });
});

httpServer.listen(port, host);
exitOnSignals(io);
