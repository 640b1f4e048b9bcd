import type { IncomingMessage } from 'node:http';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Socket } from 'socket.io';
import { Server } from 'socket.io';
import type { ClientToServerEvents, ServerToClientEvents } from '@vaahshare/protocol';
import type { Config } from './config.js';
import type { InterServerEvents, IoServer, SocketData } from './context.js';
import { createOriginPolicy, originRefusal, type OriginPolicy } from './http-security/origins.js';
import { coalesceFlushedFrames } from './infra/coalesced-frames.js';

export type AgentSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

export interface SocketServer {
  io: IoServer;
  /** True when nodes share rooms and events through Redis. */
  clustered: boolean;
  /** Closes Socket.IO, then the Redis connection the adapter used. */
  close: () => Promise<void>;
}

/**
 * This deployment's names in Redis, and the adapter's own node tracking: a node silent for `heartbeatTimeout`
 * stops being waited for in inter-node requests, as the database takes it for dead.
 */
const adapterOptions = (config: Config) => ({
  streamName: `${config.REDIS_PREFIX}:socket.io`,
  channelPrefix: `${config.REDIS_PREFIX}:socket.io`,
  heartbeatInterval: Math.max(500, Math.floor(config.NODE_DEAD_AFTER_MS / 4)),
  heartbeatTimeout: config.NODE_DEAD_AFTER_MS,
});

/** Loaded only when REDIS_URL is set: a single node should not keep the Redis client's modules in its heap. */
async function connectRedis(url: string, log: FastifyBaseLogger) {
  const { createClient } = await import('redis');
  const client = createClient({ url });
  // Without a listener a lost connection would crash the process; the client reconnects by itself.
  client.on('error', (err: Error) => log.warn({ err }, 'Redis connection problem'));
  await client.connect().catch((err: Error) => {
    throw new Error(`Cannot reach Redis at REDIS_URL (${err.message}): start Redis or fix REDIS_URL`);
  });
  return client;
}

/**
 * Cross-site WebSocket hijacking: a page of another site must not open a socket riding on the user's cookie. Every
 * engine.io request from a browser page (it carries an Origin) must come from an allowed one; agents in native
 * processes send none. Original clients (`app=electron`) are exempt: they hold no cookie, and their page origin
 * is the Electron app's own.
 */
function allowRequest(allowed: OriginPolicy) {
  return (req: IncomingMessage, callback: (err: string | null | undefined, success: boolean) => void) => {
    const { origin, host } = req.headers;
    const app = new URLSearchParams((req.url ?? '').split('?')[1] ?? '').get('app');
    if (app === 'electron' || allowed(origin, host)) return callback(null, true);
    callback(originRefusal(origin), false);
  };
}

export async function createIo(app: FastifyInstance, config: Config, log: FastifyBaseLogger): Promise<SocketServer> {
  coalesceFlushedFrames();
  const io = new Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>(app.server, {
    allowRequest: allowRequest(createOriginPolicy(config)),
    // Until its handshake authenticated it, a connection may send only small messages (the handshake, a dashboard's
    // events); an agent's is then raised (limits/message-size.ts). Original clients send 2 s of video per packet,
    // beyond Socket.IO's 1 MB default: up to twice the frame limit a packet is read and refused with a clear
    // `too_large`; beyond, the transport closes.
    maxHttpBufferSize: config.MAX_UNAUTHENTICATED_MESSAGE_BYTES,
    cors: config.CORS_ORIGINS.length ? { origin: config.CORS_ORIGINS, credentials: true } : undefined,
    // Per-message deflate costs memory per socket and CPU per frame, and video does not compress.
    perMessageDeflate: false,
  });
  const closeIo = () => new Promise<void>((resolve) => io.close(() => resolve()));
  if (!config.REDIS_URL) return { io, clustered: false, close: closeIo };

  const redis = await connectRedis(config.REDIS_URL, log);
  // The streams adapter, not pub/sub: every message of a node goes through one Redis stream, so other
  // nodes apply them in the order this node sent them (a late viewer's catch-up, then its room join);
  // a node that loses Redis for a moment reads on from its last offset instead of losing messages; and
  // Socket.IO's connection-state recovery works with it (PROTOCOL.md §8.8).
  const { createAdapter } = await import('@socket.io/redis-streams-adapter');
  io.adapter(createAdapter(redis, adapterOptions(config)));
  return {
    io,
    clustered: true,
    close: async () => {
      await closeIo();
      await redis.quit().catch(() => undefined);
    },
  };
}
