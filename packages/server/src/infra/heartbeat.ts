import type { Server } from 'socket.io';
import { takePongsDirectly } from './direct-pongs.js';

interface WebSocketLike {
  terminate(): void;
  /** ws's frame parser (private to ws; see direct-pongs.ts). */
  readonly _receiver?: unknown;
  /** ws's TCP socket (private to ws; see `ping`). */
  readonly _socket: { write(data: Buffer): boolean };
  readonly readyState: number;
  readonly bufferedAmount: number;
}

// engine.io's sockets, as far as the heartbeat needs them; its typings mark the transport internal.
interface EngineSocketLike {
  /** The engine.io protocol revision: 4 is the one where the server pings. */
  protocol: number;
  transport: { name: string; socket?: WebSocketLike };
  /** Node's EventEmitter calls a listener with the socket as `this`: one listener serves every socket of a group. */
  on(event: 'packet' | 'close', listener: (this: EngineSocketLike) => void): void;
  /** What the transport calls with each packet it decoded (private to engine.io; see direct-pongs.ts). */
  onPacket(packet: { type: 'pong' }): void;
}

/**
 * A socket's probe, as a small integer so that a socket costs its group one Map entry and nothing else (at 50 000
 * agents per node every object per socket counts): bit 0 is set when a pong, or any packet, arrived since the last
 * ping; the bits above count the judgements put off because the ping may still be queued behind data for the peer.
 */
type Probe = number;
const ANSWERED = 1;
const POSTPONED_ONCE = 2;
const answered = (probe: Probe) => (probe & ANSWERED) !== 0;
const postponements = (probe: Probe) => probe >> 1;

/** How many times a silent peer with data queued towards it gets another interval before it is dropped. */
const MAX_POSTPONED = 3;

/** A whole WebSocket frame, as a server sends it (unmasked): final, text, 1 byte of payload, engine.io's ping "2". */
const ENGINE_PING_FRAME = Buffer.from([0x81, 0x01, 0x32]);
const WEBSOCKET_OPEN = 1;

export interface HeartbeatOptions {
  /** How often each socket is pinged. */
  intervalMs: number;
  /** How long a pong may take before the socket counts as gone; less than `intervalMs`. */
  timeoutMs: number;
}

/**
 * Sockets are pinged in groups, one group per tick of this length: with 10 000 sockets and the default
 * interval a tick pings ~140 of them (2–3 ms), so events never wait long behind the heartbeat. Shorter
 * ticks trade idle CPU for latency: with 20 ms ticks the drop → dashboard p90 halved (11 → 7 ms) but the
 * process spent 3 points of a core more, in the kernel, woken for smaller bursts of pongs
 * (docs/bench-log/presence.md, 2026-12-02).
 */
const TICK_MS = 100;

/** The sockets pinged in one tick, with the two listeners they all share. */
function createGroup() {
  const probes = new Map<EngineSocketLike, Probe>();
  // An agent's pong may queue behind the video it uploads; the video itself shows it is alive. Set only if still
  // in the group: a packet read after the close must not bring a socket back.
  function onPacket(this: EngineSocketLike) {
    const probe = probes.get(this);
    if (probe !== undefined && !answered(probe)) probes.set(this, probe | ANSWERED);
  }
  function onClose(this: EngineSocketLike) {
    probes.delete(this);
  }
  return {
    probes,
    join(socket: EngineSocketLike) {
      probes.set(socket, ANSWERED);
      socket.on('packet', onPacket);
      // engine.io closes a socket once, so `on` (without the wrapper `once` allocates per socket).
      socket.on('close', onClose);
    },
  };
}

