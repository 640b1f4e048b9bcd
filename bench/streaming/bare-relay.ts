/**
 * The baseline of the streaming benchmark: a bare Socket.IO 4.8 relay with no disk, no database and no
 * bookkeeping, speaking the same events as our server so that the same agents and viewers drive it.
 *
 * - an agent's `client-connected` is acked with a client id (a counter);
 * - `start-streaming` is acked with the segment id it named and offset 0;
 * - `video-frame` is relayed to the room of viewers of that client and acked with offset + length;
 * - a dashboard's `watch { client_id }` joins that room.
 *
 * Env: PORT, HOST (127.0.0.1), MAX_FRAME_BYTES (as our server: packets up to twice that are read).
 * GET /healthz answers 200 so that the benchmark knows when it listens.
 */
import { Server } from 'socket.io';
import { exitOnSignals, healthzServer } from '../presence/lib.js';

const port = Number(process.env.PORT ?? 3100);
const host = process.env.HOST ?? '127.0.0.1';
const maxFrameBytes = Number(process.env.MAX_FRAME_BYTES ?? 4 * 1024 * 1024);

type Ack = (reply: object) => void;

const httpServer = healthzServer();

// The same transport settings as our server (packages/server/src/sockets.ts).
const io = new Server(httpServer, { maxHttpBufferSize: 2 * maxFrameBytes, perMessageDeflate: false });
const watchRoom = (clientId: number) => `watch:${clientId}`;
let lastClientId = 0;

io.on('connection', (socket) => {
  if (socket.handshake.query.app === 'backend') {
    socket.on('watch', (payload: { client_id: number }, ack?: Ack) => {
      void socket.join(watchRoom(payload.client_id));
      ack?.({ ok: true });
    });
    return;
  }
  const clientId = ++lastClientId;
  socket.on('client-connected', (payload: { machine_info: { user_host: string } }, ack?: Ack) => {
    ack?.({ ok: true, client: { id: clientId, user_host: payload.machine_info.user_host } });
  });
  socket.on('start-streaming', (payload: { segment_id: string }, ack?: Ack) => {
    ack?.({ ok: true, segment_id: payload.segment_id, offset: 0 });
  });
  socket.on('video-frame', (payload: { buffer: Buffer; segment_id: string; offset: number }, ack?: Ack) => {
    io.to(watchRoom(clientId)).emit('video-frame', { client_id: clientId, segment_id: payload.segment_id, buffer: payload.buffer });
    ack?.({ ok: true, offset: payload.offset + payload.buffer.length });
  });
});

httpServer.listen(port, host);
exitOnSignals(io);
