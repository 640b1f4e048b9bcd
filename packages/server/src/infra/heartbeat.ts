import type { Server } from 'socket.io';

interface WebSocketLike {
  ping(): void;
  terminate(): void;
  on(event: 'pong', listener: () => void): void;
}

// engine.io keeps its open connections in a field its typings mark protected.
interface EngineWithClients {
  clients: Record<string, { transport: { name: string; socket?: WebSocketLike } }>;
}

/**
 * Notices silent drops (cable pulled, lid shut, a proxy that stops forwarding) within two intervals.
 *
 * Socket.IO's own heartbeat at that rate means a timer and an engine.io packet round trip per socket;
 * instead one sweep for all sockets sends WebSocket ping frames, which every WebSocket peer (browsers,
 * `ws`) answers natively, and records the pong in a flag. A socket that did not answer the previous
 * ping is terminated, which Socket.IO reports as an ordinary `transport close`.
 */
export function startHeartbeat(io: Server, intervalMs: number): () => void {
  const answered = new WeakMap<WebSocketLike, boolean>();

  const sweep = () => {
    const { clients } = io.engine as unknown as EngineWithClients;
    for (const id in clients) {
      const transport = clients[id].transport;
      // Long-polling clients are left to engine.io's own heartbeat.
      if (transport.name !== 'websocket' || !transport.socket) continue;
      const ws = transport.socket;
      const state = answered.get(ws);
      if (state === undefined) {
        ws.on('pong', () => answered.set(ws, true));
      } else if (state === false) {
        ws.terminate();
        continue;
      }
      answered.set(ws, false);
      ws.ping();
    }
  };

  const timer = setInterval(sweep, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