/**
 * Notices silent drops (cable pulled, lid shut, a proxy that stops forwarding) within
 * `intervalMs + timeoutMs`.
 *
 * Each WebSocket connection gets an engine.io ping packet written straight to its WebSocket, bypassing
 * engine.io's send queue, its events and its per-socket timers; the client answers with an engine.io
 * pong as it answers Socket.IO's own pings. That pong also restarts engine.io's ping interval, so on
 * WebSocket connections Socket.IO's own, costlier heartbeat never fires, while clients keep receiving
 * real pings and so keep noticing a dead server within `pingInterval + pingTimeout` as usual. A pong that arrives
 * alone goes straight to engine.io's socket (direct-pongs.ts), not through `ws`'s message parsing.
 * Sockets are spread over groups visited one per tick, so 10 000 sockets cost a little every tick rather
 * than one long stall per interval. A socket from which no packet at all (pong, video…) arrived within
 * `timeoutMs` of its ping is terminated, which Socket.IO reports as an ordinary `transport close` —
 * unless data is still queued towards it (a slow viewer), which earns it up to MAX_POSTPONED more
 * intervals. Long-polling connections are left to engine.io's own heartbeat.
 */
export function startHeartbeat(io: Server, { intervalMs, timeoutMs }: HeartbeatOptions): () => void {
  const groupCount = Math.max(1, Math.round(intervalMs / TICK_MS));
  // Each socket's probe lives in its group, so a tick walks the group's entries without any lookup.
  const groups = Array.from({ length: groupCount }, () => createGroup());
  const tickMs = intervalMs / groupCount;
  const timeoutTicks = Math.max(1, Math.round(timeoutMs / tickMs));
  let joined = 0;
  let tick = 0;

  // A new socket joins one of the groups pinged in the last third of an interval: it just showed it is there, so its
  // first ping comes two thirds to one interval later, not at once. It is still judged within one interval and the
  // timeout of joining, as every socket is after its last pong; a reconnect storm (all its sockets fresh) then costs
  // few pings and pongs, and its sockets still spread over several groups.
  const recentGroups = Math.max(1, Math.round(groupCount / 3));
  const onConnection = (socket: EngineSocketLike) => {
    // Only in engine.io 4 does the server ping (and the 3 it replaced is refused by default anyway).
    if (socket.protocol !== 4) return;
    const lastPinged = tick - 1;
    groups[(lastPinged - (joined++ % recentGroups) + 2 * groupCount) % groupCount].join(socket);
    takePongsDirectly(socket);
  };
  io.engine.on('connection', onConnection);

  const websocketOf = (socket: EngineSocketLike) => {
    const ws = socket.transport.name === 'websocket' ? socket.transport.socket : undefined;
    return ws?.readyState === WEBSOCKET_OPEN ? ws : undefined;
  };

  const ping = (probe: Probe, socket: EngineSocketLike, probes: Map<EngineSocketLike, Probe>) => {
    const ws = websocketOf(socket);
    if (!ws) return;
    // Unanswered now; an answered one starts again with no judgement put off.
    if (answered(probe)) probes.set(socket, 0);
    // Written to the TCP socket as one prebuilt frame rather than through ws.send (which frames it anew and
    // writes header and payload as two buffers): the pings were most of an idle node's CPU. Safe because
    // Socket.IO runs without per-message compression here (sockets.ts), so ws never holds frames back in a
    // queue that this one could overtake.
    ws._socket.write(ENGINE_PING_FRAME);
  };

  const judge = (probe: Probe, socket: EngineSocketLike, probes: Map<EngineSocketLike, Probe>) => {
    if (answered(probe)) return;
    const ws = websocketOf(socket);
    if (!ws) return;
    // The ping may still wait behind video queued for a slow viewer: give it more time, within limits.
    if (ws.bufferedAmount > 0 && postponements(probe) < MAX_POSTPONED) probes.set(socket, probe + POSTPONED_ONCE);
    else ws.terminate();
  };

  const onTick = () => {
    const n = tick++;
    groups[n % groupCount].probes.forEach(ping);
    if (n < timeoutTicks) return;
    // Judged after this turn's I/O, so a pong that arrived while the loop was busy still counts.
    const judged = groups[(n - timeoutTicks) % groupCount];
    setImmediate(() => judged.probes.forEach(judge));
  };

  const timer = setInterval(onTick, tickMs);
  timer.unref();
  return () => {
    clearInterval(timer);
    io.engine.off('connection', onConnection);
  };
}
