import { io } from 'socket.io-client';
import type { MachineInfo } from '@vaahshare/protocol';
import type { AgentSocket } from './shared/socket-transport.js';

/** Where the desktop keeps the secret it got when it enrolled (PROTOCOL.md §2 "Device credential"). */
export interface DeviceSecretKeeper {
  load(): string | undefined;
  save(secret: string): void;
}

/** Handshake refusals that no retry can fix: the agent stops and says what to do. */
const FATAL_REFUSALS: Record<string, string> = {
  token_required: 'the server needs an enrollment token: pass --token or run `vaahshare-agent setup`',
  invalid_token: 'the server refused the enrollment token (unknown or revoked): ask an admin for a valid one and run `vaahshare-agent setup`',
  unknown_app: 'the server did not recognise this agent: check that --server points at a VaahShare server',
};

export interface ConnectionEvents {
  /** `client-connected` was acknowledged: the server knows this desktop on this socket. */
  ready(socket: AgentSocket, company: string | null): void;
  lost(reason: string): void;
  unreachable(reason: string): void;
  /** The server refused for now and said when to try again (a limit of its own: docs/SECURITY.md "Limits"). */
  deferred(message: string): void;
  fatal(message: string): void;
}

/** How long to wait at least before connecting again when a refusal of `client-connected` says "later". */
const MIN_DEFER_MS = 1000;

/**
 * The agent's socket: announces the desktop with `client-connected` after every (re)connect (`machine` is asked
 * each time: what it says of the agent's self-update changes), and
 * reconnects forever with exponential backoff and jitter (1 s doubling to 10 s, ±50 %), so that a
 * thousand agents coming back after a server restart do not arrive together.
 */
export function openConnection(server: string, token: string, machine: () => MachineInfo, device: DeviceSecretKeeper, events: ConnectionEvents): AgentSocket {
  const socket: AgentSocket = io(server, {
    transports: ['websocket'],
    query: { app: 'agent' },
    auth: { token },
    reconnection: true,
    reconnectionAttempts: Infinity,
    reconnectionDelay: 1000,
    reconnectionDelayMax: 10_000,
    randomizationFactor: 0.5,
  });

  socket.on('connect', () => {
    const deviceSecret = device.load();
    socket
      .timeout(10_000)
      .emitWithAck('client-connected', { machine_info: machine(), ...(deviceSecret && { device_secret: deviceSecret }) })
      .then(
        (reply) => {
          if (!reply.ok && reply.retry_after_ms !== undefined) return deferConnect(socket, reply.retry_after_ms, reply.message, events);
          if (!reply.ok) return events.fatal(`client-connected refused: ${reply.message}`);
          // Shown once, when this connection enrolled the desktop: kept before anything else goes out.
          if (reply.device_secret) device.save(reply.device_secret);
          events.ready(socket, reply.company?.name ?? null);
        },
        () => socket.io.engine?.close(),
      );
  });
  socket.on('disconnect', (reason) => {
    // Whatever Socket.IO buffered while the link was down carries stale offsets: drop it.
    socket.sendBuffer = [];
    events.lost(reason);
    // Socket.IO does not come back by itself when the server cut the socket (e.g. its token was
    // revoked): try again, and let the handshake say whether the token is still good.
    if (reason === 'io server disconnect') setTimeout(() => socket.connect(), 1000 + Math.random() * 1000);
  });
  socket.on('connect_error', (err: Error & { data?: { error?: string } }) => {
    const code = err.data?.error;
    if (code && FATAL_REFUSALS[code]) return events.fatal(FATAL_REFUSALS[code]);
    events.unreachable(err.message);
    // A refusal by the server's middleware is not retried by Socket.IO itself.
    if (socket.active === false) setTimeout(() => socket.connect(), 2000 + Math.random() * 2000);
  });
  return socket;
}

/** A refusal that passes (the token's limits of sockets or new desktops, a rate): try again when the server said. */
function deferConnect(socket: AgentSocket, retryAfterMs: number, message: string, events: ConnectionEvents) {
  const waitMs = Math.max(MIN_DEFER_MS, retryAfterMs);
  events.deferred(`the server refused for now (${message}); connecting again in ${Math.ceil(waitMs / 1000)} s`);
  socket.disconnect();
  setTimeout(() => socket.connect(), waitMs * (1 + Math.random() / 2)).unref?.();
}
