import type { Server } from 'socket.io';

interface WebSocketLike {
  ping(): void;
  terminate(): void;
  on(event: 'pong', listener: () => void): void;
  readonly bufferedAmount: number;
}

// engine.io's sockets, as far as the heartbeat needs them; its typings mark the transport internal.
interface EngineSocketLike {
  transport: { name: string; socket?: WebSocketLike };
  on(event: 'packet', listener: () => void): void;
  once(event: 'close', listener: () => void): void;
}

interface Probe {
  /** A pong, or any packet, arrived since the last ping. */
  answered: boolean;
  /** Judgements put off because the ping may still be queued behind data for this peer. */
  postponed: number;
  ws?: WebSocketLike;
}

/** How many times a silent peer with data queued towards it gets another interval before it is dropped. */
const MAX_POSTPONED = 3;

export interface HeartbeatOptions {
  /** How often each socket is pinged. */
  intervalMs: number;
  /** How long a pong may take before the socket counts as gone; less than `intervalMs`. */
  timeoutMs: number;
}

/**
 * Sockets are pinged in groups, one group per tick of this length: with 10 000 sockets and the default
 * interval a tick pings ~35 of them (about a millisecond), so events never wait long behind the heartbeat.
 */
const TICK_MS = 25;

/**
 * Notices silent drops (cable pulled, lid shut, a proxy that stops forwarding) within
 * `intervalMs + timeoutMs`.
 *
 * Socket.IO's own heartbeat at that rate means a timer and an engine.io packet round trip per socket;
 * instead WebSocket ping frames, which every WebSocket peer (browsers, `ws`) answers natively, record
 * the pong in a flag. Sockets are spread over groups visited one per tick, so 10 000 sockets cost a
 * few milliseconds every tick rather than one long stall per interval. A socket from which neither the
 * pong nor any packet arrived within `timeoutMs` of its ping is terminated, which Socket.IO reports as
 * an ordinary `transport close` — unless data is still queued towards it (a slow viewer), which earns it
 * up to MAX_POSTPONED more intervals. Long-polling sockets are left to engine.io's own heartbeat.
 */
export function startHeartbeat(io: Server, { intervalMs, timeoutMs }: HeartbeatOptions): () => void {
  const groupCount = Math.max(1, Math.round(intervalMs / TICK_MS));
  const groups = Array.from({ length: groupCount }, () => new Set<EngineSocketLike>());
  const probes = new WeakMap<EngineSocketLike, Probe>();
  const tickMs = intervalMs / groupCount;
  const timeoutTicks = Math.max(1, Math.round(timeoutMs / tickMs));
  let joined = 0;
  let tick = 0;

  const onConnection = (socket: EngineSocketLike) => {
    const probe: Probe = { answered: true, postponed: 0 };
    probes.set(socket, probe);
    // An agent's pong may queue behind the video it uploads; the video itself shows it is alive.
    socket.on('packet', () => (probe.answered = true));
    const group = groups[joined++ % groupCount];
    group.add(socket);
    socket.once('close', () => group.delete(socket));
  };
  io.engine.on('connection', onConnection);

  const websocketOf = (socket: EngineSocketLike) =>
    socket.transport.name === 'websocket' ? socket.transport.socket : undefined;

  const ping = (socket: EngineSocketLike) => {
    const ws = websocketOf(socket);
    const probe = probes.get(socket);
    if (!ws || !probe) return;
    if (probe.ws !== ws) {
      probe.ws = ws;
      ws.on('pong', () => (probe.answered = true));
    }
    if (probe.answered) probe.postponed = 0;
    probe.answered = false;
    ws.ping();
  };

  const judge = (socket: EngineSocketLike) => {
    const ws = websocketOf(socket);
    const probe = probes.get(socket);
    if (!ws || !probe || probe.answered) return;
    // The ping may still wait behind video queued for a slow viewer: give it more time, within limits.
    if (ws.bufferedAmount > 0 && probe.postponed < MAX_POSTPONED) probe.postponed++;
    else ws.terminate();
  };

  const onTick = () => {
    const n = tick++;
    for (const socket of groups[n % groupCount]) ping(socket);
    if (n < timeoutTicks) return;
    // Judged after this turn's I/O, so a pong that arrived while the loop was busy still counts.
    const judged = groups[(n - timeoutTicks) % groupCount];
    setImmediate(() => judged.forEach(judge));
  };

  const timer = setInterval(onTick, tickMs);
  timer.unref();
  return () => {
    clearInterval(timer);
    io.engine.off('connection', onConnection);
  };
}
