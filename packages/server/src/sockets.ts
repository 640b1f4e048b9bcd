import type { Socket } from 'socket.io';
import { Server } from 'socket.io';
import type { ClientToServerEvents, ServerToClientEvents } from '@vaahshare/protocol';
import type { FastifyInstance } from 'fastify';
import type { Config } from './config.js';
import type { InterServerEvents, IoServer, SocketData } from './context.js';

export type AgentSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

export function createIo(app: FastifyInstance, config: Config): IoServer {
  return new Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>(app.server, {
    // Original clients send 2 s of video per packet; Socket.IO's 1 MB default would cut them off. Up to
    // twice the frame limit a packet is read and refused with a clear `too_large`; beyond, the transport closes.
    maxHttpBufferSize: 2 * config.MAX_FRAME_BYTES,
    cors: config.CORS_ORIGINS.length ? { origin: config.CORS_ORIGINS, credentials: true } : undefined,
    // Per-message deflate costs memory per socket and CPU per frame, and video does not compress.
    perMessageDeflate: false,
  });
}
